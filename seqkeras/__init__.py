"""seqkeras: Keras model builders, pipelines and notebooks for sequence models.

The public API:

- `seqkeras.datasets`: `load(name)`, the catalogue and the file registry;
- `seqkeras.text`: `Vocabulary`, the in-graph `TextEncoder` and `WordEncoder`;
- `seqkeras.audio`: WAV decoding and speech features (log-mel, MFCC) in the
  TensorFlow graph;
- `seqkeras.tags`: tag schemes (IOB1, IOB2, IOBES): validation, conversion;
- `seqkeras.metrics`: entity-level F1 as conlleval computes it, token
  accuracy, BLEU and chrF (sacrebleu), exact match;
- `seqkeras.layers`: layers and cells the builders use (the course's GRU,
  LSTM, simplified GRU and peephole LSTM cells, forecast baselines,
  feedback, the CRF, character features, attention);
- `seqkeras.models`: builders such as `build_sentiment_classifier`,
  `build_sequence_tagger`, `build_translator`, `build_forecaster`,
  `build_language_model` and `build_speech_classifier`;
- `seqkeras.decoding`: greedy, sampling and beam search for any step
  function;
- `seqkeras.callbacks`: `GradientNormMonitor` (gradient norms per step,
  TensorBoard, stop on NaN);
- `seqkeras.gradients`: `input_gradient_norms`, the gradient that reaches
  each time step (vanishing gradients, measured);
- `seqkeras.numpy_rnn`: the course's RNN in NumPy (forward propagation,
  backpropagation through time, gradient checking, a character model);
- `seqkeras.numpy_lstm`: the course's LSTM in NumPy, either output
  equation, with its backpropagation through time;
- `seqkeras.numpy_ctc`: CTC in NumPy (reading paths, every path of a
  label, the forward algorithm);
- `seqkeras.embeddings`: inside learned word vectors (nearest neighbours,
  PCA and t-SNE projections);
- `seqkeras.pipelines`: raw input to predictions, with `fit`, `evaluate`,
  `predict`, `save`, `load` and `export`;
- `seqkeras.plots`: training curves, confusion matrices, forecasts, CRF
  transitions, attention maps, word maps, unrolled RNN diagrams and parse
  trees coloured by sentiment.

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
    "audio": "seqkeras.audio",
    "tags": "seqkeras.tags",
    "metrics": "seqkeras.metrics",
    "decoding": "seqkeras.decoding",
    "callbacks": "seqkeras.callbacks",
    "gradients": "seqkeras.gradients",
    "numpy_rnn": "seqkeras.numpy_rnn",
    "numpy_lstm": "seqkeras.numpy_lstm",
    "numpy_ctc": "seqkeras.numpy_ctc",
    "embeddings": "seqkeras.embeddings",
    "SeqkerasError": "seqkeras.errors",
    "build_sentiment_classifier": "seqkeras.models",
    "build_forecaster": "seqkeras.models",
    "build_sequence_classifier": "seqkeras.models",
    "build_sequence_tagger": "seqkeras.models",
    "build_translator": "seqkeras.models",
    "build_language_model": "seqkeras.models",
    "build_tree_classifier": "seqkeras.models",
    "build_speech_classifier": "seqkeras.models",
    "build_ctc_recognizer": "seqkeras.models",
    "SentimentPipeline": "seqkeras.pipelines",
    "ForecastingPipeline": "seqkeras.pipelines",
    "SequenceClassifierPipeline": "seqkeras.pipelines",
    "TaggingPipeline": "seqkeras.pipelines",
    "TranslationPipeline": "seqkeras.pipelines",
    "LanguageModelPipeline": "seqkeras.pipelines",
    "TreeSentimentPipeline": "seqkeras.pipelines",
    "SpeechPipeline": "seqkeras.pipelines",
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
