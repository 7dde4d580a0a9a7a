"""Recurrent cells written from the course's equations.

Each cell computes one time step, `call(x_t, states) -> (output, new_states)`,
and `keras.layers.RNN` runs it over a sequence (with masking, `return_state`,
`go_backwards`, `Bidirectional`). The weights are kept per gate, as the
course writes them: every gate has a matrix `W_g` that multiplies the
previous state stacked on the input, `[c<t-1>, x<t>]` of size
`units + input_dim`, and a bias `b_g`:

- `SimplifiedGRUCell`, only an update gate:

      c~<t> = tanh(W_c [c<t-1>, x<t>] + b_c)
      Γu    = σ(W_u [c<t-1>, x<t>] + b_u)
      c<t>  = Γu * c~<t> + (1 - Γu) * c<t-1>

- `GRUCell`, the full GRU: a relevance (reset) gate Γr decides how much of
  `c<t-1>` enters the candidate, `c~<t> = tanh(W_c [Γr * c<t-1>, x<t>] + b_c)`.
- `LSTMCell`: the candidate and three gates read `[a<t-1>, x<t>]`; the
  memory cell `c<t> = Γu * c~<t> + Γf * c<t-1>` and the output
  `a<t> = Γo * tanh(c<t>)`. The course's notes write `Γo * c<t>`; the tanh
  is the standard LSTM's (and Keras'), which keeps `a` in (-1, 1);
  `LSTMCell(units, output_activation="linear")` is the notes' form.
- `PeepholeLSTMCell`: the gates also see the memory cell (Gers and
  Schmidhuber 2000), through one weight per unit: Γu and Γf see `c<t-1>`,
  Γo sees the new `c<t>`.

Keras' own `GRU` and `LSTM` store the same numbers differently: one input
kernel and one recurrent kernel with the gates side by side (LSTM: i, f, c,
o; GRU: z, r, h), and Keras' GRU gate z keeps the old state where the
course's Γu writes the new one (Γu = 1 - z, so its weights change sign).
Keras' GRU also applies the reset gate after the recurrent product by
default (`reset_after=True`, the cuDNN form); `GRUCell(reset_after=True)`
does the same. `load_keras_weights` does the conversion, and the tests check
that the cells then match Keras to 1e-5.
"""

import keras
import numpy as np
from keras import ops

from seqkeras._validation import last_axis, one_of, positive_int
from seqkeras.errors import InvalidArgumentError


class _CourseCell(keras.layers.Layer):
    """Shared by the cells: per-gate weights `W_<gate>` of shape
    `(units + input_dim, units)` and biases `b_<gate>` of shape `(units,)`.

    Subclasses list their gates in `GATES`, the candidate's name first, and
    the number of state tensors in `NUM_STATES`.
    """

    GATES = ()
    NUM_STATES = 1

    def __init__(
        self,
        units,
        *,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = positive_int("units", units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.state_size = [self.units] * self.NUM_STATES
        self.output_size = self.units

    def build(self, input_shape):
        self.input_dim = last_axis(type(self).__name__, input_shape)
        for gate in self.GATES:
            kernel = self.add_weight(
                shape=(self.units + self.input_dim, self.units),
                initializer=self.kernel_initializer,
                name=f"W_{gate}",
            )
            bias = self.add_weight(
                shape=(self.units,),
                initializer=self._bias_initializer(gate),
                name=f"b_{gate}",
            )
            setattr(self, f"W_{gate}", kernel)
            setattr(self, f"b_{gate}", bias)

    def _bias_initializer(self, gate):
        return self.bias_initializer

    def _affine(self, gate, state, x):
        """`W_gate [state, x] + b_gate`: `(batch, units)`."""
        stacked = ops.concatenate([state, x], axis=-1)  # (batch, units + input_dim)
        kernel = getattr(self, f"W_{gate}")
        return ops.matmul(stacked, kernel) + getattr(self, f"b_{gate}")

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), self.compute_dtype)] * (
            self.NUM_STATES
        )

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }

    # === Weights from Keras' layers ===

    def _assign(self, values):
        """Sets `W_<gate>` and `b_<gate>` from a dict of NumPy arrays."""
        for name, value in values.items():
            variable = getattr(self, name)
            if tuple(variable.shape) != value.shape:
                raise InvalidArgumentError(
                    f"Cannot load Keras weights into {self.name}: {name} has "
                    f"shape {tuple(variable.shape)}, the Keras layer gives "
                    f"{value.shape}. Build both with the same units and input size."
                )
            variable.assign(value)


def _keras_cell(layer, expected):
    """The cell of a Keras recurrent layer (or the cell itself), checked."""
    cell = getattr(layer, "cell", layer)
    if isinstance(layer, keras.layers.Bidirectional) or not isinstance(cell, expected):
        raise InvalidArgumentError(
            f"Received an invalid value for argument `layer`, expected a built "
            f"keras.layers.{expected.__name__[:-4]} layer or its cell, got "
            f"{type(layer).__name__}"
        )
    if not cell.built:
        raise InvalidArgumentError(
            f"The Keras layer {layer.name} has no weights yet: call it on an "
            "input (or build it) first."
        )
    return cell


def _stack(recurrent, kernel):
    """The course's `W` for `[state, x]`: the recurrent rows, then the input rows."""
    return np.concatenate([recurrent, kernel], axis=0)


@keras.saving.register_keras_serializable(package="seqkeras")
class SimplifiedGRUCell(_CourseCell):
    """The course's simplified GRU: a memory cell and one update gate.

    Args:
        units: size of the memory cell `c`.
        kernel_initializer: for every `W_g`.
        bias_initializer: for every `b_g`.

    Example:

    >>> layer = keras.layers.RNN(SimplifiedGRUCell(4))
    >>> tuple(layer(np.ones((2, 5, 3), "float32")).shape)
    (2, 4)
    """

    GATES = ("c", "u")

    def call(self, inputs, states, training=None):
        c_prev = states[0]  # (batch, units)
        candidate = ops.tanh(self._affine("c", c_prev, inputs))
        update = ops.sigmoid(self._affine("u", c_prev, inputs))
        c = update * candidate + (1.0 - update) * c_prev
        return c, [c]


@keras.saving.register_keras_serializable(package="seqkeras")
class GRUCell(_CourseCell):
    """The full GRU: an update gate Γu and a relevance (reset) gate Γr.

    With `reset_after=False` (the course and Cho et al. 2014) the candidate is
    `tanh(W_c [Γr * c<t-1>, x<t>] + b_c)`. With `reset_after=True` (Keras'
    default, the cuDNN form) Γr multiplies the recurrent product instead:
    `tanh(W_c^x x<t> + b_c + Γr * (W_c^c c<t-1> + b_cr))`, where `W_c^c` and
    `W_c^x` are the state and input rows of `W_c` and `b_cr` is a second
    candidate bias. Then `c<t> = Γu * c~<t> + (1 - Γu) * c<t-1>`.

    Args:
        units: size of the memory cell `c`.
        reset_after: where the relevance gate applies, see above.
        kernel_initializer, bias_initializer: for the weights.

    Example:

    >>> cell = GRUCell(4, reset_after=True)
    >>> tuple(keras.layers.RNN(cell)(np.ones((2, 5, 3), "float32")).shape)
    (2, 4)
    >>> [w.path.split("/")[-1] for w in cell.weights]
    ['W_c', 'b_c', 'W_u', 'b_u', 'W_r', 'b_r', 'b_cr']
    """

    GATES = ("c", "u", "r")

    def __init__(self, units, *, reset_after=False, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def build(self, input_shape):
        super().build(input_shape)
        if self.reset_after:
            self.b_cr = self.add_weight(
                shape=(self.units,), initializer=self.bias_initializer, name="b_cr"
            )

    def call(self, inputs, states, training=None):
        c_prev = states[0]  # (batch, units)
        update = ops.sigmoid(self._affine("u", c_prev, inputs))
        relevance = ops.sigmoid(self._affine("r", c_prev, inputs))
        if self.reset_after:
            recurrent_rows = self.W_c[: self.units]  # (units, units)
            input_rows = self.W_c[self.units :]  # (input_dim, units)
            recurrent = ops.matmul(c_prev, recurrent_rows) + self.b_cr
            candidate = ops.tanh(
                ops.matmul(inputs, input_rows) + self.b_c + relevance * recurrent
            )
        else:
            candidate = ops.tanh(self._affine("c", relevance * c_prev, inputs))
        c = update * candidate + (1.0 - update) * c_prev
        return c, [c]

    def load_keras_weights(self, layer):
        """Copies the weights of a built `keras.layers.GRU` (or `GRUCell`)
        with the same `units`, input size and `reset_after`.

        Keras' kernels hold the gates z, r, h side by side; its z keeps the
        old state, so Γu = 1 - z = σ(-(...)) takes z's weights negated.
        """
        cell = _keras_cell(layer, keras.layers.GRUCell)
        if bool(cell.reset_after) != self.reset_after:
            raise InvalidArgumentError(
                f"The Keras GRU has reset_after={cell.reset_after}, this cell "
                f"reset_after={self.reset_after}: build them the same way."
            )
        kernel = ops.convert_to_numpy(cell.kernel)  # (input_dim, 3 units)
        recurrent = ops.convert_to_numpy(cell.recurrent_kernel)  # (units, 3 units)
        bias = ops.convert_to_numpy(cell.bias)  # (3 units,) or (2, 3 units)
        z, r, h = (slice(i * self.units, (i + 1) * self.units) for i in range(3))
        if self.reset_after:
            input_bias, recurrent_bias = bias[0], bias[1]
        else:
            input_bias, recurrent_bias = bias, np.zeros_like(bias)
        values = {
            "W_u": -_stack(recurrent[:, z], kernel[:, z]),
            "b_u": -(input_bias[z] + recurrent_bias[z]),
            "W_r": _stack(recurrent[:, r], kernel[:, r]),
            "b_r": input_bias[r] + recurrent_bias[r],
            "W_c": _stack(recurrent[:, h], kernel[:, h]),
            "b_c": input_bias[h],
        }
        if self.reset_after:
            values["b_cr"] = recurrent_bias[h]
        self._assign(values)

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


@keras.saving.register_keras_serializable(package="seqkeras")
class LSTMCell(_CourseCell):
    """The LSTM: update, forget and output gates; states `[a, c]`.

    `a<t> = Γo * tanh(c<t>)` is both the output and the first state, as in
    Keras, so `keras.layers.RNN(LSTMCell(n), return_state=True)` returns
    `output, a, c` like `keras.layers.LSTM`.

    Args:
        units: size of `a` and `c`.
        unit_forget_bias: start the forget gate's bias at 1 (as Keras does),
            so that the cell remembers by default early in training.
        output_activation: "tanh" for `a<t> = Γo * tanh(c<t>)` (Keras, most
            texts), "linear" for the course notes' `a<t> = Γo * c<t>`, whose
            output is not bounded: it grows with the cell.
        kernel_initializer, bias_initializer: for the weights.

    Example:

    >>> layer = keras.layers.RNN(LSTMCell(4), return_state=True)
    >>> [tuple(t.shape) for t in layer(np.ones((2, 5, 3), "float32"))]
    [(2, 4), (2, 4), (2, 4)]
    """

    GATES = ("c", "u", "f", "o")
    NUM_STATES = 2
    OUTPUT_ACTIVATIONS = ("tanh", "linear")

    def __init__(
        self, units, *, unit_forget_bias=True, output_activation="tanh", **kwargs
    ):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.output_activation = one_of(
            "output_activation", output_activation, self.OUTPUT_ACTIVATIONS
        )

    def _bias_initializer(self, gate):
        if gate == "f" and self.unit_forget_bias:
            return "ones"
        return self.bias_initializer

    def _peephole(self, gate, c):
        """What gate `gate` sees of the memory cell `c`: nothing here."""
        return 0.0

    def call(self, inputs, states, training=None):
        a_prev, c_prev = states  # (batch, units) each

        def gate(name, c):
            return ops.sigmoid(
                self._affine(name, a_prev, inputs) + self._peephole(name, c)
            )

        candidate = ops.tanh(self._affine("c", a_prev, inputs))
        c = gate("u", c_prev) * candidate + gate("f", c_prev) * c_prev
        let_out = ops.tanh(c) if self.output_activation == "tanh" else c
        a = gate("o", c) * let_out  # the output gate sees the new cell
        return a, [a, c]

    def load_keras_weights(self, layer):
        """Copies the weights of a built `keras.layers.LSTM` (or `LSTMCell`)
        with the same `units` and input size.

        Keras' kernels hold the gates i (Γu), f (Γf), c (the candidate) and o
        (Γo) side by side. A peephole cell keeps its peephole weights.
        """
        cell = _keras_cell(layer, keras.layers.LSTMCell)
        kernel = ops.convert_to_numpy(cell.kernel)  # (input_dim, 4 units)
        recurrent = ops.convert_to_numpy(cell.recurrent_kernel)  # (units, 4 units)
        bias = ops.convert_to_numpy(cell.bias)  # (4 units,)
        values = {}
        for i, gate in enumerate(("u", "f", "c", "o")):
            part = slice(i * self.units, (i + 1) * self.units)
            values[f"W_{gate}"] = _stack(recurrent[:, part], kernel[:, part])
            values[f"b_{gate}"] = bias[part]
        self._assign(values)

    def get_config(self):
        return {
            **super().get_config(),
            "unit_forget_bias": self.unit_forget_bias,
            "output_activation": self.output_activation,
        }


@keras.saving.register_keras_serializable(package="seqkeras")
class PeepholeLSTMCell(LSTMCell):
    """An LSTM whose gates also look at the memory cell.

    Γu = σ(W_u [a<t-1>, x<t>] + p_u * c<t-1> + b_u), the same for Γf with
    `p_f`, and Γo = σ(W_o [a<t-1>, x<t>] + p_o * c<t> + b_o) with the new
    cell: one peephole weight per unit (a diagonal matrix), as Gers and
    Schmidhuber proposed them. With the peepholes at zero it is `LSTMCell`.

    Args:
        units: size of `a` and `c`.
        peephole_initializer: for `p_u`, `p_f`, `p_o`.
        **kwargs: as for `LSTMCell`.

    Example:

    >>> cell, plain = PeepholeLSTMCell(4), LSTMCell(4)
    >>> tuple(keras.layers.RNN(cell)(np.ones((2, 5, 3), "float32")).shape)
    (2, 4)
    >>> _ = keras.layers.RNN(plain)(np.ones((2, 5, 3), "float32"))
    >>> cell.count_params() - plain.count_params()  # p_u, p_f, p_o
    12
    """

    def __init__(self, units, *, peephole_initializer="glorot_uniform", **kwargs):
        super().__init__(units, **kwargs)
        self.peephole_initializer = keras.initializers.get(peephole_initializer)

    def build(self, input_shape):
        super().build(input_shape)
        for gate in ("u", "f", "o"):
            weight = self.add_weight(
                shape=(self.units,),
                initializer=self.peephole_initializer,
                name=f"p_{gate}",
            )
            setattr(self, f"p_{gate}", weight)

    def _peephole(self, gate, c):
        return getattr(self, f"p_{gate}") * c  # (batch, units)

    def get_config(self):
        return {
            **super().get_config(),
            "peephole_initializer": keras.initializers.serialize(
                self.peephole_initializer
            ),
        }


# === Cells by name ===

# Every name `cell=` takes, in every builder. The first three are Keras'
# cells; builders run them as `keras.layers.SimpleRNN` / `GRU` / `LSTM`,
# which are faster (fused kernels, cuDNN on a GPU) and compute the same.
CELL_CLASSES = {
    "simple_rnn": keras.layers.SimpleRNNCell,
    "gru": keras.layers.GRUCell,
    "lstm": keras.layers.LSTMCell,
    "simplified_gru": SimplifiedGRUCell,
    "course_gru": GRUCell,
    "course_lstm": LSTMCell,
    "peephole_lstm": PeepholeLSTMCell,
}


def get_cell_class(cell):
    """The cell class for a name in `CELL_CLASSES`, a registered name
    ("package>Class") or a registered cell class.

    A class must be registered with `keras.saving.register_keras_serializable`
    so that a model that uses it can be saved and loaded again.
    """
    if isinstance(cell, str):
        if cell in CELL_CLASSES:
            return CELL_CLASSES[cell]
        found = keras.saving.get_registered_object(cell)
        if found is not None:
            return found
    elif isinstance(cell, type) and issubclass(cell, keras.layers.Layer):
        if (
            keras.saving.get_registered_object(keras.saving.get_registered_name(cell))
            is not cell
        ):
            raise InvalidArgumentError(
                f"The cell class {cell.__name__} must be registered to be saved "
                "with the model: decorate it with "
                "@keras.saving.register_keras_serializable()."
            )
        return cell
    raise InvalidArgumentError(
        "Received an invalid value for argument `cell`, expected one of "
        f"{', '.join(map(repr, CELL_CLASSES))} or a registered cell class, "
        f"got {cell!r}"
    )


def cell_config_name(cell):
    """What a config stores for `cell`: its name in `CELL_CLASSES`, or the
    class's registered name, so that the config stays JSON."""
    cell_class = get_cell_class(cell)
    if isinstance(cell, str) and cell in CELL_CLASSES:
        return cell
    return keras.saving.get_registered_name(cell_class)
