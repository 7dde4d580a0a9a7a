"""Plots: training curves, confusion matrices, forecasts, model comparisons,
CRF transitions and attention maps.

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


def plot_forecasts(
    inputs,
    labels,
    forecasts,
    *,
    input_column=None,
    target=0,
    target_name=None,
    max_windows=3,
    title=None,
):
    """A few windows over time: the inputs, the true future and forecasts.

    Args:
        inputs: `(n, input_width, features)` raw windows.
        labels: `(n, horizon, targets)` true values.
        forecasts: `(n, horizon, targets)` forecasts, or a dict of them by
            model name (several models on the same windows).
        input_column: which feature is the plotted target, to draw its past;
            None draws no past.
        target: which target to plot.
        target_name: its name, for the axis.
        max_windows: how many windows (evenly spread over the n given).
    """
    if not isinstance(forecasts, dict):
        forecasts = {"forecast": forecasts}
    inputs, labels = np.asarray(inputs), np.asarray(labels)
    n = len(labels)
    if n == 0:
        raise ValueError("No windows to plot.")
    chosen = np.unique(np.linspace(0, n - 1, min(max_windows, n)).astype(int))
    width, horizon = inputs.shape[1], labels.shape[1]
    past, future = np.arange(-width + 1, 1), np.arange(1, horizon + 1)
    fig, axes = plt.subplots(
        len(chosen), 1, figsize=(9, 2.6 * len(chosen)), sharex=True, squeeze=False
    )
    for ax, i in zip(axes[:, 0], chosen, strict=True):
        if input_column is not None:
            ax.plot(past, inputs[i, :, input_column], marker=".", label="inputs")
        ax.plot(future, labels[i, :, target], marker=".", color="black", label="true")
        for name, values in forecasts.items():
            ax.plot(future, np.asarray(values)[i, :, target], marker="x", label=name)
        ax.axvline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_ylabel(target_name or f"target {target}")
        ax.set_title(f"window {i}", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, ncol=min(len(forecasts) + 2, 5))
    axes[-1, 0].set_xlabel("steps (0 = last input)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_error_per_horizon(errors, *, metric="MAE", unit=None, title=None):
    """Error against forecast step, one line per model.

    Args:
        errors: a dict of per-step errors by model name (`mae_per_horizon`).
        metric: the error's name, for the axis.
        unit: the target's unit, for the axis.
    """
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for name, values in errors.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=name)
    ax.set_xlabel("steps ahead")
    ax.set_ylabel(f"{metric} ({unit})" if unit else metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or f"{metric} per forecast step")
    fig.tight_layout()
    return fig


def plot_model_comparison(values, *, metric="test MAE", title=None, highlight=None):
    """A bar chart of one figure per model (lower or higher is better).

    Args:
        values: a dict of numbers by model name.
        metric: the figure's name, for the axis.
        highlight: a model name to draw in another colour.
    """
    names = list(values)
    if not names:
        raise ValueError("No models to compare.")
    fig, ax = plt.subplots(figsize=(1.2 + 1.0 * len(names), 3.6))
    colours = ["tab:orange" if n == highlight else "tab:blue" for n in names]
    bars = ax.bar(names, [values[n] for n in names], color=colours)
    ax.bar_label(bars, fmt="%.3g", fontsize=8)
    ax.set_ylabel(metric)
    ax.tick_params(axis="x", rotation=30)
    ax.grid(alpha=0.3, axis="y")
    ax.set_title(title or metric)
    fig.tight_layout()
    return fig


def plot_transitions(transitions, tag_names, *, title=None):
    """A CRF's transition scores: row = previous tag, column = next tag.

    Blue cells are transitions the model favours, red ones it avoids (for
    IOB2 tags, `O` -> `I-PER` should be deep red).

    Args:
        transitions: `(num_tags, num_tags)` scores, e.g. a `CRF` layer's
            `transitions` weight.
        tag_names: the tags, in id order.
        title: the figure's title.
    """
    scores = np.asarray(transitions, dtype="float64")
    if scores.shape != (len(tag_names), len(tag_names)):
        raise ValueError(
            f"Expected a {len(tag_names)} x {len(tag_names)} matrix for "
            f"{len(tag_names)} tags, got shape {scores.shape}."
        )
    size = 1.5 + 0.55 * len(tag_names)
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    limit = np.abs(scores).max() or 1.0
    image = ax.imshow(scores, cmap="RdBu", vmin=-limit, vmax=limit)
    ax.set_xticks(range(len(tag_names)), tag_names, rotation=45, ha="right")
    ax.set_yticks(range(len(tag_names)), tag_names)
    ax.set_xlabel("next tag")
    ax.set_ylabel("previous tag")
    fig.colorbar(image, ax=ax, label="transition score")
    ax.set_title(title or "CRF transition scores")
    fig.tight_layout()
    return fig


def plot_attention(weights, source_tokens, target_tokens, *, title=None, ax=None):
    """An attention map: which source words each generated word looked at.

    Row i shows the weights the decoder gave the source words while it
    produced target word i; each row sums to 1. A translation that follows
    the source's word order gives a diagonal.

    Args:
        weights: `(len(target_tokens), len(source_tokens))` attention weights.
        source_tokens: the source words (columns).
        target_tokens: the generated words (rows), `[END]` included.
        title: the figure's title.
        ax: draw into this matplotlib axes instead of a new figure.
    """
    weights = np.asarray(weights, dtype="float64")
    expected = (len(target_tokens), len(source_tokens))
    if weights.shape != expected:
        raise ValueError(
            f"Expected attention weights of shape {expected} (target words x "
            f"source words), got {weights.shape}."
        )
    if ax is None:
        width = 2.0 + 0.5 * len(source_tokens)
        height = 1.5 + 0.4 * len(target_tokens)
        fig, ax = plt.subplots(figsize=(max(width, 4.0), max(height, 3.0)))
    else:
        fig = ax.figure
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source_tokens)), source_tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(target_tokens)), target_tokens)
    ax.set_xlabel("source")
    ax.set_ylabel("generated")
    fig.colorbar(image, ax=ax, label="attention weight")
    ax.set_title(title or "attention")
    fig.tight_layout()
    return fig
