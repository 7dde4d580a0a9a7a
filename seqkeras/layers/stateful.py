"""Stateful recurrent layers whose carried state every backend carries.

A stateful Keras RNN keeps each batch row's final state in variables and
starts the next batch from them (truncated backpropagation through time,
`seqkeras.pipelines.tbptt`). Keras leaves those variables out of the
layer's `variables`. TensorFlow does not mind: its compiled steps read and
assign the variables themselves. JAX compiles steps as pure functions of
the state Keras passes in and out, which is the layer's `variables`; a
variable outside that list is read once, as a constant, and its
assignment is dropped, so on JAX every batch started from zeros.

These layers list the carried state among their `variables` (and so among
`non_trainable_variables`, which the JAX trainer passes from step to step,
as it does for random seeds) but not among their `weights`: it is not
saved, not counted as a parameter, and `get_weights` / `set_weights` and
`.keras` files are those of the plain Keras layer.
"""

import keras


class _CarriedState:
    """Mixin for a Keras RNN layer: the carried state is in `variables`."""

    @property
    def variables(self):
        variables = super().variables
        if not self.stateful or self.states is None:
            return variables
        seen = {id(v) for v in variables}
        states = keras.tree.flatten(self.states)
        return variables + [v for v in states if id(v) not in seen]


@keras.saving.register_keras_serializable(package="seqkeras")
class StatefulSimpleRNN(_CarriedState, keras.layers.SimpleRNN):
    """`keras.layers.SimpleRNN` whose carried state every backend carries."""


@keras.saving.register_keras_serializable(package="seqkeras")
class StatefulGRU(_CarriedState, keras.layers.GRU):
    """`keras.layers.GRU` whose carried state every backend carries."""


@keras.saving.register_keras_serializable(package="seqkeras")
class StatefulLSTM(_CarriedState, keras.layers.LSTM):
    """`keras.layers.LSTM` whose carried state every backend carries."""


@keras.saving.register_keras_serializable(package="seqkeras")
class StatefulRNN(_CarriedState, keras.layers.RNN):
    """`keras.layers.RNN` whose carried state every backend carries."""


# Keras' layer class -> its stateful counterpart here.
STATEFUL_LAYERS = {
    keras.layers.SimpleRNN: StatefulSimpleRNN,
    keras.layers.GRU: StatefulGRU,
    keras.layers.LSTM: StatefulLSTM,
    keras.layers.RNN: StatefulRNN,
}
