"""Model builders, one module per task, and the recurrent stack they share."""

from seqkeras.models.recurrent import CELLS, recurrent_layer, recurrent_stack
from seqkeras.models.sentiment import build_sentiment_classifier, class_probabilities

__all__ = [
    "CELLS",
    "build_sentiment_classifier",
    "class_probabilities",
    "recurrent_layer",
    "recurrent_stack",
]
