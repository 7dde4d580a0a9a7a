"""Plots of forecasts: test windows with their forecasts, and the error per
forecast step."""

import matplotlib.pyplot as plt
import numpy as np


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
