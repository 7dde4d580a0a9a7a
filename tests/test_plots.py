"""Training curves and confusion matrices."""

import pytest

from seqkeras import plots

HISTORY = {
    "loss": [0.7, 0.5, 0.3],
    "accuracy": [0.5, 0.7, 0.9],
    "val_loss": [0.65, 0.55, 0.5],
    "val_accuracy": [0.55, 0.65, 0.7],
}


def test_history_has_one_panel_per_metric_with_both_curves():
    fig = plots.plot_history(HISTORY, title="lstm")
    axes = fig.get_axes()
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy"]
    for ax in axes:
        assert [line.get_label() for line in ax.get_lines()] == [
            "training",
            "validation",
        ]
        assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3]
    assert fig._suptitle.get_text() == "lstm"


def test_history_without_validation_and_empty_history():
    fig = plots.plot_history({"loss": [1.0, 0.5]})
    assert len(fig.get_axes()[0].get_lines()) == 1
    with pytest.raises(ValueError, match="empty"):
        plots.plot_history({})


def test_confusion_matrix_prints_counts_in_cells():
    fig = plots.plot_confusion_matrix([[8, 2], [1, 9]], ["negative", "positive"])
    ax = fig.get_axes()[0]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "8", "9"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["negative", "positive"]
    assert ax.get_ylabel() == "true" and ax.get_xlabel() == "predicted"
