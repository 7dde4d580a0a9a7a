"""Training callbacks: watching the gradients.

`GradientNormMonitor` records the global norm of the gradients at every
training step (before any clipping, so that an explosion shows even when
`clipnorm` tames it), writes it to TensorBoard, and stops training the moment
it stops being a finite number, with a message that says what to do.

Keras hands callbacks the loss but not the gradients, so the monitor wraps
the optimizer's `apply` for the duration of `fit` and measures the gradients
as they pass, into a variable of the optimizer's own. On TensorFlow the
compiled step assigns it; on JAX the optimizer's variables are part of the
state the trainer passes from step to step (`stateless_apply` runs the same
`apply`), and the monitor reads the norm from there after each step
(`jax_state_sync`, which copies references, not arrays).
"""

import math

import keras
from keras import ops

from seqkeras.errors import InvalidArgumentError


class GradientNormMonitor(keras.callbacks.Callback):
    """Logs the global gradient norm of every step; stops on NaN or infinity.

    The global norm is `sqrt(sum over every weight of sum(grad ** 2))`, the
    number `clipnorm`/`global_clipnorm` compare with their threshold.

    Args:
        log_dir: a TensorBoard folder; the norms are written there as the
            scalar `gradient_norm`, one point per step (None: not written).
        stop_on_nan: stop training when the norm is NaN or infinite.

    Attributes:
        norms: every step's norm, in order (a list of floats).
        stop_reason: the message printed when training was stopped, or None.

    Example:

    >>> import numpy as np
    >>> model = keras.Sequential([keras.Input((5, 2)), keras.layers.SimpleRNN(3),
    ...                           keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> monitor = GradientNormMonitor()
    >>> _ = model.fit(np.ones((8, 5, 2)), np.ones((8, 1)), batch_size=4,
    ...               epochs=1, verbose=0, callbacks=[monitor])
    >>> len(monitor.norms)
    2
    """

    def __init__(self, log_dir=None, *, stop_on_nan=True):
        super().__init__()
        self.log_dir = None if log_dir is None else str(log_dir)
        self.stop_on_nan = bool(stop_on_nan)
        self.norms = []
        self.stop_reason = None
        self._writer = None
        self._epoch = 0
        self._norm = self._optimizer = None

    def on_train_begin(self, logs=None):
        if keras.backend.backend() not in ("tensorflow", "jax"):
            raise InvalidArgumentError(
                "GradientNormMonitor runs on the TensorFlow and JAX backends, this "
                f"is {keras.backend.backend()!r}: set KERAS_BACKEND=jax or tensorflow."
            )
        optimizer = self.model.optimizer
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            self._norm = tf.Variable(0.0, trainable=False, name="gradient_norm")
        elif self._norm is None or self._optimizer is not optimizer:
            # On JAX a variable of the optimizer's, made once per optimizer:
            # the trainer passes every variable of the optimizer from step
            # to step (a saved optimizer then holds it too).
            self._norm = optimizer.add_variable((), name="gradient_norm")
            self._optimizer = optimizer
        self._original_apply = optimizer.apply

        def apply(grads, trainable_variables=None):
            squares = [ops.sum(ops.square(g)) for g in grads if g is not None]
            self._norm.assign(ops.sqrt(ops.sum(ops.stack(squares))))
            return self._original_apply(grads, trainable_variables)

        optimizer.apply = apply
        # A train step traced before (an earlier fit) would not call it.
        self.model.make_train_function(force=True)
        self.stop_reason = None
        if self.log_dir is not None:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(self.log_dir)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if keras.backend.backend() == "jax":
            self.model.jax_state_sync()  # the step's variables, back on the model
        norm = float(ops.convert_to_numpy(self._norm))
        self.norms.append(norm)
        if self._writer is not None:
            import tensorflow as tf

            with self._writer.as_default():
                tf.summary.scalar("gradient_norm", norm, step=len(self.norms))
        if self.stop_on_nan and not math.isfinite(norm):
            self.stop_reason = (
                f"Stopped training: the gradient norm became {norm} at epoch "
                f"{self._epoch + 1}, step {batch + 1} (the largest before it was "
                f"{max(self.norms[:-1], default=float('nan')):.3g}). The gradients "
                "exploded: clip them (compile with an optimizer built with "
                "clipnorm=1.0, or the builders' clipnorm argument) or lower the "
                "learning rate, then train again from the last good checkpoint."
            )
            print(self.stop_reason)
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        optimizer = self.model.optimizer
        if getattr(optimizer, "apply", None) is not self._original_apply:
            del optimizer.apply  # back to the class's own method
            self.model.make_train_function(force=True)
        if self._writer is not None:
            self._writer.flush()
            self._writer.close()
            self._writer = None
