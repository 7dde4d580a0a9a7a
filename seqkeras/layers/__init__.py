"""Layers and cells the course teaches, written with `keras.ops` only."""

from seqkeras.layers.attention import SequenceAttention
from seqkeras.layers.cells import (
    GRUCell,
    LSTMCell,
    PeepholeLSTMCell,
    SimplifiedGRUCell,
)
from seqkeras.layers.crf import (
    CRF,
    crf_decode,
    crf_log_likelihood,
    crf_log_partition,
    crf_nll,
    crf_sequence_score,
)
from seqkeras.layers.ctc import CTCLoss, MaskedBlanks, ctc_decode, ctc_loss
from seqkeras.layers.forecasting import BASELINES, Autoregressive, BaselineForecast
from seqkeras.layers.stateful import (
    StatefulGRU,
    StatefulLSTM,
    StatefulRNN,
    StatefulSimpleRNN,
)
from seqkeras.layers.trees import (
    RecursiveCell,
    TensorCell,
    TreeLSTMCell,
    TreeRNN,
    root_positions,
    tree_roots,
)
from seqkeras.layers.words import (
    CharacterEncoder,
    OneHot,
    ReversibleEmbedding,
    WordDropout,
)

__all__ = [
    "BASELINES",
    "CRF",
    "Autoregressive",
    "BaselineForecast",
    "CTCLoss",
    "CharacterEncoder",
    "GRUCell",
    "LSTMCell",
    "MaskedBlanks",
    "OneHot",
    "ReversibleEmbedding",
    "PeepholeLSTMCell",
    "RecursiveCell",
    "SequenceAttention",
    "SimplifiedGRUCell",
    "StatefulGRU",
    "StatefulLSTM",
    "StatefulRNN",
    "StatefulSimpleRNN",
    "TensorCell",
    "TreeLSTMCell",
    "TreeRNN",
    "WordDropout",
    "crf_decode",
    "ctc_decode",
    "ctc_loss",
    "crf_log_likelihood",
    "crf_log_partition",
    "crf_nll",
    "crf_sequence_score",
    "root_positions",
    "tree_roots",
]
