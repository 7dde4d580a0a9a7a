"""Reranking beam search's n-best list with a target-side language model: BLEU.

A small attention translator is trained on short English-Spanish pairs, and a
word-level LSTM language model on the Spanish side of the training split
(every training pair, also those the translator does not see; sentences equal
to a validation or test reference are dropped, so the language model has
never read a reference). For each English sentence beam search returns its
final beam (`TranslationPipeline.candidates`), and each candidate y is scored

    (log P_translator(y | x) + lambda * log P_LM(y)) / len(y) ** alpha

with alpha the beam's own length penalty (1.0) and len(y) its tokens with
`[END]`, so that lambda = 0 is exactly the beam's choice. Lambda is chosen
on the validation split; the test split's BLEU (sacrebleu, every reference of
each sentence) is reported with the beam's choice (lambda = 0), the reranked
choice, greedy search, and the oracle (the candidate with the best sentence
BLEU: what any reranking of these lists could at most reach).

Anchor: reranking an n-best list with a target language model is the
"scoring translation candidates" use of a language model (course text 002;
Gulcehre et al. 2015's "shallow fusion" adds the same term at every step).
No target: the result is reported whatever its sign. The defaults are sized
for about 15 minutes on 2 idle CPU cores (each stage's seconds are in the
result); the translator is small and undertrained, far below
`bench/translation_quality.py`'s.

    python bench/rerank.py
"""

import argparse
import time

import keras
import numpy as np
import sacrebleu
from common import record

from seqkeras import datasets
from seqkeras.datasets.language import TextStream
from seqkeras.metrics import corpus_bleu
from seqkeras.pipelines import LanguageModelPipeline, TranslationPipeline
from seqkeras.text.encoder import JOINER

LAMBDAS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5)
LENGTH_PENALTY = 1.0  # the beam's default


def target_words(translator, texts):
    """Sentences as the translator's target tokens: the language model's words."""
    rows = translator.target_encoder.tokenize(texts).to_list()
    return [tuple(t.decode("utf-8").replace(JOINER, "") for t in row) for row in rows]


def nbest_lists(translator, lm, sources, beam_width):
    """Per source, its candidates and their language-model log-probabilities."""
    lists = translator.candidates(sources, beam_width=beam_width)
    # The candidates' own tokens, without [END] (the language model adds it).
    texts = [" ".join(c.tokens[:-1]) for c_list in lists for c in c_list]
    flat = lm.score(texts)["log_probability"]
    lm_scores, start = [], 0
    for c_list in lists:
        lm_scores.append(flat[start : start + len(c_list)])
        start += len(c_list)
    return lists, lm_scores


def rerank(lists, lm_scores, lam):
    """The candidate with the highest combined score, per source."""
    chosen = []
    for c_list, lm in zip(lists, lm_scores, strict=True):
        combined = [
            (c.score + lam * lm_score) / len(c.tokens) ** LENGTH_PENALTY
            for c, lm_score in zip(c_list, lm, strict=True)
        ]
        chosen.append(c_list[int(np.argmax(combined))].text)
    return chosen


def oracle(lists, references):
    """The candidate with the best sentence BLEU, per source."""
    chosen = []
    for c_list, refs in zip(lists, references, strict=True):
        refs = [r.lower() for r in refs]
        bleu = [sacrebleu.sentence_bleu(c.text.lower(), refs).score for c in c_list]
        chosen.append(c_list[int(np.argmax(bleu))].text)
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-words", type=int, default=8)
    parser.add_argument("--train", type=int, default=30000, help="translator pairs")
    parser.add_argument("--validation", type=int, default=1000)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lm-epochs", type=int, default=4)
    parser.add_argument(
        "--lm-data",
        choices=["all", "same"],
        default="all",
        help="the language model reads the whole training split's Spanish "
        "('all') or only the translator's pairs ('same')",
    )
    parser.add_argument("--beam-width", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    data = datasets.load("spa-eng", max_length=args.max_words)
    print(data.summary())
    small = data.subset(
        train=args.train, validation=args.validation, test=args.test, seed=args.seed
    )
    start = time.perf_counter()
    translator = TranslationPipeline(
        "seq2seq-attention",
        units=128,
        embedding_dim=64,
        min_count=2,
        dropout=0.1,
        beam_width=args.beam_width,
        seed=args.seed,
    )
    history = translator.fit(
        small.train, small.validation, epochs=args.epochs, batch_size=64, verbose=2
    )
    translator_seconds = time.perf_counter() - start

    # The language model's text: the training split's Spanish, less any
    # sentence that is also a validation or test reference.
    lm_pairs = data.train if args.lm_data == "all" else small.train
    held_out = set(target_words(translator, list(data.validation.targets)))
    held_out |= set(target_words(translator, list(data.test.targets)))
    sentences = target_words(translator, list(lm_pairs.targets))
    kept = [s for s in sentences if s not in held_out]
    held_out_words = target_words(translator, list(small.validation.targets))
    start = time.perf_counter()
    lm = LanguageModelPipeline(
        units=256,
        num_layers=1,
        embedding_dim=128,
        num_steps=20,
        batch_size=64,
        learning_rate=2e-3,
        dropout=0.2,
        min_count=2,
        seed=args.seed,
    )
    lm.fit(
        TextStream(kept),
        TextStream(held_out_words),
        epochs=args.lm_epochs,
        verbose=2,
    )
    lm_seconds = time.perf_counter() - start
    lm_test = lm.evaluate(
        TextStream(target_words(translator, list(small.test.targets)))
    )

    start = time.perf_counter()
    sources, references = {}, {}
    lists, lm_scores = {}, {}
    for split in ("validation", "test"):
        sources[split], references[split] = getattr(small, split).grouped()
        lists[split], lm_scores[split] = nbest_lists(
            translator, lm, sources[split], args.beam_width
        )
    rerank_seconds = time.perf_counter() - start

    def bleu(split, hypotheses):
        return round(corpus_bleu(hypotheses, references[split]), 2)

    validation_bleu = {
        lam: bleu(
            "validation", rerank(lists["validation"], lm_scores["validation"], lam)
        )
        for lam in LAMBDAS
    }
    # The first best lambda: ties go to the smaller weight.
    best = max(LAMBDAS, key=lambda lam: (validation_bleu[lam], -lam))
    beam = rerank(lists["test"], lm_scores["test"], 0.0)
    assert beam == translator.translate(
        sources["test"], method="beam", beam_width=args.beam_width
    )
    reranked = rerank(lists["test"], lm_scores["test"], best)
    test_bleu = {
        lam: bleu("test", rerank(lists["test"], lm_scores["test"], lam))
        for lam in LAMBDAS
    }
    changed = sum(a != b for a, b in zip(beam, reranked, strict=True))
    sizes = [len(c) for c in lists["test"]]
    examples = [
        {"source": s, "beam": b, "reranked": r}
        for s, b, r in zip(sources["test"], beam, reranked, strict=True)
        if b != r
    ][:8]
    figures = {
        "dataset": data.summary(),
        "translator": {
            "architecture": "seq2seq-attention",
            "units": 128,
            "embedding_dim": 64,
            "train_pairs": len(small.train),
            "epochs": args.epochs,
            "val_loss": [round(v, 4) for v in history["val_loss"]],
            "train_seconds": round(translator_seconds, 1),
        },
        "language_model": {
            "text": f"{len(kept):,} Spanish training sentences ({args.lm_data}; "
            f"{len(sentences) - len(kept):,} equal to a held-out reference dropped)",
            "units": 256,
            "epochs": args.lm_epochs,
            "test_perplexity": round(lm_test["perplexity"], 2),
            "train_seconds": round(lm_seconds, 1),
        },
        "beam_width": args.beam_width,
        "length_penalty": LENGTH_PENALTY,
        "rule": "argmax (log P_T + lambda log P_LM) / len ** length_penalty",
        "candidates_per_sentence": round(float(np.mean(sizes)), 2),
        "validation_bleu_by_lambda": validation_bleu,
        "lambda": best,
        "test": {
            "num_sentences": len(sources["test"]),
            "greedy_bleu": bleu("test", translator.translate(sources["test"])),
            "beam_bleu": test_bleu[0.0],
            "reranked_bleu": test_bleu[best],
            "oracle_bleu": bleu("test", oracle(lists["test"], references["test"])),
            "changed_sentences": changed,
            "bleu_by_lambda": test_bleu,
        },
        "decode_and_score_seconds": round(rerank_seconds, 1),
        "examples": examples,
    }
    record(f"rerank_spa-eng_lm-{args.lm_data}", figures)


if __name__ == "__main__":
    main()
