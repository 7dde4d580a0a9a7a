"""RNN diagrams drawn from the model: unrolled in time, in the course's
notation."""

import matplotlib.pyplot as plt

WIDTH, HEIGHT, GAP, LAYER_GAP = 0.7, 0.42, 0.85, 1.25
COLOURS = {None: "#dbe9f6", "": "#fde0c5", "→": "#fde0c5", "←": "#d9f0d3"}
LINE = dict(color="0.35", lw=1.0)


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
    from seqkeras.models.recurrent import recurrent_structure

    if not isinstance(time_steps, int) or not 1 <= time_steps <= 12:
        raise ValueError(f"Expected time_steps between 1 and 12, got {time_steps!r}.")
    diagram = _Diagram(recurrent_structure(model), time_steps)
    if ax is None:
        size = (2.6 + 1.2 * time_steps, 1.0 + 0.8 * diagram.top)
        fig, ax = plt.subplots(figsize=size)
    else:
        fig = ax.figure
    diagram.draw(ax)
    ax.set_title(title or model.name)
    fig.tight_layout()
    return fig


class _Diagram:
    """The rows and connections of one diagram, and the drawing of them."""

    def __init__(self, parts, time_steps):
        layers = [p for p in parts if p["kind"] == "recurrent"]
        output = parts[-1] if parts[-1]["kind"] == "output" else None
        self.time_steps = time_steps
        self.steps = list(range(1, time_steps + 1))
        # Rows, bottom to top: (y, direction, label of step t).
        self.rows = [(0.0, None, lambda t: f"x<{t}>")]
        self.side = [(0.0, _describe(parts[0]))]
        self.groups = []
        y = 0.0
        for number, part in enumerate(layers, start=1):
            y += LAYER_GAP
            group = []
            for arrow in ["→", "←"] if part["bidirectional"] else [""]:
                label = lambda t, a=arrow, n=number: f"a{a}[{n}]<{t}>"  # noqa: E731
                self.rows.append((y, arrow, label))
                group.append(len(self.rows) - 1)
                y += GAP
            y -= GAP
            first = self.rows[group[0]][0]
            self.side.append((first + (y - first) / 2, _describe(part)))
            self.groups.append(group)
        self.top = y + LAYER_GAP
        self.every_step = layers[-1]["return_sequences"]
        self.outputs = self.steps if self.every_step else [(1 + time_steps) / 2]
        self.side.append((self.top, _describe(output) if output else "outputs"))

    def draw(self, ax):
        self.ax = ax
        self._draw_rows()
        below = [0]  # each layer's rows feed every row of the layer above
        for group in self.groups:
            for source in below:
                for target in group:
                    for t in self.steps:
                        entry = t + 0.18 * (-1 if self.rows[source][1] == "→" else 1)
                        self._feed(source, target, t, entry if len(below) > 1 else t)
            below = group
        self._draw_outputs(below)
        for side_y, text in self.side:
            ax.text(0.3, side_y, text, ha="right", va="center", fontsize=8.5)
        ax.set_xlim(-1.9, self.time_steps + 0.6)
        ax.set_ylim(-0.5, self.top + 0.5)
        ax.axis("off")

    def _draw_rows(self):
        """The boxes of every row, and the state passed along each row."""
        for index, (row_y, direction, label) in enumerate(self.rows):
            for t in self.steps:
                self._box(t, row_y, label(t), COLOURS[direction])
            if index == 0:
                continue
            for t in self.steps[:-1]:
                start, end = (t, t + 1) if direction != "←" else (t + 1, t)
                sign = 1 if direction != "←" else -1
                self._connect(
                    [
                        (start + sign * WIDTH / 2, row_y),
                        (start + sign * WIDTH / 2, row_y),
                        (end - sign * WIDTH / 2, row_y),
                    ]
                )

    def _draw_outputs(self, below):
        for t in self.outputs:
            self._box(t, self.top, f"ŷ<{t}>" if self.every_step else "ŷ", "#e5e5e5")
        for source in below:
            if self.every_step:
                for t in self.steps:
                    side = -1 if self.rows[source][1] == "→" else 1
                    entry = t + 0.18 * side if len(below) > 1 else None
                    self._feed(source, None, t, entry)
            else:
                # The last step's forward state; a backward row ends at step 1.
                t = 1 if self.rows[source][1] == "←" else self.time_steps
                self._feed(source, None, t, self.outputs[0])

    def _box(self, cx, cy, label, colour):
        from matplotlib.patches import FancyBboxPatch

        self.ax.add_patch(
            FancyBboxPatch(
                (cx - WIDTH / 2, cy - HEIGHT / 2),
                WIDTH,
                HEIGHT,
                boxstyle="round,pad=0.02",
                facecolor=colour,
                edgecolor="0.3",
                zorder=2,
            )
        )
        self.ax.text(cx, cy, label, ha="center", va="center", fontsize=8.5, zorder=3)

    def _connect(self, points):
        """A polyline through `points`, with an arrow head on its last leg."""
        xs, ys = zip(*points, strict=True)
        self.ax.plot(xs[:-1], ys[:-1], zorder=1, **LINE)
        self.ax.annotate(
            "",
            xy=points[-1],
            xytext=points[-2],
            arrowprops=dict(arrowstyle="->", shrinkA=0, shrinkB=0, **LINE),
            zorder=1,
        )

    def _feed(self, source, target, t, target_x=None):
        """From row `source` at step t up to row `target` (at `target_x`).

        A connection that would cross the rows between goes round them in
        the gap between columns: the forward row's on the left, the others'
        on the right, so the two directions never share a path.
        """
        source_y, direction = self.rows[source][0], self.rows[source][1]
        target_y = self.rows[target][0] if target is not None else self.top
        side = -1 if direction == "→" else 1
        x0 = t + 0.18 * side if direction in ("→", "←") else t
        x1 = target_x if target_x is not None else x0
        bottom, top = source_y + HEIGHT / 2, target_y - HEIGHT / 2
        between = [r for r in self.rows if source_y < r[0] < target_y]
        if target_y - source_y <= LAYER_GAP + 1e-9 or target is None and not between:
            self._connect([(x0, bottom), (x0, bottom), (x1, top)])
            return
        lane = t + 0.42 * side  # two lanes per gap, one per direction
        up, down = bottom + 0.12, top - 0.12
        self._connect(
            [(x0, bottom), (x0, up), (lane, up), (lane, down), (x1, down), (x1, top)]
        )


def _describe(part):
    """The label beside a row of the diagram."""
    if part["kind"] == "recurrent":
        kind = ("bidirectional " if part["bidirectional"] else "") + part["cell"]
        return f"{part['name']}\n{kind}, {part['units']} units"
    return f"{part['name']}\nsize {part['units']}"
