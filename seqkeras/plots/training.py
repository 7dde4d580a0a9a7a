"""Plots of training and scores: curves, confusion matrices, model
comparisons, CRF transitions."""

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
