"""Run an exported seqkeras SavedModel with nothing but TensorFlow.

Besides the standard library, this file imports only `tensorflow` and
`tensorflow_text` (which registers the tokenisation ops the export uses),
never seqkeras or keras, so it shows what a serving machine needs. Run it by
path, with `-P` so that Python does not put this package's folder on
`sys.path`:

    python -P seqkeras/serving.py DIR/saved_model "Great film!" "Dull plot."

It calls the `serve` signature, `translate` for a translator or `caption`
for a captioner (its inputs are image files), and prints the most probable
label (or the translation, the caption, or for a speech model, whose inputs
are WAV files, the transcript) of each input, or with
`--json` one JSON object per input with every output of the signature. For a
language model it prints each input followed by its greedy continuation; for
a music model too (openings are notes such as "C4/1 D4/0.5"), and with
`--midi PIECE.mid` it writes the first piece as a MIDI file (one piece per
opening: PIECE_1.mid, PIECE_2.mid, ... when there are several):

    python -P seqkeras/serving.py RUN/saved_model "C4/1 E4/1" --midi piece.mid

TensorFlow's start-up lines (among them, on a machine without a GPU, an
error-level "failed call to cuInit") are hidden while it is imported and
looks for devices; set `SEQKERAS_VERBOSE_TF=1` to see them. After that its
errors show as usual (`TF_CPP_MIN_LOG_LEVEL` is 2 unless you set it).
"""

import contextlib
import fractions
import importlib.util
import json
import os
import re
import struct
import sys


@contextlib.contextmanager
def _quiet_start_up():
    """Hides what native code writes to stderr inside the block.

    TensorFlow's C++ start-up lines go to file descriptor 2 before its log
    level applies, so replacing `sys.stderr` would not catch them. If the
    block raises, the hidden lines are printed before the error (on Linux,
    where they are kept in an in-memory file; elsewhere they are dropped).
    """
    if os.environ.get("SEQKERAS_VERBOSE_TF") == "1":
        yield
        return
    sys.stderr.flush()
    try:
        sink = os.memfd_create("tensorflow-start-up")
    except (AttributeError, OSError):
        sink = os.open(os.devnull, os.O_RDWR)
    saved = os.dup(2)
    os.dup2(sink, 2)
    try:
        yield
    except BaseException:
        os.dup2(saved, 2)
        os.lseek(sink, 0, os.SEEK_SET)
        while chunk := os.read(sink, 65536):
            os.write(2, chunk)
        raise
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(sink)


def load(path):
    """Loads a SavedModel exported by a seqkeras pipeline."""
    # Native log lines after start-up: errors only, as `make` and the CLI set it.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_start_up():
        import tensorflow as tf

        try:
            import tensorflow_text  # noqa: F401  (registers the ops the export uses)
        except ImportError:
            if importlib.util.find_spec("tensorflow_text") is not None:
                raise  # installed, but it failed to import: its own error says why
            raise ImportError(
                "A seqkeras SavedModel tokenises inside its graph with "
                "tensorflow-text ops: install the tensorflow-text release of your "
                f"TensorFlow ({tf.__version__}), e.g. pip install "
                f"'tensorflow-text=={'.'.join(tf.__version__.split('.')[:2])}.*'."
            ) from None

        tf.config.list_physical_devices()  # the GPU search, and its messages, now

    try:
        return tf.saved_model.load(str(path))
    except (tf.errors.NotFoundError, RuntimeError) as error:
        if "Op type not registered" not in str(error):
            raise
        first_line = str(error).splitlines()[0]
        raise RuntimeError(
            f"{path} uses an op this TensorFlow does not know ({first_line}). "
            "Import tensorflow_text before loading (`import tensorflow_text`), "
            "with the tensorflow-text release that matches TensorFlow "
            f"{tf.__version__}."
        ) from None


def serve(saved_model, inputs, signature="serve", **arguments):
    """Calls `signature` on a batch of raw inputs; returns NumPy outputs.

    A signature that takes more than the inputs (a language model's
    `generate` takes `max_length`, `temperature` and `seed`) gets them from
    `arguments`, by name. For a captioner's `images`, inputs that are
    strings are paths to image files, and for a speech model's `audio`
    paths to WAV files. Ragged outputs (a tagger's words and
    tags) come back as nested lists.
    """
    import tensorflow as tf

    function = getattr(saved_model, signature)
    specs = list(getattr(function, "input_signature", None) or ())
    files = specs and specs[0].name in ("images", "audio")
    if files and all(isinstance(x, str) for x in inputs):
        # A captioner takes encoded image bytes, a speech model WAV bytes:
        # read them from the paths.
        inputs = [tf.io.read_file(path).numpy() for path in inputs]
    extra = []
    for spec in specs[1:]:
        if spec.name not in arguments:
            raise TypeError(
                f"The {signature!r} signature also needs {spec.name!r} "
                f"({spec.dtype.name})."
            )
        extra.append(tf.constant(arguments[spec.name], spec.dtype))
    outputs = function(tf.constant(inputs), *extra)
    return {
        key: value.to_list() if isinstance(value, tf.RaggedTensor) else value.numpy()
        for key, value in outputs.items()
    }


_NOTE = re.compile(r"^(R|[A-G]#?)(-?\d+)?/(\d+(?:\.\d+)?(?:/\d+)?)$")
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def midi_bytes(notes, tempo=80, ticks_per_quarter=480, program=52):
    """Notes as a music model writes them ("C4/1 D#4/0.5 R/1") -> a
    standard MIDI file (format 0, one track), with the standard library
    only, since a serving machine has no music package."""
    events, time = [], fractions.Fraction(0)  # (tick, order, message bytes)
    for token in notes.split():
        match = _NOTE.match(token)
        if match is None:
            raise ValueError(f"{token!r} is not a note such as C4/1 or R/0.5")
        name, octave, duration = match.groups()
        duration = fractions.Fraction(duration)
        if name != "R":
            pitch = _STEPS[name[0]] + len(name) - 1 + 12 * (int(octave) + 1)
            start = round(time * ticks_per_quarter)
            end = round((time + duration) * ticks_per_quarter)
            events += [(start, 1, bytes([0x90, pitch, 80]))]
            events += [(end, 0, bytes([0x80, pitch, 0]))]
        time += duration
    track = b"\x00\xff\x51\x03" + round(60e6 / tempo).to_bytes(3, "big")
    track += bytes([0x00, 0xC0, program])
    now = 0
    for tick, _, message in sorted(events):
        delta, now = tick - now, tick
        quantity = [delta & 0x7F]  # a variable-length quantity
        while delta > 0x7F:
            delta >>= 7
            quantity.insert(0, (delta & 0x7F) | 0x80)
        track += bytes(quantity) + message
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, ticks_per_quarter)
    return header + b"MTrk" + struct.pack(">I", len(track)) + track


def _jsonable(value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    as_json = "--json" in argv
    argv = [a for a in argv if a != "--json"]
    midi = None
    if "--midi" in argv:
        at = argv.index("--midi")
        midi = argv[at + 1] if at + 1 < len(argv) else None
        argv = argv[:at] + argv[at + 2 :]
    if len(argv) < 2 or "--midi" in argv[:1]:
        print(
            "usage: python -P serving.py [--json] [--midi PIECE.mid] SAVED_MODEL "
            "INPUT...",
            file=sys.stderr,
        )
        return 2
    path, inputs = argv[0], argv[1:]
    model = load(path)
    if hasattr(model, "generate"):  # a language or music model: continue
        outputs = serve(
            model, inputs, "generate", max_length=50, temperature=0.0, seed=0
        )
        music = "notes" in outputs
        pieces = [
            f"{text} {continuation.decode('utf-8')}".strip()
            for text, continuation in zip(
                inputs, outputs["notes" if music else "text"], strict=True
            )
        ]
        for i, piece in enumerate(pieces):
            print(piece)
            if midi and music:
                stem, suffix = os.path.splitext(midi)
                target = midi if len(pieces) == 1 else f"{stem}_{i + 1}{suffix}"
                with open(target, "wb") as f:
                    f.write(midi_bytes(piece))
                print(f"wrote {target}", file=sys.stderr)
        return 0
    signature = next(s for s in ("serve", "translate", "caption") if hasattr(model, s))
    outputs = serve(model, inputs, signature)
    for i, text in enumerate(inputs):
        row = {key: _jsonable(value[i]) for key, value in outputs.items()}
        if "translation" in row and not as_json:
            print(row["translation"])
        elif "caption" in row and not as_json:
            print(f"{text}: {row['caption']}")
        elif "transcript" in row and not as_json:
            print(f"{text}: {row['transcript']}")
        elif as_json or not {"label", "probabilities"} <= set(row):
            print(json.dumps({"input": text, **row}, ensure_ascii=False))
        else:
            print(f"{row['label']:>14} {max(row['probabilities']):.3f}  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
