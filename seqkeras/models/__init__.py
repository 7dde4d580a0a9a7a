"""Model builders, one module per task, and the recurrent stack they share."""

from seqkeras.models.ensemble import average_ensemble
from seqkeras.models.recurrent import CELLS, recurrent_layer, recurrent_stack
from seqkeras.models.sentiment import build_sentiment_classifier, class_probabilities

__all__ = [
    "CELLS",
    "average_ensemble",
    "build_sentiment_classifier",
    "class_probabilities",
    "recurrent_layer",
    "recurrent_stack",
]
