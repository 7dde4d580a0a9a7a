"""Tag schemes for labelling spans of words: IOB1, IOB2 and IOBES.

A named entity covers one or more consecutive words. Tagging each word with
the entity type alone cannot separate two adjacent entities of the same type
("Tuesday Wednesday" as two dates), so each tag carries a prefix:

- IOB2: `B-X` begins an entity of type X, `I-X` continues it, `O` is outside.
  An `I-X` must follow `B-X` or `I-X`.
- IOB1 (the original CoNLL-2003 files): entities begin with `I-X`; `B-X` is
  used only to begin an entity right after another entity of type X.
- IOBES: like IOB2, plus `E-X` ends an entity of two or more words and
  `S-X` is a one-word entity; every entity is closed explicitly.

`validate_tags` checks a sequence against its scheme, `tags_to_spans` and
`spans_to_tags` move between tags and `(type, start, end)` spans, and
`convert_tags` rewrites a sequence from one scheme into another.
`conlleval_spans` reads spans the lenient way the CoNLL evaluation script
does, which is what entity-level scores use (see `seqkeras.metrics`).

Example:

>>> convert_tags(["I-PER", "I-PER", "O", "I-LOC", "B-LOC"], "iob1", "iob2")
['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC']
>>> tags_to_spans(["B-PER", "I-PER", "O", "S-LOC"], "iobes")
Traceback (most recent call last):
...
seqkeras.errors.InvalidTagSequenceError: Tag 2 ('O') cannot follow 'I-PER' in ...
"""

from seqkeras._validation import one_of
from seqkeras.errors import InvalidTagSequenceError

SCHEMES = ("iob1", "iob2", "iobes")
OUTSIDE = "O"


def split_tag(tag):
    """Splits a tag into its prefix and entity type.

    Example:

    >>> split_tag("B-PER"), split_tag("O"), split_tag("I-MISC-X")
    (('B', 'PER'), ('O', None), ('I', 'MISC-X'))
    """
    if tag == OUTSIDE:
        return OUTSIDE, None
    prefix, dash, kind = str(tag).partition("-")
    if not dash or prefix not in ("B", "I", "E", "S") or not kind:
        raise InvalidTagSequenceError(
            f"Cannot read the tag {tag!r}: expected 'O' or a prefix B-, I-, E- or "
            "S- followed by an entity type, like 'B-PER'."
        )
    return prefix, kind


def _fail(tags, i, scheme, why):
    previous = repr(tags[i - 1]) if i > 0 else "the sentence start"
    raise InvalidTagSequenceError(
        f"Tag {i} ({tags[i]!r}) cannot follow {previous} in the "
        f"{scheme.upper()} scheme: {why}. Tags: {list(tags)}"
    )


def tags_to_spans(tags, scheme):
    """The entities of a valid tag sequence, read strictly by its scheme.

    Args:
        tags: one tag per word.
        scheme: "iob1", "iob2" or "iobes".

    Returns:
        A list of `(type, start, end)` with `end` exclusive, in order.

    Raises:
        InvalidTagSequenceError: the sequence breaks the scheme's rules; the
            message names the first offending position.

    Example:

    >>> tags_to_spans(["B-PER", "I-PER", "O", "B-LOC"], "iob2")
    [('PER', 0, 2), ('LOC', 3, 4)]
    """
    one_of("scheme", scheme, SCHEMES)
    tags = list(tags)
    spans = []
    open_kind, open_start = None, None  # the entity being read, if any
    for i, tag in enumerate(tags):
        prefix, kind = split_tag(tag)
        if (
            scheme == "iobes"
            and open_kind is not None
            and (prefix not in ("I", "E") or kind != open_kind)
        ):
            _fail(tags, i, scheme, "an entity must end with E- (or be a single S-)")
        if prefix in ("E", "S") and scheme != "iobes":
            _fail(tags, i, scheme, f"{prefix}- tags belong to the IOBES scheme")
        continues = open_kind is not None and kind == open_kind
        if prefix == "I" and not continues:
            if scheme != "iob1":
                _fail(tags, i, scheme, f"I-{kind} must follow B-{kind} or I-{kind}")
        if prefix == "B" and scheme == "iob1" and not continues:
            _fail(
                tags,
                i,
                scheme,
                f"B-{kind} only begins an entity right after another {kind} "
                f"entity; begin with I-{kind}",
            )
        if prefix == "E" and not continues:
            _fail(tags, i, scheme, f"E-{kind} must follow B-{kind} or I-{kind}")
        # Close the open entity where this tag does not continue it.
        if open_kind is not None and (prefix in ("O", "B", "S") or not continues):
            spans.append((open_kind, open_start, i))
            open_kind = None
        if prefix == "S":
            spans.append((kind, i, i + 1))
        elif prefix == "E":
            spans.append((open_kind, open_start, i + 1))
            open_kind = None
        elif prefix in ("B", "I") and open_kind is None:
            open_kind, open_start = kind, i
    if open_kind is not None:
        if scheme == "iobes":
            raise InvalidTagSequenceError(
                f"The sentence ends inside an entity ({tags[-1]!r}) in the IOBES "
                f"scheme: the last word of an entity is tagged E- or S-. "
                f"Tags: {tags}"
            )
        spans.append((open_kind, open_start, len(tags)))
    return spans


def validate_tags(tags, scheme):
    """Raises `InvalidTagSequenceError` if `tags` break `scheme`'s rules."""
    tags_to_spans(tags, scheme)


def spans_to_tags(spans, length, scheme):
    """Writes `(type, start, end)` spans as `length` tags in `scheme`.

    Example:

    >>> spans_to_tags([("PER", 0, 2), ("PER", 2, 3)], 4, "iobes")
    ['B-PER', 'E-PER', 'S-PER', 'O']
    """
    one_of("scheme", scheme, SCHEMES)
    tags = [OUTSIDE] * length
    previous_end, previous_kind = None, None
    for kind, start, end in sorted(spans, key=lambda span: span[1]):
        if not 0 <= start < end <= length or (
            previous_end is not None and start < previous_end
        ):
            raise InvalidTagSequenceError(
                f"Span ({kind!r}, {start}, {end}) does not fit a sentence of "
                f"{length} words without overlapping the one before."
            )
        if scheme == "iobes" and end - start == 1:
            tags[start] = f"S-{kind}"
        else:
            first = "B"
            if scheme == "iob1":
                adjacent = previous_end == start and previous_kind == kind
                first = "B" if adjacent else "I"
            tags[start] = f"{first}-{kind}"
            for i in range(start + 1, end):
                tags[i] = f"I-{kind}"
            if scheme == "iobes":
                tags[end - 1] = f"E-{kind}"
        previous_end, previous_kind = end, kind
    return tags


def convert_tags(tags, from_scheme, to_scheme):
    """Rewrites a valid tag sequence from one scheme into another."""
    spans = tags_to_spans(tags, from_scheme)
    return spans_to_tags(spans, len(tags), to_scheme)


def conlleval_spans(tags):
    """Entity spans read the way the CoNLL-2000 `conlleval` script reads them.

    Lenient, for scoring predictions that may break the scheme: an `I-X`
    after `O` or after another type begins an entity (IOB1 and IOB2 both
    read correctly), a change of type ends one, and `E-` / `S-` end one
    (IOBES). Matches `conlleval` and `seqeval`'s default mode.

    Example:

    >>> conlleval_spans(["O", "I-PER", "I-PER", "B-PER", "I-LOC"])
    [('PER', 1, 3), ('PER', 3, 4), ('LOC', 4, 5)]
    """
    spans = []
    start = None
    previous_prefix, previous_kind = OUTSIDE, None
    for i, tag in enumerate(list(tags) + [OUTSIDE]):
        prefix, kind = split_tag(tag)
        if start is not None and _chunk_ends(
            previous_prefix, prefix, previous_kind, kind
        ):
            spans.append((previous_kind, start, i))
            start = None
        if _chunk_starts(previous_prefix, prefix, previous_kind, kind):
            start = i
        previous_prefix, previous_kind = prefix, kind
    return spans


def _chunk_ends(previous_prefix, prefix, previous_kind, kind):
    if previous_prefix in ("E", "S"):
        return True
    if previous_prefix in ("B", "I") and prefix in ("B", "S", "O"):
        return True
    return previous_prefix != OUTSIDE and previous_kind != kind


def _chunk_starts(previous_prefix, prefix, previous_kind, kind):
    if prefix in ("B", "S"):
        return True
    if prefix in ("I", "E") and previous_prefix in ("E", "S", "O"):
        return True
    return prefix != OUTSIDE and previous_kind != kind


def allowed_transitions(tag_names, scheme):
    """Which tags may start a sentence, follow each other, and end one.

    A CRF given these never predicts a sequence that breaks `scheme`.

    Args:
        tag_names: the tags, in id order.
        scheme: "iob1", "iob2" or "iobes".

    Returns:
        A dict of nested lists of booleans: `start` `(K,)`, `transitions`
        `(K, K)` (row: previous tag, column: next tag) and `end` `(K,)`.

    Example:

    >>> allowed = allowed_transitions(["O", "B-PER", "I-PER"], "iob2")
    >>> allowed["start"], allowed["transitions"][0]
    ([True, True, False], [True, True, False])
    """
    one_of("scheme", scheme, SCHEMES)
    tags = list(tag_names)

    def valid(sequence):
        try:
            validate_tags(sequence, scheme)
        except InvalidTagSequenceError:
            return False
        return True

    # A pair is allowed if some valid sentence holds it: try it between the
    # tags that can close or open an entity around it.
    def possible(previous, following):
        openers = [[]] + [[t] for t in tags]
        closers = [[]] + [[t] for t in tags]
        return any(
            valid(before + [previous, following] + after)
            for before in openers
            for after in closers
        )

    return {
        "start": [
            any(valid([tag] + after) for after in ([], *([t] for t in tags)))
            for tag in tags
        ],
        "transitions": [[possible(a, b) for b in tags] for a in tags],
        "end": [
            any(valid(before + [tag]) for before in ([], *([t] for t in tags)))
            for tag in tags
        ],
    }
