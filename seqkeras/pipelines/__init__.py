"""Pipelines: raw input -> preprocessing -> model -> predictions, per task.

Each pipeline has `fit`, `evaluate`, `predict`, `save` / `load` and
`export`; `load_pipeline(directory)` loads any of them.
"""

from seqkeras.pipelines.base import Pipeline, load_pipeline, register_pipeline
from seqkeras.pipelines.batching import sequence_dataset
from seqkeras.pipelines.sentiment import SentimentPipeline

__all__ = [
    "Pipeline",
    "SentimentPipeline",
    "load_pipeline",
    "register_pipeline",
    "sequence_dataset",
]
