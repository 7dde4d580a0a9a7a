"""Music generation: a melody model over note events, and a polyphonic model
over piano rolls.

`MusicPipeline(representation=...)` makes the pipeline of one
representation (the task "music" on the command line and in saved runs):

- "melody" (`MelodyPipeline`): a language model whose words are note
  events, "C4/1" (pitch and duration in quarter notes, see
  `seqkeras.music.notes`), one chorale a sentence. It is
  `LanguageModelPipeline` with a vocabulary of events: training with
  truncated backpropagation through time, exact perplexity, sampling with
  temperature and top-k, beam search and the export come from there.

  Pitch and duration share **one joint vocabulary** (one token per pair
  seen in training, about 140 for the chorales' soprano lines) rather than
  two softmax heads: the model then learns how a duration goes with a pitch
  (the long notes that end phrases fall on the key's steps), its
  perplexity is per event like the bigram baseline's, and every piece of
  the language-model machinery works unchanged. The price is that a pair
  never seen in training cannot be written, which for a corpus of one
  style is what we want.

- "polyphonic" (`PolyphonicPipeline`): the four voices on a grid of
  sixteenth notes, one multi-hot row of the 88 piano keys per step (JSB
  Chorales); an RNN reads the rows and gives each key's probability of
  sounding at the next step (independent sigmoids, binary cross-entropy).
  Its `evaluate` reports the negative log-likelihood per time step, summed
  over the keys, as the JSB papers do.
"""

import tensorflow as tf

from seqkeras._validation import one_of
from seqkeras.errors import InvalidInputError
from seqkeras.music.notes import parse_notes
from seqkeras.pipelines.base import Pipeline
from seqkeras.pipelines.language import LanguageModelPipeline
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.text.encoder import as_text_batch
from seqkeras.text.vocabulary import Vocabulary

REPRESENTATIONS = ("melody", "polyphonic")

# The melody model's architectures, with the sizes bench/music.py found best
# for the chorales (a small corpus: about 17,000 events to learn from).
MELODY_MODEL = {
    "units": 128,
    "num_layers": 2,
    "embedding_dim": 64,
    "dropout": 0.3,
    "optimizer": "adam",
    "learning_rate": 2e-3,
    "clipnorm": 5.0,
}
PRESETS = {
    "lstm": {"model": {**MELODY_MODEL, "cell": "lstm"}},
    "gru": {"model": {**MELODY_MODEL, "cell": "gru"}},
}


@register_pipeline
class MusicPipeline(Pipeline):
    """Music generation: `MusicPipeline(representation="melody", ...)` is a
    `MelodyPipeline`, `MusicPipeline(representation="polyphonic", ...)` a
    `PolyphonicPipeline`; see those for their arguments."""

    task = "music"
    task_aliases = ()
    presets = PRESETS

    def __new__(cls, representation="melody", *args, **kwargs):
        if cls is MusicPipeline:
            one_of("representation", representation, REPRESENTATIONS)
            cls = MelodyPipeline if representation == "melody" else PolyphonicPipeline
        return object.__new__(cls)

    def __init__(self, representation="melody", architecture="lstm", **kwargs):
        raise NotImplementedError  # __new__ makes a subclass


class MelodyPipeline(MusicPipeline, LanguageModelPipeline):
    """A language model of note events (see the module docstring).

    `predict(opening)` continues an opening written as notes ("C4/1
    D4/0.5", "" for a new melody; flats and other spellings are read and
    written as the model writes them) and returns notes as text, which
    `seqkeras.music.notes.parse_notes` reads back; `generate` is the same.

    Args:
        representation: "melody".
        architecture: "lstm" or "gru" (the sizes of `PRESETS`).
        num_steps: the TBPTT window, in events.
        batch_size: streams of events read side by side.
        seed: seeds initialisation and dropout.
        **model_kwargs: passed to `build_language_model` (`units`,
            `num_layers`, `embedding_dim`, `dropout`, `learning_rate`, ...).
    """

    text_output = "notes"
    export_output = "notes"
    max_length = 100  # events written unless told otherwise

    def __init__(
        self,
        representation="melody",
        architecture="lstm",
        *,
        num_steps=32,
        batch_size=16,
        seed=0,
        **model_kwargs,
    ):
        self.representation = one_of("representation", representation, ("melody",))
        LanguageModelPipeline.__init__(
            self,
            architecture,
            level="word",
            num_steps=num_steps,
            batch_size=batch_size,
            seed=seed,
            **model_kwargs,
        )

    def _batch_of(self, prompts):
        """Openings read as notes and written as the model writes them; a
        note the model never saw is refused, with the notes it knows."""
        single = isinstance(prompts, str)
        batch = as_text_batch([prompts] if single else prompts, name="prompt")
        known = set(self.vocabulary.tokens)
        canonical = []
        for prompt in (text.decode("utf-8") for text in batch.numpy()):
            tokens = [str(note) for note in parse_notes(prompt)]
            unknown = [t for t in tokens if t not in known]
            if unknown:
                raise InvalidInputError(
                    f"The opening {prompt!r} holds {', '.join(unknown)}, which the "
                    f"model never saw in training: it writes {self.range_text()}."
                )
            canonical.append(" ".join(tokens))
        return single, as_text_batch(canonical, name="prompt")

    def range_text(self):
        """The pitches and durations the model knows, in words."""
        notes = [parse_notes(t)[0] for t in self.vocabulary.tokens if "/" in t]
        pitches = sorted({n.pitch for n in notes if n.pitch is not None})
        durations = sorted({n.duration for n in notes})
        from seqkeras.music.notes import format_duration, note_name

        return (
            f"pitches {note_name(pitches[0])} to {note_name(pitches[-1])} and "
            f"durations {', '.join(format_duration(d) for d in durations)} "
            "(only the pairs it saw)"
        )

    def _encode(self, texts):
        # The export reads openings in the graph: a note outside the
        # vocabulary stops it with the reason instead of reading as [UNK].
        ids = super()._encode(texts)
        known = tf.debugging.assert_equal(
            tf.reduce_any(ids.flat_values == Vocabulary.unk_id),
            False,
            message="The opening holds a note the model never saw in training, "
            "or one not written as the model writes notes (sharps, not flats; "
            "durations as 1, 0.5, 0.25): C4/1 D#4/0.5 R/1.",
        )
        with tf.control_dependencies([known]):
            return ids.with_flat_values(tf.identity(ids.flat_values))

    def notes(self, text):
        """Generated text -> `Note`s."""
        return parse_notes(text)


class PolyphonicPipeline(MusicPipeline):
    """Placeholder: see the module docstring."""

    def __init__(self, representation="polyphonic", architecture="lstm", **kwargs):
        raise InvalidInputError("The polyphonic model is not built yet.")


# === Baselines and the statistics of generated melodies ===


def melody_baselines(data):
    """The unigram and bigram models of `data`'s training melodies (the
    bigram's weight chosen on the validation melodies) and their
    perplexities per event, `[END]` counted as the model's are.

    Returns:
        `(models, figures)`: {"unigram": NGramModel, "bigram": NGramModel}
        and {"unigram": {"perplexity": test, "validation_perplexity": ...},
        "bigram": {..., "lambda": ...}}.
    """
    from seqkeras.ngrams import NGramModel

    train, validation = data.train.units, data.validation.units
    models = {
        "unigram": NGramModel(order=1).fit(train),
        "bigram": NGramModel(order=2).fit(train, validation),
    }
    figures = {}
    for name, model in models.items():
        figures[name] = {
            "perplexity": round(model.perplexity(data.test.units), 3),
            "validation_perplexity": round(model.perplexity(validation), 3),
        }
    figures["bigram"]["lambda"] = models["bigram"].lam
    return models, figures


def sample_melodies(generate, count, *, seed=0):
    """`count` melodies, each `generate(seed)` (a string of notes) read as
    notes; the seeds are `seed`, `seed + 1`, ..."""
    return [parse_notes(generate(seed + i)) for i in range(count)]


def melody_statistics(samples, reference):
    """The statistics of sampled melodies, and how far they are from the
    reference melodies' (`seqkeras.music.statistics`)."""
    from seqkeras.music import statistics

    ours = statistics.describe([(melody,) for melody in samples])
    theirs = statistics.describe([(melody,) for melody in reference])
    return {"statistics": ours, "distance": statistics.compare(ours, theirs)}
