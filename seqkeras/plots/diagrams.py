"""RNN diagrams drawn from the model, in the course's notation: unrolled in
time, rolled (one box per layer and its loop), and the four shapes of RNN."""

import matplotlib.pyplot as plt

from seqkeras.errors import InvalidArgumentError

WIDTH, HEIGHT, GAP, LAYER_GAP = 0.7, 0.42, 0.85, 1.25
COLOURS = {None: "#dbe9f6", "": "#fde0c5", "→": "#fde0c5", "←": "#d9f0d3"}
OUTPUT_COLOUR = "#e5e5e5"
LINE = dict(color="0.35", lw=1.0)
# The rolled column: its x, how far its routes pass beside it (clear of the
# loops), and how far right of it the first unrolled step is.
ROLLED_X, ROLLED_LANE, ROLLED_STEP = 1.5, 0.75, 3.4


def plot_rnn_diagram(model, *, time_steps=4, rolled=False, title=None, ax=None):
    """Draws a recurrent model unrolled in time, from the model itself.

    One column per time step and one row per recurrent layer, in the course's
    notation: `x<t>` at the bottom, `a[l]<t>` for layer `l` at step `t`
    (a bidirectional layer has a forward row `a→[l]<t>`, whose state passes
    left to right, and a backward row `a←[l]<t>`, right to left), and the
    outputs `ŷ<t>` on top: at every step if the last recurrent layer returns
    sequences, once otherwise (from the forward state at the last step and,
    if bidirectional, the backward state at the first). The labels on the
    left name the Keras layers and their sizes.

    With `rolled=True` the rolled form comes first, then "=" and the
    unrolled one: one box per row for any step `t`, and a loop that brings
    the row's own state back, `a[l]<t-1>` (a backward row's `a←[l]<t+1>`).

    Args:
        model: a Keras model with recurrent layers (any seqkeras builder's).
        time_steps: how many steps to draw.
        rolled: also draw the rolled form, to the left.
        title: the axes' title (default: the model's name).
        ax: draw into this matplotlib axes instead of a new figure.

    Example:

    >>> model = keras.Sequential([keras.Input((None, 3)),
    ...     keras.layers.SimpleRNN(4), keras.layers.Dense(1)])
    >>> ax = plot_rnn_diagram(model, time_steps=2, rolled=True).axes[0]
    >>> [t.get_text() for t in ax.texts if t.get_gid() == "rolled" and t.get_text()]
    ['x<t>', 'a[1]<t>', 'a[1]<t-1>', 'ŷ', '=']
    """
    from seqkeras.models.recurrent import recurrent_structure

    if not isinstance(time_steps, int) or not 1 <= time_steps <= 12:
        raise ValueError(f"Expected time_steps between 1 and 12, got {time_steps!r}.")
    diagram = _Diagram(recurrent_structure(model), time_steps, rolled=bool(rolled))
    if ax is None:
        width = 2.6 + 1.2 * time_steps + (3.8 if rolled else 0.0)
        fig, ax = plt.subplots(figsize=(width, 1.0 + 0.8 * diagram.top))
    else:
        fig = ax.figure
    diagram.draw(ax)
    ax.set_title(title or model.name)
    fig.tight_layout()
    return fig


class _Diagram:
    """The rows and connections of one diagram, and the drawing of them."""

    def __init__(self, parts, time_steps, *, rolled=False):
        layers = [p for p in parts if p["kind"] == "recurrent"]
        output = parts[-1] if parts[-1]["kind"] == "output" else None
        self.time_steps = time_steps
        self.steps = list(range(1, time_steps + 1))
        self.rolled = rolled
        # Step t is drawn at x = t + shift, right of the rolled form if any.
        self.shift = ROLLED_X + ROLLED_STEP - 1 if rolled else 0.0
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
        self.side.append((self.top, _describe(output) if output else "outputs"))

    def draw(self, ax):
        self.ax = ax
        if self.rolled:
            self._draw_rolled()
        self.gid, self.lane = None, 0.42  # two lanes per gap, one per direction
        self._draw_rows()
        self._draw_feeds([t + self.shift for t in self.steps])
        self._draw_outputs()
        for side_y, text in self.side:
            ax.text(0.3, side_y, text, ha="right", va="center", fontsize=8.5)
        ax.set_xlim(-1.9, self.time_steps + self.shift + 0.6)
        ax.set_ylim(-0.5, self.top + 0.5)
        ax.axis("off")

    def _draw_rolled(self):
        """One box per row for step `t`, each state looping back into its
        own box, then "=" before the unrolled form. Routes between rows pass
        outside the loops, `ROLLED_LANE` from the column."""
        self.gid, self.lane, x = "rolled", ROLLED_LANE, ROLLED_X
        for index, (row_y, direction, label) in enumerate(self.rows):
            self._box(x, row_y, label("t"), COLOURS[direction])
            if index == 0:
                continue
            right, out = x + WIDTH / 2, x + WIDTH / 2 + 0.23
            self._connect(
                [
                    (right, row_y - 0.1),
                    (out, row_y - 0.1),
                    (out, row_y + 0.1),
                    (right, row_y + 0.1),
                ]
            )
            before = "t+1" if direction == "←" else "t-1"
            self._text(x + ROLLED_LANE + 0.1, row_y, label(before), ha="left", size=8)
        self._draw_feeds([x])
        self._box(x, self.top, "ŷ<t>" if self.every_step else "ŷ", OUTPUT_COLOUR)
        for source in self.groups[-1]:
            self._feed(source, None, x, self._entry(source, x, self.groups[-1]))
        self._text(x + ROLLED_STEP - 1.1, self.top / 2, "=", size=16)

    def _draw_rows(self):
        """The boxes of every row, and the state passed along each row."""
        for index, (row_y, direction, label) in enumerate(self.rows):
            for t in self.steps:
                self._box(t + self.shift, row_y, label(t), COLOURS[direction])
            if index == 0:
                continue
            for t in self.steps[:-1]:
                start, end = (t, t + 1) if direction != "←" else (t + 1, t)
                start, end = start + self.shift, end + self.shift
                sign = 1 if direction != "←" else -1
                self._connect(
                    [
                        (start + sign * WIDTH / 2, row_y),
                        (start + sign * WIDTH / 2, row_y),
                        (end - sign * WIDTH / 2, row_y),
                    ]
                )

    def _draw_feeds(self, columns):
        """Each layer's rows feed every row of the layer above, in each column."""
        below = [0]
        for group in self.groups:
            for source in below:
                for target in group:
                    for x in columns:
                        self._feed(source, target, x, self._entry(source, x, below))
            below = group

    def _entry(self, source, x, sources):
        """Where `source` enters a box fed by all of `sources`: two sources
        (the rows of a bidirectional layer) side by side, one in the middle."""
        if len(sources) == 1:
            return x
        return x + 0.18 * (-1 if self.rows[source][1] == "→" else 1)

    def _draw_outputs(self):
        below = self.groups[-1]
        if self.every_step:
            for t in self.steps:
                self._box(t + self.shift, self.top, f"ŷ<{t}>", OUTPUT_COLOUR)
                for source in below:
                    x = t + self.shift
                    entry = self._entry(source, x, below) if len(below) > 1 else None
                    self._feed(source, None, x, entry)
            return
        middle = (1 + self.time_steps) / 2 + self.shift
        self._box(middle, self.top, "ŷ", OUTPUT_COLOUR)
        for source in below:
            # The last step's forward state; a backward row ends at step 1.
            t = 1 if self.rows[source][1] == "←" else self.time_steps
            self._feed(source, None, t + self.shift, middle)

    def _box(self, cx, cy, label, colour):
        box(self.ax, cx, cy, label, colour, gid=self.gid)

    def _text(self, x, y, text, *, ha="center", size=8.5):
        self.ax.text(
            x, y, text, ha=ha, va="center", fontsize=size, zorder=3, gid=self.gid
        )

    def _connect(self, points):
        connect(self.ax, points, gid=self.gid)

    def _feed(self, source, target, t, target_x=None):
        """From row `source` at column x = t up to row `target` (at
        `target_x`; `None`: the outputs).

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
        lane = t + self.lane * side
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


# === The four shapes ===

# The course's four RNNs: (title, the task under the panel).
SHAPES = (
    ("one to many", "music, captions: one seed in,\na sequence out"),
    ("many to one", 'sentiment: "Good, cheap food!"\n→ positive'),
    (
        "many to many, Tx = Ty",
        "word labelling: I like red apples\n→ pron verb adj noun",
    ),
    (
        "many to many, Tx ≠ Ty",
        "translation: Do you have a pet?\n→ ¿Tienes una mascota?",
    ),
)


def plot_rnn_shapes(*, time_steps=3, title=None):
    """Draws the four shapes of RNN side by side, in the course's notation.

    Every panel has the inputs `x<t>` at the bottom, the states `a<t>` passed
    from step to step in the middle and the outputs `ŷ<t>` on top, with a
    task of that shape under it:

    - one to many (music generation, captioning): one input `x`, an output
      at every step, each fed back (dashed) as the next step's input;
    - many to one (sentiment): an input at every step, one output `ŷ`
      read from the last state;
    - many to many with `Tx = Ty` (word labelling): one output per input;
    - many to many with `Tx ≠ Ty` (translation): an encoder reads the `Tx`
      inputs, then a decoder writes `Ty = Tx - 1` outputs, each fed back.

    Args:
        time_steps: `T`, the steps of each panel (the encoder's `Tx`).
        title: the figure's title.

    Returns:
        A figure with one axes per shape, titled as above.

    Example:

    >>> fig = plot_rnn_shapes(time_steps=2)
    >>> [ax.get_title() for ax in fig.axes][:2]
    ['one to many', 'many to one']
    """
    if not isinstance(time_steps, int) or not 2 <= time_steps <= 6:
        raise InvalidArgumentError(
            f"Expected time_steps between 2 and 6, got {time_steps!r}."
        )
    steps = range(1, time_steps + 1)
    last = steps[-1]
    shapes = [
        # (x at steps, ŷ at steps (None: one ŷ after the last), fed back, columns)
        ({1: "x"}, {t: f"ŷ<{t}>" for t in steps}, True, time_steps),
        ({t: f"x<{t}>" for t in steps}, {last: "ŷ"}, False, time_steps),
        (
            {t: f"x<{t}>" for t in steps},
            {t: f"ŷ<{t}>" for t in steps},
            False,
            time_steps,
        ),
        (
            {t: f"x<{t}>" for t in steps},
            {last + t: f"ŷ<{t}>" for t in range(1, time_steps)},
            True,
            2 * time_steps - 1,
        ),
    ]
    widths = [columns for *_, columns in shapes]
    fig, axes = plt.subplots(
        1,
        4,
        figsize=(2.2 + 0.95 * sum(widths), 3.6),
        gridspec_kw={"width_ratios": [w + 0.6 for w in widths]},
    )
    for ax, (name, task), (inputs, outputs, fed_back, columns) in zip(
        axes, SHAPES, shapes, strict=True
    ):
        _draw_shape(ax, inputs, outputs, fed_back, columns)
        ax.set_title(name, fontsize=10)
        ax.text(
            (1 + columns) / 2,
            -0.5,
            task,
            ha="center",
            va="top",
            fontsize=8,
            gid="task",
        )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _draw_shape(ax, inputs, outputs, fed_back, columns):
    """One panel: `x` boxes at y = 0, states at y = 1.2, outputs at y = 2.4."""
    a_y, y_y = 1.2, 2.4
    for t in range(1, columns + 1):
        box(ax, t, a_y, f"a<{t}>", COLOURS[""])
        if t > 1:
            connect(ax, [(t - 1 + WIDTH / 2, a_y), (t - WIDTH / 2, a_y)])
    for t, label in inputs.items():
        box(ax, t, 0.0, label, COLOURS[None])
        connect(ax, [(t, HEIGHT / 2), (t, a_y - HEIGHT / 2)])
    for t, label in outputs.items():
        box(ax, t, y_y, label, OUTPUT_COLOUR)
        connect(ax, [(t, a_y + HEIGHT / 2), (t, y_y - HEIGHT / 2)])
        if fed_back and t + 1 in outputs:
            # The output drawn at step t is the input of step t + 1.
            start, end = (t + 0.2, y_y - HEIGHT / 2), (t + 0.8, a_y + HEIGHT / 2)
            connect(ax, [start, end], dashed=True)
    ax.set_xlim(0.4, columns + 0.6)
    ax.set_ylim(-1.2, y_y + 0.4)
    ax.axis("off")


# === Drawing ===


def box(ax, cx, cy, label, colour, *, width=WIDTH, gid=None):
    """A rounded box centred at (cx, cy) with `label` in it."""
    from matplotlib.patches import FancyBboxPatch

    patch = FancyBboxPatch(
        (cx - width / 2, cy - HEIGHT / 2),
        width,
        HEIGHT,
        boxstyle="round,pad=0.02",
        facecolor=colour,
        edgecolor="0.3",
        zorder=2,
    )
    patch.set_gid(gid)
    ax.add_patch(patch)
    ax.text(cx, cy, label, ha="center", va="center", fontsize=8.5, zorder=3, gid=gid)


def connect(ax, points, *, dashed=False, gid=None):
    """A polyline through `points`, with an arrow head on its last leg."""
    style = dict(LINE, linestyle="--" if dashed else "-")
    xs, ys = zip(*points, strict=True)
    if len(points) > 2:
        ax.plot(xs[:-1], ys[:-1], zorder=1, gid=gid, **style)
    ax.annotate(
        "",
        xy=points[-1],
        xytext=points[-2],
        arrowprops=dict(arrowstyle="->", shrinkA=0, shrinkB=0, **style),
        zorder=1,
        gid=gid,
    )
