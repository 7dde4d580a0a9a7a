"""Plots: training curves, confusion matrices, forecasts, model comparisons,
CRF transitions, attention maps, captioned images, tagged sentences, word
maps, RNN diagrams (rolled and unrolled, the four shapes of RNN, inside a GRU
or LSTM unit), parse trees coloured by sentiment, speech (waveforms,
features, CTC outputs and paths) and music (piano rolls, note statistics).

Every function returns a matplotlib `Figure`: a notebook shows it, the
command line saves it with `fig.savefig(path)`.
"""

from seqkeras.plots.audio import (
    plot_ctc_outputs,
    plot_ctc_paths,
    plot_features,
    plot_waveform,
)
from seqkeras.plots.cells import plot_cell_diagram
from seqkeras.plots.diagrams import plot_rnn_diagram, plot_rnn_shapes
from seqkeras.plots.music import plot_music_statistics, plot_piano_roll
from seqkeras.plots.sequences import (
    plot_attention,
    plot_caption_attention,
    plot_caption_grid,
    plot_embeddings,
    plot_tagged_sentence,
)
from seqkeras.plots.series import plot_error_per_horizon, plot_forecasts
from seqkeras.plots.training import (
    plot_confusion_matrix,
    plot_history,
    plot_model_comparison,
    plot_transitions,
)
from seqkeras.plots.trees import plot_tree

__all__ = [
    "plot_attention",
    "plot_caption_attention",
    "plot_caption_grid",
    "plot_cell_diagram",
    "plot_confusion_matrix",
    "plot_ctc_outputs",
    "plot_ctc_paths",
    "plot_embeddings",
    "plot_music_statistics",
    "plot_piano_roll",
    "plot_error_per_horizon",
    "plot_features",
    "plot_forecasts",
    "plot_history",
    "plot_model_comparison",
    "plot_rnn_diagram",
    "plot_rnn_shapes",
    "plot_tagged_sentence",
    "plot_transitions",
    "plot_tree",
    "plot_waveform",
]
