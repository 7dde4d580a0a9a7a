"""Plots of what sequence models look at and write: attention maps,
captioned images, tagged sentences and maps of learned word vectors."""

import matplotlib.pyplot as plt
import numpy as np

from seqkeras.tags import conlleval_spans


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


def plot_tagged_sentence(tokens, tags, *, reference=None, title=None):
    """A sentence with its tags: each entity boxed in its type's colour, with
    the type underneath (or, for tags without spans such as parts of
    speech, every word boxed with its tag).

    Args:
        tokens: the words.
        tags: one tag per word, as `TaggingPipeline.predict` gives them
            (`B-PER`, `I-PER`, `O`, ... or `NOUN`, `VERB`, ...).
        reference: optional true tags, drawn as a second row underneath.
        title: the figure's title.
    """
    rows = {"predicted": list(tags)}
    if reference is not None:
        rows["reference"] = list(reference)
    for name, row in rows.items():
        if len(row) != len(tokens):
            raise ValueError(
                f"Expected one {name} tag per word ({len(tokens)}), got {len(row)}."
            )
    spans = {name: _tag_spans(row) for name, row in rows.items()}
    kinds = sorted({kind for row in spans.values() for kind, _, _ in row})
    colours = {kind: plt.get_cmap("tab10")(i % 10) for i, kind in enumerate(kinds)}
    # Words are placed by character count in a monospaced font, so the
    # figure's width in characters sets its width in inches.
    starts = np.cumsum([0] + [len(word) + 1 for word in tokens])
    left = 12 if reference is not None else 1
    inches = max(3.0, 0.095 * (left + int(starts[-1]) + 1))  # 0.095 in a character
    fig = plt.figure(figsize=(inches, 0.3 + 0.75 * len(rows)))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0 - 0.3 / fig.get_figheight()))
    ax.set_xlim(-left, inches / 0.095 - left)
    ax.set_ylim(-len(rows) + 0.2, 0.6)
    ax.axis("off")
    font = {"family": "monospace", "fontsize": 10}
    for row_number, (name, row) in enumerate(spans.items()):
        y = -row_number  # rows go down
        if reference is not None:
            ax.text(-1, y, name, ha="right", va="center", color="grey", **font)
        covered = set()
        for kind, start, end in row:
            ax.text(
                starts[start], y, " ".join(tokens[start:end]), va="center",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": colours[kind],
                      "alpha": 0.35, "edgecolor": colours[kind]},
                **font,
            )  # fmt: skip
            middle = (starts[start] + starts[end] - 1) / 2
            ax.text(
                middle, y - 0.42, kind, ha="center", va="center",
                fontsize=7, color=colours[kind], weight="bold",
            )  # fmt: skip
            covered.update(range(start, end))
        for i, word in enumerate(tokens):
            if i not in covered:
                ax.text(starts[i], y, word, va="center", **font)
    fig.suptitle(title or "tagged sentence", fontsize=10, y=0.99, va="top")
    return fig


def _tag_spans(tags):
    """`(kind, start, end)` spans: the entities of entity tags (all `O` or
    with a `B-`, `I-`, `E-`, `S-` prefix), else one span per word."""
    if all(tag == "O" or tag[:2] in ("B-", "I-", "E-", "S-") for tag in tags):
        return conlleval_spans(tags)
    return [(tag, i, i + 1) for i, tag in enumerate(tags)]


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
