"""Sequence to sequence: an encoder reads the source, a decoder writes the target.

The course's translation model. The encoder RNN reads the whole source
sentence; its final state is the sentence's vector and becomes the decoder's
initial state. The decoder starts from `[START]` and predicts one target
word at a time, each from the words before it. In training the decoder is
fed the reference's words (teacher forcing): inputs `[START] y1 ... yn`,
labels `y1 ... yn [END]`.

One fixed-size vector has to hold the whole sentence, which gets harder as
sentences grow. With `attention`, every decoder output also looks back at
all the encoder's outputs (`seqkeras.layers.SequenceAttention`), and the
decoder's word is predicted from the combined vector
`tanh(W_c [context; h_t])` (Luong et al. 2015), with either Bahdanau's
additive score or Luong's dot-product score.

The `Translator` model exposes the pieces a decoding loop needs, built from
the same layers as training so they always share their weights:

- `encode(source_ids)` -> `(memory, memory_mask, states)`, run once;
- `decode_step(tokens, states, memory, memory_mask, keys)` -> `(logits,
  states, attention)`, one target word for every sentence in the batch
  (`keys`, the attention's projection of the memory, is computed once by
  `initial_decoder_state` rather than at every step);
- `step_function()`, the `(token, state) -> (logits, state, attention)`
  function that `seqkeras.decoding` expects, and `initial_decoder_state`
  to start it.

Padding (id 0) is masked on both sides: in the encoder and decoder RNNs, in
the attention weights and in the loss and accuracy.
"""

import keras
from keras import ops

from seqkeras._validation import one_of, positive_int, positive_int_or_none, rate
from seqkeras.layers.attention import SCORES, SequenceAttention
from seqkeras.layers.cells import cell_config_name
from seqkeras.models.decoder import RecurrentDecoder, build_teacher_forced, builds
from seqkeras.models.recurrent import cell_name, recurrent_layer

# The model names of `seqkeras train translate --model NAME`.
PRESETS = {
    "seq2seq": {"attention": None},
    "seq2seq-attention": {"attention": "additive"},
    "seq2seq-dot-attention": {"attention": "dot"},
}


@keras.saving.register_keras_serializable(package="seqkeras")
class Translator(RecurrentDecoder, keras.Model):
    """An RNN encoder-decoder, with or without attention.

    Build it with `build_translator`; the arguments are the same.

    Call inputs: a dict with `source` `(batch, source_len)` and `target_in`
    `(batch, target_len)` int ids (the target starting with `[START]`), 0
    as padding. Output: `(batch, target_len, target_vocabulary_size)`
    logits of the next word at every position.
    """

    def __init__(
        self,
        source_vocabulary_size,
        target_vocabulary_size,
        *,
        cell="gru",
        units=256,
        num_layers=1,
        bidirectional=False,
        embedding_dim=256,
        attention=None,
        attention_units=None,
        dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.source_vocabulary_size = positive_int(
            "source_vocabulary_size", source_vocabulary_size
        )
        self.target_vocabulary_size = positive_int(
            "target_vocabulary_size", target_vocabulary_size
        )
        # Stored by name, so that the config stays JSON.
        self.cell = cell = cell_config_name(cell)
        self.units = positive_int("units", units)
        self.num_layers = positive_int("num_layers", num_layers)
        self.bidirectional = bool(bidirectional)
        self.embedding_dim = positive_int("embedding_dim", embedding_dim)
        self.attention = (
            None if attention is None else one_of("attention", attention, SCORES)
        )
        self.attention_units = positive_int_or_none("attention_units", attention_units)
        self.dropout = rate("dropout", dropout)
        # A bidirectional encoder's two final states are joined, so the
        # decoder that starts from them is twice as wide.
        self.decoder_units = units * (2 if bidirectional else 1)

        self._make_layers()

    # === Layers ===

    def _make_layers(self):
        cell, units, bidirectional = self.cell, self.units, self.bidirectional
        embedding_dim, attention = self.embedding_dim, self.attention
        label = ("bi" if bidirectional else "") + cell_name(cell)
        self.source_embedding = keras.layers.Embedding(
            self.source_vocabulary_size, embedding_dim, name="source_embedding"
        )
        self.encoder_layers = []
        for i in range(self.num_layers):
            layer = recurrent_layer(
                cell,
                units,
                return_sequences=True,
                return_state=True,
                name=None if bidirectional else f"encoder_{label}_{i}",
            )
            if bidirectional:
                layer = keras.layers.Bidirectional(layer, name=f"encoder_{label}_{i}")
            self.encoder_layers.append(layer)
        self.target_embedding = keras.layers.Embedding(
            self.target_vocabulary_size, embedding_dim, name="target_embedding"
        )
        self.decoder_layers = [
            recurrent_layer(
                cell,
                self.decoder_units,
                return_sequences=True,
                return_state=True,
                name=f"decoder_{cell_name(cell)}_{i}",
            )
            for i in range(self.num_layers)
        ]
        self.dropout_layer = keras.layers.Dropout(self.dropout, name="dropout")
        if attention is not None:
            self.attention_layer = SequenceAttention(
                attention, units=self.attention_units, name="attention"
            )
            self.attention_combine = keras.layers.Dense(
                self.decoder_units, activation="tanh", name="attention_combine"
            )
        self.output_layer = keras.layers.Dense(
            self.target_vocabulary_size, name="next_word_logits"
        )

    # === The pieces (`decode`, `decode_step`, `step_function`: RecurrentDecoder) ===

    def encode(self, source, training=False):
        """Reads the source once.

        Args:
            source: `(batch, source_len)` int ids, 0 as padding.

        Returns:
            `(memory, memory_mask, states)`: the last encoder layer's outputs
            `(batch, source_len, decoder_units)`, `(batch, source_len)`
            booleans (False at padding) and the decoder's initial states, a
            list with `num_states` tensors `(batch, decoder_units)` per layer.
        """
        mask = ops.not_equal(source, 0)  # (batch, source_len)
        x = self.source_embedding(source)  # (batch, source_len, embedding_dim)
        x = self.dropout_layer(x, training=training)
        states = []
        for i, layer in enumerate(self.encoder_layers):
            outputs = layer(x, mask=mask, training=training)
            x, final = outputs[0], list(outputs[1:])
            if self.bidirectional:
                # [forward states..., backward states...] -> join h with h, c with c.
                n = self.num_states
                final = [
                    ops.concatenate([f, b], axis=-1)
                    for f, b in zip(final[:n], final[n:], strict=True)
                ]
            states.extend(final)
            if i < self.num_layers - 1:
                x = self.dropout_layer(x, training=training)
        return x, mask, states  # x: (batch, source_len, decoder_units)

    def initial_decoder_state(self, source):
        """Encodes `source` into the state dict `step_function` expects."""
        memory, memory_mask, states = self.encode(source)
        state = {"states": states, "memory": memory, "memory_mask": memory_mask}
        if self.attention is not None:
            state["keys"] = self.attention_keys(memory)
        return state

    # === Keras ===

    def call(self, inputs, training=False):
        memory, memory_mask, states = self.encode(inputs["source"], training=training)
        logits, _, _ = self.decode(
            inputs["target_in"], states, memory, memory_mask, training=training
        )
        return logits  # (batch, target_len, target_vocabulary_size)

    def build(self, input_shape=None):
        # Creates every weight with a tiny batch, so that a model loaded
        # from its config can take its saved weights.
        if not self.built:
            ids = ops.ones((1, 2), "int32")
            self.call({"source": ids, "target_in": ids})
        self.built = True

    @classmethod
    def from_config(cls, config):
        model = cls(**config)
        model.build()  # ready for `set_weights`, like a functional model
        return model

    def get_build_config(self):
        return {"built": True}  # an empty dict would skip `build_from_config`

    def build_from_config(self, config):
        self.build()

    def get_config(self):
        return {
            **super().get_config(),
            "source_vocabulary_size": self.source_vocabulary_size,
            "target_vocabulary_size": self.target_vocabulary_size,
            "cell": self.cell,
            "units": self.units,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "embedding_dim": self.embedding_dim,
            "attention": self.attention,
            "attention_units": self.attention_units,
            "dropout": self.dropout,
        }


@builds(Translator)
def build_translator(
    source_vocabulary_size,
    target_vocabulary_size,
    *,
    learning_rate=1e-3,
    clipnorm=5.0,
    compile=True,
    name="translator",
    **model_arguments,
):
    """Builds an encoder-decoder translator, trained with teacher forcing.

    Args:
        source_vocabulary_size: number of source ids, padding (0) and the
            reserved tokens included.
        target_vocabulary_size: number of target ids, `[START]` (2) and
            `[END]` (3) included.
        cell: a name in `seqkeras.models.CELLS` ("gru", "lstm",
            "peephole_lstm", ...) or a registered cell class, for encoder
            and decoder.
        units: hidden size of each encoder layer (per direction).
        num_layers: recurrent layers in the encoder and in the decoder; the
            decoder's layer i starts from the encoder's layer i.
        bidirectional: read the source in both directions; the decoder then
            has `2 * units` units.
        embedding_dim: size of the source and target word vectors.
        attention: None (the course's plain encoder-decoder), "additive"
            (Bahdanau) or "dot" (Luong).
        attention_units: hidden size of the additive score (None: the
            decoder's size).
        dropout: dropout on embeddings, between layers and before the output.
        learning_rate: Adam's learning rate.
        clipnorm: clip each gradient to this norm (None: no clipping).
        compile: compile with Adam, the cross-entropy of the next word and
            its accuracy, padding excluded from both.
        name: the model's name.

    Returns:
        A `Translator` (a `keras.Model`), built.

    Example:

    >>> import numpy as np
    >>> model = build_translator(30, 40, units=8, embedding_dim=4, attention="dot")
    >>> batch = {"source": np.array([[5, 6, 7, 0]]), "target_in": np.array([[2, 9, 8]])}
    >>> tuple(model.predict(batch, verbose=0).shape)
    (1, 3, 40)
    >>> memory, mask, states = model.encode(batch["source"])
    >>> step = model.decode_step(np.array([2]), states, memory, mask)
    >>> logits, states, attention = step
    >>> tuple(logits.shape), tuple(attention.shape)
    ((1, 40), (1, 4))
    """
    return build_teacher_forced(
        build_translator,
        Translator,
        (source_vocabulary_size, target_vocabulary_size),
        {**model_arguments, "name": name},
        learning_rate=learning_rate,
        clipnorm=clipnorm,
        compile=compile,
    )
