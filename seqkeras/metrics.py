"""Scores: accuracy and the confusion matrix (classification), entity-level
F1 and token accuracy (tagging), BLEU, chrF and exact match (translation and
captioning), and attribute accuracy (captions of the generated shapes).

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

import numpy as np

from seqkeras.errors import InvalidInputError
from seqkeras.tags import conlleval_spans


def classification_scores(probabilities, labels):
    """Accuracy, cross-entropy and confusion matrix of class probabilities.

    Args:
        probabilities: `(examples, classes)` predicted probabilities.
        labels: `(examples,)` true class ids.

    Returns:
        A dict: `accuracy`, `loss` (mean cross-entropy in nats, each
        probability clipped at 1e-7) and `confusion_matrix` (a list of rows:
        true class; columns: predicted class).

    Example:

    >>> scores = classification_scores(np.array([[0.9, 0.1], [0.4, 0.6]]), [0, 0])
    >>> scores["accuracy"], scores["confusion_matrix"]
    (0.5, [[1, 1], [0, 0]])
    """
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels, dtype="int64")
    classes = probabilities.shape[-1]
    predicted = probabilities.argmax(axis=-1)
    picked = probabilities[np.arange(len(labels)), labels]
    confusion = np.zeros((classes, classes), dtype="int64")
    np.add.at(confusion, (labels, predicted), 1)
    return {
        "accuracy": float(np.mean(predicted == labels)),
        "loss": float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0)))),
        "confusion_matrix": confusion.tolist(),
    }


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


# === Captions of the generated shapes (seqkeras.datasets.shapes) ===

_CONVERSE = {"above": "below", "below": "above", "left of": "right of"}
_CONVERSE["right of"] = "left of"


def _readings(parsed):
    """Both ways of saying a scene: "A above B" and "B below A"."""
    if parsed["relation"] is None:
        return [parsed]
    first, second = parsed["objects"]
    converse = {"objects": [second, first], "relation": _CONVERSE[parsed["relation"]]}
    return [parsed, converse]


ATTRIBUTES = ("size", "colour", "shape")


def _agreement(guess, truth):
    """Per attribute, how many of `guess`'s slots agree with `truth`'s."""
    right = {name: 0 for name in (*ATTRIBUTES, "relation")}
    for g, t in zip(guess["objects"], truth["objects"], strict=True):
        for k, name in enumerate(ATTRIBUTES):
            right[name] += g[k] == t[k]
    if truth["relation"] is not None:
        right["relation"] = int(guess["relation"] == truth["relation"])
    return right


def attribute_accuracy(hypotheses, references):
    """How often each attribute of generated captions is right.

    Each hypothesis is compared with the way of saying its scene that it
    agrees with most: "B below A" is read against "B below A", not against
    "A above B". An object's size, colour and shape count once per object
    the scene has; a caption that does not parse, or names the wrong number
    of objects, gets them all wrong.

    Returns:
        A dict of fractions: `size`, `colour`, `shape` (over all objects of
        all scenes), `relation` (over two-object scenes), `objects` (the
        number of objects right) and `parsed` (hypotheses of this grammar).
    """
    from seqkeras.datasets.shapes import parse_caption

    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references):
        raise InvalidInputError(
            f"Got {len(hypotheses)} captions but references for {len(references)} "
            "images: pass one list of references per caption."
        )
    right = dict.fromkeys((*ATTRIBUTES, "relation", "objects", "parsed"), 0)
    totals = {**dict.fromkeys(ATTRIBUTES, 0), "relation": 0}
    for hypothesis, refs in zip(hypotheses, references, strict=True):
        refs = [refs] if isinstance(refs, str) else refs
        truths = [p for p in map(parse_caption, refs) if p]
        if not truths:
            raise InvalidInputError(
                f"No reference of {refs!r} is a shapes caption; attribute accuracy "
                "only applies to the generated shapes data set."
            )
        count = len(truths[0]["objects"])
        for name in ATTRIBUTES:
            totals[name] += count
        totals["relation"] += truths[0]["relation"] is not None
        guess = parse_caption(hypothesis)
        if guess is None:
            continue
        right["parsed"] += 1
        if len(guess["objects"]) != count:
            continue
        right["objects"] += 1
        best = max(
            (_agreement(guess, t) for t in _readings(truths[0])),
            key=lambda agreed: sum(agreed.values()),
        )
        for name, value in best.items():
            right[name] += value
    n = max(len(hypotheses), 1)
    scores = {name: right[name] / max(totals[name], 1) for name in totals}
    scores["objects"] = right["objects"] / n
    scores["parsed"] = right["parsed"] / n
    return scores


def transcript_scores(hypotheses, references):
    """Symbol error rate and exact match of transcripts (digit strings).

    The error rate is jiwer's character error rate: the fewest
    substitutions, deletions and insertions that turn every hypothesis into
    its reference, over the symbols of all references (so it can pass 1
    when a model inserts many symbols).

    Returns:
        A dict: `symbol_error_rate`, `exact_match` (whole transcripts right)
        and `num_utterances`.

    Example:

    >>> transcript_scores(["13", "45"], ["123", "45"])
    {'symbol_error_rate': 0.2, 'exact_match': 0.5, 'num_utterances': 2}
    """
    import jiwer

    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references):
        raise InvalidInputError(
            f"Got {len(hypotheses)} transcripts for {len(references)} references."
        )
    if not references or not all(references):
        raise InvalidInputError("Every reference transcript needs a symbol.")
    return {
        "symbol_error_rate": float(jiwer.cer(references, hypotheses)),
        "exact_match": float(
            np.mean([h == r for h, r in zip(hypotheses, references, strict=True)])
        ),
        "num_utterances": len(references),
    }
