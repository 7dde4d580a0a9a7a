"""Language-model quality: PTB test perplexity, Tiny Shakespeare validation loss.

`--dataset ptb --config small` trains Zaremba et al.'s small model (2 LSTM
layers of 200 units, 20 steps, batch 20, SGD with learning rate 1 on the
loss summed over the steps, halved every epoch after epoch 4, global norm
clipped to 5, weights uniform in [-0.1, 0.1], 13 epochs) and reports the
test perplexity with the state carried through the whole test text (anchor:
115.9, TensorFlow's ptb_word_lm; target: at or below it). `--config course`
trains the course's model (embeddings of 200, LSTMs of 256 and 128, 20 steps,
batch 60). `--dataset tinyshakespeare --level char` reports the validation
loss in nats per character on the last 10% of the text (target: at or below
1.50) and samples at temperatures 0.5 and 1.0.

Training throughput (predicted tokens per second of `fit`) is recorded too.
The trained pipeline is saved under `--out` for later scoring and sampling.

    python bench/language_model_quality.py --dataset ptb --config small
    python bench/language_model_quality.py --dataset ptb --config course
    python bench/language_model_quality.py --dataset tinyshakespeare --level char \\
        --units 512 512 --embedding-dim 64 --num-steps 100 --batch-size 64 \\
        --epochs 20 --optimizer adam --learning-rate 2e-3 --dropout 0.2 \\
        --name char_lm_shakespeare
"""

import argparse
import time

from common import record

from seqkeras import datasets
from seqkeras.pipelines import LanguageModelPipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ptb")
    parser.add_argument("--level", default="word", choices=["word", "char"])
    parser.add_argument("--config", choices=["small", "course"], default=None)
    parser.add_argument("--units", type=int, nargs="+", default=None)
    parser.add_argument("--embedding-dim", type=int, default=None)
    parser.add_argument("--num-steps", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--dropout", type=float, default=None)
    parser.add_argument("--out", default=None)
    parser.add_argument("--name", default=None)
    parser.add_argument(
        "--subset",
        type=int,
        default=None,
        help="keep the first N sentences or lines of each split (a smoke test)",
    )
    args = parser.parse_args()

    overrides = {
        key: value
        for key, value in {
            "units": args.units,
            "embedding_dim": args.embedding_dim,
            "optimizer": args.optimizer,
            "learning_rate": args.learning_rate,
            "dropout": args.dropout,
        }.items()
        if value is not None
    }
    corpus = datasets.load(args.dataset)
    if args.subset:
        corpus = corpus.subset(args.subset, args.subset, args.subset)
    pipeline = LanguageModelPipeline(
        args.config or "lstm",
        level=args.level,
        num_steps=args.num_steps,
        batch_size=args.batch_size,
        **overrides,
    )
    epochs = args.epochs or (13 if args.config == "small" else 10)
    start = time.perf_counter()
    history = pipeline.fit(corpus.train, corpus.validation, epochs=epochs, verbose=2)
    seconds = time.perf_counter() - start
    name = args.name or f"lm_{args.dataset}_{args.config or 'custom'}"
    if args.out:
        pipeline.save(args.out)
    figures = {
        "config": pipeline.get_config(),
        "epochs": epochs,
        "train_minutes": round(seconds / 60, 1),
        "train_tokens_per_second": round(pipeline.examples_per_second),
        "history": history,
        "validation": pipeline.evaluate(corpus.validation),
    }
    if corpus.test is not corpus.validation:
        figures["test"] = pipeline.evaluate(corpus.test)
    if args.level == "char":
        figures["samples"] = {
            str(t): pipeline.generate("ROMEO:", max_length=300, temperature=t, seed=0)
            for t in (0.5, 1.0)
        }
    else:
        figures["samples"] = {
            str(t): pipeline.generate("the", max_length=30, temperature=t, seed=0)
            for t in (0.5, 1.0)
        }
    record(name, figures)


if __name__ == "__main__":
    main()
