"""Pipelines: raw input -> preprocessing -> model -> predictions, per task.

Every pipeline has the same verbs: `fit`, `evaluate`, `predict`, `save` /
`load` and `export` (see `seqkeras.pipelines.base` for the rules they share:
one input in gives one prediction out, a batch in gives a batch out; the
default batch sizes). The pipelines that write text (translation,
captioning, language models) share `GenerativePipeline`, with the same
decoding options everywhere. Each pipeline is registered as a task
(`seqkeras.pipelines.registry`); `load_pipeline(directory)` loads any of
them.
"""

from seqkeras.pipelines.base import (
    INFERENCE_BATCH_SIZE,
    TRAINING_BATCH_SIZE,
    Pipeline,
)
from seqkeras.pipelines.batching import sequence_dataset
from seqkeras.pipelines.generative import GenerativePipeline
from seqkeras.pipelines.registry import load_pipeline, register_pipeline

# The tasks, in the order of the course; importing a pipeline registers it.
from seqkeras.pipelines.sentiment import SentimentPipeline  # isort: skip
from seqkeras.pipelines.tagging import TaggingPipeline  # isort: skip
from seqkeras.pipelines.language import LanguageModelPipeline  # isort: skip
from seqkeras.pipelines.translation import TranslationPipeline  # isort: skip
from seqkeras.pipelines.captioning import CaptioningPipeline  # isort: skip
from seqkeras.pipelines.forecasting import ForecastingPipeline  # isort: skip
from seqkeras.pipelines.series_classification import (  # isort: skip
    SequenceClassifierPipeline,
)
from seqkeras.pipelines.trees import TreeSentimentPipeline  # isort: skip
from seqkeras.pipelines.speech import SpeechPipeline  # isort: skip
from seqkeras.pipelines.music import MusicPipeline  # isort: skip
from seqkeras.pipelines.tbptt import tbptt_windows
from seqkeras.pipelines.windowing import WindowSpec, window_arrays, window_dataset

__all__ = [
    "INFERENCE_BATCH_SIZE",
    "TRAINING_BATCH_SIZE",
    "CaptioningPipeline",
    "ForecastingPipeline",
    "GenerativePipeline",
    "LanguageModelPipeline",
    "MusicPipeline",
    "Pipeline",
    "SentimentPipeline",
    "SequenceClassifierPipeline",
    "SpeechPipeline",
    "TaggingPipeline",
    "TranslationPipeline",
    "TreeSentimentPipeline",
    "WindowSpec",
    "load_pipeline",
    "register_pipeline",
    "sequence_dataset",
    "tbptt_windows",
    "window_arrays",
    "window_dataset",
]
