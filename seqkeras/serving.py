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
language model it prints each input followed by its greedy continuation.

TensorFlow's start-up lines (among them, on a machine without a GPU, an
error-level "failed call to cuInit") are hidden while it is imported and
looks for devices; set `SEQKERAS_VERBOSE_TF=1` to see them. After that its
errors show as usual (`TF_CPP_MIN_LOG_LEVEL` is 2 unless you set it).
"""

import contextlib
import json
import os
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
    if len(argv) < 2:
        print(
            "usage: python -P serving.py [--json] SAVED_MODEL INPUT...", file=sys.stderr
        )
        return 2
    path, inputs = argv[0], argv[1:]
    model = load(path)
    if hasattr(model, "generate"):  # a language model: continue each prompt
        outputs = serve(
            model, inputs, "generate", max_length=50, temperature=0.0, seed=0
        )
        for text, continuation in zip(inputs, outputs["text"], strict=True):
            print(f"{text} {continuation.decode('utf-8')}".strip())
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
