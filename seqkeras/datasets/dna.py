"""Generated DNA with a planted motif: does a sequence hold it, and where?

Gene sequences are one of the course's examples of sequence data that is
not text. This generator writes a task with a known answer: sequences over
the four bases A, C, G, T, of `min_length` to `max_length` bases drawn
uniformly at random, about half of which (`positive_fraction`) get one to
`max_copies` copies of a short motif planted at random places. The default
motif is "TATAAT", the -10 box of bacterial promoters. Each copy has up to
`max_mutations` of its bases changed, so a model must recognise the motif
with a mismatch, not look up one string.

Two labellings of the same sequences:

- many to one (`labels="sequence"`): 1 if the sequence holds the motif,
  else 0 (`LABELS`);
- many to many (`labels="bases"`): a tag for every base, IOB2 style,
  `B-MOTIF` on the first base of a copy, `I-MOTIF` on the others, `O`
  elsewhere; a base is inside the motif (1) exactly when its tag is not `O`.

The labels are exact. The generator redraws a sequence until no stretch of
it other than the planted copies comes within `max_mutations` differences
of the motif, so "holds the motif" means "some stretch as long as the motif
differs from it in at most `max_mutations` bases", and the per-base labels
mark every such stretch. A motif too short for its `max_mutations` (one
that random bases would contain by chance more than once per sequence on
average) is refused.

The classification texts are the bases separated by spaces ("T A T A A T"),
so that the word tokenizers of the text pipelines read one base a token;
the tagging view has one base a word. Each split comes from its own stream
of the seed, so a split does not change when another grows. Deterministic
for a seed; public domain (CC0), written by seqkeras.

Example:

>>> data = motif_sequences(3, min_length=20, max_length=30, seed=0)
>>> data.sequences[0], data.spans[0]
('AATAATGTGGTGGGGTCTGACTATAATAA', ((0, 6), (21, 27)))
>>> data.base_labels()[0][:8].tolist()  # the first copy has one change
[1, 1, 1, 1, 1, 1, 0, 0]
>>> dna = load_dna_motif(num_train=8, num_validation=2, num_test=2)
>>> dna.label_names, dna.train.texts[0][:11]
(('no motif', 'motif'), 'A G C T A C')
>>> load_dna_motif(labels="bases", num_train=8, num_validation=2,
...                num_test=2).tag_names
('O', 'B-MOTIF', 'I-MOTIF')
"""

import dataclasses
import math

import numpy as np

from seqkeras._validation import int_at_least, non_negative_int, one_of, positive_int
from seqkeras.datasets.splits import Examples
from seqkeras.datasets.tagging import TaggedSentences, TaggingData
from seqkeras.datasets.text import LabelledTexts, TextClassificationData
from seqkeras.errors import InvalidArgumentError

BASES = "ACGT"
MOTIF = "TATAAT"
LABELS = ("no motif", "motif")
TAGS = ("O", "B-MOTIF", "I-MOTIF")
# A sequence whose background keeps matching the motif by chance is redrawn;
# this many failures in a row means the settings leave no room for it.
_MAX_ATTEMPTS = 1000


@dataclasses.dataclass(frozen=True, eq=False)
class MotifSequences(Examples):
    """DNA sequences, whether each holds the motif, and where.

    Args:
        sequences: strings over A, C, G, T.
        labels: `(count,)` int64, 1 where the sequence holds the motif.
        spans: for each sequence, the `(start, end)` of every planted copy
            (end excluded), in order; empty for a sequence without one.
    """

    sequences: tuple
    labels: np.ndarray
    spans: tuple

    def __post_init__(self):
        object.__setattr__(self, "sequences", tuple(self.sequences))
        labels = np.asarray(self.labels, dtype="int64").reshape(-1)
        object.__setattr__(self, "labels", labels)
        spans = tuple(
            tuple(tuple(int(i) for i in s) for s in row) for row in self.spans
        )
        object.__setattr__(self, "spans", spans)

    def base_labels(self):
        """One `(length,)` int64 array per sequence: 1 inside a copy, else 0."""
        rows = []
        for sequence, spans in zip(self.sequences, self.spans, strict=True):
            row = np.zeros(len(sequence), dtype="int64")
            for start, end in spans:
                row[start:end] = 1
            rows.append(row)
        return rows

    def texts(self):
        """The sequences as `LabelledTexts`, bases separated by spaces."""
        return LabelledTexts([" ".join(s) for s in self.sequences], self.labels)

    def tagged(self):
        """The sequences as `TaggedSentences`: one base a word, IOB2 tags."""
        tags = []
        for sequence, spans in zip(self.sequences, self.spans, strict=True):
            row = ["O"] * len(sequence)
            for start, end in spans:
                row[start:end] = ["B-MOTIF"] + ["I-MOTIF"] * (end - start - 1)
            tags.append(row)
        return TaggedSentences([list(s) for s in self.sequences], tags)


def _check_motif(motif):
    if not isinstance(motif, str) or not motif or set(motif) - set(BASES):
        raise InvalidArgumentError(
            "Received an invalid value for argument `motif`, expected a non-empty "
            f"string of the bases A, C, G, T (upper case), got {motif!r}"
        )
    return motif


def chance_copies(motif_length, max_mutations, length):
    """How many stretches of `length` uniformly random bases come within
    `max_mutations` differences of a motif of `motif_length`, on average."""
    close = sum(
        math.comb(motif_length, k) * 3**k for k in range(max_mutations + 1)
    )  # strings within the distance, out of 4 ** motif_length
    return max(length - motif_length + 1, 0) * close / 4**motif_length


def _matches(bases, motif, max_mutations):
    """Starts of every stretch of `bases` within `max_mutations` of `motif`."""
    if len(bases) < len(motif):
        return np.zeros(0, dtype="int64")
    windows = np.lib.stride_tricks.sliding_window_view(bases, len(motif))
    return np.flatnonzero((windows != motif).sum(axis=1) <= max_mutations)


def _draw_sequence(rng, length, copies, motif, max_mutations):
    """One sequence of `length` bases with `copies` planted copies, redrawn
    until the copies are its only stretches close to the motif."""
    size = len(motif)
    for _ in range(_MAX_ATTEMPTS):
        bases = rng.integers(len(BASES), size=length)
        # Non-overlapping places: sorted offsets into the free bases, each
        # copy pushed right by the copies before it.
        offsets = np.sort(rng.integers(length - copies * size + 1, size=copies))
        starts = offsets + size * np.arange(copies)
        for start in starts:
            copy = motif.copy()
            changed = rng.choice(size, rng.integers(max_mutations + 1), replace=False)
            copy[changed] = (copy[changed] + rng.integers(1, 4, len(changed))) % 4
            bases[start : start + size] = copy
        if np.array_equal(_matches(bases, motif, max_mutations), starts):
            text = "".join(BASES[b] for b in bases)
            return text, tuple((int(s), int(s) + size) for s in starts)
    raise InvalidArgumentError(
        f"Could not draw a sequence of {length} bases in which the motif appears "
        f"only where it was planted ({_MAX_ATTEMPTS} attempts): use a longer "
        "motif, fewer mutations or shorter sequences."
    )


def motif_sequences(
    count,
    *,
    motif=MOTIF,
    min_length=30,
    max_length=60,
    positive_fraction=0.5,
    max_copies=2,
    max_mutations=1,
    seed=0,
):
    """`count` generated sequences, about `positive_fraction` with the motif.

    Args:
        count: how many sequences.
        motif: the planted motif, a string over A, C, G, T.
        min_length, max_length: each sequence's length is drawn uniformly
            from this range; `min_length` must leave room for `max_copies`.
        positive_fraction: the chance that a sequence gets the motif.
        max_copies: a sequence with the motif gets 1 to `max_copies` copies.
        max_mutations: each copy has 0 to `max_mutations` bases changed.
        seed: an int, or a NumPy `Generator` to draw from.

    Returns:
        A `MotifSequences`.
    """
    motif = _check_motif(motif)
    max_mutations = non_negative_int("max_mutations", max_mutations)
    max_copies = positive_int("max_copies", max_copies)
    min_length = int_at_least("min_length", min_length, max_copies * len(motif))
    max_length = int_at_least("max_length", max_length, min_length)
    if (
        isinstance(positive_fraction, bool)
        or not isinstance(positive_fraction, int | float)
        or not 0 <= positive_fraction <= 1
    ):
        raise InvalidArgumentError(
            "Received an invalid value for argument `positive_fraction`, expected "
            f"a number in [0, 1], got {positive_fraction!r}"
        )
    expected = chance_copies(len(motif), max_mutations, max_length)
    if max_mutations >= len(motif) or expected > 1:
        raise InvalidArgumentError(
            f"Received an invalid value for argument `max_mutations`: with "
            f"max_mutations={max_mutations}, random sequences of {max_length} bases "
            f"would hold the {len(motif)}-base motif {motif!r} {expected:.2f} times "
            "on average by chance, so it would tell nothing apart. Use a longer "
            "motif, fewer mutations or shorter sequences."
        )
    if isinstance(seed, np.random.Generator):
        rng = seed
    else:
        rng = np.random.default_rng(non_negative_int("seed", seed))
    codes = np.array([BASES.index(b) for b in motif])
    sequences, labels, spans = [], [], []
    for _ in range(non_negative_int("count", count)):
        length = int(rng.integers(min_length, max_length + 1))
        positive = rng.random() < positive_fraction
        copies = int(rng.integers(1, max_copies + 1)) if positive else 0
        text, places = _draw_sequence(rng, length, copies, codes, max_mutations)
        sequences.append(text)
        labels.append(int(positive))
        spans.append(places)
    return MotifSequences(sequences, labels, spans)


def load_dna_motif(
    *,
    labels="sequence",
    num_train=2000,
    num_validation=200,
    num_test=500,
    motif=MOTIF,
    min_length=30,
    max_length=60,
    positive_fraction=0.5,
    max_copies=2,
    max_mutations=1,
    seed=0,
):
    """Generates the DNA motif data set.

    Args:
        labels: "sequence" for one label per sequence (many to one), or
            "bases" for a tag per base (many to many).
        num_train, num_validation, num_test: sequences per split.
        motif, min_length, max_length, positive_fraction, max_copies,
            max_mutations: the sequences' settings (see `motif_sequences`).
        seed: each split is drawn from its own stream of this seed.

    Returns:
        With `labels="sequence"`, a `TextClassificationData` with labels 0
        ("no motif") and 1 ("motif"), texts of bases separated by spaces;
        with `labels="bases"`, a `TaggingData` with IOB2 tags `TAGS`.
    """
    labels = one_of("labels", labels, ("sequence", "bases"))
    sizes = {
        "train": positive_int("num_train", num_train),
        "validation": int_at_least("num_validation", num_validation, 1),
        "test": int_at_least("num_test", num_test, 1),
    }
    options = dict(
        motif=motif,
        min_length=min_length,
        max_length=max_length,
        positive_fraction=positive_fraction,
        max_copies=max_copies,
        max_mutations=max_mutations,
    )
    streams = np.random.SeedSequence(non_negative_int("seed", seed)).spawn(3)
    splits = {
        split: motif_sequences(size, seed=np.random.default_rng(stream), **options)
        for (split, size), stream in zip(sizes.items(), streams, strict=True)
    }
    description = (
        f"generated DNA of {min_length}-{max_length} bases, {motif} planted with "
        f"up to {max_mutations} change(s) in about {positive_fraction:.0%} "
        "(embedded, no download)"
    )
    if labels == "sequence":
        return TextClassificationData(
            name="dna-motif",
            label_names=LABELS,
            description=description,
            **{split: data.texts() for split, data in splits.items()},
        )
    return TaggingData(
        name="dna-motif-bases",
        tag_names=TAGS,
        scheme="iob2",
        description=description,
        **{split: data.tagged() for split, data in splits.items()},
    )
