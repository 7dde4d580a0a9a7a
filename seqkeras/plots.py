"""Plots: training curves and confusion matrices (more per task to come).

Every function returns a matplotlib `Figure`: a notebook shows it, the
command line saves it with `fig.savefig(path)`.
"""

import matplotlib.pyplot as plt
import numpy as np


def plot_history(history, *, title=None):
    """Training curves: one panel per metric, training and validation.

    Args:
        history: a dict of per-epoch lists, as `Pipeline.fit` returns
            (`loss`, `val_loss`, `accuracy`, `val_accuracy`, ...).
        title: the figure's title.
    """
    metrics = [k for k in history if not k.startswith("val_") and history[k]]
    if not metrics:
        raise ValueError("The history is empty: train for at least one epoch.")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.4))
    axes = np.atleast_1d(axes)
    for ax, metric in zip(axes, metrics, strict=True):
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], marker="o", label="training")
        if history.get(f"val_{metric}"):
            ax.plot(epochs, history[f"val_{metric}"], marker="o", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_xticks(epochs if len(epochs) <= 12 else epochs[:: len(epochs) // 10])
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix, label_names, *, normalize=True, title=None):
    """A confusion matrix: rows are true classes, columns predicted classes.

    Args:
        matrix: counts, `(num_classes, num_classes)`.
        label_names: class names.
        normalize: colour by the fraction of each true class (counts are
            printed in the cells either way).
        title: the figure's title.
    """
    counts = np.asarray(matrix)
    shown = (
        counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        if normalize
        else counts
    )
    size = 1.2 + 0.9 * len(label_names)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.set_xticks(range(len(label_names)), label_names, rotation=30, ha="right")
    ax.set_yticks(range(len(label_names)), label_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for (i, j), count in np.ndenumerate(counts):
        dark = shown[i, j] > 0.6 * (shown.max() or 1)
        ax.text(
            j,
            i,
            f"{count}",
            ha="center",
            va="center",
            color="white" if dark else "black",
        )
    fig.colorbar(image, ax=ax, label="fraction of true class" if normalize else "count")
    ax.set_title(title or "Confusion matrix")
    fig.tight_layout()
    return fig
