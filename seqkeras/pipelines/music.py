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
  seen in training: 190 for the chorales' soprano lines in C major and A
  minor) rather than two softmax heads: the model then learns how a
  duration goes with a pitch (the long notes that end phrases fall on the
  key's steps), its
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

import json

import keras
import numpy as np
import tensorflow as tf

from seqkeras._validation import one_of, positive_int
from seqkeras.errors import InvalidInputError
from seqkeras.models.language import step_function
from seqkeras.models.music import build_polyphonic_model, initial_states
from seqkeras.models.music import step_function as polyphonic_step
from seqkeras.music.notes import (
    PITCHES,
    format_duration,
    note_name,
    parse_notes,
    piano_roll,
)
from seqkeras.pipelines.base import PREPROCESSING_FILE, Pipeline
from seqkeras.pipelines.language import LanguageModelPipeline
from seqkeras.pipelines.registry import register_pipeline
from seqkeras.pipelines.stages import Staged
from seqkeras.text.encoder import as_text_batch
from seqkeras.text.vocabulary import Vocabulary

REPRESENTATIONS = ("melody", "polyphonic")

# The melody model's architectures: the language model's sizes (two LSTMs
# of 200 units, embeddings of 200, Adam at 1e-3) with strong dropout, which
# a small corpus needs (about 17,000 events to learn from). In the search
# of BENCHMARKS.md ("Music"), dropout 0.5 took the validation perplexity
# from 10.1 (none, 30 epochs) to 7.8 (80 epochs); 256 units gave 7.7 in
# twice the time.
MELODY_MODEL = {
    "units": 200,
    "num_layers": 2,
    "embedding_dim": 200,
    "dropout": 0.5,
    "optimizer": "adam",
    "learning_rate": 1e-3,
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
    start_file = "start_state.npz"
    start_pieces = 1000  # training melodies the start state averages, at most

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
        # Where generation starts: see `fit`.
        self.start_state = None

    def fit(self, train, validation=None, **kwargs):
        """Trains as `LanguageModelPipeline.fit`, then keeps the state a new
        melody starts from.

        Training reads the chorales back to back with the state carried
        (truncated backpropagation through time), so the model meets
        `[END] [START]` with the state the chorale before left, and from a
        zero state almost never. Generation from a zero state (what the
        language model does) then starts low and drifts lower: sampled
        melodies sat about seven semitones below the chorales. It starts
        instead from the state just before a training melody's `[END]`,
        averaged over the training melodies (`start_state`), and reads
        `[END] [START]` from there, as in training; `score` and `evaluate`
        are unchanged.
        """
        history = super().fit(train, validation, **kwargs)
        self.start_state = self._ending_state(self._open(train))
        return history

    def _ending_state(self, train):
        """The states just before each melody's `[END]` (each read from
        `[START]`), averaged: one row per state tensor, laid out as
        `initial_states`."""
        ids = np.asarray(self.stream_ids(train))
        ends = np.flatnonzero(ids == Vocabulary.end_id)
        begins = np.concatenate([[0], ends[:-1] + 1])
        pieces = [ids[b : e + 1] for b, e in zip(begins, ends, strict=True) if e > b]
        if len(pieces) > self.start_pieces:
            keep = np.linspace(0, len(pieces) - 1, self.start_pieces).round()
            pieces = [pieces[int(i)] for i in keep]
        padded = keras.utils.pad_sequences(pieces, padding="pre", dtype="int32")
        model = self.inference_model()
        _, states = self._prime(model, step_function(model), padded)
        return [
            [
                keras.ops.convert_to_numpy(keras.ops.mean(s, axis=0, keepdims=True))
                for s in layer
            ]
            for layer in states
        ]

    def _generation_start(self):
        return self.start_state

    def _function_owners(self):
        # A new start state (after `fit`) makes the generation functions anew.
        return (*super()._function_owners(), self.start_state)

    def _save_preprocessing(self, directory):
        super()._save_preprocessing(directory)
        if self.start_state is not None:
            arrays = {
                f"layer{i}_{j}": array
                for i, layer in enumerate(self.start_state)
                for j, array in enumerate(layer)
            }
            np.savez(directory / self.start_file, **arrays)

    def _load_preprocessing(self, directory):
        super()._load_preprocessing(directory)
        path = directory / self.start_file
        if path.is_file():  # runs saved before it have none: zeros
            with np.load(path) as arrays:
                layers = {}
                for key in sorted(arrays.files):
                    i, j = map(int, key.removeprefix("layer").split("_"))
                    layers.setdefault(i, {})[j] = arrays[key]
            self.start_state = [
                [layers[i][j] for j in sorted(layers[i])] for i in sorted(layers)
            ]

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


# The polyphonic model's architectures: sizes like the melody model's first
# ones, unsearched; bench/music.py measures them (BENCHMARKS.md, "Music").
POLYPHONIC_MODEL = {
    "units": 128,
    "num_layers": 2,
    "embedding_dim": 64,
    "dropout": 0.3,
    "learning_rate": 2e-3,
    "clipnorm": 5.0,
}
POLYPHONIC_PRESETS = {
    "lstm": {**POLYPHONIC_MODEL, "cell": "lstm"},
    "gru": {**POLYPHONIC_MODEL, "cell": "gru"},
}
# Builder arguments the pipeline sets itself.
POLYPHONIC_DECIDES = {"num_pitches", "compile", "seed"}


class PolyphonicPipeline(MusicPipeline):
    """A piano-roll model of four-part music (see the module docstring).

    `predict(roll)` takes what has sounded so far, a multi-hot roll
    `(steps, 88)` (`seqkeras.music.notes.piano_roll`), and returns for each
    step the probability of each key sounding at the step after it,
    `(steps, 88)`; a list of rolls gives a list. `generate` writes music
    step by step, sampling every key from its probability.

    Args:
        representation: "polyphonic".
        architecture: "lstm" or "gru" (the sizes of `POLYPHONIC_PRESETS`).
        steps_per_quarter: the grid the rolls are on (4: sixteenth notes).
        window_steps: training reads the pieces in windows of this many
            steps (64: four bars of 4/4 on sixteenths), the state carried
            within a window only.
        seed: seeds initialisation, dropout and the order of training pieces.
        **model_kwargs: passed to `build_polyphonic_model` (`units`,
            `num_layers`, `embedding_dim`, `dropout`, `learning_rate`, ...).
    """

    builder = staticmethod(build_polyphonic_model)
    monitor = ("val_loss", "min")
    export_signature = "serve"
    export_output = "probabilities"

    def __init__(
        self,
        representation="polyphonic",
        architecture="lstm",
        *,
        steps_per_quarter=4,
        window_steps=64,
        seed=0,
        **model_kwargs,
    ):
        Pipeline.__init__(self, seed=seed)
        self.window_steps = positive_int("window_steps", window_steps)
        self.representation = one_of("representation", representation, ("polyphonic",))
        self.architecture = one_of("architecture", architecture, POLYPHONIC_PRESETS)
        self.steps_per_quarter = positive_int("steps_per_quarter", steps_per_quarter)
        self.model_kwargs = self._model_arguments(
            build_polyphonic_model,
            {**POLYPHONIC_PRESETS[architecture], **model_kwargs},
            POLYPHONIC_DECIDES,
        )

    # === Task hooks ===

    def _adapt(self, train):
        self._rolls(train, "train")

    def _is_adapted(self):
        return True  # the 88 keys need no vocabulary

    def _build_model(self):
        return build_polyphonic_model(PITCHES, seed=self.seed, **self.model_kwargs)

    @staticmethod
    def _rolls(data, name="data"):
        from seqkeras.datasets.music import PianoRolls

        if not isinstance(data, PianoRolls):
            raise InvalidInputError(
                f"`{name}` must be PianoRolls (a split of "
                "seqkeras.datasets.load('bach-chorales', representation="
                f"'polyphonic')); got {type(data).__name__}."
            )
        if len(data) == 0:
            raise InvalidInputError(f"`{name}` holds no pieces.")
        return data

    @staticmethod
    def _shifted(rolls):
        """Model inputs (each roll after a silent first step), targets and
        weights, padded: `(pieces, longest + 1, 88)` twice and `(pieces,
        longest + 1)`."""
        lengths = np.array([len(r) for r in rolls])
        width = int(lengths.max()) + 1
        inputs = np.zeros((len(rolls), width, PITCHES), np.float32)
        targets = np.zeros_like(inputs)
        for i, roll in enumerate(rolls):
            inputs[i, 1 : len(roll) + 1] = roll
            targets[i, : len(roll)] = roll
        # The step after the last is not predicted (pieces do not mark their
        # end), so a roll of n steps has n predicted steps.
        weights = (np.arange(width)[None, :] < lengths[:, None]).astype(np.float32)
        return inputs, targets, weights

    def _windows(self, data):
        """Every piece's inputs, targets and weights cut into windows of
        `window_steps` (the last of a piece padded): three arrays, one row
        per window. A window's first input is the step before it, so only a
        piece's first step is predicted from silence."""
        parts = []
        for roll in data.rolls:
            inputs, targets, weights = (a[0] for a in self._shifted([roll]))
            width = self.window_steps
            for start in range(0, len(roll), width):
                part = [a[start : start + width] for a in (inputs, targets, weights)]
                pad = width - len(part[0])
                if pad:
                    part = [
                        np.concatenate([a, np.zeros((pad, *a.shape[1:]), a.dtype)])
                        for a in part
                    ]
                parts.append(part)
        return tuple(np.stack(column) for column in zip(*parts, strict=True))

    def _dataset(self, data, *, batch_size, training, whole_batches=False):
        # Training and validation read windows of `window_steps`: many more
        # updates an epoch than whole chorales (a few hundred of them), which
        # the model needs to learn even that notes are held. `evaluate`
        # reads whole pieces for the exact likelihood.
        data = self._rolls(data)
        inputs, targets, weights = self._windows(data)
        dataset = tf.data.Dataset.from_tensor_slices((inputs, targets, weights))
        if training:
            dataset = dataset.shuffle(len(inputs), seed=self.seed)
        dataset = dataset.batch(batch_size, drop_remainder=whole_batches)
        return dataset.prefetch(tf.data.AUTOTUNE), data.num_steps

    def _save_preprocessing(self, directory):
        info = {"pitches": PITCHES, "steps_per_quarter": self.steps_per_quarter}
        (directory / PREPROCESSING_FILE).write_text(json.dumps(info))

    def _load_preprocessing(self, directory):
        info = json.loads((directory / PREPROCESSING_FILE).read_text())
        if info["pitches"] != PITCHES:
            raise InvalidInputError(
                f"{directory} holds a model of {info['pitches']} keys; this "
                f"version of seqkeras reads rolls of {PITCHES}."
            )

    def _preprocessing_config(self):
        return {"pitches": PITCHES, "steps_per_quarter": self.steps_per_quarter}

    def _load_preprocessing_from(self, other):
        pass

    # === Evaluation ===

    def evaluate(self, data, *, batch_size=None, verbose=0):
        """The negative log-likelihood per time step of `data`'s rolls.

        Returns:
            A dict: `nll_per_step` (nats, summed over the 88 keys and
            averaged over every step of every piece, as the JSB Chorales
            papers report it), `frame_accuracy` (true positives / (true
            positives + false positives + false negatives) of the keys
            predicted at probability 0.5, summed over the steps: Bay et
            al.'s accuracy, which Boulanger-Lewandowski et al. also report)
            and `steps`.
        """
        self._require_model()
        data = self._rolls(data)
        nll, hits, wrong, steps = 0.0, 0, 0, 0
        for chunk in self._batches(data.rolls, self._inference_batch_size(batch_size)):
            inputs, targets, weights = self._shifted(chunk)
            logits = keras.ops.convert_to_numpy(
                self.model.predict_on_batch(inputs)
            ).astype(np.float64)
            losses = (
                np.maximum(logits, 0)
                - logits * targets
                + np.log1p(np.exp(-np.abs(logits)))
            ).sum(axis=-1)
            nll += float((losses * weights).sum())
            predicted = (logits > 0) & (weights[..., None] > 0)
            actual = targets > 0.5
            hits += int((predicted & actual).sum())
            wrong += int((predicted ^ actual).sum())
            steps += int(weights.sum())
        return {
            "nll_per_step": nll / steps,
            "frame_accuracy": hits / (hits + wrong) if hits + wrong else 0.0,
            "steps": steps,
        }

    # === Prediction ===

    def _batch_of(self, rolls):
        """One roll `(steps, 88)` or a list of them."""
        single = isinstance(rolls, np.ndarray) and rolls.ndim == 2
        items = [rolls] if single else list(rolls)
        checked = []
        for i, roll in enumerate(items):
            roll = np.asarray(roll, dtype=np.float32)
            if roll.ndim != 2 or roll.shape[1] != PITCHES or len(roll) == 0:
                raise InvalidInputError(
                    f"Roll {i} has the shape {roll.shape}: expected (steps, "
                    f"{PITCHES}), one row of the {PITCHES} piano keys per step "
                    "(seqkeras.music.notes.piano_roll makes them)."
                )
            if not np.isin(roll, (0.0, 1.0)).all():
                raise InvalidInputError(
                    f"Roll {i} holds values other than 0 and 1: a roll marks each "
                    "key that sounds with 1."
                )
            checked.append(roll)
        return single, checked

    def _predict_batch(self, rolls, *, batch_size, verbose):
        serve = self.serving_function()
        out = []
        for chunk in self._batches(rolls, batch_size, verbose):
            lengths = [len(r) for r in chunk]
            padded = np.zeros((len(chunk), max(lengths), PITCHES), np.float32)
            for i, roll in enumerate(chunk):
                padded[i, : len(roll)] = roll
            # Causal: padding after a roll changes nothing before it.
            probabilities = serve(tf.constant(padded))["probabilities"].numpy()
            out += [p[:n] for p, n in zip(probabilities, lengths, strict=True)]
        return out

    def serving_function(self):
        """The function behind `predict` and the exported `serve`: rolls
        `(batch, steps, 88)` float32 -> `probabilities` `(batch, steps, 88)`,
        row `t` the keys' probabilities at step `t + 1`."""
        return self._compiled("serve", self._make_serving_function)

    def _make_serving_function(self):
        model = self.model

        def prepare(rolls):
            check = tf.debugging.assert_equal(
                tf.shape(rolls)[2],
                PITCHES,
                message=f"Expected rolls (batch, steps, {PITCHES}): one row of the "
                f"{PITCHES} piano keys per step",
            )
            with tf.control_dependencies([check]):
                rolls = tf.ensure_shape(rolls, [None, None, PITCHES])
            return (rolls,), ()

        def core(rolls):
            ops = keras.ops
            silent = ops.zeros_like(rolls[:, :1])  # the step before the first
            logits = model(ops.concatenate([silent, rolls], axis=1), training=False)
            return ops.sigmoid(logits[:, 1:])  # (batch, steps, pitches)

        def finish(context, probabilities):
            return {"probabilities": probabilities}

        return Staged(
            input_signature=[
                tf.TensorSpec([None, None, PITCHES], tf.float32, name="rolls")
            ],
            prepare=prepare,
            core=core,
            finish=finish,
            layers=[model],
        )

    def _endpoints(self):
        return {"serve": self.serving_function()}

    # === Generation ===

    def generate(self, opening=None, *, steps=64, temperature=1.0, seed=0):
        """Writes music one step at a time after `opening`.

        Each key of each step is drawn from its probability (its logit
        divided by `temperature` first; a temperature of 0 keeps the keys
        above one half).

        Args:
            opening: what the piece starts with: None (silence before the
                first step), a roll `(steps, 88)`, or voices of `Note`s.
            steps: steps to write (16 a bar of 4/4 on sixteenths).
            temperature: below 1 sharper, above 1 flatter, 0 the likeliest.
            seed: the same seed gives the same piece.

        Returns:
            The roll `(opening steps + steps, 88)`, opening included.
        """
        self._require_model()
        steps = positive_int("steps", steps)
        if opening is None:
            roll = np.zeros((0, PITCHES), np.float32)
        elif isinstance(opening, np.ndarray):
            roll = self._batch_of(opening)[1][0]
        else:
            roll = piano_roll(opening, steps_per_quarter=self.steps_per_quarter)
        rng = np.random.default_rng(seed)
        step = polyphonic_step(self.model)
        states = initial_states(self.model, 1)
        frame = np.zeros((1, PITCHES), np.float32)  # the silent first input
        for row in roll:  # read the opening
            _, states = step(frame, states)
            frame = row[None]
        written = []
        for _ in range(steps):
            logits, states = step(frame, states)
            logits = keras.ops.convert_to_numpy(logits)[0].astype(np.float64)
            if temperature <= 0:
                frame = (logits > 0).astype(np.float32)[None]
            else:
                p = 1 / (1 + np.exp(-logits / temperature))
                frame = (rng.random(PITCHES) < p).astype(np.float32)[None]
            written.append(frame[0])
        return np.concatenate([roll, np.array(written, np.float32)])

    def examples(self, data):
        """A few rolls to predict from: the first bars of test pieces."""
        return [roll[:16] for roll in data.test.rolls[:2]]


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


def polyphonic_statistics(samples, reference, *, steps_per_quarter=4):
    """The statistics of sampled rolls (name -> list of rolls) and of the
    reference rolls, each read into four voices top down
    (`seqkeras.music.statistics.roll_voices`, the same reading for both),
    with each sample set's distance to the reference."""
    from seqkeras.music import statistics

    def pieces(rolls):
        return [
            statistics.roll_voices(roll, steps_per_quarter=steps_per_quarter)
            for roll in rolls
        ]

    theirs = statistics.describe(pieces(reference))
    result = {"test chorales": {"statistics": theirs}}
    for name, rolls in samples.items():
        ours = statistics.describe(pieces(rolls))
        result[name] = {
            "statistics": ours,
            "distance": statistics.compare(ours, theirs),
        }
    return result
