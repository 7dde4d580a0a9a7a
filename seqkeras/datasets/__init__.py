"""Data sets: a catalogue of names, their loaders, and the file registry.

`load(name)` returns a data set by the name the command line uses
(`seqkeras train sentiment --dataset sst2`); `catalogue()` lists them, each
with the tasks that train on it (the task names of
`seqkeras.pipelines.registry`).
Files with a public origin go through `registry.fetch` (cache, checksum,
`SEQKERAS_DATA_MIRROR`); embedded data sets need no file at all.

Example:

>>> import seqkeras.datasets as datasets
>>> data = datasets.load("sentiment-sample")
>>> len(data.train), data.label_names
(4000, ('negative', 'positive'))
"""

import dataclasses
import functools
from collections.abc import Callable

from seqkeras.datasets import registry
from seqkeras.datasets.agreement import load_agreement
from seqkeras.datasets.captioning import (
    CaptionedImages,
    CaptioningData,
    load_captioned_images,
    load_flickr8k,
    read_captions,
    read_flickr8k_captions,
)
from seqkeras.datasets.dates import load_dates
from seqkeras.datasets.dna import MotifSequences, load_dna_motif, motif_sequences
from seqkeras.datasets.language import (
    LanguageModelData,
    TextStream,
    load_ptb,
    load_text,
    load_text_files,
    load_tinyshakespeare,
    read_text_units,
)
from seqkeras.datasets.music import (
    Chorale,
    MelodyData,
    PianoRolls,
    PolyphonicData,
    load_bach_chorales,
)
from seqkeras.datasets.registry import RemoteFile, fetch
from seqkeras.datasets.sentiment_sample import load_sentiment_sample
from seqkeras.datasets.sentiment_trees import load_sentiment_trees
from seqkeras.datasets.series import (
    TimeSeries,
    from_frame,
    load_csv_series,
    load_seattle_temps,
    load_seattle_weather,
    load_stocks,
)
from seqkeras.datasets.shapes import load_shapes
from seqkeras.datasets.speech import (
    SpeechData,
    Utterances,
    connect_digits,
    load_fsdd,
    load_fsdd_connected,
    load_touch_tones,
    read_recordings,
)
from seqkeras.datasets.splits import from_files
from seqkeras.datasets.tagging import (
    TaggedSentences,
    TaggingData,
    load_conll2003,
    load_tagged_sentences,
    parse_conll,
    parse_conllu,
    read_conll,
    read_conllu,
)
from seqkeras.datasets.text import (
    LabelledTexts,
    TextClassificationData,
    load_labelled_texts,
    load_sst,
    parse_sst_tree,
    read_labelled_texts,
)
from seqkeras.datasets.toy import load_toy_language, load_toy_ner
from seqkeras.datasets.translation import (
    SentencePairs,
    TranslationData,
    load_sentence_pairs,
    load_spa_eng,
    read_tab_pairs,
    split_by_source,
)
from seqkeras.datasets.tree_batches import batch_trees, tree_arrays
from seqkeras.datasets.trees import (
    Tree,
    TreebankData,
    Trees,
    TreeSyntaxError,
    load_sst_trees,
    parse_tree,
    read_trees,
)
from seqkeras.errors import UnknownDatasetError


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What `load(name)` returns and where it comes from.

    Args:
        name: the catalogue name.
        tasks: the tasks that train on it (`("sentiment",)`, ...).
        loader: called with keyword arguments by `load`.
        files: registry names of the files it needs; empty when embedded.
        description: one line.
        settings: the settings its benchmark found best, by architecture
            (None: for every architecture): pipeline and builder arguments,
            and `epochs` and `batch_size` for `fit`. `seqkeras train` uses
            them where no option says otherwise, and the `bench/` scripts
            train with them, so a command copied from the README reaches the
            quality BENCHMARKS.md quotes.
    """

    name: str
    tasks: tuple
    loader: Callable
    files: tuple = ()
    description: str = ""
    settings: dict = dataclasses.field(default_factory=dict, hash=False)

    @property
    def embedded(self):
        return not self.files

    def settings_for(self, architecture=None):
        """The benchmark's settings for `architecture` (see `settings`).

        Example:

        >>> get_info("conll2003-ner").settings_for("bilstm-char-crf")
        {'lowercase': True, 'word_dropout': 0.1, 'epochs': 25}
        """
        return {**self.settings.get(None, {}), **self.settings.get(architecture, {})}


# The best settings of bench/sst2_accuracy.py, bench/conll_tagging.py and
# bench/translation_quality.py (see BENCHMARKS.md for the searches).
SST2_SETTINGS = {
    None: {"batch_size": 64, "epochs": 6},
    "dan": {"embedding_dim": 300, "units": 300, "num_layers": 2, "dropout": 0.3},
    "lstm": {"embedding_dim": 300, "units": 168, "dropout": 0.5},
    "bilstm": {"embedding_dim": 300, "units": 168, "dropout": 0.5},
}
# bench/speech.py: the spoken-digit classifiers and the CTC recogniser.
FSDD_SETTINGS = {
    None: {"epochs": 20},
    "gru": {"units": 64, "dropout": 0.2},
    "lstm": {"units": 64, "dropout": 0.2},
    "bigru": {"units": 64, "dropout": 0.2},
    "bilstm": {"units": 64, "dropout": 0.2},
}
FSDD_CONNECTED_SETTINGS = {
    None: {"epochs": 20},
    "ctc": {"units": 128, "num_layers": 2, "dropout": 0.3, "stack": 3, "clipnorm": 5.0},
    "ctc-lstm": {
        "units": 128,
        "num_layers": 2,
        "dropout": 0.3,
        "stack": 3,
        "clipnorm": 5.0,
    },
}
CONLL_NER_SETTINGS = {None: {"lowercase": True, "word_dropout": 0.1, "epochs": 25}}
SPA_ENG_SETTINGS = {
    None: {
        "cell": "gru",
        "units": 256,
        "embedding_dim": 256,
        "dropout": 0.2,
        "min_count": 2,
        "max_vocabulary_size": 16000,
        "learning_rate": 2e-3,
        "beam_width": 5,
        "epochs": 8,
        "batch_size": 128,
    }
}
# bench/tree_sentiment.py's epochs and batch; the models' own settings are
# the tree pipeline's defaults (seqkeras.pipelines.trees.PRESETS).
SST_TREES_SETTINGS = {None: {"epochs": 20, "batch_size": 32}}
DATES_SETTINGS = {
    None: {
        "cell": "gru",
        "units": 128,
        "embedding_dim": 64,
        "epochs": 12,
        "batch_size": 64,
    }
}

# bench/captioning_quality.py's settings for the shapes benchmark (BENCHMARKS.md,
# "Inject, merge and attention on the shapes data"), for every architecture.
SHAPES_SETTINGS = {
    None: {
        "units": 128,
        "embedding_dim": 64,
        "learning_rate": 2e-3,
        "epochs": 15,
        "batch_size": 32,
    }
}


_CATALOGUE = {
    info.name: info
    for info in [
        DatasetInfo(
            "sentiment-sample",
            ("sentiment",),
            load_sentiment_sample,
            description="generated sentences where word order and negation "
            "matter (embedded, no download)",
        ),
        DatasetInfo(
            "agreement",
            ("sentiment",),
            load_agreement,
            description="'the cat ... was' / 'the cats ... were': subject-verb "
            "agreement across many words, generated (embedded, no download)",
        ),
        DatasetInfo(
            "dna-motif",
            ("sentiment",),
            load_dna_motif,
            description="generated DNA: does the sequence hold the motif TATAAT "
            "(one mismatch allowed)? (embedded, no download)",
        ),
        DatasetInfo(
            "sst2",
            ("sentiment",),
            functools.partial(load_sst, binary=True),
            files=("sst",),
            description="Stanford Sentiment Treebank, binary (SST-2)",
            settings=SST2_SETTINGS,
        ),
        DatasetInfo(
            "sst5",
            ("sentiment",),
            functools.partial(load_sst, binary=False),
            files=("sst",),
            description="Stanford Sentiment Treebank, five classes (SST-5)",
        ),
        DatasetInfo(
            "sentiment-trees",
            ("tree-sentiment",),
            load_sentiment_trees,
            description="generated reviews with a sentiment at every node, where "
            "'very', 'not' and 'but' change it (embedded, no download)",
        ),
        DatasetInfo(
            "sst-trees",
            ("tree-sentiment",),
            load_sst_trees,
            files=("sst",),
            description="Stanford Sentiment Treebank as binary trees, five classes "
            "at every node",
            settings=SST_TREES_SETTINGS,
        ),
        DatasetInfo(
            "conll2003-ner",
            ("tagging",),
            functools.partial(load_conll2003, tags="ner"),
            files=("conll2003",),
            description="CoNLL-2003 English named entities (PER, LOC, ORG, MISC), IOB2",
            settings=CONLL_NER_SETTINGS,
        ),
        DatasetInfo(
            "conll2003-pos",
            ("tagging",),
            functools.partial(load_conll2003, tags="pos"),
            files=("conll2003",),
            description="CoNLL-2003 English Penn Treebank part-of-speech tags",
            settings={None: {"epochs": 25}},
        ),
        DatasetInfo(
            "toy-ner",
            ("tagging",),
            load_toy_ner,
            description="generated sentences with people and places, IOB2, for "
            "quick runs (embedded, no download)",
        ),
        DatasetInfo(
            "dna-motif-bases",
            ("tagging",),
            functools.partial(load_dna_motif, labels="bases"),
            description="generated DNA, IOB2 tags on every base of the planted "
            "motif TATAAT (embedded, no download)",
        ),
        DatasetInfo(
            "spa-eng",
            ("translation",),
            functools.partial(load_spa_eng, max_length=20),
            files=("spa-eng",),
            description="Tatoeba English -> Spanish, at most 20 words a side",
            settings=SPA_ENG_SETTINGS,
        ),
        DatasetInfo(
            "dates",
            ("translation",),
            load_dates,
            description="human-readable dates -> YYYY-MM-DD, generated "
            "(embedded, no download)",
            settings=DATES_SETTINGS,
        ),
        DatasetInfo(
            "ptb",
            ("language-model",),
            load_ptb,
            files=("ptb",),
            description="Penn Treebank, word level, Mikolov's split (10k words)",
        ),
        DatasetInfo(
            "tinyshakespeare",
            ("language-model",),
            load_tinyshakespeare,
            files=("tinyshakespeare",),
            description="Tiny Shakespeare, character level, last 10% validation",
        ),
        DatasetInfo(
            "toy-language",
            ("language-model",),
            load_toy_language,
            description="a generated language of 38 sentences with known "
            "probabilities, for quick runs (embedded, no download)",
        ),
        DatasetInfo(
            "shapes",
            ("captioning",),
            load_shapes,
            description="generated scenes of coloured shapes with captions; "
            "unseen colour-shape pairs held out (embedded, no download)",
            settings=SHAPES_SETTINGS,
        ),
        DatasetInfo(
            "flickr8k",
            ("captioning",),
            load_flickr8k,
            files=("flickr8k-images", "flickr8k-text"),
            description="Flickr8k photographs, five captions each, standard split",
        ),
        DatasetInfo(
            "touch-tones",
            ("speech",),
            load_touch_tones,
            description="touch-tone telephone digits, one per clip, generated "
            "(embedded, no download)",
        ),
        DatasetInfo(
            "touch-tones-connected",
            ("speech",),
            functools.partial(load_touch_tones, connected=True),
            description="strings of 1-7 touch-tone digits, generated (embedded, "
            "no download)",
        ),
        DatasetInfo(
            "fsdd",
            ("speech",),
            load_fsdd,
            files=("fsdd",),
            description="Free Spoken Digit Dataset, its own split (recordings 0-4 "
            "test)",
            settings=FSDD_SETTINGS,
        ),
        DatasetInfo(
            "fsdd-speakers",
            ("speech",),
            functools.partial(load_fsdd, split="speakers"),
            files=("fsdd",),
            description="Free Spoken Digit Dataset, one speaker held out for the "
            "test (theo unless told)",
            settings=FSDD_SETTINGS,
        ),
        DatasetInfo(
            "fsdd-connected",
            ("speech",),
            load_fsdd_connected,
            files=("fsdd",),
            description="utterances of 1-7 digits joined from FSDD clips of one "
            "speaker, standard split",
            settings=FSDD_CONNECTED_SETTINGS,
        ),
        DatasetInfo(
            "bach-chorales",
            ("music",),
            load_bach_chorales,
            description="Bach's four-part chorales from music21's corpus (no "
            "download), split by name; melodies or piano rolls",
        ),
        DatasetInfo(
            "seattle-weather",
            ("forecasting", "series-classification"),
            load_seattle_weather,
            description="Seattle daily weather 2012-2015 with the day's weather "
            "label (vega_datasets, no download)",
        ),
        DatasetInfo(
            "seattle-temps",
            ("forecasting",),
            load_seattle_temps,
            description="Seattle hourly temperature 2010 (vega_datasets, no download)",
        ),
        DatasetInfo(
            "stocks",
            ("forecasting",),
            load_stocks,
            description="monthly prices of AAPL, AMZN, IBM, MSFT 2000-2010 "
            "(vega_datasets, no download)",
        ),
    ]
}


def catalogue(task=None):
    """Returns the `DatasetInfo` of every data set (of one `task` if given)."""
    return [i for i in _CATALOGUE.values() if task is None or task in i.tasks]


def get_info(name, task=None):
    """Returns the `DatasetInfo` for `name`, or raises `UnknownDatasetError`."""
    info = _CATALOGUE.get(name)
    if info is None or (task is not None and task not in info.tasks):
        known = ", ".join(i.name for i in catalogue(task))
        what = f"{task} data set" if task else "data set"
        raise UnknownDatasetError(
            f"Unknown {what} {name!r}. Available: {known}. "
            "Run `seqkeras datasets list` to see them all."
        )
    return info


def load(name, **kwargs):
    """Loads the data set called `name` (see `catalogue()`)."""
    return get_info(name).loader(**kwargs)


__all__ = [
    "CaptionedImages",
    "Chorale",
    "CaptioningData",
    "batch_trees",
    "catalogue",
    "DatasetInfo",
    "fetch",
    "from_files",
    "from_frame",
    "get_info",
    "LabelledTexts",
    "LanguageModelData",
    "MelodyData",
    "MotifSequences",
    "motif_sequences",
    "PianoRolls",
    "PolyphonicData",
    "load",
    "load_agreement",
    "load_bach_chorales",
    "load_captioned_images",
    "load_conll2003",
    "load_csv_series",
    "load_dates",
    "load_dna_motif",
    "load_flickr8k",
    "load_labelled_texts",
    "load_ptb",
    "load_seattle_temps",
    "load_seattle_weather",
    "load_sentence_pairs",
    "load_sentiment_sample",
    "load_shapes",
    "load_spa_eng",
    "load_sst",
    "load_sst_trees",
    "load_sentiment_trees",
    "load_fsdd",
    "load_fsdd_connected",
    "load_touch_tones",
    "connect_digits",
    "read_recordings",
    "SpeechData",
    "Utterances",
    "load_stocks",
    "load_tagged_sentences",
    "load_text",
    "load_text_files",
    "load_tinyshakespeare",
    "load_toy_language",
    "load_toy_ner",
    "parse_conll",
    "parse_conllu",
    "parse_sst_tree",
    "parse_tree",
    "read_captions",
    "read_conll",
    "read_conllu",
    "read_flickr8k_captions",
    "read_labelled_texts",
    "read_tab_pairs",
    "read_trees",
    "read_text_units",
    "registry",
    "RemoteFile",
    "SentencePairs",
    "split_by_source",
    "TaggedSentences",
    "TaggingData",
    "TextClassificationData",
    "TextStream",
    "TimeSeries",
    "TranslationData",
    "Tree",
    "TreebankData",
    "Trees",
    "TreeSyntaxError",
    "tree_arrays",
]
