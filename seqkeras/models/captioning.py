"""One to many: an image encoder, then an RNN that writes the caption.

The course's one-to-many example. A convolutional network reads the image
once; a recurrent decoder, conditioned on it, writes the caption one word at
a time from `[START]`, each word predicted from the image and the words
before it. Training feeds the reference caption (teacher forcing): inputs
`[START] w1 ... wn`, labels `w1 ... wn [END]`, padding masked.

How the image reaches the decoder (`conditioning`, Tanti et al. 2018):

- "init_inject" (the course's form): the image vector, through a dense
  layer with tanh, is the decoder's initial state (with
  `initial_state_norm="layer"`, layer-normalised before the tanh);
- "pre_inject": the image vector, projected to the word-vector size, is the
  decoder's first input, before `[START]`;
- "merge": the decoder reads the words only; its output is joined with the
  image vector before the softmax (Mao et al.'s m-RNN), so the RNN models
  language and the image chooses among the words.

With `attention`, every decoder step also looks at every cell of the
encoder's spatial feature map (Xu et al. 2015, "Show, Attend and Tell") and
predicts its word from `tanh(W_c [context; h_t])`; the weights show where
the model looked for each word. The attention here follows the RNN (as in
Luong et al.'s translator) rather than feeding the context into it, so the
decoder is the same network as translation's (`RecurrentDecoder`).

The image encoder is a small CNN trained from scratch (`build_image_encoder`)
or any Keras model passed as `encoder`, e.g. a `keras.applications` backbone
built with `include_top=False` (and `weights=None`, or pretrained weights
you have). It receives pixel values in [0, 255]; a backbone that expects
another range should include its preprocessing.

`Captioner.initial_decoder_state(images)` and `step_function()` are what
`seqkeras.decoding` needs for greedy, sampled and beam-search captions.
"""

import keras
from keras import ops

from seqkeras._validation import (
    one_of,
    positive_int,
    positive_int_or_none,
    positive_ints,
    rate,
)
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.attention import SCORES, SequenceAttention
from seqkeras.layers.cells import cell_config_name
from seqkeras.models.decoder import RecurrentDecoder, build_teacher_forced, builds
from seqkeras.models.recurrent import cell_name, recurrent_layer

CONDITIONINGS = ("init_inject", "pre_inject", "merge")
POOLINGS = ("flatten", "average")
STATE_NORMS = (None, "layer")

# The model names of `seqkeras train caption --model NAME`.
PRESETS = {
    "inject": {
        "conditioning": "init_inject",
        "attention": None,
        "initial_state_norm": "layer",
    },
    "pre-inject": {"conditioning": "pre_inject", "attention": None},
    "merge": {"conditioning": "merge", "attention": None},
    "attention": {"conditioning": "init_inject", "attention": "additive"},
}

# The reserved ids of `seqkeras.text.Vocabulary`, which model code does not
# import (it needs TensorFlow).
UNK_ID, START_ID = 1, 2


def build_image_encoder(image_shape=(64, 64, 3), *, filters=(32, 64, 128), name=None):
    """A small CNN: pixels in [0, 255] -> a spatial feature map.

    Each block is two 3x3 convolutions, each with batch normalisation and
    ReLU, and a 2x2 max-pooling, so
    a 64 x 64 image becomes an 8 x 8 grid of `filters[-1]` features with
    three blocks.

    Args:
        image_shape: `(height, width, channels)`.
        filters: channels of each block's convolutions.
        name: the model's name (default "image_encoder").

    Returns:
        A functional `keras.Model` `(batch, *image_shape)` ->
        `(batch, height / 2**blocks, width / 2**blocks, filters[-1])`.

    Example:

    >>> encoder = build_image_encoder((32, 32, 3), filters=(8, 16))
    >>> encoder.output_shape
    (None, 8, 8, 16)
    """
    filters = positive_ints("filters", filters)
    image_shape = positive_ints("image_shape", image_shape, length=3)
    image = keras.Input(image_shape, name="image")
    x = keras.layers.Rescaling(1 / 255, name="rescale")(image)
    for i, channels in enumerate(filters):
        for j in range(2):
            x = keras.layers.Conv2D(
                channels, 3, padding="same", use_bias=False, name=f"conv_{i}_{j}"
            )(x)
            # Batch normalisation keeps the features near unit scale: without
            # it they start so small (|image vector| < 0.25) that the decoder
            # learns to caption from the word prior alone and never turns to
            # the image.
            x = keras.layers.BatchNormalization(name=f"norm_{i}_{j}")(x)
            x = keras.layers.ReLU(name=f"relu_{i}_{j}")(x)
        x = keras.layers.MaxPooling2D(name=f"pool_{i}")(x)
    return keras.Model(image, x, name=name or "image_encoder")


@keras.saving.register_keras_serializable(package="seqkeras")
class Captioner(RecurrentDecoder, keras.Model):
    """An image encoder and an RNN decoder conditioned on it.

    Build it with `build_captioner`; the arguments are the same.

    Call inputs: a dict with `image` `(batch, height, width, 3)` pixel
    values in [0, 255] and `caption_in` `(batch, time)` int ids (starting
    with `[START]`), 0 as padding. Output: `(batch, time, vocabulary_size)`
    logits of the next word at every position.
    """

    def __init__(
        self,
        vocabulary_size,
        *,
        image_shape=(64, 64, 3),
        encoder=None,
        encoder_filters=(32, 64, 128),
        image_pooling="flatten",
        conditioning="init_inject",
        initial_state_norm=None,
        attention=None,
        attention_units=None,
        cell="lstm",
        units=256,
        num_layers=1,
        embedding_dim=128,
        dropout=0.0,
        word_dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = positive_int("vocabulary_size", vocabulary_size)
        self.image_shape = positive_ints("image_shape", image_shape, length=3)
        self.encoder_filters = positive_ints("encoder_filters", encoder_filters)
        self.image_pooling = one_of("image_pooling", image_pooling, POOLINGS)
        self.conditioning = one_of("conditioning", conditioning, CONDITIONINGS)
        self.initial_state_norm = one_of(
            "initial_state_norm", initial_state_norm, STATE_NORMS
        )
        self.attention = (
            None if attention is None else one_of("attention", attention, SCORES)
        )
        self.attention_units = positive_int_or_none("attention_units", attention_units)
        self.cell = cell = cell_config_name(cell)
        self.units = positive_int("units", units)
        self.num_layers = positive_int("num_layers", num_layers)
        self.embedding_dim = positive_int("embedding_dim", embedding_dim)
        self.dropout = rate("dropout", dropout)
        self.word_dropout = rate("word_dropout", word_dropout)
        if self.word_dropout > 0:
            self.word_dropout_seed = keras.random.SeedGenerator()

        self._make_layers(encoder)

    # === Layers ===

    def _make_encoder(self, encoder):
        """The image encoder; sets `feature_grid`, the grid the attention
        weights cover ((1, 1) for an encoder that returns vectors)."""
        if isinstance(encoder, dict):  # from a saved config
            encoder = keras.saving.deserialize_keras_object(encoder)
        self.custom_encoder = encoder is not None
        if encoder is None:
            encoder = build_image_encoder(
                self.image_shape, filters=self.encoder_filters
            )
        elif not isinstance(encoder, keras.Model):
            raise InvalidArgumentError(
                "Received an invalid value for argument `encoder`, expected a "
                f"keras.Model from images to features, got {type(encoder).__name__}"
            )
        self.image_encoder = encoder
        feature_shape = tuple(encoder.compute_output_shape((1, *self.image_shape)))
        if len(feature_shape) not in (2, 4):
            raise InvalidArgumentError(
                "The image encoder must return a feature map (batch, height, "
                f"width, channels) or a vector (batch, features); it returns "
                f"{feature_shape}."
            )
        if self.attention is not None and len(feature_shape) != 4:
            raise InvalidArgumentError(
                "Attention looks at the cells of a spatial feature map, but the "
                f"encoder returns vectors {feature_shape}. Pass an encoder "
                "without global pooling (include_top=False, pooling=None)."
            )
        self.feature_grid = (
            tuple(feature_shape[1:3]) if len(feature_shape) == 4 else (1, 1)
        )

    def _make_layers(self, encoder):
        self._make_encoder(encoder)
        cell, units, embedding_dim = self.cell, self.units, self.embedding_dim
        self.image_vector = keras.layers.Dense(
            units, activation="relu", name="image_vector"
        )
        self.target_embedding = keras.layers.Embedding(
            self.vocabulary_size, embedding_dim, name="word_embedding"
        )
        self.decoder_layers = [
            recurrent_layer(
                cell,
                units,
                return_sequences=True,
                return_state=True,
                name=f"decoder_{cell_name(cell)}_{i}",
            )
            for i in range(self.num_layers)
        ]
        if self.conditioning == "init_inject":
            n = self.num_layers * self.num_states
            norm = self.initial_state_norm is not None
            self.image_to_state = [
                keras.layers.Dense(
                    units,
                    activation=None if norm else "tanh",
                    name=f"image_to_state_{i}",
                )
                for i in range(n)
            ]
            # Without it the pre-activations grow in training (mean |x| of 16
            # on the shapes data), the tanh saturates, almost no gradient
            # reaches the image features and the colours are never learnt
            # (BENCHMARKS.md, "Why init-inject missed the colours").
            self.state_norm = [
                keras.layers.LayerNormalization(name=f"state_norm_{i}")
                for i in range(n if norm else 0)
            ]
        elif self.conditioning == "pre_inject":
            self.image_to_input = keras.layers.Dense(
                embedding_dim, name="image_to_input"
            )
        else:
            self.merge_combine = keras.layers.Dense(
                units, activation="tanh", name="merge_combine"
            )
        self.dropout_layer = keras.layers.Dropout(self.dropout, name="dropout")
        if self.attention is not None:
            self._make_attention_layers()
        self.output_layer = keras.layers.Dense(
            self.vocabulary_size, name="next_word_logits"
        )

    def _make_attention_layers(self):
        units = self.units
        self.feature_projection = keras.layers.Dense(
            units, activation="relu", name="feature_projection"
        )
        # Where each cell is: the features say what is in a cell, and
        # without this the attended context cannot tell "above" from
        # "below" (the relation stayed at chance in the probes, BENCHMARKS.md).
        self.cell_position = keras.layers.Embedding(
            self.feature_grid[0] * self.feature_grid[1],
            units,
            name="cell_position",
        )
        self.attention_layer = SequenceAttention(
            self.attention, units=self.attention_units, name="attention"
        )
        self.attention_combine = keras.layers.Dense(
            units, activation="tanh", name="attention_combine"
        )

    # === The pieces (`decode`, `decode_step`, `step_function`: RecurrentDecoder) ===

    def encode(self, images, training=False):
        """Reads the images once.

        Args:
            images: `(batch, height, width, 3)` pixel values in [0, 255].

        Returns:
            `(memory, memory_mask, image)`: the feature map as a sequence of
            cells `(batch, cells, units)` (projected for the attention; the
            encoder's channels without attention), `(batch, cells)` booleans
            (all True) and the image vector `(batch, units)`.
        """
        features = self.image_encoder(images, training=training)
        if len(features.shape) == 2:  # a vector encoder: one cell
            features = ops.expand_dims(features, 1)
        else:  # (batch, h, w, channels) -> (batch, h * w, channels)
            shape = ops.shape(features)
            features = ops.reshape(features, (shape[0], -1, shape[-1]))
        memory = features
        if self.attention is not None:
            memory = self.feature_projection(features)  # (batch, cells, units)
            cells = ops.arange(ops.shape(memory)[1])
            memory = memory + ops.expand_dims(self.cell_position(cells), 0)
            memory = self.dropout_layer(memory, training=training)
        if self.image_pooling == "flatten":
            # Keeps where things are ("above", "left of"), which an average
            # over the cells would blur.
            pooled = ops.reshape(features, (ops.shape(features)[0], -1))
        else:
            pooled = ops.mean(features, axis=1)
        image = self.image_vector(pooled)  # (batch, units)
        image = self.dropout_layer(image, training=training)
        mask = ops.ones(ops.shape(memory)[:2], "bool")  # (batch, cells)
        return memory, mask, image

    def initial_states(self, image, training=False):
        """The decoder's states before `[START]`, from the image vector."""
        if self.conditioning == "init_inject":
            states = [layer(image) for layer in self.image_to_state]
            if self.state_norm:
                # (batch, units), each row to zero mean and unit variance
                states = [
                    ops.tanh(norm(state))
                    for norm, state in zip(self.state_norm, states, strict=True)
                ]
            return states
        batch = ops.shape(image)[0]
        n = self.num_layers * self.num_states
        states = [ops.zeros((batch, self.units), image.dtype) for _ in range(n)]
        if self.conditioning == "pre_inject":
            # The image is the first word the decoder reads.
            first = ops.expand_dims(self.image_to_input(image), 1)
            _, states = self.run_decoder_layers(first, states, training=training)
        return states

    def initial_decoder_state(self, images):
        """Encodes `images` into the state dict `step_function` expects."""
        memory, memory_mask, image = self.encode(images)
        state = {
            "states": self.initial_states(image),
            "memory": memory,
            "memory_mask": memory_mask,
            "image": image,
        }
        if self.attention is not None:
            state["keys"] = self.attention_keys(memory)
        return state

    def _decoder_inputs(self, target_in, training):
        if not training or self.word_dropout == 0:
            return target_in
        # Word dropout: in training, some of the previous words the decoder
        # reads become [UNK], so that it cannot name the next word from the
        # words before it alone and has to look at the image.
        hide = (
            keras.random.uniform(ops.shape(target_in), seed=self.word_dropout_seed)
            < self.word_dropout
        )
        hide = hide & (target_in > START_ID)  # keep padding and [START]
        return ops.where(hide, UNK_ID, target_in)

    def _before_output(self, x, image, training):
        if self.conditioning != "merge":
            return x
        # (batch, units) -> (batch, time, units), beside every word's output.
        image = ops.broadcast_to(ops.expand_dims(image, 1), ops.shape(x))
        x = self.merge_combine(ops.concatenate([x, image], axis=-1))
        return self.dropout_layer(x, training=training)

    # === Keras ===

    def call(self, inputs, training=False):
        memory, memory_mask, image = self.encode(inputs["image"], training=training)
        logits, _, _ = self.decode(
            inputs["caption_in"],
            self.initial_states(image, training=training),
            memory,
            memory_mask,
            training=training,
            image=image,
        )
        return logits  # (batch, time, vocabulary_size)

    def build(self, input_shape=None):
        if not self.built:
            self.call(
                {
                    "image": ops.zeros((1, *self.image_shape)),
                    "caption_in": ops.ones((1, 2), "int32"),
                }
            )
        self.built = True

    @classmethod
    def from_config(cls, config):
        model = cls(**config)
        model.build()
        return model

    def get_build_config(self):
        return {"built": True}

    def build_from_config(self, config):
        self.build()

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "image_shape": list(self.image_shape),
            "encoder": (
                keras.saving.serialize_keras_object(self.image_encoder)
                if self.custom_encoder
                else None
            ),
            "encoder_filters": list(self.encoder_filters),
            "image_pooling": self.image_pooling,
            "conditioning": self.conditioning,
            "initial_state_norm": self.initial_state_norm,
            "attention": self.attention,
            "attention_units": self.attention_units,
            "cell": self.cell,
            "units": self.units,
            "num_layers": self.num_layers,
            "embedding_dim": self.embedding_dim,
            "dropout": self.dropout,
            "word_dropout": self.word_dropout,
        }


@builds(Captioner)
def build_captioner(
    vocabulary_size,
    *,
    learning_rate=1e-3,
    clipnorm=5.0,
    compile=True,
    name="captioner",
    **model_arguments,
):
    """Builds an image captioner, trained with teacher forcing.

    Args:
        vocabulary_size: number of word ids, padding (0), `[START]` (2) and
            `[END]` (3) included.
        image_shape: `(height, width, 3)` of the images it reads.
        encoder: None for a small CNN trained from scratch
            (`build_image_encoder`), or a `keras.Model` from images with
            pixel values in [0, 255] to a feature map or a vector.
        encoder_filters: the small CNN's channels per block.
        image_pooling: how the feature map becomes the image vector:
            "flatten" (keeps positions; the default) or "average".
        conditioning: "init_inject" (the image is the initial state),
            "pre_inject" (the first input) or "merge" (joined with the RNN's
            output before the softmax).
        initial_state_norm: with "init_inject", None (the initial state is
            `tanh(W v + b)`) or "layer" (`tanh(LayerNorm(W v + b))`, which
            keeps the tanh out of saturation; the "inject" preset's choice).
        attention: None, "additive" (Bahdanau, as in Show, Attend and Tell)
            or "dot" (Luong) attention over the feature map's cells.
        attention_units: hidden size of the additive score (None: `units`).
        cell: a name in `seqkeras.models.CELLS` or a registered cell class.
        units: hidden size of each decoder layer.
        num_layers: stacked decoder layers.
        embedding_dim: size of the word vectors.
        dropout: on the image features, word vectors and between layers.
        word_dropout: in training, the share of the words the decoder reads
            (all but `[START]`) replaced by `[UNK]`.
        learning_rate, clipnorm, compile, name: as for `build_translator`
            (Adam, gradient clipping, teacher-forced loss and accuracy).

    Returns:
        A `Captioner` (a `keras.Model`), built.

    Example:

    >>> import numpy as np
    >>> model = build_captioner(20, image_shape=(16, 16, 3), encoder_filters=(4,),
    ...                         units=8, embedding_dim=4, attention="additive")
    >>> captions_in = np.array([[2, 5], [2, 0]])
    >>> batch = {"image": np.zeros((2, 16, 16, 3)), "caption_in": captions_in}
    >>> tuple(model.predict(batch, verbose=0).shape)
    (2, 2, 20)
    >>> model.feature_grid
    (8, 8)
    """
    return build_teacher_forced(
        build_captioner,
        Captioner,
        (vocabulary_size,),
        {**model_arguments, "name": name},
        learning_rate=learning_rate,
        clipnorm=clipnorm,
        compile=compile,
    )
