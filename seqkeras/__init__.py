"""seqkeras: Keras model builders, pipelines and notebooks for sequence models.

The public API:

- `seqkeras.datasets`: `load(name)`, the catalogue and the file registry;
- `seqkeras.text`: `Vocabulary` and the in-graph `TextEncoder`;
- `seqkeras.layers`: layers the builders use (forecast baselines, feedback);
- `seqkeras.models`: builders such as `build_sentiment_classifier` and
  `build_forecaster`;
- `seqkeras.pipelines`: raw input to predictions, with `fit`, `evaluate`,
  `predict`, `save`, `load` and `export`;
- `seqkeras.plots`: training curves and confusion matrices.

Names are imported on first use, so that `import seqkeras` (and the command
line's `--help`) does not start TensorFlow.
"""

import importlib

__version__ = "0.1.0"

# Public name -> the module that defines it (a module maps to itself).
_EXPORTS = {
    "datasets": "seqkeras.datasets",
    "layers": "seqkeras.layers",
    "models": "seqkeras.models",
    "pipelines": "seqkeras.pipelines",
    "plots": "seqkeras.plots",
    "text": "seqkeras.text",
    "SeqkerasError": "seqkeras.errors",
    "build_sentiment_classifier": "seqkeras.models",
    "build_forecaster": "seqkeras.models",
    "build_sequence_classifier": "seqkeras.models",
    "SentimentPipeline": "seqkeras.pipelines",
    "ForecastingPipeline": "seqkeras.pipelines",
    "SequenceClassifierPipeline": "seqkeras.pipelines",
    "load_pipeline": "seqkeras.pipelines",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'seqkeras' has no attribute {name!r}")
    module = importlib.import_module(_EXPORTS[name])
    value = module if module.__name__ == f"seqkeras.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
