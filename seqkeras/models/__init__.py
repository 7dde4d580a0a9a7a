"""Model builders, one module per task, and the recurrent stack they share."""

from seqkeras.models.ensemble import average_ensemble
from seqkeras.models.forecasting import (
    build_baseline_forecaster,
    build_feedforward_classifier,
    build_forecaster,
    build_linear_forecaster,
    build_sequence_classifier,
)
from seqkeras.models.language import build_language_model
from seqkeras.models.recurrent import CELLS, recurrent_layer, recurrent_stack
from seqkeras.models.sentiment import build_sentiment_classifier, class_probabilities
from seqkeras.models.speech import build_ctc_recognizer, build_speech_classifier
from seqkeras.models.tagging import build_sequence_tagger, decode_tags
from seqkeras.models.translation import Translator, build_translator
from seqkeras.models.trees import build_tree_classifier

__all__ = [
    "CELLS",
    "Translator",
    "average_ensemble",
    "build_baseline_forecaster",
    "build_ctc_recognizer",
    "build_feedforward_classifier",
    "build_forecaster",
    "build_language_model",
    "build_linear_forecaster",
    "build_sentiment_classifier",
    "build_sequence_classifier",
    "build_sequence_tagger",
    "build_speech_classifier",
    "build_translator",
    "build_tree_classifier",
    "class_probabilities",
    "decode_tags",
    "recurrent_layer",
    "recurrent_stack",
]
