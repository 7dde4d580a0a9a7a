"""Text preprocessing that runs inside the TensorFlow graph.

`Vocabulary` numbers tokens (with reserved ids for padding, `[UNK]`,
`[START]` and `[END]`); `TextEncoder` normalises, splits and looks up raw
strings with tensorflow-text ops, identically in training, prediction and
exported SavedModels; `WordEncoder` does the same for words already split
(taggers), with character ids per word.
"""

from seqkeras.text.encoder import TextEncoder, as_text_batch
from seqkeras.text.vocabulary import END, PAD, RESERVED, START, UNK, Vocabulary
from seqkeras.text.words import WordEncoder, as_word_batch

__all__ = [
    "END",
    "PAD",
    "RESERVED",
    "START",
    "UNK",
    "TextEncoder",
    "Vocabulary",
    "WordEncoder",
    "as_text_batch",
    "as_word_batch",
]
