"""The model and preprocessing options a task's `train` may offer
(`--units`, `--dropout`, `--embeddings`, ...), by the name of the pipeline's
or its builder's argument."""

import argparse


def positive_int(text):
    """argparse type: a positive integer."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _cells():
    from seqkeras.models.recurrent import CELLS

    return list(CELLS)


# The model and preprocessing options a task may offer, by the name of the
# pipeline's (or its builder's) argument: (argparse keywords, help).
MODEL_OPTIONS = {
    "cell": ({"choices": _cells}, "the recurrent cell (default: the architecture's)"),
    "units": ({"type": positive_int}, "hidden units per layer"),
    "num_layers": ({"type": positive_int}, "stacked recurrent layers"),
    "bidirectional": ({"action": "store_true"}, "read both ways"),
    "embedding_dim": ({"type": positive_int}, "size of the word vectors"),
    "char_encoder": ({"choices": ["cnn", "bilstm"]}, "character features"),
    "dropout": ({"type": float}, "dropout rate"),
    "word_dropout": ({"type": float}, "share of training words read as [UNK]"),
    "optimizer": ({"choices": ["sgd", "adam"]}, "the optimizer"),
    "learning_rate": ({"type": float}, "the optimizer's learning rate"),
    "clipnorm": ({"type": float}, "clip each gradient to this norm"),
    "tie_embeddings": ({"action": "store_true"}, "share input and output vectors"),
    "num_steps": ({"type": positive_int}, "the TBPTT window, in tokens"),
    "max_vocabulary_size": ({"type": positive_int}, "keep this many tokens"),
    "min_count": ({"type": positive_int}, "rarer words become [UNK] (default 1)"),
    "lowercase": (
        {"action": argparse.BooleanOptionalAction},
        "case-fold words first (--no-lowercase: keep their case)",
    ),
    "beam_width": (
        {"type": positive_int},
        "beam of the test scores and of the exported beam signature",
    ),
    "embeddings": (
        {"metavar": "PATH"},
        "start the word vectors from pretrained ones (GloVe / word2vec text, "
        "or .npy with its words)",
    ),
    "embeddings_training": (
        {"choices": ["fine-tuned", "frozen", "frozen-then-fine-tuned"]},
        "what training does to pretrained vectors (default fine-tuned)",
    ),
    "frozen_epochs": (
        {"type": positive_int},
        "with frozen-then-fine-tuned: epochs frozen first (default 1)",
    ),
}
EMBEDDING_OPTIONS = ("embeddings", "embeddings_training", "frozen_epochs")


def add_model_arguments(parser, *names):
    """Adds model and preprocessing options by name (see `MODEL_OPTIONS`);
    each defaults to None: the pipeline's or the architecture's value."""
    group = parser.add_argument_group("model and preprocessing")
    for name in names:
        keywords, text = MODEL_OPTIONS[name]
        keywords = {k: v() if callable(v) and k == "choices" else v
                    for k, v in keywords.items()}  # fmt: skip
        flag = "--" + name.replace("_", "-")
        group.add_argument(flag, default=None, help=text, **keywords)
    return group
