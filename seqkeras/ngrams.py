"""Unigram and bigram (Markov) models of token sequences: the baselines a
neural sequence model must beat.

Sequences are read as a language model reads them: each wrapped in
`[START]` ... `[END]`, where `[START]` is given, never predicted, so the
perplexity counts every token and one `[END]` per sequence, as the
language-model pipeline's does. Tokens not seen in training are one
`[UNK]`.

- The unigram model: add-one (Laplace) smoothed token frequencies.
- The bigram model: `P(w | v) = lam * count(v w) / count(v) + (1 - lam) *
  P_unigram(w)` (Jelinek-Mercer interpolation), `lam` chosen on held-out
  sequences when `fit` is given some, else 0.9; a `v` never seen in
  training falls back to the unigram.

Example:

>>> model = NGramModel(order=2).fit([["a", "b"], ["a", "b", "b"]])
>>> round(model.perplexity([["a", "b"]]), 3)
1.225
>>> model.sample(max_length=5, seed=0)
['a', 'b', 'b', 'b']
"""

import collections
import itertools
import math

import numpy as np

from seqkeras._validation import one_of, positive_int
from seqkeras.errors import InvalidInputError
from seqkeras.text.vocabulary import END, START, UNK

LAMBDAS = (*(round(0.05 * i, 2) for i in range(1, 20)), 0.97, 0.98, 0.99)


class NGramModel:
    """A unigram (`order=1`) or interpolated bigram (`order=2`) model.

    Args:
        order: 1 or 2.
        lam: the bigram's weight in the interpolation; None chooses it on
            the held-out sequences given to `fit` (0.9 without them).
    """

    def __init__(self, order=2, lam=None):
        self.order = one_of("order", order, (1, 2))
        self.lam = lam
        self.tokens = []
        self._unigram = None
        self._bigram = {}

    def fit(self, sequences, validation=None):
        """Counts `sequences` (lists of tokens); with `validation`, picks the
        bigram weight that gives it the lowest perplexity."""
        sequences = self._check(sequences, "sequences")
        counts = collections.Counter()
        pairs = collections.defaultdict(collections.Counter)
        for sequence in sequences:
            stream = [START, *sequence, END]
            counts.update(stream[1:])
            for previous, token in itertools.pairwise(stream):
                pairs[previous][token] += 1
        self.tokens = sorted(counts, key=lambda t: (-counts[t], t)) + [UNK]
        index = {token: i for i, token in enumerate(self.tokens)}
        self._index = index
        total = np.array([counts[t] for t in self.tokens[:-1]] + [0], np.float64)
        self._unigram = (total + 1) / (total.sum() + len(self.tokens))
        self._bigram = {}
        for previous, following in pairs.items():
            row = np.zeros(len(self.tokens))
            for token, n in following.items():
                row[index[token]] = n
            self._bigram[previous] = row / row.sum()
        if self.order == 2 and self.lam is None:
            if validation is None:
                self.lam = 0.9
            else:
                validation = self._check(validation, "validation")
                self.lam = min(
                    LAMBDAS, key=lambda lam: self._cross_entropy(validation, lam)
                )
        return self

    @staticmethod
    def _check(sequences, name):
        sequences = [list(s) for s in sequences]
        if not sequences:
            raise InvalidInputError(f"`{name}` holds no sequences.")
        return sequences

    def distribution(self, previous, lam=None):
        """`P(. | previous)` over `tokens` (the last one `[UNK]`)."""
        if self._unigram is None:
            raise InvalidInputError("The model is not fitted: call `fit` first.")
        if self.order == 1 or previous not in self._bigram:
            return self._unigram
        lam = self.lam if lam is None else lam
        return lam * self._bigram[previous] + (1 - lam) * self._unigram

    def _cross_entropy(self, sequences, lam=None):
        total, n = 0.0, 0
        unknown = len(self.tokens) - 1
        for sequence in sequences:
            stream = [START, *sequence, END]
            for previous, token in itertools.pairwise(stream):
                if previous not in self._index and previous != START:
                    previous = UNK
                p = self.distribution(previous, lam)[self._index.get(token, unknown)]
                total -= math.log(p)
                n += 1
        return total / n

    def perplexity(self, sequences):
        """Per-token perplexity of `sequences` (`[END]` counted, `[START]`
        not)."""
        return math.exp(self._cross_entropy(self._check(sequences, "sequences")))

    def sample(self, prefix=(), *, max_length=100, temperature=1.0, seed=0):
        """Continues `prefix` until `[END]` or `max_length` new tokens; never
        writes `[UNK]`. Returns the new tokens."""
        max_length = positive_int("max_length", max_length)
        rng = np.random.default_rng(seed)
        previous = prefix[-1] if prefix else START
        out = []
        for _ in range(max_length):
            p = self.distribution(previous).copy()
            p[-1] = 0.0  # [UNK]
            if temperature <= 0:
                choice = int(np.argmax(p))
            else:
                logits = np.log(np.maximum(p, 1e-300)) / temperature
                p = np.exp(logits - logits.max())
                p[-1] = 0.0
                choice = int(rng.choice(len(p), p=p / p.sum()))
            token = self.tokens[choice]
            if token == END:
                break
            out.append(token)
            previous = token
        return out
