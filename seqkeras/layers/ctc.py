"""Connectionist temporal classification (CTC): training a recurrent network
to transcribe when no one says which frame holds which symbol.

A clip of `T` frames says `L <= T` symbols ("4071"), and nothing marks
where each starts. CTC (Graves et al., 2006) lets the network emit, at
every frame, one of the symbols or a **blank** (id 0 here), and reads a
frame-by-frame path by merging repeats and then dropping blanks:
`4 4 _ 0 _ _ 7 1 1` -> "4071"; a blank between two equal symbols keeps
them apart (`1 _ 1` -> "11"). The probability of a transcript is the sum,
over every path that reads as it, of the product of the frames'
probabilities; the forward algorithm sums them in `O(T L)` over the
blank-augmented label `_ 4 _ 0 _ 7 _ 1 _` (`seqkeras.numpy_ctc` does it by
hand). The loss is its negative log, `keras.ops.ctc_loss`.

`MaskedBlanks` ends a CTC model: the padding steps of a batch (masked by
Keras) emit the blank with probability one, so they add nothing to the
loss or to a decoded path, and `CTCLoss` can treat every row as `T` steps
long. `CTCLoss` takes the transcripts as symbol ids `(batch, L)` padded
with 0 (the blank, never a symbol).
"""

import keras
from keras import ops

BLANK = 0
# The logit of the blank at padding steps (others get its negative): the
# blank's probability is 1 - exp(-2e4), which is 1 in float32.
_SURE = 1e4


@keras.saving.register_keras_serializable(package="seqkeras")
class MaskedBlanks(keras.layers.Layer):
    """Logits `(batch, time, symbols + 1)` in, the same out with every
    masked (padding) step replaced by a certain blank; the mask stops here.

    Example:

    >>> import numpy as np
    >>> logits = np.zeros((1, 3, 4), "float32")
    >>> mask = np.array([[True, True, False]])
    >>> out = MaskedBlanks()(logits, mask=mask)
    >>> [int(i) for i in ops.argmax(out, axis=-1)[0]], float(out[0, 2, 0])
    ([0, 0, 0], 10000.0)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, logits, mask=None):
        if mask is None:
            return logits
        num_classes = ops.shape(logits)[-1]
        blank = ops.one_hot(BLANK, num_classes, dtype=logits.dtype)  # (classes,)
        certain = (2.0 * blank - 1.0) * _SURE
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)  # (batch, time, 1)
        return ops.where(keep, logits, ops.broadcast_to(certain, ops.shape(logits)))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return input_shape


def label_lengths(labels):
    """The number of symbols of each row of 0-padded labels `(batch, L)`."""
    return ops.sum(ops.cast(ops.greater(labels, BLANK), "int32"), axis=-1)


def ctc_loss(labels, logits, logit_lengths=None):
    """The CTC loss of each row: `-log p(labels | logits)`.

    Args:
        labels: int `(batch, L)` symbol ids (1, 2, ...), 0-padded.
        logits: float `(batch, T, symbols + 1)`, the blank at index 0.
        logit_lengths: the real steps of each row (default: all `T`).

    Returns:
        float32 `(batch,)`.
    """
    labels = ops.cast(labels, "int32")
    shape = ops.shape(logits)
    if logit_lengths is None:
        logit_lengths = ops.full((shape[0],), shape[1], dtype="int32")
    return ops.ctc_loss(
        labels,
        logits,
        label_lengths(labels),
        ops.cast(logit_lengths, "int32"),
        mask_index=BLANK,
    )


@keras.saving.register_keras_serializable(package="seqkeras")
class CTCLoss(keras.losses.Loss):
    """The CTC loss as a Keras loss: `y_true` holds 0-padded symbol ids
    `(batch, L)`, `y_pred` logits `(batch, T, symbols + 1)` whose padding
    steps are certain blanks (`MaskedBlanks`)."""

    def __init__(self, name="ctc_loss", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return ctc_loss(y_true, y_pred)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}


def ctc_decode(logits, lengths, *, method="greedy", beam_width=8):
    """The most probable transcripts of logits, as symbol ids.

    `keras.ops.ctc_decode` on every backend: "greedy" takes the best symbol
    of every frame and reads the path (merge repeats, drop blanks); "beam"
    keeps the `beam_width` most probable prefixes, summing the paths that
    read the same (the CTC prefix beam search).

    Args:
        logits: float `(batch, T, symbols + 1)`, the blank at index 0.
        lengths: the real steps of each row `(batch,)`.

    Returns:
        `(ids, scores)`: int32 `(batch, T)` symbol ids, -1 after each
        transcript's end; float32 `(batch,)`: the greedy path's log
        probability, or the beam's log probability of the transcript.

    Example:

    >>> import numpy as np
    >>> logits = np.log(np.array([[[.1, .8, .1], [.1, .8, .1], [.8, .1, .1],
    ...                            [.1, .8, .1], [.1, .1, .8]]], "float32"))
    >>> ids, _ = ctc_decode(logits, np.array([5]))
    >>> [int(i) for i in ids[0] if i >= 0]  # 1 1 _ 1 2 -> 1 1 2
    [1, 1, 2]
    """
    strategy = {"greedy": "greedy", "beam": "beam_search"}[method]
    decoded, scores = ops.ctc_decode(
        ops.log_softmax(logits, axis=-1),  # so that scores are log probabilities
        ops.cast(lengths, "int32"),
        strategy=strategy,
        beam_width=beam_width,
        mask_index=BLANK,
    )
    scores = scores[:, 0]
    if method == "greedy":
        scores = -scores  # Keras returns the greedy path's negative score
    return decoded[0], scores
