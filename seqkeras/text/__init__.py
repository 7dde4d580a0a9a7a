"""Text preprocessing that runs inside the TensorFlow graph.

`Vocabulary` numbers tokens (with reserved ids for padding, `[UNK]`,
`[START]` and `[END]`); `TextEncoder` normalises, splits and looks up raw
strings with tensorflow-text ops, identically in training, prediction and
exported SavedModels.
"""

from seqkeras.text.encoder import TextEncoder, as_text_batch
from seqkeras.text.vocabulary import END, PAD, RESERVED, START, UNK, Vocabulary

__all__ = [
    "END",
    "PAD",
    "RESERVED",
    "START",
    "UNK",
    "TextEncoder",
    "Vocabulary",
    "as_text_batch",
]
