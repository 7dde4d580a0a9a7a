import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqkeras.callbacks import GradientNormMonitor
from seqkeras.errors import InvalidArgumentError

STEPS = 40


def exploding_model(clipnorm=None):
    """A ReLU RNN whose recurrent matrix is 1.2 I: the state grows as 1.2^t,
    and so do the gradients, by 1e9 over 40 steps."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((STEPS, 1)),
            keras.layers.SimpleRNN(
                8,
                activation="relu",
                kernel_initializer="ones",
                recurrent_initializer=keras.initializers.Identity(1.2),
            ),
            keras.layers.Dense(1),
        ]
    )
    optimizer = keras.optimizers.SGD(0.01, clipnorm=clipnorm)
    model.compile(optimizer=optimizer, loss="mse")
    return model


def data():
    x = np.random.default_rng(0).uniform(0, 1, (64, STEPS, 1)).astype("float32")
    return x, x.sum(1)


def gradient_norm(model, x, y):
    """The global norm of the loss's gradient with respect to the weights,
    computed apart from the monitor, on the backend Keras runs."""
    if keras.backend.backend() == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]

        def loss(weights):
            y_pred, _ = model.stateless_call(weights, non_trainable, x)
            return keras.losses.mean_squared_error(y, y_pred).mean()

        grads = jax.grad(loss)(trainable)
        return float(np.sqrt(sum(float((np.asarray(g) ** 2).sum()) for g in grads)))
    with tf.GradientTape() as tape:
        loss = model.compute_loss(x=x, y=y, y_pred=model(x))
    return float(tf.linalg.global_norm(tape.gradient(loss, model.trainable_weights)))


def test_exploding_gradients_stop_training_with_a_clear_message(capsys):
    x, y = data()
    monitor = GradientNormMonitor()
    history = exploding_model().fit(
        x, y, batch_size=16, epochs=3, verbose=0, callbacks=[monitor]
    )
    assert len(history.history["loss"]) == 1  # stopped in the first epoch
    assert not np.isfinite(history.history["loss"][0])
    assert np.isfinite(monitor.norms[0]) and monitor.norms[0] > 1e8
    assert not np.isfinite(monitor.norms[-1]) and len(monitor.norms) < 4
    assert "clipnorm" in monitor.stop_reason and "epoch 1" in monitor.stop_reason
    assert monitor.stop_reason in capsys.readouterr().out


def test_clipping_trains_and_the_norm_is_measured_before_clipping():
    x, y = data()
    model = exploding_model(clipnorm=1.0)
    first = gradient_norm(model, x[:16], y[:16])
    monitor = GradientNormMonitor()
    history = model.fit(
        x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, callbacks=[monitor]
    )
    assert len(history.history["loss"]) == 3
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert len(monitor.norms) == 12 and np.isfinite(monitor.norms).all()
    np.testing.assert_allclose(monitor.norms[0], float(first), rtol=1e-4)
    assert monitor.stop_reason is None
    # The optimizer is itself again, and trains without the monitor.
    assert "apply" not in vars(model.optimizer)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)


def test_norms_reach_tensorboard_and_stopping_is_optional(tmp_path):
    x, y = data()
    monitor = GradientNormMonitor(tmp_path, stop_on_nan=False)
    history = exploding_model().fit(
        x, y, batch_size=16, epochs=2, verbose=0, callbacks=[monitor]
    )
    assert len(history.history["loss"]) == 2 and len(monitor.norms) == 8
    [events] = pathlib.Path(tmp_path).glob("events.out.tfevents.*")
    steps = [
        event.step
        for event in tf.compat.v1.train.summary_iterator(str(events))
        for value in event.summary.value
        if value.tag == "gradient_norm"
    ]
    assert steps == list(range(1, 9))


def test_the_monitor_refuses_backends_without_its_path(monkeypatch):
    model = exploding_model()
    monitor = GradientNormMonitor()
    monitor.set_model(model)
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(InvalidArgumentError, match="TensorFlow and JAX backends"):
        monitor.on_train_begin()
