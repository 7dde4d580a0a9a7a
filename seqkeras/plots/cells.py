"""The inside of one GRU or LSTM unit, drawn from the layer or cell itself in
the course's notation: the state lines `c<t-1>` -> `c<t>` (and the LSTM's
`a<t-1>` -> `a<t>`), the gates Γu, Γr, Γf, Γo, the candidate `c̃<t>`, the
⊙ / + operations and, beside the drawing, the unit's equations."""

import matplotlib.pyplot as plt

from seqkeras.errors import InvalidArgumentError
from seqkeras.plots.diagrams import LINE, box, connect

# Heights of the drawing's levels: the input line [state, x<t>], the gates,
# the operations between them and the state line, and the state line c.
BUS_Y, GATE_Y, OP_Y, STATE_Y = 0.8, 2.4, 3.8, 5.2
GATE_WIDTH, OP_RADIUS = 0.8, 0.22
GATE_COLOUR, CANDIDATE_COLOUR, OP_COLOUR = "#fde0c5", "#d9f0d3", "white"
# Where the line [state, x<t>] starts, and where x<t> joins it.
STATE_DROP_X, INPUT_X = 1.0, 1.6


def plot_cell_diagram(cell_or_layer, *, title=None, ax=None):
    """Draws the inside of one GRU or LSTM unit, and its equations.

    The unit is read from the layer or cell: which kind it is, its units,
    its activations, peepholes, an LSTM's output activation and a GRU's
    `reset_after`. The drawing uses the course's notation: the memory cell
    runs along the top from `c<t-1>` to `c<t>`; below it the gates (σ
    boxes, each labelled with its Γ) and the candidate `c̃<t>` (a tanh box)
    read `[a<t-1>, x<t>]` (a GRU's `[c<t-1>, x<t>]`: its `a` is `c`) from
    the line along the bottom; circles are the element-wise operations
    ⊙, + and 1 - Γu.

    - The simplified GRU: Γu and `c̃<t>`,
      `c<t> = Γu ⊙ c̃<t> + (1 - Γu) ⊙ c<t-1>`.
    - The GRU: also Γr, which scales `c<t-1>` before the candidate reads
      it (with `reset_after`, Keras' default, it scales the recurrent
      product instead; the equations say so).
    - The LSTM: Γf, Γu, `c̃<t>` and Γo, `c<t> = Γu ⊙ c̃<t> + Γf ⊙ c<t-1>`,
      `a<t> = Γo ⊙ tanh(c<t>)` (a tanh box on the way down), or
      `Γo ⊙ c<t>` for `seqkeras.layers.LSTMCell(output_activation="linear")`.
      With peepholes, dashed lines bring `c<t-1>` to Γf and Γu and `c<t>`
      to Γo.

    Args:
        cell_or_layer: `keras.layers.GRU` / `LSTM` (also inside
            `Bidirectional`: both directions share the drawing), one of
            their cells, or a seqkeras cell (`SimplifiedGRUCell`, `GRUCell`,
            `LSTMCell`, `PeepholeLSTMCell`) or a `keras.layers.RNN` of one.
        title: the axes' title (default: the layer's name, kind and units).
        ax: draw into this matplotlib axes instead of a new figure.

    Returns:
        The figure. Its axes' texts are the labels drawn; the equations are
        one text with gid "equations", the peephole lines have gid
        "peephole".

    Raises:
        InvalidArgumentError (a `ValueError`): for any other layer, such as
            `SimpleRNN`, which has no gates.

    Example:

    >>> ax = plot_cell_diagram(keras.layers.GRU(8, name="gru")).axes[0]
    >>> ax.get_title()
    'gru: GRU, 8 units'
    >>> sorted(t.get_text() for t in ax.texts if t.get_text() in ("Γu", "Γr", "Γf"))
    ['Γr', 'Γu']
    """
    unit = describe_unit(cell_or_layer)
    created = ax is None
    if created:
        fig, ax = plt.subplots(figsize=(11.5, 4.4))
    else:
        fig = ax.figure
    drawing = _Unit(ax, unit)
    if unit["kind"] == "lstm":
        drawing.lstm()
    else:
        drawing.gru()
    ax.text(
        10.6,
        STATE_Y,
        "\n".join(_equations(unit)),
        ha="left",
        va="top",
        fontsize=8.5,
        linespacing=1.6,
        gid="equations",
    )
    ax.set_xlim(-0.6, 15.6)
    ax.set_ylim(-0.4, STATE_Y + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    units = f"{unit['units']} units"
    ax.set_title(title or f"{unit['name']}: {unit['title']}, {units}")
    if created:  # a given axes is laid out with the rest of its figure
        fig.tight_layout()
    return fig


def describe_unit(cell_or_layer):
    """What `plot_cell_diagram` reads from a layer or cell, as a dict.

    Keys: `name` (the layer's), `kind` ("simplified_gru", "gru", "lstm"),
    `title` ("LSTM with peepholes", ...), `units`, `peepholes`, `gate` and
    `candidate` (the activations' symbols, "σ" and "tanh" by default),
    `output` (an LSTM's output activation: "tanh", "linear") and
    `reset_after` (a GRU's).

    Example:

    >>> from seqkeras.layers import PeepholeLSTMCell
    >>> unit = describe_unit(keras.layers.RNN(PeepholeLSTMCell(4)))
    >>> unit["kind"], unit["peepholes"], unit["units"]
    ('lstm', True, 4)
    """
    import keras

    from seqkeras.layers.cells import (
        GRUCell,
        LSTMCell,
        PeepholeLSTMCell,
        SimplifiedGRUCell,
    )

    layer = cell_or_layer
    if isinstance(layer, keras.layers.Bidirectional):
        layer = layer.forward_layer
    cell = layer.cell if isinstance(layer, keras.layers.RNN) else layer
    unit = {
        "name": cell_or_layer.name if hasattr(cell_or_layer, "name") else "",
        "units": getattr(cell, "units", None),
        "peepholes": isinstance(cell, PeepholeLSTMCell),
        "gate": "σ",
        "candidate": "tanh",
        "output": "tanh",
        "reset_after": bool(getattr(cell, "reset_after", False)),
    }
    if isinstance(cell, keras.layers.GRUCell | keras.layers.LSTMCell):
        # Keras' cells take their activations as arguments.
        unit["gate"] = _symbol(cell.recurrent_activation)
        unit["candidate"] = unit["output"] = _symbol(cell.activation)
    if isinstance(cell, SimplifiedGRUCell):
        unit.update(kind="simplified_gru", title="simplified GRU")
    elif isinstance(cell, GRUCell | keras.layers.GRUCell):
        unit.update(kind="gru", title="GRU")
    elif isinstance(cell, LSTMCell | keras.layers.LSTMCell):
        title = "LSTM with peepholes" if unit["peepholes"] else "LSTM"
        unit.update(kind="lstm", title=title)
        if isinstance(cell, LSTMCell):
            unit["output"] = cell.output_activation
    else:
        raise InvalidArgumentError(
            "plot_cell_diagram draws GRU and LSTM units: keras.layers.GRU or "
            "LSTM (or their cells), or seqkeras.layers' SimplifiedGRUCell, "
            "GRUCell, LSTMCell or PeepholeLSTMCell (alone or in "
            f"keras.layers.RNN), got {type(cell_or_layer).__name__}. A plain "
            "RNN has no gates to draw: draw its model with "
            "plot_rnn_diagram(model, rolled=True) instead."
        )
    return unit


def _symbol(activation):
    name = getattr(activation, "__name__", str(activation))
    return {"sigmoid": "σ"}.get(name, name)


def _equations(unit):
    """The unit's equations, in the course's notation."""
    g, f = unit["gate"], unit["candidate"]
    if unit["kind"] == "lstm":
        peep = {gate: "" for gate in "ufo"}
        if unit["peepholes"]:
            peep = {"u": " + pu ⊙ c<t-1>", "f": " + pf ⊙ c<t-1>", "o": " + po ⊙ c<t>"}
        state = "[a<t-1>, x<t>]"
        output = "c<t>" if unit["output"] == "linear" else f"{unit['output']}(c<t>)"
        return [
            f"c̃<t> = {f}(Wc {state} + bc)",
            f"Γu = {g}(Wu {state}{peep['u']} + bu)",
            f"Γf = {g}(Wf {state}{peep['f']} + bf)",
            f"Γo = {g}(Wo {state}{peep['o']} + bo)",
            "c<t> = Γu ⊙ c̃<t> + Γf ⊙ c<t-1>",
            f"a<t> = Γo ⊙ {output}",
        ]
    state = "[c<t-1>, x<t>]"
    lines = [f"Γu = {g}(Wu {state} + bu)"]
    if unit["kind"] == "simplified_gru":
        lines.insert(0, f"c̃<t> = {f}(Wc {state} + bc)")
    elif unit["reset_after"]:
        lines += [
            f"Γr = {g}(Wr {state} + br)",
            f"c̃<t> = {f}(Wcx x<t> + bc + Γr ⊙ (Wcc c<t-1> + bcr))",
            "  (reset_after: Γr scales the recurrent product)",
        ]
    else:
        lines += [
            f"Γr = {g}(Wr {state} + br)",
            f"c̃<t> = {f}(Wc [Γr ⊙ c<t-1>, x<t>] + bc)",
        ]
    return [*lines, "c<t> = Γu ⊙ c̃<t> + (1 - Γu) ⊙ c<t-1>", "a<t> = c<t>"]


class _Unit:
    """The drawing of one unit: the state line on top, the gates in the
    middle, the line [state, x<t>] at the bottom."""

    def __init__(self, ax, unit):
        self.ax, self.unit = ax, unit

    # === The two kinds ===

    def gru(self):
        """The GRU's single state c = a; with Γr (the full GRU) on the right,
        where the line [c<t-1>, x<t>] brings it c<t-1> without crossing."""
        full = self.unit["kind"] == "gru"
        update, candidate, relevance = 4.0, 5.6, 7.2
        keep, add = 3.4, 4.8  # (1 - Γu) ⊙ c<t-1>, then + Γu ⊙ c̃<t>
        self._state_line("c<t-1>", "c<t> = a<t>", [(keep, "⊙"), (add, "+")])
        bus_end = relevance + 0.8 if full else candidate
        self._bus("[c<t-1>, x<t>]", "c<t-1>", bus_end)
        self._gate(update, "Γu")
        self._gate(candidate, "c̃<t>", candidate=True, from_bus=not full)
        # Γu: into Γu ⊙ c̃<t> on its right, and through 1 - Γu on its left.
        self._op(add, OP_Y, "⊙")
        self._line([(update, GATE_Y + 0.21), (update, OP_Y), (add - OP_RADIUS, OP_Y)])
        self._op(keep, OP_Y, "1-", size=8)
        self._line([(update, OP_Y), (keep + OP_RADIUS, OP_Y)])
        self._line([(keep, OP_Y + OP_RADIUS), (keep, STATE_Y - OP_RADIUS)])
        self._line(
            [(candidate, GATE_Y + 0.21), (candidate, OP_Y), (add + OP_RADIUS, OP_Y)]
        )
        self._line([(add, OP_Y + OP_RADIUS), (add, STATE_Y - OP_RADIUS)])
        if full:
            self._gate(relevance, "Γr")
            self._op(relevance, OP_Y, "⊙")
            self._line([(relevance, GATE_Y + 0.21), (relevance, OP_Y - OP_RADIUS)])
            # c<t-1> from the bottom line, into Γr ⊙ c<t-1> from the right.
            self._line(
                [(bus_end, BUS_Y), (bus_end, OP_Y), (relevance + OP_RADIUS, OP_Y)]
            )
            self._label(bus_end + 0.1, 2.9, "c<t-1>", ha="left")
            # Γr ⊙ c<t-1> into the candidate's right side, x<t> from below.
            right = candidate + GATE_WIDTH / 2
            self._line(
                [
                    (relevance - OP_RADIUS, OP_Y),
                    (6.4, OP_Y),
                    (6.4, GATE_Y),
                    (right, GATE_Y),
                ]
            )
            self._line([(candidate, BUS_Y), (candidate, GATE_Y - 0.21)])
            self._label(candidate + 0.1, 1.35, "x<t>", ha="left")

    def lstm(self):
        """The LSTM: the memory cell c on top, the output a at the bottom right."""
        forget, update, candidate, output = 2.4, 4.0, 5.6, 7.2
        add, out_x = 4.8, 8.6
        self._state_line("c<t-1>", "c<t>", [(forget, "⊙"), (add, "+")])
        self._bus("[a<t-1>, x<t>]", None, output)
        self._label(-0.1, BUS_Y, "a<t-1>", ha="right")
        self._line([(0.0, BUS_Y), (STATE_DROP_X, BUS_Y)], arrow=False)
        self._gate(forget, "Γf")
        self._gate(update, "Γu")
        self._gate(candidate, "c̃<t>", candidate=True)
        self._gate(output, "Γo")
        self._line([(forget, GATE_Y + 0.21), (forget, STATE_Y - OP_RADIUS)])
        self._op(add, OP_Y, "⊙")
        self._line([(update, GATE_Y + 0.21), (update, OP_Y), (add - OP_RADIUS, OP_Y)])
        self._line(
            [(candidate, GATE_Y + 0.21), (candidate, OP_Y), (add + OP_RADIUS, OP_Y)]
        )
        self._line([(add, OP_Y + OP_RADIUS), (add, STATE_Y - OP_RADIUS)])
        # a<t> = Γo ⊙ tanh(c<t>): down from the cell line, out at the bottom.
        activation = self.unit["output"]
        self._op(out_x, GATE_Y, "⊙")
        if activation == "linear":
            self._line([(out_x, STATE_Y), (out_x, GATE_Y + OP_RADIUS)])
        else:
            self._line([(out_x, STATE_Y), (out_x, OP_Y + 0.21)])
            box(self.ax, out_x, OP_Y, activation, "white", width=GATE_WIDTH)
            self._line([(out_x, OP_Y - 0.21), (out_x, GATE_Y + OP_RADIUS)])
        self._line(
            [(output + GATE_WIDTH / 2, GATE_Y), (out_x - OP_RADIUS, GATE_Y)],
        )
        self._line([(out_x, GATE_Y - OP_RADIUS), (out_x, BUS_Y), (10.2, BUS_Y)])
        self._label(10.2, BUS_Y - 0.3, "a<t>", ha="right")
        if self.unit["peepholes"]:
            # Γf and Γu see c<t-1>, Γo the new c<t>: one weight per unit each.
            for gate in (forget, update):
                self._line(
                    [(1.6, STATE_Y), (1.6, 3.2), (gate - 0.2, 3.2), (gate - 0.2, 2.61)],
                    dashed=True,
                    gid="peephole",
                )
            self._line(
                [(6.6, STATE_Y), (6.6, 3.2), (output - 0.2, 3.2), (output - 0.2, 2.61)],
                dashed=True,
                gid="peephole",
            )

    # === Parts ===

    def _state_line(self, start, end, operations):
        """The state line along the top, through its ⊙ / + circles."""
        self._label(-0.1, STATE_Y, start, ha="right")
        xs = [0.0] + [x for x, _ in operations] + [10.2]
        for (x, symbol), left, right in zip(operations, xs, xs[2:], strict=False):
            self._op(x, STATE_Y, symbol)
            gap_left = 0.0 if left == 0.0 else OP_RADIUS
            self._line([(left + gap_left, STATE_Y), (x - OP_RADIUS, STATE_Y)])
            if right == 10.2:
                self._line([(x + OP_RADIUS, STATE_Y), (right, STATE_Y)])
        self._label(10.2, STATE_Y + 0.3, end, ha="right")

    def _bus(self, label, drop, end):
        """The line [state, x<t>] that every gate reads, along the bottom:
        the state comes down from the top line (`drop`) or in from the left,
        x<t> up from below."""
        if drop is not None:
            self._line([(STATE_DROP_X, STATE_Y), (STATE_DROP_X, BUS_Y)], arrow=False)
        self._line([(STATE_DROP_X, BUS_Y), (end, BUS_Y)], arrow=False)
        self._line([(INPUT_X, -0.1), (INPUT_X, BUS_Y)])
        self._label(INPUT_X, -0.3, "x<t>")
        self._label(INPUT_X + 0.15, BUS_Y - 0.3, label, ha="left", size=8)

    def _gate(self, x, label, *, candidate=False, from_bus=True):
        """A σ (or tanh) box reading the bottom line, its Γ beside its output."""
        colour = CANDIDATE_COLOUR if candidate else GATE_COLOUR
        symbol = self.unit["candidate"] if candidate else self.unit["gate"]
        box(self.ax, x, GATE_Y, symbol, colour, width=GATE_WIDTH)
        if from_bus:
            self._line([(x, BUS_Y), (x, GATE_Y - 0.21)])
        self._label(x + 0.12, GATE_Y + 0.5, label, ha="left", size=9.5)

    def _op(self, x, y, symbol, *, size=11):
        from matplotlib.patches import Circle

        self.ax.add_patch(
            Circle((x, y), OP_RADIUS, facecolor=OP_COLOUR, edgecolor="0.3", zorder=2)
        )
        self.ax.text(x, y, symbol, ha="center", va="center", fontsize=size, zorder=3)

    def _line(self, points, *, arrow=True, dashed=False, gid=None):
        if arrow:
            connect(self.ax, points, dashed=dashed, gid=gid)
            return
        xs, ys = zip(*points, strict=True)
        self.ax.plot(xs, ys, zorder=1, **LINE)

    def _label(self, x, y, text, *, ha="center", size=9):
        self.ax.text(x, y, text, ha=ha, va="center", fontsize=size, zorder=3)
