"""Pipelines: raw input -> preprocessing -> model -> predictions, per task.

Each pipeline has `fit`, `evaluate`, `predict`, `save` / `load` and
`export`; `load_pipeline(directory)` loads any of them.
"""

from seqkeras.pipelines.base import Pipeline, load_pipeline, register_pipeline
from seqkeras.pipelines.batching import sequence_dataset
from seqkeras.pipelines.captioning import CaptioningPipeline
from seqkeras.pipelines.forecasting import ForecastingPipeline
from seqkeras.pipelines.language import LanguageModelPipeline
from seqkeras.pipelines.sentiment import SentimentPipeline
from seqkeras.pipelines.series_classification import SequenceClassifierPipeline
from seqkeras.pipelines.tagging import TaggingPipeline
from seqkeras.pipelines.tbptt import tbptt_windows
from seqkeras.pipelines.translation import TranslationPipeline
from seqkeras.pipelines.windowing import WindowSpec, window_arrays, window_dataset

__all__ = [
    "CaptioningPipeline",
    "ForecastingPipeline",
    "LanguageModelPipeline",
    "Pipeline",
    "SentimentPipeline",
    "SequenceClassifierPipeline",
    "TaggingPipeline",
    "TranslationPipeline",
    "WindowSpec",
    "load_pipeline",
    "register_pipeline",
    "sequence_dataset",
    "tbptt_windows",
    "window_arrays",
    "window_dataset",
]
