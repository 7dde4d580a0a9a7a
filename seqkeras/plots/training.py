"""Plots: training curves, confusion matrices, forecasts, model comparisons,
CRF transitions, attention maps and captioned images.

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


def _image_for_display(image):
    """`(height, width, 3)` pixels in [0, 255] (or a file path) for imshow."""
    if isinstance(image, str):
        return plt.imread(image)
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"Expected an image (height, width, 3), got {image.shape}.")
    return np.clip(image, 0, 255).astype("uint8")


def plot_caption_grid(images, captions, *, references=None, columns=4, title=None):
    """Images with their generated (and reference) captions underneath.

    Args:
        images: pixels `(n, height, width, 3)` in [0, 255], or file paths.
        captions: the `n` generated captions.
        references: optional, for each image a list of its reference
            captions; a generated caption that equals one of them is shown
            in green, one that does not in red.
        columns: images per row.
        title: the figure's title.
    """
    if len(images) != len(captions):
        raise ValueError(f"Got {len(images)} images but {len(captions)} captions.")
    n = len(captions)
    rows = max(1, -(-n // columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.2 * columns, 3.6 * rows), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(_image_for_display(images[i]))
        colour = "black"
        lines = [captions[i]]
        if references is not None:
            refs = [references[i]] if isinstance(references[i], str) else references[i]
            right = captions[i].strip().lower() in {r.strip().lower() for r in refs}
            colour = "green" if right else "red"
            lines.append(f"(ref: {refs[0]})")
        ax.set_title("\n".join(_wrap(line) for line in lines), fontsize=8, color=colour)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _wrap(text, width=34):
    """Breaks a caption into lines of about `width` characters."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def plot_caption_attention(image, tokens, attention, *, columns=5, title=None):
    """Where the captioner looked for each word: the attention map of every
    generated word, upsampled and laid over the image.

    Args:
        image: pixels `(height, width, 3)` in [0, 255], or a file path.
        tokens: the generated words, `[END]` included.
        attention: `(len(tokens), grid_height, grid_width)` weights, as
            `CaptioningPipeline.caption_with_attention` returns them.
        columns: panels per row.
        title: the figure's title (default: the caption).
    """
    pixels = _image_for_display(image)
    attention = np.asarray(attention, dtype="float64")
    if attention.ndim != 3 or attention.shape[0] != len(tokens):
        raise ValueError(
            f"Expected attention weights (words, grid height, grid width) for "
            f"{len(tokens)} words, got shape {attention.shape}."
        )
    height, width = pixels.shape[:2]
    rows = max(1, -(-len(tokens) // columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(2.6 * columns, 2.8 * rows), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(tokens):
            continue
        ax.imshow(pixels)
        # Each grid cell covers a block of pixels; show it as that block.
        ax.imshow(
            attention[i],
            cmap="magma",
            alpha=0.6,
            extent=(0, width, height, 0),
            interpolation="bilinear",
            vmin=0.0,
            vmax=max(float(attention[i].max()), 1e-6),
        )
        ax.set_title(tokens[i], fontsize=10)
    fig.suptitle(title or " ".join(t for t in tokens if t != "[END]"))
    fig.tight_layout()
    return fig


def plot_embeddings(points, labels, *, groups=None, title=None, ax=None):
    """Words as points in two dimensions, each with its label.

    Args:
        points: `(n, 2)` coordinates, for example from
            `seqkeras.embeddings.project`.
        labels: the `n` words.
        groups: optional `n` group names (for example "positive" /
            "negative"); each group gets a colour and a legend entry.
        title: the axes' title.
        ax: draw into this matplotlib axes instead of a new figure.
    """
    points = np.asarray(points, dtype="float64")
    if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(labels):
        raise ValueError(
            f"Expected (n, 2) points for {len(labels)} labels, got shape "
            f"{points.shape}: project the vectors to 2-D first "
            "(seqkeras.embeddings.project)."
        )
    if groups is not None and len(groups) != len(labels):
        raise ValueError(
            f"Expected one group per label ({len(labels)}), got {len(groups)}."
        )
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 5.5))
    else:
        fig = ax.figure
    names = list(dict.fromkeys(groups)) if groups is not None else [None]
    for name in names:
        chosen = [g == name for g in groups] if groups is not None else slice(None)
        ax.scatter(*points[chosen].T, s=28, alpha=0.8, label=name)
    for (x, y), label in zip(points, labels, strict=True):
        ax.annotate(
            label, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9
        )
    if groups is not None:
        ax.legend()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or "word vectors")
    fig.tight_layout()
    return fig


def plot_rnn_diagram(model, *, time_steps=4, title=None, ax=None):
    """Draws a recurrent model unrolled in time, from the model itself.

    One column per time step and one row per recurrent layer, in the course's
    notation: `x<t>` at the bottom, `a[l]<t>` for layer `l` at step `t`
    (a bidirectional layer has a forward row `a→[l]<t>`, whose state passes
    left to right, and a backward row `a←[l]<t>`, right to left), and the
    outputs `ŷ<t>` on top: at every step if the last recurrent layer returns
    sequences, once otherwise (from the forward state at the last step and,
    if bidirectional, the backward state at the first). The labels on the
    left name the Keras layers and their sizes.

    Args:
        model: a Keras model with recurrent layers (any seqkeras builder's).
        time_steps: how many steps to draw.
        title: the axes' title (default: the model's name).
        ax: draw into this matplotlib axes instead of a new figure.
    """
    from matplotlib.patches import FancyBboxPatch

    from seqkeras.models.recurrent import recurrent_structure

    if not isinstance(time_steps, int) or not 1 <= time_steps <= 12:
        raise ValueError(f"Expected time_steps between 1 and 12, got {time_steps!r}.")
    parts = recurrent_structure(model)
    layers = [p for p in parts if p["kind"] == "recurrent"]
    output = parts[-1] if parts[-1]["kind"] == "output" else None
    steps = list(range(1, time_steps + 1))
    width, height, gap, layer_gap = 0.7, 0.42, 0.85, 1.25

    # === Rows, bottom to top: (y, direction, label of step t) ===
    rows = [(0.0, None, lambda t: f"x<{t}>")]
    side = [(0.0, _describe(parts[0]))]
    groups, y = [], 0.0
    for number, part in enumerate(layers, start=1):
        y += layer_gap
        group = []
        for arrow in ["→", "←"] if part["bidirectional"] else [""]:
            rows.append((y, arrow, lambda t, a=arrow, n=number: f"a{a}[{n}]<{t}>"))
            group.append(len(rows) - 1)
            y += gap
        y -= gap
        side.append((rows[group[0]][0] + (y - rows[group[0]][0]) / 2, _describe(part)))
        groups.append(group)
    y += layer_gap
    every_step = layers[-1]["return_sequences"]
    outputs = steps if every_step else [(1 + time_steps) / 2]
    side.append((y, _describe(output) if output else "outputs"))

    if ax is None:
        fig, ax = plt.subplots(figsize=(2.6 + 1.2 * time_steps, 1.0 + 0.8 * y))
    else:
        fig = ax.figure
    colours = {None: "#dbe9f6", "": "#fde0c5", "→": "#fde0c5", "←": "#d9f0d3"}
    line = dict(color="0.35", lw=1.0)

    def box(cx, cy, label, colour):
        ax.add_patch(
            FancyBboxPatch(
                (cx - width / 2, cy - height / 2),
                width,
                height,
                boxstyle="round,pad=0.02",
                facecolor=colour,
                edgecolor="0.3",
                zorder=2,
            )
        )
        ax.text(cx, cy, label, ha="center", va="center", fontsize=8.5, zorder=3)

    def connect(points):
        """A polyline through `points`, with an arrow head on its last leg."""
        xs, ys = zip(*points, strict=True)
        ax.plot(xs[:-1], ys[:-1], zorder=1, **line)
        ax.annotate(
            "",
            xy=points[-1],
            xytext=points[-2],
            arrowprops=dict(arrowstyle="->", shrinkA=0, shrinkB=0, **line),
            zorder=1,
        )

    def feed(source, target, t, target_x=None):
        """From row `source` at step t up to row `target` (at `target_x`).

        A connection that would cross the rows between goes round them in
        the gap between columns: the forward row's on the left, the others'
        on the right, so the two directions never share a path.
        """
        source_y, direction = rows[source][0], rows[source][1]
        target_y = rows[target][0] if target is not None else y
        side_ = -1 if direction == "→" else 1
        x0 = t + 0.18 * side_ if direction in ("→", "←") else t
        x1 = target_x if target_x is not None else x0
        bottom, top = source_y + height / 2, target_y - height / 2
        if (
            target_y - source_y <= layer_gap + 1e-9
            or target is None
            and not [r for r in rows if source_y < r[0] < target_y]
        ):
            connect([(x0, bottom), (x0, bottom), (x1, top)])
            return
        lane = t + 0.42 * side_  # two lanes per gap, one per direction
        up, down = bottom + 0.12, top - 0.12
        connect(
            [(x0, bottom), (x0, up), (lane, up), (lane, down), (x1, down), (x1, top)]
        )

    # === Boxes and recurrent connections ===
    for index, (row_y, direction, label) in enumerate(rows):
        for t in steps:
            box(t, row_y, label(t), colours[direction])
        if index == 0:
            continue
        for t in steps[:-1]:
            start, end = (t, t + 1) if direction != "←" else (t + 1, t)
            sign = 1 if direction != "←" else -1
            connect(
                [
                    (start + sign * width / 2, row_y),
                    (start + sign * width / 2, row_y),
                    (end - sign * width / 2, row_y),
                ]
            )
    # === Each layer's rows feed every row of the layer above, step by step ===
    below = [0]
    for group in groups:
        for source in below:
            for target in group:
                for t in steps:
                    entry = t + 0.18 * (-1 if rows[source][1] == "→" else 1)
                    feed(source, target, t, entry if len(below) > 1 else t)
        below = group
    # === Outputs ===
    for t in outputs:
        box(t, y, f"ŷ<{t}>" if every_step else "ŷ", "#e5e5e5")
    for source in below:
        if every_step:
            for t in steps:
                side_ = -1 if rows[source][1] == "→" else 1
                feed(source, None, t, t + 0.18 * side_ if len(below) > 1 else None)
        else:
            # The last step's forward state; a backward row ends at step 1.
            t = 1 if rows[source][1] == "←" else time_steps
            feed(source, None, t, outputs[0])
    for side_y, text in side:
        ax.text(0.3, side_y, text, ha="right", va="center", fontsize=8.5)
    ax.set_xlim(-1.9, time_steps + 0.6)
    ax.set_ylim(-0.5, y + 0.5)
    ax.axis("off")
    ax.set_title(title or model.name)
    fig.tight_layout()
    return fig


def _describe(part):
    """The label beside a row of the diagram."""
    if part["kind"] == "recurrent":
        kind = ("bidirectional " if part["bidirectional"] else "") + part["cell"]
        return f"{part['name']}\n{kind}, {part['units']} units"
    return f"{part['name']}\nsize {part['units']}"
