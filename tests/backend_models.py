"""Run by `tests/test_backends.py` in a process of one Keras backend.

    python tests/backend_models.py save DIR   # build, save DIR/NAME.keras
    python tests/backend_models.py load DIR   # load DIR/NAME.keras

Either way it writes, to `DIR/outputs_<backend>_<verb>.npz`, what every model
computes on fixed inputs: the outputs of the model, and for the generators
the greedy and beam-search tokens of `seqkeras.decoding`. Weights follow a
fixed pattern (`deterministic_weights`), not the backend's random numbers,
so that the tokens are the same model's on both sides.
"""

import pathlib
import sys

import keras
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parents[1]))

from seqkeras import decoding  # noqa: E402
from seqkeras.models import (  # noqa: E402
    build_forecaster,
    build_language_model,
    build_sentiment_classifier,
    build_sequence_tagger,
    build_translator,
)
from seqkeras.models.captioning import build_captioner  # noqa: E402
from seqkeras.models.language import initial_states, step_function  # noqa: E402
from seqkeras.models.tagging import decode_tags  # noqa: E402
from tests.helpers import deterministic_weights  # noqa: E402

IDS = np.array([[5, 9, 3, 12, 7], [4, 8, 0, 0, 0], [11, 2, 6, 0, 0]], "int32")
END = 3


def builders():
    return {
        "sentiment": lambda: build_sentiment_classifier(
            20, num_classes=3, units=8, embedding_dim=6, bidirectional=True
        ),
        "tagger_crf": lambda: build_sequence_tagger(
            20, 5, units=8, embedding_dim=6, crf=True, dropout=0.0
        ),
        "forecaster": lambda: build_forecaster(6, 2, horizon=3, cell="gru", units=8),
        "translator": lambda: build_translator(
            20, 16, cell="gru", units=8, embedding_dim=6, attention="additive"
        ),
        "language_model": lambda: build_language_model(
            20, units=8, num_layers=2, embedding_dim=6
        ),
        "captioner": lambda: build_captioner(
            16,
            image_shape=(16, 16, 3),
            encoder_filters=(4, 8),
            units=8,
            embedding_dim=6,
            attention="additive",
        ),
    }


def search(step, start, state, **options):
    result = decoding.decode(step, start, state, end_id=END, max_length=6, **options)
    return np.asarray(result.tokens), np.asarray(result.lengths)


def outputs_of(name, model):
    """What `model` computes on the fixed inputs: a dict of arrays."""
    start = np.full(3, 2, "int32")
    if name == "sentiment":
        return {"probabilities": model(IDS)}
    if name == "tagger_crf":
        potentials = model({"token_ids": IDS})
        return {"potentials": potentials, "tags": decode_tags(potentials, IDS > 0)}
    if name == "forecaster":
        windows = np.sin(np.arange(36, dtype="float32")).reshape(3, 6, 2)
        return {"forecast": model(windows)}
    if name == "language_model":
        step = step_function(model)
        tokens, lengths = search(step, IDS[:, 0], initial_states(model, 3))
        beam, beam_lengths = search(
            step, IDS[:, 0], initial_states(model, 3), method="beam", beam_width=3
        )
        return {
            "logits": model(IDS),
            "greedy": tokens,
            "greedy_lengths": lengths,
            "beam": beam,
            "beam_lengths": beam_lengths,
        }
    if name == "translator":
        inputs, state = {"source": IDS, "target_in": IDS[:, :4]}, None
        state = model.initial_decoder_state(IDS)
    else:  # captioner
        images = (np.arange(3 * 16 * 16 * 3) % 255).reshape(3, 16, 16, 3)
        images = images.astype("float32")
        inputs = {"image": images, "caption_in": IDS[:, :4]}
        state = model.initial_decoder_state(images)
    step = model.step_function()
    tokens, lengths = search(step, start, state)
    beam, beam_lengths = search(step, start, state, method="beam", beam_width=3)
    return {
        "logits": model(inputs),
        "greedy": tokens,
        "greedy_lengths": lengths,
        "beam": beam,
        "beam_lengths": beam_lengths,
    }


def main(verb, directory):
    directory = pathlib.Path(directory)
    results = {}
    for name, build in builders().items():
        path = directory / f"{name}.keras"
        if verb == "save":
            model = build()
            deterministic_weights(model, scale=0.8)
            for weight in model.weights:  # a variance must be positive
                if "variance" in weight.path:
                    weight.assign(np.ones(weight.shape, "float32"))
            model.save(path)
        else:
            model = keras.saving.load_model(path)
        for key, value in outputs_of(name, model).items():
            results[f"{name}/{key}"] = np.asarray(value)
    backend = keras.backend.backend()
    np.savez(directory / f"outputs_{backend}_{verb}.npz", **results)


if __name__ == "__main__":
    main(*sys.argv[1:])
