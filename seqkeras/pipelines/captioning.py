"""Image captioning from raw images to raw text: decoding, scoring, export.

A `TextEncoder` numbers the caption words and wraps every caption in
`[START]` ... `[END]`. Training shows each image once per reference caption
in an epoch, with teacher forcing. To caption, the image encoder reads the
image once and `seqkeras.decoding` runs the decoder one word at a time
(greedy, sampling or beam search) inside one `tf.function`. Images come as
pixels (a `uint8` or float array, values in [0, 255]), as file paths or as
encoded PNG / JPEG bytes, and are resized to the pipeline's `image_size`;
the exported SavedModel takes encoded bytes and decodes and resizes them in
its graph, the same way.
"""

import keras
import numpy as np
import tensorflow as tf

from seqkeras._validation import one_of, positive_int, positive_ints
from seqkeras.datasets.captioning import CaptionedImages
from seqkeras.datasets.shapes import parse_caption
from seqkeras.errors import InvalidInputError
from seqkeras.metrics import attribute_accuracy, corpus_bleu, exact_match
from seqkeras.models.captioning import PRESETS, build_captioner
from seqkeras.pipelines.generative import GenerativePipeline
from seqkeras.pipelines.preprocessing import EncoderPreprocessing
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.text import TextEncoder
from seqkeras.text.vocabulary import Vocabulary

BUILDER_DECIDES = {"vocabulary_size", "image_shape", "compile"}


def decode_image(data, image_size):
    """Encoded PNG / JPEG / GIF / BMP bytes -> float32 `(*image_size, 3)`
    pixels in [0, 255], resized (bilinear) when the size differs."""
    image = tf.io.decode_image(data, channels=3, expand_animations=False)
    return resize_image(image, image_size)


def resize_image(image, image_size):
    """`(height, width, 3)` or `(batch, height, width, 3)` -> float32 of
    `image_size`, values kept in [0, 255]."""
    image = tf.cast(image, tf.float32)
    shape = tf.shape(image)
    same = tf.reduce_all(tf.equal(shape[-3:-1], tf.constant(image_size)))
    return tf.cond(
        same,
        lambda: image,
        lambda: tf.clip_by_value(tf.image.resize(image, image_size), 0.0, 255.0),
    )


@register_pipeline
class CaptioningPipeline(EncoderPreprocessing, GenerativePipeline):
    """Images in, captions out.

    Args:
        architecture: "inject" (the image is the decoder's initial state, the
            course's form), "pre-inject", "merge" or "attention" (see
            `seqkeras.models.captioning.PRESETS`).
        image_size: `(height, width)` the model reads; images of another
            size are resized.
        max_vocabulary_size: the most caption tokens to keep, reserved ones
            included.
        min_count: words seen fewer times in training become `[UNK]`.
        max_length: the most tokens of a caption with `[START]` and `[END]`;
            also the longest caption produced.
        lowercase: case-fold the captions.
        beam_width: the default beam of `method="beam"` and the beam of the
            exported `caption_beam` signature.
        keep_spacing: write captions with the spacing of the training text
            (joined punctuation marked while tokenising, so French elisions,
            German quotes and Spanish marks come back as written); False
            joins by English and Spanish rules.
        seed: seeds weight initialisation and shuffling.
        **model_kwargs: passed to `build_captioner` (`cell`, `units`,
            `num_layers`, `embedding_dim`, `dropout`, `encoder`, ...).

    Example:

    >>> from seqkeras.datasets import load
    >>> data = load("shapes", num_train=64, num_validation=8, num_test=8)
    >>> pipeline = CaptioningPipeline(units=16, embedding_dim=8, encoder_filters=(4,))
    >>> history = pipeline.fit(data.train, epochs=1, verbose=0)
    >>> len(pipeline.predict(data.test.images[:3]))  # a batch of images
    3
    >>> type(pipeline.predict(data.test.images[0])).__name__  # one image
    'str'
    """

    task = "captioning"
    presets = PRESETS
    builder = staticmethod(build_captioner)
    task_aliases = ("caption",)
    encoder_class = TextEncoder
    text_output = "caption"
    export_signature = "caption"
    export_output = "caption"

    def __init__(
        self,
        architecture="attention",
        *,
        image_size=(64, 64),
        max_vocabulary_size=10000,
        min_count=1,
        max_length=24,
        lowercase=True,
        beam_width=3,
        keep_spacing=True,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.architecture = one_of("architecture", architecture, PRESETS)
        self.image_size = positive_ints("image_size", image_size, length=2)
        self._text_options(max_vocabulary_size, min_count, max_length, lowercase)
        self.beam_width = positive_int("beam_width", beam_width)
        self.model_kwargs = self._model_arguments(
            build_captioner, model_kwargs, BUILDER_DECIDES
        )
        self.encoder = TextEncoder(
            lowercase=lowercase,
            max_length=max_length,
            add_start_end=True,
            keep_spacing=keep_spacing,
            name="caption_encoder",
        )

    def get_config(self):
        config = super().get_config()
        if isinstance(self.model_kwargs.get("encoder"), keras.Model):
            # The model's own config holds the encoder; a loaded pipeline
            # gets it back with the model.
            config["encoder"] = None
        return config

    # === Data ===

    def _captioned(self, data):
        if not isinstance(data, CaptionedImages):
            raise InvalidInputError(
                "Expected CaptionedImages (images with their captions), got "
                f"{type(data).__name__}. Build one with "
                "seqkeras.datasets.CaptionedImages(images, captions)."
            )
        if len(data) == 0:
            raise InvalidInputError("Got no images: the data set is empty.")
        return data

    def _image_loader(self, images):
        """A graph function from `(batch,)` positions in `images` to float
        pixels `(batch, *image_size, 3)`."""
        size = self.image_size
        if isinstance(images, np.ndarray):
            pixels = tf.constant(images)

            def load(index):
                return resize_image(tf.gather(pixels, index), size)

            return load
        paths = tf.constant(list(images))

        def load(index):
            return tf.map_fn(
                lambda path: decode_image(tf.io.read_file(path), size),
                tf.gather(paths, index),
                fn_output_signature=tf.TensorSpec((*size, 3), tf.float32),
            )

        return load

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        data = self._captioned(data)
        pairs = data.pairs()
        captions = self.encoder.encode([caption for _, caption in pairs])
        index = np.array([i for i, _ in pairs], "int32")
        dataset = self._sequence_batches(
            captions,
            index,
            batch_size=batch_size,
            training=training,
            whole_batches=whole_batches,
        )
        load = self._image_loader(data.images)

        def teacher_forcing(caption, image_index):
            # caption: (batch, time) [START] w1 ... wn [END] 0 ...
            inputs = {"image": load(image_index), "caption_in": caption[:, :-1]}
            return inputs, caption[:, 1:]

        dataset = dataset.map(teacher_forcing, num_parallel_calls=tf.data.AUTOTUNE)
        return dataset.prefetch(tf.data.AUTOTUNE), len(pairs)

    # === Task hooks ===

    def _adapt(self, train):
        captions = self._captioned(train).captions
        self._adapt_encoder(self.encoder, [c for refs in captions for c in refs])

    def _build_model(self):
        kwargs = {**PRESETS[self.architecture], **self.model_kwargs}
        return build_captioner(
            self.encoder.vocabulary_size, image_shape=(*self.image_size, 3), **kwargs
        )

    # === Decoding hooks ===

    def _batch_of(self, images):
        """One image (pixels `(height, width, 3)`, a file path or encoded
        bytes) or a batch (an array `(images, height, width, 3)`, a list of
        paths or of bytes) -> float32 pixels `(batch, *image_size, 3)`."""
        single = isinstance(images, (str, bytes)) or (
            isinstance(images, np.ndarray) and images.ndim == 3
        )
        return single, self._pixels(images)

    def _input_spec(self, variant):
        if variant == "bytes":
            return tf.TensorSpec([None], tf.string, name="images")
        return tf.TensorSpec([None, *self.image_size, 3], tf.float32, name="images")

    def _prepare(self, images, variant):
        if variant == "bytes":
            size = self.image_size
            images = tf.map_fn(
                lambda data: decode_image(data, size),
                images,
                fn_output_signature=tf.TensorSpec((*size, 3), tf.float32),
            )
        return (images,), {}

    def _begin(self, model_inputs, variant):
        (images,) = model_inputs  # (batch, height, width, 3)
        start = keras.ops.full(keras.ops.shape(images)[:1], Vocabulary.start_id)
        return keras.ops.cast(start, "int32"), self.model.initial_decoder_state(images)

    def _extra_outputs(self, extras):
        shape = tf.shape(extras)  # (batch, steps, cells)
        grid = self.model.feature_grid
        return {"attention": tf.reshape(extras, [shape[0], shape[1], *grid])}

    def _details(self, outputs, i, tokens):
        return {"attention": outputs["attention"][i, : len(tokens)].numpy()}

    def _pixels(self, images):
        """Any accepted images -> float32 `(batch, *image_size, 3)`."""
        if isinstance(images, (str, bytes)):
            images = [images]
        if isinstance(images, np.ndarray) and images.dtype.kind in "uif":
            if images.ndim == 3:
                images = images[None]
            if images.ndim != 4 or images.shape[-1] != 3:
                raise InvalidInputError(
                    "Expected images as an array (images, height, width, 3) or "
                    f"one image (height, width, 3), got shape {images.shape}."
                )
            if np.isnan(images).any():
                raise InvalidInputError("The images contain NaN pixel values.")
            return resize_image(images, self.image_size)
        images = list(images)
        if not images:
            return tf.zeros((0, *self.image_size, 3))
        if all(isinstance(x, bytes) for x in images):
            data = images
        elif all(isinstance(x, str) for x in images):
            missing = [path for path in images if not tf.io.gfile.exists(path)]
            if missing:
                raise InvalidInputError(f"No image file at {missing[0]!r}.")
            data = [tf.io.read_file(path).numpy() for path in images]
        else:
            raise InvalidInputError(
                "Expected an array of pixels, or a list of file paths, or a list "
                "of encoded image bytes."
            )
        try:
            return tf.stack([decode_image(d, self.image_size) for d in data])
        except tf.errors.InvalidArgumentError:
            raise InvalidInputError(
                "An image could not be decoded: pass PNG, JPEG, GIF or BMP data."
            ) from None

    def caption(self, images, **options):
        """`predict` under the task's own verb: captions images (one image
        -> one caption, a batch -> a list)."""
        return self.predict(images, **options)

    def caption_with_attention(self, images, **options):
        """`predict_details` under the task's own verb: captions with their
        `tokens`, `score` and `attention` maps `(len(tokens), grid_height,
        grid_width)` (zeros without attention)."""
        return self.predict_details(images, **options)

    def evaluate(self, data, *, batch_size=None, verbose=0, **options):
        """BLEU-1 to BLEU-4, exact match and (on shapes) attribute accuracy.

        Each image is captioned once and scored against all its references.
        BLEU is sacrebleu's corpus score, case-insensitive.

        Returns:
            A dict: `bleu1` ... `bleu4` (0-100), `exact_match` (0-1: captions
            equal to one of their references, case-folded), `num_images`,
            `method`, and for the generated shapes data `attributes`
            (`seqkeras.metrics.attribute_accuracy`).
        """
        data = self._captioned(data)
        hypotheses = self.predict(
            data.images, batch_size=batch_size, verbose=verbose, **options
        )
        references = [list(refs) for refs in data.captions]
        scores = {
            f"bleu{n}": corpus_bleu(hypotheses, references, max_order=n)
            for n in (1, 2, 3, 4)
        }
        folded = [[r.lower() for r in refs] for refs in references]
        scores["exact_match"] = exact_match([h.lower() for h in hypotheses], folded)
        scores["num_images"] = len(hypotheses)
        scores["method"] = options.get("method") or self.default_method
        if all(parse_caption(refs[0]) for refs in references):
            scores["attributes"] = attribute_accuracy(hypotheses, references)
        return scores

    # === Export ===

    def _endpoints(self):
        return {
            "caption": self._fixed_length_function("greedy", variant="bytes"),
            "caption_beam": self._fixed_length_function(
                "beam", variant="bytes", beam_width=self.beam_width
            ),
        }
