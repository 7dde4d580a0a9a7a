"""The polyphonic model: which piano keys sound at the next step.

Polyphonic music on a grid (a piano roll, `seqkeras.music.notes`) is one
multi-hot vector per step: several keys can sound at once, so the output is
not one softmax but one sigmoid per key, each the probability that its key
sounds at the next step, trained with binary cross-entropy. This is the RNN
baseline of the JSB Chorales papers (Boulanger-Lewandowski et al. 2012;
Chung et al. 2014): keys independent given the past, which a chord's notes
are not, so sampled chords are rougher than the model's likelihood suggests.

`build_polyphonic_model` reads rolls `(batch, time, pitches)`, projects
each step to `embedding_dim` (a learned "chord embedding"), runs stacked
recurrent layers and gives logits `(batch, time, pitches)`, to which a
direct path from the step just read adds its own (a held note is the
commonest next step). `FrameNLL` is
the negative log-likelihood of a step, summed over the keys, as the papers
report it, averaged over the steps with weight 1. `step_function(model)`
runs it one step at a time for generation.

Example:

>>> import numpy as np
>>> model = build_polyphonic_model(units=8, embedding_dim=4, num_layers=1)
>>> tuple(model(np.zeros((2, 5, 88), "float32")).shape)
(2, 5, 88)
"""

import keras
from keras import ops

from seqkeras._validation import positive_float, positive_int, rate
from seqkeras.models.language import cells_step, initial_states, recurrent_layers
from seqkeras.models.recurrent import recurrent_stack
from seqkeras.music.notes import PITCHES


@keras.saving.register_keras_serializable(package="seqkeras")
class FrameNLL(keras.losses.Loss):
    """Negative log-likelihood of a multi-hot step under independent
    sigmoids: binary cross-entropy from logits, summed over the keys; the
    mean over the steps whose sample weight is 1 (padding has 0)."""

    def __init__(self, name="frame_nll", **kwargs):
        kwargs.setdefault("reduction", "mean_with_sample_weight")
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        # log(1 + exp(-|x|)) + max(x, 0) - x * y, stable for any logit.
        losses = (
            ops.maximum(y_pred, 0.0)
            - y_pred * y_true
            + ops.log1p(ops.exp(-ops.abs(y_pred)))
        )
        return ops.sum(losses, axis=-1)  # (batch, time)

    def get_config(self):
        config = super().get_config()
        config.pop("reduction", None)
        return config


def build_polyphonic_model(
    num_pitches=PITCHES,
    *,
    cell="lstm",
    units=128,
    num_layers=2,
    embedding_dim=64,
    dropout=0.0,
    learning_rate=1e-3,
    clipnorm=5.0,
    seed=None,
    compile=True,
    name="polyphonic_model",
):
    """Builds a piano-roll RNN: rolls `(batch, time, num_pitches)` -> the
    next step's logits `(batch, time, num_pitches)`.

    Args:
        num_pitches: keys per step (88, a piano's).
        cell: a name in `seqkeras.models.CELLS` ("lstm", "gru", ...).
        units: hidden size of every layer, or one size per layer.
        num_layers: recurrent layers stacked.
        embedding_dim: size of the projection of each step's keys.
        dropout: dropout after the projection, between layers and before the
            output.
        learning_rate: Adam's learning rate.
        clipnorm: clip the global gradient norm to this (None: no clipping).
        seed: seeds the initialisers' draws through Keras' global seed (set
            it with `keras.utils.set_random_seed`); kept for the builders'
            common signature.
        compile: compile with Adam and `FrameNLL`.
    """
    # === Config ===
    num_pitches = positive_int("num_pitches", num_pitches)
    embedding_dim = positive_int("embedding_dim", embedding_dim)
    dropout = rate("dropout", dropout)
    learning_rate = positive_float("learning_rate", learning_rate)
    del seed

    # === Functional Model ===
    rolls = keras.Input((None, num_pitches), name="rolls")  # (batch, time, pitches)
    x = keras.layers.Dense(embedding_dim, activation="tanh", name="roll_projection")(
        rolls
    )  # (batch, time, embedding_dim)
    if dropout:
        x = keras.layers.Dropout(dropout, name="projection_dropout")(x)
    x = recurrent_stack(
        x,
        cell=cell,
        units=units,
        num_layers=num_layers,
        dropout=dropout,
        return_sequences=True,
        output_dropout=True,
        name_prefix="music",
    )  # (batch, time, units)
    # Every key starts rare (a logit of -3, p = 0.05: four voices among 88
    # keys), and a direct path from the step just read starts as "a key
    # that sounds goes on sounding" (+5, so p = 0.88 for a sounding key).
    # Holding a note is the commonest next step on a grid of sixteenths;
    # learnt from random weights it took Adam thousands of updates (each
    # moves a weight by about the learning rate), during which the model
    # sat at the keys' plain frequencies.
    logits = keras.layers.Dense(
        num_pitches,
        bias_initializer=keras.initializers.Constant(-3.0),
        name="next_step_logits",
    )(x)
    held = keras.layers.Dense(
        num_pitches,
        use_bias=False,
        kernel_initializer=keras.initializers.Identity(gain=5.0),
        name="previous_step_logits",
    )(rolls)
    logits = keras.layers.Add(name="logits")([logits, held])
    model = keras.Model(rolls, logits, name=name)

    # === Compile ===
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm),
            loss=FrameNLL(),
        )
    return model


def step_function(model):
    """The model one step at a time: `(frames, states) -> (logits,
    states)`, `frames` `(batch, num_pitches)`, states as
    `seqkeras.models.language.initial_states(model, batch)` makes them.
    Over a whole roll it gives what `model` gives."""
    projection = model.get_layer("roll_projection")
    output = model.get_layer("next_step_logits")
    held = model.get_layer("previous_step_logits")
    layers = recurrent_layers(model)

    def step(frames, states):
        x = projection(frames)  # (batch, embedding_dim)
        x, new_states = cells_step(layers, x, states)
        return output(x) + held(frames), new_states  # (batch, num_pitches)

    return step


__all__ = ["FrameNLL", "build_polyphonic_model", "initial_states", "step_function"]
