"""A vocabulary: tokens <-> integer ids, with reserved ids for special tokens.

Ids 0-3 are reserved: 0 is padding (the empty token ``""``), 1 is `[UNK]`
for every word the vocabulary does not keep, 2 and 3 are `[START]` and
`[END]` for models that generate text. Words follow from most to least
frequent, ties broken alphabetically, so the same counts always give the
same ids.
"""

import collections
from collections.abc import Iterable

from seqkeras._validation import positive_int
from seqkeras.errors import InvalidArgumentError, InvalidInputError

PAD = ""
UNK = "[UNK]"
START = "[START]"
END = "[END]"
RESERVED = (PAD, UNK, START, END)


class Vocabulary:
    """An ordered list of tokens; a token's id is its position.

    Args:
        tokens: every token, starting with the reserved ones
            `("", "[UNK]", "[START]", "[END]")`.

    Example:

    >>> vocab = Vocabulary.build([["i", "like", "red", "apples"], ["i", "like", "it"]])
    >>> vocab.tokens
    ('', '[UNK]', '[START]', '[END]', 'i', 'like', 'apples', 'it', 'red')
    >>> vocab.encode(["i", "like", "green", "apples"])
    [4, 5, 1, 6]
    """

    pad_id = 0
    unk_id = 1
    start_id = 2
    end_id = 3

    def __init__(self, tokens):
        tokens = tuple(tokens)
        if tokens[: len(RESERVED)] != RESERVED:
            raise InvalidInputError(
                f"A vocabulary must start with the reserved tokens {RESERVED}, "
                f"got {tokens[: len(RESERVED)]}."
            )
        if len(set(tokens)) != len(tokens):
            duplicates = [t for t, c in collections.Counter(tokens).items() if c > 1]
            raise InvalidInputError(f"Duplicate tokens in vocabulary: {duplicates[:5]}")
        self._tokens = tokens
        self._ids = {token: i for i, token in enumerate(tokens)}

    @classmethod
    def from_counts(cls, counts, *, max_size=None, min_count=1):
        """Builds a vocabulary from a mapping token -> count.

        Args:
            counts: how often each token occurs in the training data.
            max_size: the most tokens to keep, the 4 reserved ones included;
                None keeps all.
            min_count: tokens seen fewer times become `[UNK]`.
        """
        if max_size is not None:
            positive_int("max_size", max_size)
            if max_size <= len(RESERVED):
                raise InvalidArgumentError(
                    "Received an invalid value for argument `max_size`, expected "
                    f"more than the {len(RESERVED)} reserved tokens, got {max_size}"
                )
        positive_int("min_count", min_count)
        kept = sorted(
            (t for t, c in counts.items() if c >= min_count and t not in RESERVED),
            key=lambda t: (-counts[t], t),
        )
        if max_size is not None:
            kept = kept[: max_size - len(RESERVED)]
        return cls(RESERVED + tuple(kept))

    @classmethod
    def build(cls, tokenized_texts: Iterable, *, max_size=None, min_count=1):
        """Builds a vocabulary from texts already split into tokens."""
        counts = collections.Counter()
        for tokens in tokenized_texts:
            counts.update(tokens)
        return cls.from_counts(counts, max_size=max_size, min_count=min_count)

    @property
    def tokens(self):
        return self._tokens

    def __len__(self):
        return len(self._tokens)

    def __contains__(self, token):
        return token in self._ids

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self._tokens == other._tokens

    def __repr__(self):
        return f"<Vocabulary of {len(self)} tokens>"

    def token_to_id(self, token):
        """The id of `token`, or `unk_id` if it is not in the vocabulary."""
        return self._ids.get(token, self.unk_id)

    def id_to_token(self, index):
        return self._tokens[index]

    def encode(self, tokens):
        return [self.token_to_id(t) for t in tokens]

    def decode(self, ids):
        return [self._tokens[i] for i in ids]

    def get_config(self):
        return {"tokens": list(self._tokens)}

    @classmethod
    def from_config(cls, config):
        return cls(config["tokens"])
