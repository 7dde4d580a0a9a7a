"""Plots of music: a piano roll, and the statistics of pieces side by side."""

import matplotlib.pyplot as plt
import numpy as np

from seqkeras.music.notes import LOWEST, NAMES, note_name, onsets

VOICE_COLOURS = ("tab:red", "tab:blue", "tab:green", "tab:purple")


def _axes(ax, size):
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        return fig, ax
    return ax.figure, ax


def plot_piano_roll(music, *, steps_per_quarter=4, title=None, ax=None):
    """Notes as bars on a piano roll: time (quarter notes) across, pitch up.

    Args:
        music: voices (a tuple of sequences of `Note`s; each voice in its
            own colour; a melody: `[notes]`) or a multi-hot roll
            `(steps, 88)`.
        steps_per_quarter: the roll's grid, for a roll.
    """
    fig, ax = _axes(ax, (9, 3.2))
    if isinstance(music, np.ndarray):
        roll = music > 0.5
        extent = [
            0,
            len(roll) / steps_per_quarter,
            LOWEST - 0.5,
            LOWEST + roll.shape[1] - 0.5,
        ]
        ax.imshow(
            roll.T, origin="lower", aspect="auto", extent=extent, cmap="Greys",
            interpolation="nearest",
        )  # fmt: skip
        pitched = np.flatnonzero(roll.any(axis=0))
        low, high = (
            (LOWEST + pitched.min(), LOWEST + pitched.max())
            if len(pitched)
            else (60, 72)
        )
    else:
        pitches = []
        for v, voice in enumerate(music):
            colour = VOICE_COLOURS[v % len(VOICE_COLOURS)]
            for onset, note in onsets(voice):
                if note.pitch is None:
                    continue
                pitches.append(note.pitch)
                corner = (float(onset), note.pitch - 0.4)
                width = float(note.duration) * 0.95
                ax.add_patch(plt.Rectangle(corner, width, 0.8, color=colour))
        length = max((float(sum(n.duration for n in v)) for v in music), default=1.0)
        ax.set_xlim(0, length)
        low, high = (min(pitches), max(pitches)) if pitches else (60, 72)
    ax.set_ylim(low - 1.5, high + 1.5)
    ticks = [p for p in range(low - 1, high + 2) if p % 12 in (0, 7)]
    ax.set_yticks(ticks, [note_name(p) for p in ticks])
    ax.set_xlabel("quarter notes")
    ax.set_ylabel("pitch")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or "piano roll")
    fig.tight_layout()
    return fig


def plot_music_statistics(descriptions, *, title=None):
    """Pitch-class, interval and duration histograms of several sets of
    pieces side by side.

    Args:
        descriptions: name -> a result of `seqkeras.music.statistics.describe`
            (for example "chorales", "model, T=1.0", "bigram").
    """
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    names = list(descriptions)
    width = 0.8 / max(len(names), 1)
    for ax, key, label in zip(
        axes,
        ("pitch_classes", "intervals", "durations"),
        ("pitch class", "melodic interval (semitones)", "duration (quarter notes)"),
        strict=True,
    ):
        keys = list(descriptions[names[0]][key])
        if key == "pitch_classes":
            keys = list(NAMES)
        x = np.arange(len(keys))
        for i, name in enumerate(names):
            shares = [descriptions[name][key].get(k, 0.0) for k in keys]
            ax.bar(x + (i - (len(names) - 1) / 2) * width, shares, width, label=name)
        step = 2 if len(keys) > 14 else 1
        ax.set_xticks(x[::step], keys[::step], rotation=90 if key == "intervals" else 0)
        ax.set_xlabel(label)
        ax.set_ylabel("share of notes")
    axes[0].legend(fontsize="small")
    fig.suptitle(title or "what the pieces are made of")
    fig.tight_layout()
    return fig
