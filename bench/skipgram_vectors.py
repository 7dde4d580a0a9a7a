"""Word vectors of our own: skip-gram with negative sampling, in Keras.

The project cannot ship GloVe, but `embeddings=PATH` takes any vectors; these
are trained here on text the benchmarks may use for it: the CoNLL-2003
training sentences (203,621 words) and the Penn Treebank language-modelling
training text (887,521 words), lower-cased, so that the tagger benchmark
(`bench/conll_tagging.py --embeddings`) can compare a start from them with
a random one. Mikolov et al.'s (2013) recipe, small: every word within
`--window` words of a centre word is a positive pair, `--negatives` words
drawn from the unigram distribution to the power 0.75 are negative pairs,
frequent words are subsampled, and two embedding tables are trained so that
the dot product of a pair says which it is (binary cross-entropy, Adam).
Only the centre-word table is written, in GloVe's text format.

    python bench/skipgram_vectors.py --out bench/results/skipgram_100d.txt

(`bench/results/*.txt` is not committed: the file is 15 MB.)
"""

import argparse
import collections
import time

import keras
import numpy as np
from common import record

from seqkeras import datasets


def corpus():
    """Lower-cased sentences: CoNLL-2003 training split and PTB training text."""
    sentences = [
        [w.lower() for w in s] for s in datasets.load("conll2003-ner").train.tokens
    ]
    sentences += [list(s) for s in datasets.load("ptb").train.units]
    return sentences


def pairs(sentences, index, counts, window, negatives, rng):
    """Centre ids, context ids and labels (1 for a true context, 0 for a
    drawn one), shuffled."""
    total = sum(counts.values())
    frequency = np.array([counts[w] for w in index], dtype="float64") / total
    keep = np.minimum(1.0, np.sqrt(1e-4 / frequency) + 1e-4 / frequency)
    noise = frequency**0.75
    noise /= noise.sum()
    centres, contexts = [], []
    for sentence in sentences:
        ids = np.array([index[w] for w in sentence if w in index], dtype="int32")
        ids = ids[rng.random(len(ids)) < keep[ids]]
        for i, centre in enumerate(ids):
            span = rng.integers(1, window + 1)  # word2vec's shrunk window
            for j in range(max(0, i - span), min(len(ids), i + span + 1)):
                if j != i:
                    centres.append(centre)
                    contexts.append(ids[j])
    centres = np.array(centres, dtype="int32")
    contexts = np.array(contexts, dtype="int32")
    drawn = rng.choice(len(index), size=len(centres) * negatives, p=noise)
    all_centres = np.concatenate([centres, np.repeat(centres, negatives)])
    all_contexts = np.concatenate([contexts, drawn.astype("int32")])
    labels = np.concatenate([np.ones(len(centres)), np.zeros(len(drawn))])
    order = rng.permutation(len(labels))
    return all_centres[order], all_contexts[order], labels[order].astype("float32")


def skipgram_model(vocabulary_size, dim):
    centre = keras.Input((), dtype="int32", name="centre")
    context = keras.Input((), dtype="int32", name="context")
    embed = keras.layers.Embedding(vocabulary_size, dim, name="centre_embedding")
    other = keras.layers.Embedding(vocabulary_size, dim, name="context_embedding")
    score = keras.layers.Dot(axes=-1)([embed(centre), other(context)])  # (batch, 1)
    model = keras.Model([centre, context], keras.layers.Activation("sigmoid")(score))
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negatives", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    sentences = corpus()
    counts = collections.Counter(w for s in sentences for w in s)
    words = [w for w, n in counts.most_common() if n >= args.min_count]
    index = {w: i for i, w in enumerate(words)}
    print(f"{len(sentences):,} sentences, {sum(counts.values()):,} words, "
          f"{len(words):,} kept (seen {args.min_count}+ times)")  # fmt: skip
    model = skipgram_model(len(words), args.dim)
    start = time.perf_counter()
    for epoch in range(args.epochs):  # fresh windows and negatives each epoch
        centres, contexts, labels = pairs(
            sentences, index, counts, args.window, args.negatives, rng
        )
        history = model.fit(
            {"centre": centres, "context": contexts},
            labels,
            batch_size=4096,
            epochs=1,
            verbose=2,
        )
        print(f"epoch {epoch + 1}: {len(labels):,} pairs")
    seconds = time.perf_counter() - start
    table = model.get_layer("centre_embedding").embeddings.numpy()
    with open(args.out, "w", encoding="utf-8") as f:
        for word, vector in zip(words, table, strict=True):
            f.write(word + " " + " ".join(f"{x:.5f}" for x in vector) + "\n")
    neighbours = {}
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    for word in ("monday", "germany", "president", "bank", "january"):
        if word in index:
            similar = np.argsort(-unit @ unit[index[word]])[1:6]
            neighbours[word] = [words[i] for i in similar]
            print(word, "->", neighbours[word])
    record(
        "skipgram_vectors",
        {
            "words": len(words),
            "dim": args.dim,
            "epochs": args.epochs,
            "final_loss": round(float(history.history["loss"][-1]), 4),
            "train_seconds": round(seconds, 1),
            "neighbours": neighbours,
            "out": args.out,
        },
    )


if __name__ == "__main__":
    main()
