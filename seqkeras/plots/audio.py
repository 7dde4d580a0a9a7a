"""Plots of speech: a waveform, its features, a CTC model's outputs frame by
frame, and the paths CTC sums over."""

import matplotlib.pyplot as plt
import numpy as np

from seqkeras.numpy_ctc import augmented, paths


def _axes(ax, size):
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        return fig, ax
    return ax.figure, ax


def plot_waveform(samples, sample_rate=8000, *, title=None, ax=None):
    """A clip's samples over time (seconds)."""
    fig, ax = _axes(ax, (8, 2.2))
    samples = np.asarray(samples)
    ax.plot(np.arange(len(samples)) / sample_rate, samples, lw=0.6)
    ax.set_xlabel("seconds")
    ax.set_ylabel("amplitude")
    ax.set_xlim(0, len(samples) / sample_rate)
    ax.set_title(title or "waveform")
    fig.tight_layout()
    return fig


def plot_features(features, *, step_seconds=0.01, kind="log-mel", title=None, ax=None):
    """Feature frames `(steps, features)` as an image: time across, feature
    (mel band or MFCC) up."""
    fig, ax = _axes(ax, (8, 2.8))
    features = np.asarray(features)
    extent = [0, len(features) * step_seconds, 0, features.shape[1]]
    image = ax.imshow(
        features.T, origin="lower", aspect="auto", extent=extent, cmap="magma"
    )
    ax.set_xlabel("seconds")
    ax.set_ylabel("mel band" if kind == "log-mel" else "coefficient")
    ax.set_title(title or kind)
    fig.colorbar(image, ax=ax, pad=0.01)
    fig.tight_layout()
    return fig


def plot_ctc_outputs(log_probs, symbols, *, step_seconds=0.02, title=None, ax=None):
    """A CTC model's probability of the blank and of each symbol at every
    step `(steps, symbols + 1)`: spikes of the symbols between long runs of
    blank are how CTC models mark where each symbol is said."""
    fig, ax = _axes(ax, (8, 2.8))
    probabilities = np.exp(np.asarray(log_probs))
    steps = np.arange(len(probabilities)) * step_seconds
    ax.plot(steps, probabilities[:, 0], color="0.75", lw=2, label="blank")
    colours = plt.get_cmap("tab10")
    for k, symbol in enumerate(symbols, start=1):
        if probabilities[:, k].max() > 0.2:
            ax.plot(steps, probabilities[:, k], color=colours(k % 10), label=symbol)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("seconds")
    ax.set_ylabel("probability")
    ax.legend(loc="upper right", ncol=6, fontsize=8)
    ax.set_title(title or "CTC outputs")
    fig.tight_layout()
    return fig


def plot_ctc_paths(label, num_frames, *, symbols=None, max_paths=None, ax=None):
    """Every path of `num_frames` outputs that reads as `label` (symbol ids
    >= 1), drawn through the blank-augmented label: a row per entry of
    `_ l1 _ l2 _ ...`, a column per frame. Each path steps right one frame
    at a time, staying on its row, moving down one row, or skipping a blank
    between two different symbols; the CTC probability sums them all."""
    fig, ax = _axes(ax, (1.0 + 0.9 * num_frames, 0.9 + 0.55 * (2 * len(label) + 1)))
    extended = augmented(label)
    names = ["_"] + list(symbols or [str(k) for k in range(1, max(label) + 1)])
    found = paths(label, num_frames, max(label) + 1)
    if max_paths is not None:
        found = found[:max_paths]
    for path in found:
        rows, state = [], 0
        for t, output in enumerate(path):
            # The row this frame's output occupies: the first one at or
            # after the previous frame's that holds the output.
            state = next(
                s for s in range(state, len(extended)) if extended[s] == output
            ) if t else (0 if output == 0 else 1)  # fmt: skip
            rows.append(state)
        ax.plot(range(num_frames), rows, "-", color="tab:blue", alpha=0.35, lw=2)
    for s in range(len(extended)):
        ax.scatter(range(num_frames), [s] * num_frames, color="0.55", s=40, zorder=3)
    ax.set_yticks(range(len(extended)), [names[k] for k in extended])
    ax.set_xticks(range(num_frames), [f"t={t + 1}" for t in range(num_frames)])
    ax.invert_yaxis()
    ax.set_title(f"{len(found)} paths of {num_frames} frames read as "
                 f"{''.join(names[k] for k in label)!r}")  # fmt: skip
    fig.tight_layout()
    return fig
