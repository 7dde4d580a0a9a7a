"""The course's RNN in NumPy: forward propagation, backpropagation through
time, gradient checking, and a character-level language model.

Written to be read beside the course, in its notation. At every time step

    A   = g(X_t · W_X + A · W_A + b_A)        # the new hidden state
    y_t = g_y(A · W_y + b_y)                  # the output at step t

with `W_X (d, units)`, `W_A (units, units)`, `b_A (units,)`, `W_y (units,
outputs)`, `b_y (outputs,)`, and `A` starting at zeros. The course writes
`A` as `(1, units)`, one sequence at a time; here every array has a batch
axis first, so a whole batch moves through each step in one matrix product.

These are exactly the weights of `keras.layers.SimpleRNN` (`kernel`,
`recurrent_kernel`, `bias`) followed by `keras.layers.Dense`, in the same
layout: `NumpyRNN.to_keras` and `NumpyRNN.from_keras` copy them across, and
the tests check that both give the same outputs and the same gradients.

`seqkeras.numpy_lstm` does the same for the LSTM, on the output layer,
loss and SGD of this module's `_NumpySequenceModel`.

The library's models are Keras models; this module exists to show what
`SimpleRNN` and `fit` do underneath, and runs only in the notebooks and
tests.
"""

import numpy as np

from seqkeras._validation import (
    non_negative_float,
    one_of,
    positive_float,
    positive_int,
)
from seqkeras.errors import InvalidInputError

ACTIVATIONS = ("tanh", "relu")
OUTPUTS = ("softmax", "sigmoid", "linear")
KERAS_ACTIVATIONS = {"softmax": "softmax", "sigmoid": "sigmoid", "linear": None}  # g_y
PARAMETERS = ("W_X", "W_A", "b_A", "W_y", "b_y")


def softmax(z):
    """Softmax over the last axis, shifted by the maximum for stability."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow for large |z|


class _NumpySequenceModel:
    """What the NumPy RNN and LSTM share: the output layer `y_t = g_y(a_t ·
    W_y + b_y)` on every step, its loss, the inputs' checks and SGD.

    A subclass calls `__init__` with the sizes and `output`, sets
    `PARAMETERS` and `self.params`, and writes `forward(X, **initial_state)`, which
    returns a cache with the states `a` `(batch, time + 1, units)`, the logits
    `z` and outputs `y`, and `_backward(cache, dz, grads)`, which adds the
    gradients of the recurrence to `grads` given `dLoss/dz`.
    """

    PARAMETERS = ()
    STATE = "a"  # the cache's key for the states that the outputs read

    def __init__(self, input_dim, units, output_dim, output):
        self.input_dim = positive_int("input_dim", input_dim)
        self.units = positive_int("units", units)
        self.output_dim = positive_int("output_dim", output_dim)
        self.output = one_of("output", output, OUTPUTS)

    def _check_inputs(self, X):
        X = np.asarray(X, dtype=self.params["W_y"].dtype)
        if X.ndim != 3 or X.shape[-1] != self.input_dim or X.shape[1] == 0:
            raise InvalidInputError(
                f"Expected inputs of shape (batch, time, {self.input_dim}) with at "
                f"least one step, got {X.shape}."
            )
        if not np.isfinite(X).all():
            raise InvalidInputError("The inputs contain NaN or infinite values.")
        return X

    def _g_y(self, z):
        if self.output == "softmax":
            return softmax(z)
        return sigmoid(z) if self.output == "sigmoid" else z

    def _outputs(self, a):
        """The logits `z` and outputs `y` of the states `a[:, 1:]`."""
        z = a[:, 1:] @ self.params["W_y"] + self.params["b_y"]
        return z, self._g_y(z)

    def predict(self, X, many_to_one=False):
        """The outputs `y`: every step `(batch, time, outputs)` (many-to-many)
        or the last one `(batch, outputs)` (many-to-one)."""
        y = self.forward(X)["y"]
        return y[:, -1] if many_to_one else y

    # === The loss ===

    def _targets(self, labels, shape, many_to_one):
        """Labels as an array shaped like the outputs (one-hot for softmax)."""
        labels = np.asarray(labels)
        expected = shape[:1] if many_to_one else shape[:2]
        if self.output == "softmax":
            if labels.shape != expected:
                raise InvalidInputError(
                    f"Expected integer labels of shape {expected}, got {labels.shape}."
                )
            if labels.min() < 0 or labels.max() >= self.output_dim:
                raise InvalidInputError(
                    f"Labels must lie in [0, {self.output_dim}), got "
                    f"{labels.min()}..{labels.max()}."
                )
            return np.eye(self.output_dim, dtype=self.params["W_y"].dtype)[labels]
        full = (*expected, self.output_dim)
        labels = labels.reshape(full) if labels.size == np.prod(full) else labels
        if labels.shape != full:
            raise InvalidInputError(
                f"Expected labels of shape {full}, got {labels.shape}."
            )
        return labels.astype(self.params["W_y"].dtype)

    def loss_and_gradients(self, X, labels, *, many_to_one=False, mask=None, **initial):
        """The mean loss over the predicted steps, and its gradient with
        respect to every parameter, by backpropagation through time.

        The loss is the cross-entropy of `g_y` ("softmax": categorical,
        "sigmoid": binary log loss, as the course writes it for binary
        predictions; "linear": half the squared error), averaged over every
        predicted step (many-to-many) or every sequence (many-to-one), which
        is how Keras averages its losses.

        Args:
            X: inputs `(batch, time, d)`.
            labels: integer `(batch, time)` for softmax, `(batch, time,
                outputs)` otherwise; without the time axis if `many_to_one`.
            many_to_one: only the last step has a label.
            mask: optional `(batch, time)` booleans; False steps have no
                label (padding) and add nothing to the loss.
            **initial: the initial state, zeros by default (`A0` for the
                RNN, `a0` and `c0` for the LSTM).

        Returns:
            `(loss, grads, cache)`: a float, a dict with the shape of
            `params`, and the forward cache (its last step's state is the
            one to carry into the next chunk of a long sequence).
        """
        cache = self.forward(X, **initial)
        X, z, y = cache["X"], cache["z"], cache["y"]
        batch, time = X.shape[:2]
        weights = np.zeros((batch, time), X.dtype)  # which steps have a label
        if many_to_one:
            weights[:, -1] = 1.0
        else:
            weights[:] = 1.0 if mask is None else np.asarray(mask, bool)
        count = weights.sum()
        if count == 0:
            raise InvalidInputError("Every step is masked: there is nothing to learn.")
        targets = np.zeros_like(y)
        if many_to_one:
            targets[:, -1] = self._targets(labels, y.shape, True)
        else:
            targets[:] = self._targets(labels, y.shape, False)

        # From the logits z, so that no log(0) can occur.
        if self.output == "softmax":
            log_y = z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
            per_step = -(targets * log_y).sum(-1)
        elif self.output == "sigmoid":
            # -[t log σ(z) + (1 - t) log(1 - σ(z))] = softplus(z) - t z
            per_step = (np.logaddexp(0.0, z) - targets * z).mean(-1)
        else:
            per_step = 0.5 * ((y - targets) ** 2).mean(-1)
        loss = float((per_step * weights).sum() / count)

        # dLoss/dz: (y - target) for softmax + cross-entropy, sigmoid + log
        # loss and linear + half squared error alike; the latter two average
        # over the outputs, and every step over the labelled steps.
        dz = (y - targets) * weights[..., None] / count  # (batch, time, outputs)
        if self.output != "softmax":
            dz /= self.output_dim
        grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        # Summed over batch and time at once: (units, batch * time) @ (..., outputs)
        states = cache[self.STATE][:, 1:].reshape(-1, self.units)
        grads["W_y"] = states.T @ dz.reshape(-1, dz.shape[-1])
        grads["b_y"] = dz.sum((0, 1))
        self._backward(cache, dz, grads)
        return loss, grads, cache

    def loss(self, X, labels, **kwargs):
        """The loss alone (see `loss_and_gradients`)."""
        return self.loss_and_gradients(X, labels, **kwargs)[0]

    # === Training ===

    def sgd_step(self, grads, learning_rate, clipnorm=None):
        """`param -= learning_rate * grad`, after scaling the gradients down
        to a global norm of `clipnorm` when they are longer (gradient
        clipping against exploding gradients). Returns the norm before
        clipping."""
        positive_float("learning_rate", learning_rate)
        norm = global_norm(grads)
        scale = 1.0
        if clipnorm is not None and norm > positive_float("clipnorm", clipnorm):
            scale = clipnorm / norm
        for name in self.PARAMETERS:
            self.params[name] -= learning_rate * scale * grads[name]
        return norm


class NumpyRNN(_NumpySequenceModel):
    """An RNN layer and its output layer, in NumPy, as the course writes them.

    Args:
        input_dim: `d`, the size of each input vector `X_t`.
        units: the size of the hidden state `A`.
        output_dim: the size of `y_t` (the vocabulary for a language model,
            1 for a binary label).
        activation: `g` for the hidden state, "tanh" or "relu".
        output: `g_y`, "softmax" (one label among `output_dim`, integer
            labels), "sigmoid" (independent binary labels) or "linear".
        seed: the weights are drawn from a normal distribution scaled by
            `1 / sqrt(fan_in)`, biases start at zero.
        dtype: float64 by default, so that gradient checking is precise.

    Example:

    >>> rnn = NumpyRNN(input_dim=3, units=4, output_dim=2, seed=0)
    >>> rnn.forward(np.ones((5, 7, 3)))["y"].shape    # (batch, time, outputs)
    (5, 7, 2)
    """

    PARAMETERS = PARAMETERS
    STATE = "A"

    def __init__(
        self,
        input_dim,
        units,
        output_dim,
        *,
        activation="tanh",
        output="softmax",
        seed=0,
        dtype="float64",
    ):
        super().__init__(input_dim, units, output_dim, output)
        self.activation = one_of("activation", activation, ACTIVATIONS)
        rng = np.random.default_rng(seed)
        d, n, k = self.input_dim, self.units, self.output_dim
        self.params = {
            "W_X": rng.normal(size=(d, n)) / np.sqrt(d),
            "W_A": rng.normal(size=(n, n)) / np.sqrt(n),
            "b_A": np.zeros(n),
            "W_y": rng.normal(size=(n, k)) / np.sqrt(n),
            "b_y": np.zeros(k),
        }
        self.params = {name: p.astype(dtype) for name, p in self.params.items()}

    # === Forward propagation ===

    def _g(self, z):
        return np.tanh(z) if self.activation == "tanh" else np.maximum(z, 0.0)

    def step(self, X_t, A):
        """One step: `g(X_t · W_X + A · W_A + b_A)`, `(batch, units)`."""
        p = self.params
        return self._g(X_t @ p["W_X"] + A @ p["W_A"] + p["b_A"])

    def forward(self, X, A0=None):
        """Runs the RNN over every step of `X` (batch, time, d).

        Args:
            X: the inputs.
            A0: the initial state `(batch, units)`, zeros by default.

        Returns:
            A dict (the cache backpropagation needs): `A` the states
            `(batch, time + 1, units)` with `A[:, 0] = A0`, `z` the output
            logits `(batch, time, outputs)`, `y` the outputs `g_y(z)`, and `X`.
        """
        X = self._check_inputs(X)
        batch, time = X.shape[:2]
        A = np.zeros((batch, time + 1, self.units), X.dtype)
        if A0 is not None:
            A[:, 0] = A0
        for t in range(time):
            A[:, t + 1] = self.step(X[:, t], A[:, t])
        z, y = self._outputs(A)  # (batch, time, outputs) each
        return {"X": X, "A": A, "z": z, "y": y}

    # === Backpropagation through time ===

    def _backward(self, cache, dz, grads):
        """Adds the recurrence's gradients to `grads`, from the last step to
        the first: each step's `dA` is what its output sends back plus what
        the next step sends back through `W_A`."""
        X, A, p = cache["X"], cache["A"], self.params
        dA_next = np.zeros((X.shape[0], self.units), X.dtype)  # from step t + 1
        for t in reversed(range(X.shape[1])):
            dA = dz[:, t] @ p["W_y"].T + dA_next  # (batch, units)
            if self.activation == "tanh":
                dpre = dA * (1.0 - A[:, t + 1] ** 2)
            else:
                dpre = dA * (A[:, t + 1] > 0)
            grads["W_X"] += X[:, t].T @ dpre
            grads["W_A"] += A[:, t].T @ dpre
            grads["b_A"] += dpre.sum(0)
            dA_next = dpre @ p["W_A"].T

    # === Keras ===

    def to_keras(self, many_to_one=False):
        """A Keras model with these weights: `SimpleRNN` + `Dense`."""
        import keras

        model = keras.Sequential(
            [
                keras.Input((None, self.input_dim)),
                keras.layers.SimpleRNN(
                    self.units,
                    activation=self.activation,
                    return_sequences=not many_to_one,
                    name="simple_rnn",
                ),
                keras.layers.Dense(
                    self.output_dim,
                    activation=KERAS_ACTIVATIONS[self.output],
                    name="output",
                ),
            ]
        )
        p = self.params
        model.get_layer("simple_rnn").set_weights([p["W_X"], p["W_A"], p["b_A"]])
        model.get_layer("output").set_weights([p["W_y"], p["b_y"]])
        return model

    @classmethod
    def from_keras(cls, simple_rnn, dense, *, output="softmax", dtype="float64"):
        """A `NumpyRNN` with the weights of a built `keras.layers.SimpleRNN`
        and the `keras.layers.Dense` after it."""
        kernel, recurrent, bias = simple_rnn.get_weights()
        W_y, b_y = dense.get_weights()
        activation = simple_rnn.cell.activation.__name__
        rnn = cls(
            kernel.shape[0],
            kernel.shape[1],
            W_y.shape[1],
            activation=activation,
            output=output,
            dtype=dtype,
        )
        for name, value in zip(
            PARAMETERS, (kernel, recurrent, bias, W_y, b_y), strict=True
        ):
            rnn.params[name] = value.astype(dtype)
        return rnn


def global_norm(grads):
    """The norm of all gradients together, as `clipnorm` measures it."""
    return float(np.sqrt(sum((g**2).sum() for g in grads.values())))


def gradient_check(rnn, X, labels, *, epsilon=1e-5, samples=None, seed=0, **kwargs):
    """Compares backpropagation's gradients with numerical ones.

    Each checked entry is moved by `±epsilon` and the loss recomputed:
    `(L(θ + ε) - L(θ - ε)) / 2ε`, the central difference. Returns the relative
    error `|a - n| / max(|a| + |n|, 1e-12)` per parameter, over the checked
    entries; below 1e-7 means the gradients agree (in float64).

    Args:
        rnn: a `NumpyRNN` or `seqkeras.numpy_lstm.NumpyLSTM`.
        X, labels, **kwargs: as for `loss_and_gradients`.
        epsilon: the step.
        samples: entries checked per parameter (all if None).
        seed: which entries, when sampling.
    """
    non_negative_float("epsilon", epsilon)
    _, grads, _ = rnn.loss_and_gradients(X, labels, **kwargs)
    rng = np.random.default_rng(seed)
    errors = {}
    for name in rnn.PARAMETERS:
        param = rnn.params[name]
        flat = param.reshape(-1)  # a view: edits change the parameter
        indices = np.arange(flat.size)
        if samples is not None and samples < flat.size:
            indices = rng.choice(flat.size, size=samples, replace=False)
        numeric = np.empty(len(indices))
        for i, index in enumerate(indices):
            kept = flat[index]
            flat[index] = kept + epsilon
            plus = rnn.loss(X, labels, **kwargs)
            flat[index] = kept - epsilon
            minus = rnn.loss(X, labels, **kwargs)
            flat[index] = kept
            numeric[i] = (plus - minus) / (2 * epsilon)
        analytic = grads[name].reshape(-1)[indices]
        difference = np.linalg.norm(analytic - numeric)
        errors[name] = float(
            difference / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12)
        )
    return errors


# === A character-level language model ===


class CharLanguageModel:
    """The first language model of the course, one character at a time.

    Each character is a one-hot vector over the text's characters; the RNN
    reads them and predicts the next character with a softmax. Training runs
    over consecutive chunks of `seq_len` characters, carrying the state from
    one chunk to the next (truncated backpropagation through time), with
    plain SGD and gradient clipping.

    Args:
        text: the training text (at least two characters).
        units: the hidden state size.
        seed: weights and sampling.

    Example:

    >>> lm = CharLanguageModel("hello hello hello ", units=8, seed=0)
    >>> losses = lm.fit(steps=60, seq_len=6, learning_rate=0.5)
    >>> losses[-1] < losses[0]
    True
    """

    def __init__(self, text, *, units=64, seed=0):
        if not isinstance(text, str) or len(text) < 2:
            raise InvalidInputError(
                "A character language model needs a text of at least two characters."
            )
        self.text = text
        self.chars = sorted(set(text))
        self.char_to_id = {c: i for i, c in enumerate(self.chars)}
        vocab = len(self.chars)
        self.rnn = NumpyRNN(vocab, units, vocab, output="softmax", seed=seed)
        self.ids = np.array([self.char_to_id[c] for c in text])
        self.seed = seed

    def one_hot(self, ids):
        return np.eye(len(self.chars))[np.asarray(ids)]

    def fit(self, *, steps=1000, seq_len=25, learning_rate=0.1, clipnorm=5.0):
        """Trains for `steps` chunks; returns the loss of each chunk."""
        seq_len = positive_int("seq_len", seq_len)
        if len(self.ids) < seq_len + 1:
            seq_len = len(self.ids) - 1
        position, state, losses = 0, None, []
        for _ in range(positive_int("steps", steps)):
            if position + seq_len + 1 > len(self.ids):
                position, state = 0, None  # back to the start, a fresh state
            chunk = self.ids[position : position + seq_len + 1]
            X = self.one_hot(chunk[:-1])[None]  # (1, seq_len, vocab)
            loss, grads, cache = self.rnn.loss_and_gradients(
                X, chunk[None, 1:], A0=state
            )
            self.rnn.sgd_step(grads, learning_rate, clipnorm=clipnorm)
            state = cache["A"][:, -1]
            losses.append(loss)
            position += seq_len
        return losses

    def sample(self, start, length=100, *, temperature=1.0, seed=None):
        """Generates `length` characters after `start`, drawing each from the
        model's distribution sharpened or flattened by `temperature`."""
        unknown = sorted(set(start) - set(self.chars))
        if not start or unknown:
            raise InvalidInputError(
                f"`start` must be a non-empty string of characters seen in "
                f"training; {unknown or 'it is empty'}."
            )
        temperature = positive_float("temperature", temperature)
        rng = np.random.default_rng(self.seed if seed is None else seed)
        p = self.rnn.params
        A = np.zeros((1, self.rnn.units))
        for c in start[:-1]:  # read the prompt
            A = self.rnn.step(self.one_hot([self.char_to_id[c]]), A)
        current, out = self.char_to_id[start[-1]], []
        for _ in range(positive_int("length", length)):
            A = self.rnn.step(self.one_hot([current]), A)
            probabilities = softmax((A @ p["W_y"] + p["b_y"])[0] / temperature)
            current = int(rng.choice(len(self.chars), p=probabilities))
            out.append(self.chars[current])
        return start + "".join(out)


__all__ = [
    "CharLanguageModel",
    "NumpyRNN",
    "global_norm",
    "gradient_check",
    "softmax",
    "sigmoid",
]
