"""How much gradient reaches each time step: vanishing gradients, measured.

`input_gradient_norms` returns, for every step `t` of a batch of sequences,
the norm of the gradient of the loss with respect to the input `x_t`. A loss
computed at the last step reaches `x_t` through `T - t` recurrent steps, so
the curve shows how fast the gradient fades with distance: quickly for a
SimpleRNN, slowly for an LSTM or GRU whose gates let the state pass through
unchanged. This is what decides whether a model can learn that a word 50
steps back matters.

Keras has no backend-neutral gradient of a loss with respect to the inputs,
so there is one path per backend: `tf.GradientTape` on TensorFlow,
`jax.grad` of the model's `stateless_call` on JAX.
"""

import numpy as np

from seqkeras.errors import InvalidInputError


def input_gradient_norms(model, x, y, loss=None):
    """`||dLoss/dx_t||` for each step `t`, averaged over the batch.

    Args:
        model: a Keras model whose (first) input is `(batch, time, features)`
            floats, for example from `build_sequence_classifier`, or the
            layers after an embedding.
        x: the inputs, `(batch, time, features)`.
        y: the targets the loss compares with.
        loss: a Keras loss (or its name, "mse"); the model's compiled loss
            if None.

    Returns:
        A NumPy array `(time,)`.

    Example:

    >>> import keras
    >>> model = keras.Sequential([keras.Input((30, 2)), keras.layers.SimpleRNN(4),
    ...                           keras.layers.Dense(1)])
    >>> norms = input_gradient_norms(model, np.ones((3, 30, 2)), np.ones((3, 1)),
    ...                              loss=keras.losses.MeanSquaredError())
    >>> norms.shape, bool(norms[-1] > norms[0])
    ((30,), True)
    """
    x = np.asarray(x, "float32")
    if x.ndim != 3:
        raise InvalidInputError(
            f"Expected inputs of shape (batch, time, features), got {x.shape}."
        )
    if loss is None:
        loss = getattr(model, "loss", None)
        if loss is None:
            raise InvalidInputError(
                "The model is not compiled: pass `loss=` (a Keras loss)."
            )
    if isinstance(loss, str):
        import keras

        loss = keras.losses.get(loss)
    gradient = _input_gradient(model, loss, x, y)  # (batch, time, features)
    return np.linalg.norm(gradient, axis=-1).mean(axis=0)


def _input_gradient(model, loss, x, y):
    """dLoss/dx as a NumPy array, on the backend Keras runs."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]

        def value(inputs):
            outputs, _ = model.stateless_call(
                trainable, non_trainable, inputs, training=False
            )
            # A loss per example sums, as a TensorFlow tape's gradient does.
            return keras.ops.sum(loss(y, outputs))

        return np.asarray(jax.grad(value)(x))
    if backend != "tensorflow":
        raise InvalidInputError(
            f"input_gradient_norms runs on TensorFlow and JAX, not {backend!r}: "
            "set KERAS_BACKEND=tensorflow or jax."
        )
    import tensorflow as tf

    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = loss(y, model(x, training=False))
    return tape.gradient(value, x).numpy()
