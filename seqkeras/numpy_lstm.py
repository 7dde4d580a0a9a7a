"""The course's LSTM in NumPy: forward propagation and backpropagation
through time for its three gates and memory cell, checked numerically.

Every gate reads `[a<t-1>, x<t>]` through its own matrix, laid out as
`seqkeras.layers.LSTMCell` keeps them, and the output follows either
equation: `a = Γo * tanh(c)` (Keras, most texts) or the course notes'
`a = Γo * c`. The output layer, the loss, SGD and `gradient_check` are
`seqkeras.numpy_rnn`'s, shared with the RNN; like it, this module runs only
in the notebooks and tests.
"""

import numpy as np

from seqkeras._validation import one_of
from seqkeras.numpy_rnn import KERAS_ACTIVATIONS, _NumpySequenceModel, sigmoid

GATES = ("c", "u", "f", "o")  # the candidate, then the gates, as LSTMCell
PARAMETERS = (
    *(f"{kind}_{gate}" for gate in GATES for kind in ("W", "b")),
    "W_y",
    "b_y",
)


class NumpyLSTM(_NumpySequenceModel):
    """The course's LSTM and an output layer, in NumPy.

    Every gate reads the previous output stacked on the input, `s = [a<t-1>,
    x<t>]` (`(batch, units + d)`), through its own matrix, as the course
    writes it:

        c~<t> = tanh(s · W_c + b_c)          the candidate
        Γu    = σ(s · W_u + b_u)             the update gate
        Γf    = σ(s · W_f + b_f)             the forget gate
        Γo    = σ(s · W_o + b_o)             the output gate
        c<t>  = Γu * c~<t> + Γf * c<t-1>
        a<t>  = Γo * tanh(c<t>)              or, the course's notes, Γo * c<t>

    and `y_t = g_y(a<t> · W_y + b_y)`. The weights have the layout of
    `seqkeras.layers.LSTMCell` (`W_<gate>` of shape `(units + d, units)`, the
    recurrent rows first), so `to_keras` and `from_cell` copy them across;
    with `output_activation="tanh"` it is also Keras' `LSTM`.

    Args:
        input_dim: `d`, the size of each input `x<t>`.
        units: the size of `a` and `c`.
        output_dim: the size of `y_t`.
        output_activation: "tanh" (`a = Γo * tanh(c)`, Keras and most
            texts) or "linear" (`a = Γo * c`, the course's notes).
        output: `g_y`, as for `NumpyRNN`.
        seed: weights drawn from a normal distribution scaled by `1 /
            sqrt(units + d)`; biases at zero but the forget gate's at 1 (as
            Keras starts it).
        dtype: float64 by default, for gradient checking.

    Example:

    >>> lstm = NumpyLSTM(input_dim=3, units=4, output_dim=2, seed=0)
    >>> cache = lstm.forward(np.ones((5, 7, 3)))
    >>> cache["a"].shape, cache["c"].shape, cache["y"].shape
    ((5, 8, 4), (5, 8, 4), (5, 7, 2))
    """

    PARAMETERS = PARAMETERS
    OUTPUT_ACTIVATIONS = ("tanh", "linear")

    def __init__(
        self,
        input_dim,
        units,
        output_dim,
        *,
        output_activation="tanh",
        output="softmax",
        seed=0,
        dtype="float64",
    ):
        super().__init__(input_dim, units, output_dim, output)
        self.output_activation = one_of(
            "output_activation", output_activation, self.OUTPUT_ACTIVATIONS
        )
        rng = np.random.default_rng(seed)
        d, n, k = self.input_dim, self.units, self.output_dim
        params = {}
        for gate in GATES:
            params[f"W_{gate}"] = rng.normal(size=(n + d, n)) / np.sqrt(n + d)
            params[f"b_{gate}"] = np.ones(n) if gate == "f" else np.zeros(n)
        params["W_y"] = rng.normal(size=(n, k)) / np.sqrt(n)
        params["b_y"] = np.zeros(k)
        self.params = {name: params[name].astype(dtype) for name in PARAMETERS}

    # === Forward propagation ===

    def _h(self, c):
        """What the output gate lets out of the cell: tanh(c), or c itself."""
        return np.tanh(c) if self.output_activation == "tanh" else c

    def step(self, x_t, a, c):
        """One step: returns `(a<t>, c<t>, values)`, where `values` holds the
        stacked input `s`, the candidate `c~` and the gates `u`, `f`, `o`
        (backpropagation reuses them)."""
        p = self.params
        s = np.concatenate([a, x_t], axis=-1)  # [a<t-1>, x<t>]
        values = {"s": s, "c~": np.tanh(s @ p["W_c"] + p["b_c"])}
        for gate in ("u", "f", "o"):
            values[gate] = sigmoid(s @ p[f"W_{gate}"] + p[f"b_{gate}"])
        c_new = values["u"] * values["c~"] + values["f"] * c
        return values["o"] * self._h(c_new), c_new, values

    def forward(self, X, a0=None, c0=None):
        """Runs the LSTM over every step of `X` (batch, time, d).

        Returns:
            A dict: `a` and `c` `(batch, time + 1, units)` with step 0 the
            initial state (zeros unless `a0` / `c0` are given), the per-step
            `s`, `c~`, `u`, `f`, `o` (lists over time), `z`, `y` and `X`.
        """
        X = self._check_inputs(X)
        batch, time = X.shape[:2]
        a = np.zeros((batch, time + 1, self.units), X.dtype)
        c = np.zeros_like(a)
        if a0 is not None:
            a[:, 0] = a0
        if c0 is not None:
            c[:, 0] = c0
        cache = {"X": X, "a": a, "c": c, "s": [], "c~": [], "u": [], "f": [], "o": []}
        for t in range(time):
            a[:, t + 1], c[:, t + 1], values = self.step(X[:, t], a[:, t], c[:, t])
            for name, value in values.items():
                cache[name].append(value)
        cache["z"], cache["y"] = self._outputs(a)
        return cache

    # === Backpropagation through time ===

    def _backward(self, cache, dz, grads):
        """Adds the gradients of the gates' weights to `grads`.

        Two quantities flow back from step t + 1: `da_next` (through every
        gate's recurrent rows) and `dc_next` (through `c<t+1> = ... + Γf *
        c<t>`, multiplied only by the forget gate: the path on which the
        gradient survives many steps when Γf stays near 1).
        """
        X, c, p = cache["X"], cache["c"], self.params
        n = self.units
        da_next = np.zeros((X.shape[0], n), X.dtype)
        dc_next = np.zeros_like(da_next)
        for t in reversed(range(X.shape[1])):
            s, candidate = cache["s"][t], cache["c~"][t]
            u, f, o = cache["u"][t], cache["f"][t], cache["o"][t]
            da = dz[:, t] @ p["W_y"].T + da_next
            h = self._h(c[:, t + 1])
            dh = 1.0 - h**2 if self.output_activation == "tanh" else 1.0
            dc = dc_next + da * o * dh
            before = {  # dLoss / d(the gate's pre-activation)
                "o": da * h * o * (1.0 - o),
                "c": dc * u * (1.0 - candidate**2),
                "u": dc * candidate * u * (1.0 - u),
                "f": dc * c[:, t] * f * (1.0 - f),
            }
            ds = np.zeros_like(s)
            for gate, dpre in before.items():
                grads[f"W_{gate}"] += s.T @ dpre
                grads[f"b_{gate}"] += dpre.sum(0)
                ds += dpre @ p[f"W_{gate}"].T
            da_next = ds[:, :n]  # the a<t-1> rows of [a<t-1>, x<t>]
            dc_next = dc * f

    # === Keras ===

    def to_keras(self, many_to_one=False):
        """A Keras model with these weights: `keras.layers.RNN` over
        `seqkeras.layers.LSTMCell` with this output equation, then `Dense`."""
        import keras

        from seqkeras.layers import LSTMCell

        cell = LSTMCell(self.units, output_activation=self.output_activation)
        model = keras.Sequential(
            [
                keras.Input((None, self.input_dim)),
                keras.layers.RNN(cell, return_sequences=not many_to_one, name="lstm"),
                keras.layers.Dense(
                    self.output_dim,
                    activation=KERAS_ACTIVATIONS[self.output],
                    name="output",
                ),
            ]
        )
        for gate in GATES:
            getattr(cell, f"W_{gate}").assign(self.params[f"W_{gate}"])
            getattr(cell, f"b_{gate}").assign(self.params[f"b_{gate}"])
        model.get_layer("output").set_weights([self.params["W_y"], self.params["b_y"]])
        return model

    @classmethod
    def from_cell(cls, cell, dense, *, output="softmax", dtype="float64"):
        """A `NumpyLSTM` with the weights of a built `seqkeras.layers.LSTMCell`
        (or the `keras.layers.RNN` around it) and the `Dense` after it. For
        Keras' own `LSTM`, copy its weights into an `LSTMCell` first
        (`LSTMCell.load_keras_weights`)."""
        from keras import ops

        cell = getattr(cell, "cell", cell)
        W_y, b_y = dense.get_weights()
        W_c = ops.convert_to_numpy(cell.W_c)
        lstm = cls(
            W_c.shape[0] - W_c.shape[1],
            W_c.shape[1],
            W_y.shape[1],
            output_activation=getattr(cell, "output_activation", "tanh"),
            output=output,
            dtype=dtype,
        )
        for gate in GATES:
            for kind in ("W", "b"):
                value = ops.convert_to_numpy(getattr(cell, f"{kind}_{gate}"))
                lstm.params[f"{kind}_{gate}"] = value.astype(dtype)
        lstm.params["W_y"], lstm.params["b_y"] = W_y.astype(dtype), b_y.astype(dtype)
        return lstm


__all__ = ["GATES", "PARAMETERS", "NumpyLSTM"]
