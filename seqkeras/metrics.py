"""Scores: entity-level F1 and token accuracy (tagging), BLEU, chrF and exact
match (translation and captioning).

Entity scores follow the CoNLL `conlleval` script: entities are read from
the gold and predicted tags of each sentence with `conlleval_spans`, and a
predicted entity counts as correct only if its type, first word and last
word all match a gold entity (exact span match). Precision is correct over
predicted, recall correct over gold, F1 their harmonic mean, each overall
(micro-averaged over all entities) and per entity type. Scores are fractions
in [0, 1]; `conlleval` prints them as percentages.

Example:

>>> gold = [["B-PER", "I-PER", "O", "B-LOC"]]
>>> predicted = [["B-PER", "I-PER", "O", "B-ORG"]]
>>> scores = entity_scores(gold, predicted)
>>> scores["precision"], scores["recall"], scores["f1"]
(0.5, 0.5, 0.5)
>>> token_accuracy(gold, predicted)
0.75

Translation is scored with sacrebleu on detokenised text, against one or
more references per sentence:

>>> hypotheses = ["¿tienes una mascota?", "hace frío."]
>>> references = [["¿Tienes una mascota?"], ["Hace frío.", "Hace mucho frío."]]
>>> round(corpus_bleu(hypotheses, references), 1)
100.0
>>> exact_match(["2011-03-25", "2011-03-26"], [["2011-03-25"], ["2011-03-27"]])
0.5
"""

import collections

from seqkeras.errors import InvalidInputError
from seqkeras.tags import conlleval_spans


def _check_aligned(gold, predicted):
    gold, predicted = list(gold), list(predicted)
    if len(gold) != len(predicted):
        raise InvalidInputError(
            f"Got {len(gold)} gold sentences but {len(predicted)} predicted ones; "
            "pass one predicted tag sequence per sentence."
        )
    for i, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        if isinstance(g, str) or isinstance(p, str):
            raise InvalidInputError(
                "Expected a list of tag sequences (one list of tags per sentence), "
                f"got a string at sentence {i}."
            )
        if len(g) != len(p):
            raise InvalidInputError(
                f"Sentence {i} has {len(g)} gold tags but {len(p)} predicted tags."
            )
    return gold, predicted


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else 0.0


def _f1(precision, recall):
    return _ratio(2 * precision * recall, precision + recall)


def entity_scores(gold, predicted):
    """Entity-level precision, recall and F1, as `conlleval` computes them.

    Args:
        gold: the true tags, one list per sentence.
        predicted: the predicted tags, aligned with `gold`.

    Returns:
        A dict: `precision`, `recall`, `f1` (overall), `gold_entities`,
        `predicted_entities`, `correct_entities`, and `per_type`, a dict from
        entity type to the same figures for that type (`support` is its
        number of gold entities). An empty prediction scores 0, not NaN.
    """
    gold, predicted = _check_aligned(gold, predicted)
    counts = collections.defaultdict(lambda: [0, 0, 0])  # gold, predicted, correct
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        gold_spans = set(conlleval_spans(gold_tags))
        predicted_spans = set(conlleval_spans(predicted_tags))
        for kind, *_ in gold_spans:
            counts[kind][0] += 1
        for kind, *_ in predicted_spans:
            counts[kind][1] += 1
        for kind, *_ in gold_spans & predicted_spans:
            counts[kind][2] += 1

    def scores(n_gold, n_predicted, n_correct):
        precision = _ratio(n_correct, n_predicted)
        recall = _ratio(n_correct, n_gold)
        return {
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
            "support": n_gold,
            "predicted": n_predicted,
        }

    totals = [sum(c[k] for c in counts.values()) for k in range(3)]
    overall = scores(*totals)
    return {
        "precision": overall["precision"],
        "recall": overall["recall"],
        "f1": overall["f1"],
        "gold_entities": totals[0],
        "predicted_entities": totals[1],
        "correct_entities": totals[2],
        "per_type": {kind: scores(*counts[kind]) for kind in sorted(counts)},
    }


def token_accuracy(gold, predicted):
    """The fraction of words whose predicted tag equals the gold tag."""
    gold, predicted = _check_aligned(gold, predicted)
    total = sum(len(tags) for tags in gold)
    correct = sum(
        g == p
        for gold_tags, predicted_tags in zip(gold, predicted, strict=True)
        for g, p in zip(gold_tags, predicted_tags, strict=True)
    )
    return _ratio(correct, total)


def _reference_streams(hypotheses, references):
    """sacrebleu's layout: one list per reference slot, '' where a sentence
    has fewer references than the most any sentence has."""
    hypotheses = [str(h) for h in hypotheses]
    references = [
        [r] if isinstance(r, str) else [str(x) for x in r] for r in references
    ]
    if len(hypotheses) != len(references):
        raise InvalidInputError(
            f"Got {len(hypotheses)} hypotheses but references for "
            f"{len(references)} sentences: pass one list of references each."
        )
    for i, refs in enumerate(references):
        if not refs:
            raise InvalidInputError(f"Sentence {i} has no reference translation.")
    slots = max((len(refs) for refs in references), default=0)
    streams = [
        [refs[k] if k < len(refs) else "" for refs in references] for k in range(slots)
    ]
    return hypotheses, streams


def corpus_bleu(hypotheses, references, *, lowercase=True, max_order=4):
    """Corpus BLEU (0-100) with sacrebleu's standard settings (13a tokenizer,
    exponential smoothing).

    Args:
        hypotheses: detokenised output sentences.
        references: for each hypothesis a reference string or a list of them
            (their number may vary).
        lowercase: ignore case (the pipelines case-fold their text, so their
            output has no capitals to match).
        max_order: the longest n-grams counted: 4 is BLEU (BLEU-4), 1 to 3
            give the BLEU-1 to BLEU-3 that captioning papers also report.

    Example:

    >>> refs = [["a small red circle", "one small red circle"]]
    >>> round(corpus_bleu(["a small red square"], refs, max_order=1), 1)
    75.0
    """
    from sacrebleu.metrics import BLEU

    hypotheses, streams = _reference_streams(hypotheses, references)
    metric = BLEU(lowercase=lowercase, max_ngram_order=max_order)
    return float(metric.corpus_score(hypotheses, streams).score)


def corpus_chrf(hypotheses, references, *, lowercase=True):
    """Corpus chrF (0-100, character 6-grams, sacrebleu's defaults); arguments
    as `corpus_bleu`."""
    import sacrebleu

    hypotheses, streams = _reference_streams(hypotheses, references)
    metric = sacrebleu.metrics.CHRF(lowercase=lowercase)
    return float(metric.corpus_score(hypotheses, streams).score)


def exact_match(hypotheses, references):
    """The fraction of hypotheses equal to one of their references (after
    stripping surrounding white space)."""
    hypotheses, streams = _reference_streams(hypotheses, references)
    if not hypotheses:
        return 0.0
    hits = sum(
        h.strip() in {stream[i].strip() for stream in streams if stream[i]}
        for i, h in enumerate(hypotheses)
    )
    return hits / len(hypotheses)
