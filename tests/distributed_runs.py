"""Small pipelines of every family, trained on one or several devices or
processes, for `tests/test_distribute.py` (which runs this module in fresh
processes: devices and processes are set before the backend starts).

    python -m tests.distributed_runs OUT --devices 2 --distribute none 2
    python -m tests.distributed_runs OUT --distribute all \\
        --coordinator 127.0.0.1:PORT --num-processes 2 --process-id I

writes, for each `--distribute` setting, `OUT/SETTING/<family>.npz` (the
final weights) and `OUT/SETTING/histories.json` (each family's per-epoch
history). With several processes, every process writes its own `OUT`.
Dropout is off and every training set fills its batches, so that one device
and several train on the same global batches.
"""

import argparse
import json
import pathlib

BATCH_SIZE = 32
EPOCHS = 2


def families():
    """Family name -> `(pipeline, train, validation)`, all small."""
    from seqkeras.datasets import load
    from seqkeras.pipelines import (
        CaptioningPipeline,
        ForecastingPipeline,
        LanguageModelPipeline,
        SentimentPipeline,
        SequenceClassifierPipeline,
        TaggingPipeline,
        TranslationPipeline,
    )

    sentiment = load("sentiment-sample").subset(train=128, validation=40)
    ner = load("toy-ner").subset(train=128, validation=40)
    dates = load("dates").subset(train=128, validation=40)
    shapes = load("shapes", num_train=64, num_validation=12, num_test=4, seed=1)
    text = load("toy-language").subset(train=160, validation=40)
    # Series cut so that their windows fill the batches: 24 + 512 hours give
    # 512 windows of 24 hours, 7 + 1 + 255 days 256 windows of 7 days.
    hours, days = load("seattle-temps"), load("seattle-weather")
    return {
        # bucketed batches (the sentiment pipeline's default)
        "classifier": (
            SentimentPipeline(sentiment.label_names, units=8, embedding_dim=8),
            sentiment.train,
            sentiment.validation,
        ),
        "tagger": (
            TaggingPipeline(
                ner.tag_names,
                architecture="bilstm-crf",
                units=8,
                embedding_dim=8,
                dropout=0.0,
            ),
            ner.train,
            ner.validation,
        ),
        # teacher forcing
        "decoder": (
            TranslationPipeline(units=8, embedding_dim=8, dropout=0.0),
            dates.train,
            dates.validation,
        ),
        "captioner": (
            CaptioningPipeline(
                architecture="attention",
                image_size=(32, 32),
                encoder_filters=(4, 4, 8),
                units=8,
                embedding_dim=8,
                dropout=0.0,
            ),
            shapes.train,
            shapes.validation,
        ),
        # stateful TBPTT: each device carries its own streams' state. The
        # loss summed over the steps (Zaremba's) is a mean over the batch,
        # which each device of a tf.distribute strategy takes over its own
        # rows exactly; the default mean over predicted tokens each device
        # would take over its own tokens (see `LanguageModelLoss`).
        "language_model": (
            LanguageModelPipeline(
                units=8,
                embedding_dim=8,
                num_steps=8,
                batch_size=8,
                dropout=0.0,
                sum_over_steps=True,
                optimizer="sgd",
                learning_rate=0.2,
            ),
            text.train,
            text.validation,
        ),
        # windows of a series, on the two window pipelines
        "forecaster": (
            ForecastingPipeline(input_width=24, units=8, dropout=0.0),
            hours[:536],
            hours[536:700],
        ),
        "series_classifier": (
            SequenceClassifierPipeline(
                days.label_names, input_width=7, units=8, dropout=0.0
            ),
            days[:263],
            days[263:400],
        ),
    }


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--devices", type=int, default=None)
    parser.add_argument("--distribute", nargs="+", default=["none"])
    parser.add_argument("--coordinator", default=None)
    parser.add_argument("--num-processes", type=int, default=None)
    parser.add_argument("--process-id", type=int, default=None)
    parser.add_argument("--only", nargs="+", default=None)
    args = parser.parse_args(argv)

    from seqkeras import distribute

    if args.devices:
        distribute.use_devices(args.devices)
    if args.coordinator:
        distribute.start_processes(
            args.coordinator, args.num_processes, args.process_id, heartbeat_timeout=20
        )
    for setting in args.distribute:
        named = {"none": None, "all": "all"}
        spread = named[setting] if setting in named else int(setting)
        train_all(args.out / setting, spread, args.only)


def train_all(out, spread, only):
    import numpy as np

    out.mkdir(parents=True, exist_ok=True)
    histories = {}
    for name, (pipeline, train, validation) in families().items():
        if only and name not in only:
            continue
        batch_size = getattr(pipeline, "batch_size", None) or BATCH_SIZE
        pipeline.fit(
            train,
            validation,
            epochs=EPOCHS,
            batch_size=batch_size,
            verbose=0,
            distribute=spread,
        )
        histories[name] = pipeline.history
        np.savez(out / f"{name}.npz", *pipeline.model.get_weights())
    (out / "histories.json").write_text(json.dumps(histories, indent=1))


if __name__ == "__main__":
    main()
