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

from seqkeras import decoding
from seqkeras._validation import (
    builder_arguments,
    one_of,
    positive_int,
    positive_ints,
)
from seqkeras.datasets.captioning import CaptionedImages
from seqkeras.datasets.shapes import attribute_accuracy, parse_caption
from seqkeras.errors import InvalidInputError
from seqkeras.metrics import corpus_bleu, exact_match
from seqkeras.models.captioning import PRESETS, build_captioner
from seqkeras.pipelines.base import (
    DecodingFunctions,
    EncoderPreprocessing,
    Pipeline,
    decoding_tf_function,
    register_pipeline,
    vocabulary_fingerprint,
)
from seqkeras.pipelines.batching import sequence_dataset
from seqkeras.text import TextEncoder
from seqkeras.text.vocabulary import Vocabulary

BUILDER_DECIDES = {"vocabulary_size", "image_shape", "compile"}
_BYTES_SPEC = tf.TensorSpec([None], tf.string, name="images")


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
class CaptioningPipeline(DecodingFunctions, EncoderPreprocessing, Pipeline):
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
        beam_width: the beam of the exported `caption_beam` signature.
        seed: seeds weight initialisation and shuffling.
        **model_kwargs: passed to `build_captioner` (`cell`, `units`,
            `num_layers`, `embedding_dim`, `dropout`, `encoder`, ...).

    Example:

    >>> from seqkeras.datasets import load
    >>> data = load("shapes", num_train=64, num_validation=8, num_test=8)
    >>> pipeline = CaptioningPipeline(units=16, embedding_dim=8, encoder_filters=(4,))
    >>> history = pipeline.fit(data.train, epochs=1, verbose=0)
    >>> len(pipeline.caption(data.test.images[:3]))
    3
    """

    task = "captioning"
    monitor = ("val_loss", "min")
    encoder_class = TextEncoder

    def __init__(
        self,
        *,
        architecture="attention",
        image_size=(64, 64),
        max_vocabulary_size=10000,
        min_count=1,
        max_length=24,
        lowercase=True,
        beam_width=3,
        seed=0,
        **model_kwargs,
    ):
        super().__init__(seed=seed)
        self.architecture = one_of("architecture", architecture, PRESETS)
        self.image_size = positive_ints("image_size", image_size, length=2)
        self.max_vocabulary_size = positive_int(
            "max_vocabulary_size", max_vocabulary_size
        )
        self.min_count = positive_int("min_count", min_count)
        self.max_length = positive_int("max_length", max_length)
        self.lowercase = bool(lowercase)
        self.beam_width = positive_int("beam_width", beam_width)
        self.model_kwargs = builder_arguments(
            build_captioner, model_kwargs, exclude=BUILDER_DECIDES
        )
        self.encoder = TextEncoder(
            lowercase=lowercase,
            max_length=max_length,
            add_start_end=True,
            name="caption_encoder",
        )
        self._functions = {}
        self._functions_for = None

    def get_config(self):
        model_kwargs = dict(self.model_kwargs)
        if isinstance(model_kwargs.get("encoder"), keras.Model):
            # The model's own config holds the encoder; a loaded pipeline
            # gets it back with the model.
            model_kwargs["encoder"] = None
        return {
            "architecture": self.architecture,
            "image_size": list(self.image_size),
            "max_vocabulary_size": self.max_vocabulary_size,
            "min_count": self.min_count,
            "max_length": self.max_length,
            "lowercase": self.lowercase,
            "beam_width": self.beam_width,
            "seed": self.seed,
            **model_kwargs,
        }

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

    def _dataset(self, data, *, batch_size, training):
        data = self._captioned(data)
        pairs = data.pairs()
        captions = self.encoder.encode([caption for _, caption in pairs])
        index = np.array([i for i, _ in pairs], "int32")
        dataset = sequence_dataset(
            captions, index, batch_size=batch_size, shuffle=training, seed=self.seed
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
        train = self._captioned(train)
        self.encoder.adapt(
            [c for refs in train.captions for c in refs],
            max_size=self.max_vocabulary_size,
            min_count=self.min_count,
        )

    def _is_adapted(self):
        return self.encoder.vocabulary is not None

    def _build_model(self):
        kwargs = {**PRESETS[self.architecture], **self.model_kwargs}
        return build_captioner(
            self.encoder.vocabulary_size, image_shape=(*self.image_size, 3), **kwargs
        )

    def _fingerprint(self):
        return {
            **super()._fingerprint(),
            **vocabulary_fingerprint([self.encoder.vocabulary]),
        }

    # === Captioning ===

    def caption_function(self, method="greedy", *, from_bytes=False, **options):
        """The `tf.function` behind `caption` and the exported signatures.

        It takes float pixels `(batch, *image_size, 3)` in [0, 255] (or with
        `from_bytes`, a `(batch,)` `tf.string` tensor of encoded images) and
        returns a dict: `caption` (`(batch,)` strings), `tokens` (ragged
        strings, the generated words, `[END]` included), `scores` (the
        log-probability of each caption) and `attention` (`(batch, steps,
        grid_height, grid_width)`, zeros without attention).

        Args:
            method: "greedy", "sample" or "beam".
            from_bytes: take encoded image bytes (what the export serves).
            **options: passed to `seqkeras.decoding.decode` (`beam_width`,
                `length_penalty`, `temperature`, `top_k`, `seed`); sampling's
                `temperature` and `seed` reach the graph as tensors.
        """
        return self._decoding_function(
            (self.model, self.encoder),
            method,
            options,
            lambda fixed: self._make_function(method, from_bytes, fixed),
            variant=from_bytes,
        )

    def _make_function(self, method, from_bytes, options):
        model, encoder = self.model, self.encoder
        size, max_length = self.image_size, self.max_length
        grid = model.feature_grid
        tokens_table = tf.constant(encoder.vocabulary.tokens)
        step = decoding.forbid_tokens(
            model.step_function(),
            [Vocabulary.pad_id, Vocabulary.start_id, Vocabulary.unk_id],
        )
        pixels_spec = tf.TensorSpec([None, *size, 3], tf.float32, name="images")

        def run(images, **sampling):
            if from_bytes:
                images = tf.map_fn(
                    lambda data: decode_image(data, size),
                    images,
                    fn_output_signature=tf.TensorSpec((*size, 3), tf.float32),
                )
            state = model.initial_decoder_state(images)
            start = tf.fill(tf.shape(images)[:1], Vocabulary.start_id)
            result = decoding.decode(
                step,
                start,
                state,
                method=method,
                end_id=Vocabulary.end_id,
                max_length=max_length,
                **options,
                **sampling,
            )
            generated = tf.RaggedTensor.from_tensor(
                result.tokens, lengths=result.lengths
            )
            attention = result.extras  # (batch, steps, cells)
            shape = tf.shape(attention)
            return {
                "caption": encoder.detokenize(generated),
                "tokens": tf.gather(tokens_table, generated),
                "scores": result.scores,
                "attention": tf.reshape(attention, [shape[0], shape[1], *grid]),
            }

        return decoding_tf_function(
            run, _BYTES_SPEC if from_bytes else pixels_spec, method
        )

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

    def _run(self, images, method, options, batch_size, verbose):
        pixels = self._pixels(images)
        function = self.caption_function(method, **self._options(method, options))
        n = int(pixels.shape[0])
        progress = keras.utils.Progbar(n) if verbose and n else None
        for start in range(0, n, batch_size):
            yield function(pixels[start : start + batch_size])
            if progress:
                progress.update(min(start + batch_size, n))

    def _options(self, method, options):
        one_of("method", method, decoding.METHODS)
        options = dict(options)
        if method == "beam":
            options.setdefault("beam_width", self.beam_width)
        return options

    def caption(self, images, *, method="greedy", batch_size=64, verbose=0, **options):
        """Captions images.

        Args:
            images: pixels (an array `(images, height, width, 3)` or one
                image `(height, width, 3)`, values in [0, 255]), a list of
                file paths, or a list of encoded image bytes.
            method: "greedy", "sample" (`temperature`, `top_k`, `seed`) or
                "beam" (`beam_width`, default the pipeline's, and
                `length_penalty`).
            batch_size: images captioned together.
            verbose: 1 shows a progress bar.

        Returns:
            A list of strings.
        """
        return [
            text.decode("utf-8")
            for outputs in self._run(images, method, options, batch_size, verbose)
            for text in outputs["caption"].numpy()
        ]

    def caption_with_attention(self, images, *, method="greedy", **options):
        """Captions with their words and attention maps, for plots.

        Returns:
            One dict per image: `caption`, `tokens` (the generated words,
            `[END]` included) and `attention`, a NumPy array `(len(tokens),
            grid_height, grid_width)` (zeros for a model without attention).
        """
        results = []
        for outputs in self._run(images, method, options, 64, 0):
            tokens = outputs["tokens"].to_list()
            for i, text in enumerate(outputs["caption"].numpy()):
                words = [t.decode("utf-8") for t in tokens[i]]
                results.append(
                    {
                        "caption": text.decode("utf-8"),
                        "tokens": words,
                        "attention": outputs["attention"][i, : len(words)].numpy(),
                    }
                )
        return results

    def evaluate(self, data, *, method="greedy", batch_size=64, verbose=0, **options):
        """BLEU-1 to BLEU-4, exact match and (on shapes) attribute accuracy.

        Each image is captioned once and scored against all its references.
        BLEU is sacrebleu's corpus score, case-insensitive.

        Returns:
            A dict: `bleu1` ... `bleu4` (0-100), `exact_match` (0-1: captions
            equal to one of their references, case-folded), `num_images`,
            `method`, and for the generated shapes data `attributes`
            (`seqkeras.datasets.shapes.attribute_accuracy`).
        """
        data = self._captioned(data)
        hypotheses = self.caption(
            data.images,
            method=method,
            batch_size=batch_size,
            verbose=verbose,
            **options,
        )
        references = [list(refs) for refs in data.captions]
        scores = {
            f"bleu{n}": corpus_bleu(hypotheses, references, max_order=n)
            for n in (1, 2, 3, 4)
        }
        folded = [[r.lower() for r in refs] for refs in references]
        scores["exact_match"] = exact_match([h.lower() for h in hypotheses], folded)
        scores["num_images"] = len(hypotheses)
        scores["method"] = method
        if all(parse_caption(refs[0]) for refs in references):
            scores["attributes"] = attribute_accuracy(hypotheses, references)
        return scores

    # === Export ===

    def _add_endpoints(self, archive):
        archive.track(self.encoder)
        endpoints = {
            "caption": self.caption_function("greedy", from_bytes=True),
            "caption_beam": self.caption_function(
                "beam", from_bytes=True, beam_width=self.beam_width
            ),
        }
        for name, function in endpoints.items():
            archive.add_endpoint(name, function)
