"""The conditioned RNN decoder that translation and captioning share.

Both tasks write a sentence one word at a time from something they have
read first: a source sentence, or an image. Their decoders are the same
network: an embedding of the previous word, stacked recurrent layers started
from given states, optional attention over a "memory" (the encoder's outputs,
or the image's feature map), and a softmax over the vocabulary.
`RecurrentDecoder` is that network's forward pass, mixed into the
`keras.Model` of each task, which creates the layers it names:

- `target_embedding`, `decoder_layers` (recurrent layers with
  `return_sequences=True, return_state=True`), `dropout_layer`,
  `output_layer`;
- with `attention` not None: `attention_layer` (a `SequenceAttention`) and
  `attention_combine` (`tanh(W_c [context; h_t])`, Luong et al. 2015).

A model can change the vector that reaches the output layer by overriding
`_before_output` (captioning's "merge" joins the image there).

The decoding loops of `seqkeras.decoding` call `step_function()`, whose
state is a dict: `states` (the decoder's), `memory`, `memory_mask`, and
optionally `keys` (the attention's projection of the memory, computed once)
and `image` (for `_before_output`). Beam search reorders all of them.
"""

import inspect

import keras
from keras import ops

from seqkeras._validation import builder_arguments, positive_float


@keras.saving.register_keras_serializable(package="seqkeras")
class MaskedAccuracy(keras.metrics.SparseCategoricalAccuracy):
    """Word accuracy over real target words: labels equal to 0 (padding) are
    left out, whether or not a Keras mask reaches the metric."""

    def __init__(self, name="accuracy", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        real = ops.cast(ops.not_equal(y_true, 0), "float32")  # (batch, target_len)
        if sample_weight is not None:
            real = real * ops.cast(sample_weight, "float32")
        return super().update_state(y_true, y_pred, sample_weight=real)


class RecurrentDecoder:
    """Mixin: the decoder's forward pass, one step or a whole sentence."""

    @property
    def num_states(self):
        """States per recurrent layer: 2 for an LSTM (h and c), else 1."""
        state_size = self.decoder_layers[0].cell.state_size
        return len(state_size) if isinstance(state_size, (list, tuple)) else 1

    def run_decoder_layers(self, x, states, mask=None, training=False):
        """Runs the recurrent layers over `x` `(batch, time, features)` from
        `states` (`num_states` tensors per layer); returns `(outputs, states)`.
        """
        new_states = []
        n = self.num_states
        for i, layer in enumerate(self.decoder_layers):
            initial = states[i * n : (i + 1) * n]
            outputs = layer(x, initial_state=initial, mask=mask, training=training)
            x = outputs[0]  # (batch, time, units)
            new_states.extend(outputs[1:])
            x = self.dropout_layer(x, training=training)
        return x, new_states

    def _decoder_inputs(self, target_in, training):
        """The word ids the decoder reads; a subclass may hide some in training."""
        return target_in

    def _before_output(self, x, image, training):
        """The vector the output layer reads; `x` unchanged by default."""
        return x

    def decode(
        self,
        target_in,
        states,
        memory,
        memory_mask,
        training=False,
        keys=None,
        image=None,
    ):
        """Runs the decoder over `target_in` `(batch, time)` from `states`.

        `keys` is `attention_keys(memory)` when the caller has it already;
        `image` is what `_before_output` needs (None for translation).

        Returns:
            `(logits, states, attention)`: `(batch, time, vocabulary)`, the
            final states, and the attention weights `(batch, time,
            memory_len)` (None without attention).
        """
        target_mask = ops.not_equal(target_in, 0)
        x = self.target_embedding(self._decoder_inputs(target_in, training))
        x = self.dropout_layer(x, training=training)
        x, new_states = self.run_decoder_layers(x, states, target_mask, training)
        weights = None
        if self.attention is not None:
            context, weights = self.attention_layer(
                x, memory, memory_mask=memory_mask, keys=keys
            )
            x = self.attention_combine(ops.concatenate([context, x], axis=-1))
            x = self.dropout_layer(x, training=training)
        x = self._before_output(x, image, training)
        return self.output_layer(x), new_states, weights

    def decode_step(self, tokens, states, memory, memory_mask, keys=None, image=None):
        """One decoder step: the next word's logits for every sequence.

        Args:
            tokens: `(batch,)` int ids of the previous words.
            states, memory, memory_mask, keys, image: as for `decode`.

        Returns:
            `(logits, states, attention)`: `(batch, vocabulary)`, the new
            states and `(batch, memory_len)` weights (None without attention).
        """
        logits, states, weights = self.decode(
            ops.expand_dims(tokens, 1),
            states,
            memory,
            memory_mask,
            keys=keys,
            image=image,
        )
        attention = None if weights is None else weights[:, 0, :]
        return logits[:, 0, :], states, attention

    def step_function(self):
        """`(tokens, state) -> (logits, state, attention)` for
        `seqkeras.decoding`, with the state dict that `initial_decoder_state`
        returns. The attention is zeros `(batch, memory_len)` without
        attention.
        """

        def step(tokens, state):
            logits, states, attention = self.decode_step(
                tokens,
                state["states"],
                state["memory"],
                state["memory_mask"],
                keys=state.get("keys"),
                image=state.get("image"),
            )
            if attention is None:
                attention = ops.zeros(ops.shape(state["memory_mask"]), "float32")
            return logits, {**state, "states": states}, attention

        return step

    def attention_keys(self, memory):
        """The attention's projection of the memory (None without attention)."""
        if self.attention is None:
            return None
        return self.attention_layer.project_memory(memory)


def compile_teacher_forced(model, *, learning_rate, clipnorm):
    """Compiles a decoder trained with teacher forcing: Adam (each gradient
    clipped to `clipnorm`), the cross-entropy of the next word and its
    accuracy, padded label positions (id 0) left out of both."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=0
        ),
        metrics=[MaskedAccuracy()],
    )


def builds(model_class):
    """Decorator for a builder that passes `**model_arguments` on to
    `model_class`: its signature (what `help()`, `inspect` and the pipelines'
    argument checks see) lists the model's keyword arguments, so that each
    is written, with its default, once: in the model's constructor."""

    def decorate(builder):
        own = inspect.signature(builder).parameters.values()
        keyword = inspect.Parameter.KEYWORD_ONLY
        model = inspect.signature(model_class.__init__).parameters.values()
        parameters = [p for p in own if p.kind < keyword]
        parameters += [p for p in model if p.kind == keyword]
        parameters += [p for p in own if p.kind == keyword]
        builder.__signature__ = inspect.signature(builder).replace(
            parameters=parameters
        )
        return builder

    return decorate


def build_teacher_forced(
    builder, model_class, args, model_arguments, *, learning_rate, clipnorm, compile
):
    """Checks the arguments of `builder`, makes `model_class(*args,
    **model_arguments)`, builds it and, with `compile`, compiles it for
    teacher forcing (`compile_teacher_forced`)."""
    builder_arguments(builder, model_arguments)
    positive_float("learning_rate", learning_rate)
    if clipnorm is not None:
        positive_float("clipnorm", clipnorm)
    model = model_class(*args, **model_arguments)
    model.build()
    if compile:
        compile_teacher_forced(model, learning_rate=learning_rate, clipnorm=clipnorm)
    return model
