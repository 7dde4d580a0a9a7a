"""The `seqkeras` command line, run in-process through `cli.main`."""

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from seqkeras import cli
from seqkeras.datasets import registry
from seqkeras.datasets.registry import RemoteFile
from seqkeras.pipelines import base
from tests.helpers import closed_port_url


@pytest.fixture(scope="module")
def run_dir(quick_run):
    return quick_run("sentiment")


def test_sentiment_run_writes_its_figures_and_metrics(run_dir):
    assert (run_dir / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    assert list((run_dir / "logs" / "train").glob("events.out.tfevents.*"))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["task"] == "sentiment" and metrics["dataset"] == "sentiment-sample"
    assert metrics["architecture"] == "lstm"
    assert metrics["test"]["num_examples"] == cli.QUICK_SIZES["test"]
    assert metrics["train_seconds"] > 0 and metrics["examples_per_second"] > 0
    assert metrics["arguments"]["dataset"] == "sentiment-sample"
    history = json.loads((run_dir / "history.json").read_text())
    assert len(history["loss"]) == metrics["epochs"] == 1


def test_predict_prints_the_label_and_its_probability(run_dir, capsys):
    capsys.readouterr()
    assert cli.main(["predict", str(run_dir), "Great film!", "Dull plot."]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith("Great film!")
    assert lines[0].split()[0] in ("negative", "positive")
    assert cli.main(["predict", "--json", str(run_dir), "Great film!"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert set(row["probabilities"]) == {"negative", "positive"}
    # Decoding options belong to the tasks that write text.
    argv = ["predict", str(run_dir), "Great film!", "--beam-width", "2"]
    assert cli.main(argv) == cli.EXIT_ERROR
    assert "--beam-width" in one_error_line(capsys)


def test_export_writes_a_saved_model_again(run_dir, tmp_path, capsys):
    out = tmp_path / "serving"
    assert cli.main(["export", str(run_dir), "--out", str(out)]) == 0
    assert (out / "saved_model.pb").is_file()
    assert str(out) in capsys.readouterr().out


def test_old_command_words_and_options_still_work(tmp_path, capsys):
    out = tmp_path / "old"
    argv = ["train", "weather-classifier", "--model", "gru", "--epochs", "1"]
    argv += ["--no-export"]
    assert cli.main([*argv, "--units", "4", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "series-classification"
    assert metrics["architecture"] == "gru"


def one_error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("seqkeras: error: ")
    return line


def test_unknown_data_set_is_one_clear_line(tmp_path, capsys):
    argv = ["train", "sentiment", "--dataset", "imbd", "--out", str(tmp_path)]
    assert cli.main(argv) == cli.EXIT_ERROR
    line = one_error_line(capsys)
    assert "'imbd'" in line and "sst2" in line


def test_folder_without_a_model_is_one_clear_line(tmp_path, capsys):
    assert cli.main(["predict", str(tmp_path), "hello"]) == cli.EXIT_ERROR
    assert "no saved pipeline" in one_error_line(capsys)


def test_offline_fetch_names_url_and_variable(monkeypatch, tmp_path, capsys):
    origin = closed_port_url("toy.zip")
    toy = RemoteFile("toy", origin, "toy.zip", sha256="0" * 64, extract="zip")
    monkeypatch.setitem(registry.REMOTE_FILES, "toy", toy)
    monkeypatch.delenv(registry.MIRROR_VARIABLE, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert cli.main(["datasets", "fetch", "toy"]) == cli.EXIT_ERROR
    line = one_error_line(capsys)
    assert origin in line and registry.MIRROR_VARIABLE in line


def test_datasets_list_and_fetch_embedded(capsys):
    assert cli.main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    assert "sentiment-sample" in out and "trainDevTestTrees_PTB.zip" in out
    assert cli.main(["datasets", "fetch", "sentiment-sample"]) == 0
    assert "nothing to download" in capsys.readouterr().out


def test_interrupted_training_resumes_with_the_same_command(
    tmp_path, monkeypatch, capsys
):
    out = tmp_path / "run"
    argv = ["train", "sentiment", "--quick", "--epochs", "3", "--out", str(out)]
    argv += ["--units", "8", "--embedding-dim", "8", "--no-export"]
    original_fit = base.Pipeline.fit

    def fit_interrupted_at_epoch_2(self, *args, callbacks=(), **kwargs):
        class Stop(cli_callback_base()):
            def on_epoch_begin(self, epoch, logs=None):
                if epoch == 2:
                    raise KeyboardInterrupt

        return original_fit(self, *args, callbacks=[*callbacks, Stop()], **kwargs)

    monkeypatch.setattr(base.Pipeline, "fit", fit_interrupted_at_epoch_2)
    assert cli.main(argv) == cli.EXIT_INTERRUPTED
    assert "run the same command again to resume" in capsys.readouterr().err
    assert not (out / "metrics.json").exists()

    monkeypatch.setattr(base.Pipeline, "fit", original_fit)
    assert cli.main(argv) == 0
    assert "Resuming" in capsys.readouterr().out
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 3


def cli_callback_base():
    import keras

    return keras.callbacks.Callback


def test_backend_option_picks_the_keras_backend(tmp_path, capsys):
    """`--backend` in a new process trains on that backend and says so in
    metrics.json, with XLA by default on JAX and not on a CPU with
    TensorFlow; in a process where Keras runs on another backend it is
    refused, since Keras picks its backend once per process."""
    import keras

    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    command = cli.command_for("sentiment")
    out = tmp_path / "run"
    argv = ["train", "sentiment", "--quick", "--out", str(out)]
    argv += [*command.smoke_arguments, "--backend", other]
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    result = subprocess.run(
        [sys.executable, "-m", "seqkeras.cli", *argv],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["backend"] == other
    assert metrics["jit_compile"] is (other == "jax")
    argv[argv.index(str(out))] = str(tmp_path / "again")
    assert cli.main(argv) == cli.EXIT_ERROR
    error = capsys.readouterr().err
    assert f"Keras already runs on {keras.backend.backend()}" in error
    assert f"KERAS_BACKEND={other}" in error
    assert not (tmp_path / "again").exists()


def test_installed_command_runs(tmp_path):
    """The console script itself, in a new process (`python -m` is the same code)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "seqkeras.cli",
            "train",
            "sentiment",
            "--dataset",
            "nope",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == cli.EXIT_ERROR
    assert "Traceback" not in result.stderr
    assert "seqkeras: error: Unknown sentiment data set 'nope'" in result.stderr
    help_text = subprocess.run(
        [sys.executable, "-m", "seqkeras.cli", "--help"], capture_output=True, text=True
    )
    assert "train" in help_text.stdout and help_text.returncode == 0


def registry_tasks():
    from seqkeras.pipelines import registry as tasks

    return tasks.tasks()


def write_user_files(task, folder):
    """Small files in the formats users bring, one set per task: the
    `seqkeras train` arguments that read them."""
    if task == "sentiment":
        rows = [f'"{w} film, no. {i}",{w}' for i in range(30) for w in ("good", "bad")]
        (folder / "reviews.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
        return ["--dataset", str(folder / "reviews.csv")]
    if task == "tagging":
        sentence = "1\tPeter\tPeter\tPROPN\tNNP\t_\t2\tnsubj\t_\t_\n"
        sentence += "2\tsleeps\tsleep\tVERB\tVBZ\t_\t0\troot\t_\t_\n"
        (folder / "ud.conllu").write_text(("# sent_id = x\n" + sentence + "\n") * 40)
        return ["--dataset", str(folder / "ud.conllu"), "--tag-column", "xpos"]
    if task == "translation":
        pairs = "".join(f"one {i}\tuno {i}\n" for i in range(40))
        (folder / "pairs.tsv").write_text(pairs)
        (folder / "test.tsv").write_text("one 7\tuno 7\n")
        return [
            "--dataset",
            str(folder / "pairs.tsv"),
            "--test",
            str(folder / "test.tsv"),
        ]
    if task == "language-model":
        (folder / "text.txt").write_text("the cat sat on the mat\n" * 50)
        return ["--dataset", str(folder / "text.txt")]
    if task == "captioning":
        import numpy as np
        import tensorflow as tf

        rows = []
        for i in range(10):
            pixels = np.full((32, 32, 3), 25 * i, dtype="uint8")
            tf.io.write_file(str(folder / f"{i}.png"), tf.io.encode_png(pixels))
            rows += [f"{i}.png,a grey square", f"{i}.png,a square of grey"]
        (folder / "captions.csv").write_text("image,caption\n" + "\n".join(rows) + "\n")
        return ["--dataset", str(folder / "captions.csv")]
    if task == "tree-sentiment":
        trees = [
            f"(3 (2 the{i}) (3 good))\n(1 (2 not{i}) (3 good))\n" for i in range(20)
        ]
        (folder / "trees.txt").write_text("".join(trees))
        return ["--dataset", str(folder / "trees.txt")]
    if task == "speech":
        import numpy as np

        from seqkeras.audio import wav_bytes

        recordings = folder / "recordings"
        recordings.mkdir()
        t = np.arange(1600) / 8000
        for speaker in ("ann", "bob", "cy", "dee", "eve"):
            for index, (label, hz) in enumerate([("yes", 500), ("no", 1500)] * 3):
                clip = 0.3 * np.sin(2 * np.pi * hz * (1 + 0.01 * index) * t)
                path = recordings / f"{label}_{speaker}_{index}.wav"
                path.write_bytes(wav_bytes(clip))
        # Each speaker stays in one part: five speakers, three for training.
        return ["--dataset", str(recordings), "--split", "0.6,0.2"]
    if task == "music":
        from seqkeras.music.files import write_midi, write_musicxml
        from seqkeras.music.notes import parse_notes

        pieces = folder / "pieces"
        pieces.mkdir()
        for i in range(10):
            tune = parse_notes(f"C4/1 D4/0.5 E4/0.5 F4/1 G4/{1 + i % 3} C5/2 R/1")
            bass = parse_notes(f"C3/4 G2/4 C3/{i % 3 + 1}")
            if i % 5:
                write_midi([tune, bass], pieces / f"tune{i}.mid")
            else:
                write_musicxml([tune, bass], pieces / f"tune{i}.musicxml")
        return ["--dataset", str(pieces)]
    # Series: 10-minute readings, day first, forecast (or classified) hourly.
    lines = [f"{1 + i // 24:02d}.01.2009 {i % 24:02d}:{m}0:00,{i % 7}.{m},"
             f"{'warm' if i % 7 > 3 else 'cold'}"
             for i in range(24 * 20) for m in range(6)]  # fmt: skip
    (folder / "station.csv").write_text("Date Time,T,feel\n" + "\n".join(lines) + "\n")
    labels = ["--label-column", "feel"] if task == "series-classification" else []
    return ["--dataset", str(folder / "station.csv"), "--time-column", "Date Time",
            "--dayfirst", "--resample", "1h", "--features", "T", *labels]  # fmt: skip


@pytest.mark.parametrize("task", registry_tasks())
def test_every_task_trains_on_the_users_files(task, tmp_path, capsys):
    command = cli.command_for(task)
    files = write_user_files(task, tmp_path)
    out = tmp_path / "run"
    # The contract test checks every task's export; these runs write none.
    argv = ["train", task, "--epochs", "1", "--out", str(out), "--no-export"]
    assert cli.main([*argv, *command.smoke_arguments, *files]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == pathlib.Path(files[1]).name
    assert metrics["arguments"]["dataset"] == files[1]  # absolute, for evaluate
    assert "export" not in metrics["arguments"]
    printed = capsys.readouterr().out
    assert printed.startswith(pathlib.Path(files[1]).name + ":")
    assert not (out / "saved_model").exists() and "saved_model/" not in printed
    assert (out / "model.keras").exists()
    if "--features" in files:  # the model reads the features asked for
        assert metrics["config"]["feature_columns"] == ["T"]
    assert cli.main(["evaluate", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["dataset"] == metrics["dataset"]
    if task == "sentiment":  # the SavedModel, written afterwards
        assert cli.main(["export", str(out)]) == 0
        assert (out / "saved_model" / "saved_model.pb").is_file()


def test_files_and_splits_are_checked_before_training(tmp_path, capsys):
    write_user_files("sentiment", tmp_path)
    train = ["train", "sentiment", "--out", str(tmp_path / "run")]
    for extra, message in [
        (["--dataset", "sst2", "--test", "x.csv"], "go with a file as --dataset"),
        (["--dataset", str(tmp_path / "reviews.csv"), "--split", "0.9,0.2"],
         "train \\+ validation < 1"),
        (["--dataset", str(tmp_path / "reviews.csv"), "--split", "0.9"],
         "two fractions"),
        (["--dataset", str(tmp_path / "nothing.csv")], "--dataset .*: no such file"),
        (["--dataset", str(tmp_path / "reviews.csv"), "--text-column", "review"],
         "no column\\(s\\) \\['review'\\]"),
    ]:  # fmt: skip
        assert cli.main([*train, *extra]) == 1
        assert re.search(message, capsys.readouterr().err)


def test_pretrained_vectors_from_the_command_line(tmp_path):
    files = write_user_files("sentiment", tmp_path)
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("good 1 0 0\nbad 0 1 0\nfilm 0 0 1\n")
    out = tmp_path / "run"
    argv = ["train", "sentiment", "--epochs", "1", "--out", str(out), *files]
    argv += ["--units", "4", "--embeddings", str(vectors)]
    argv += ["--embeddings-training", "frozen", "--no-export"]
    assert cli.main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["embedding_coverage"]["vocabulary_found"] == 3
    assert metrics["config"]["embeddings_training"] == "frozen"
    assert metrics["config"]["embedding_dim"] == 3


def test_a_catalogue_data_set_brings_its_benchmark_settings(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "translation", "--dataset", "dates", "--quick", "--out", str(out)]
    assert cli.main([*argv, "--units", "16", "--beam-width", "2", "--no-export"]) == 0
    printed = capsys.readouterr().out
    assert (
        "the settings of the dates benchmark: cell=gru, embedding_dim=64, " in printed
    )
    metrics = json.loads((out / "metrics.json").read_text())
    config = metrics["config"]
    assert (config["cell"], config["embedding_dim"]) == ("gru", 64)  # the benchmark's
    assert config["units"] == 16  # given: not overridden
    assert metrics["epochs"] == 1  # --quick stays one epoch
    assert metrics["arguments"]["batch_size"] == 64


def test_seeds_train_one_model_each_and_keep_their_average(tmp_path):
    import numpy as np

    from seqkeras.pipelines import load_pipeline

    out = tmp_path / "run"
    argv = ["train", "sentiment", "--quick", "--out", str(out), "--seeds", "0", "1"]
    assert cli.main([*argv, "--units", "4", "--embedding-dim", "4"]) == 0
    members = [load_pipeline(out / "members" / f"seed_{s}") for s in (0, 1)]
    assert [m.seed for m in members] == [0, 1]
    ensemble = load_pipeline(out)
    texts = ["The shark enjoys eating John.", "John enjoys eating the shark."]
    mean = (members[0].predict(texts) + members[1].predict(texts)) / 2
    np.testing.assert_allclose(ensemble.predict(texts), mean, atol=1e-5)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["arguments"]["seeds"] == [0, 1]
    # Run again (as after Ctrl-C): the finished members are loaded, not trained.
    (out / "metrics.json").unlink()
    assert cli.main([*argv, "--units", "4", "--embedding-dim", "4"]) == 0
    np.testing.assert_allclose(load_pipeline(out).predict(texts), mean, atol=1e-5)
    with pytest.raises(SystemExit):  # a task whose models do not average
        cli.main(["train", "translation", "--out", str(tmp_path / "t"), "--seeds", "0"])


STREAMING_TASKS = ["sentiment", "translation", "tagging", "language-model"]


def write_streamed_files(task, folder):
    """A training file with a bad line (the 6th) and clean validation and
    test files, in the formats `--stream` reads: the `train` arguments."""
    if task == "sentiment":
        rows = [f"{w} film no. {i}\t{w}" for i in range(20) for w in ("good", "bad")]
        header, bad = ["text\tlabel"], "a review without its label"
    elif task == "translation":
        rows = [f"one {i}\tuno {i}" for i in range(30)]
        header, bad = [], "a sentence without its translation"
    elif task == "tagging":
        sentence = ["Peter B-PER", "sleeps O", ""]
        rows = sentence * 15
        header, bad = [], "Paris B-LOC extra"
    else:
        rows = ["the cat sat on the mat"] * 40
        header, bad = [], "bytes \udcff that are not text"
    lines = header + rows
    lines.insert(5, bad)

    def write(name, lines):
        data = "\n".join(lines) + "\n"
        (folder / name).write_bytes(data.encode("utf-8", "surrogateescape"))
        return str(folder / name)

    files = [write("train.txt", lines)]
    files += [write(f"{name}.txt", header + rows[:9]) for name in ("valid", "test")]
    return ["--dataset", files[0], "--validation", files[1], "--test", files[2]]


@pytest.mark.parametrize("task", STREAMING_TASKS)
def test_streamed_files_train_and_report_their_bad_lines(task, tmp_path, capsys):
    command = cli.command_for(task)
    files = write_streamed_files(task, tmp_path)
    out = tmp_path / "run"
    argv = ["train", task, "--epochs", "1", "--out", str(out), "--stream"]
    argv += ["--no-export"]
    argv = [*argv, *command.smoke_arguments, *files]
    if task == "tagging":
        argv += ["--scheme", "iob2"]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert re.search(r"train \(streamed\): train\.txt: \d+ \w+ from \d+ lines; 1 bad "
                     r"line left out: line 6 \(", printed)  # fmt: skip
    assert "valid.txt" in printed and "test.txt" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["arguments"]["stream"] is True
    assert metrics["dataset"] == "train.txt"
    test_size = {"tagging": 3, "language-model": 9}.get(task, 9)
    counts = {"sentiment": "num_examples", "translation": "num_sentences",
              "tagging": "num_sentences", "language-model": "tokens"}  # fmt: skip
    expected = 9 * 7 if task == "language-model" else test_size
    assert metrics["test"][counts[task]] == expected
    assert cli.main(["evaluate", str(out)]) == 0  # streams the test file again
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "train.txt" and result[counts[task]] == expected
    # The bad line stops the run when asked to.
    argv += ["--on-bad-line", "fail", "--overwrite"]
    assert cli.main(argv) == 1
    error = capsys.readouterr().err
    assert re.search(r"train\.txt, line 6: .*--on-bad-line skip", error)


def test_stream_options_are_checked(tmp_path, capsys):
    files = write_streamed_files("sentiment", tmp_path)
    write_user_files("sentiment", tmp_path)
    train = ["train", "sentiment", "--out", str(tmp_path / "run")]
    for extra, message in [
        (["--stream", *files[:2]], "--stream needs --validation and --test FILE"),
        (["--stream", *files[:4]], "--stream needs --test FILE"),
        (["--stream"], "'sentiment-sample' is a catalogue data set"),
        ([*files, "--on-bad-line", "skip"], "--on-bad-line goes with --stream"),
        (["--stream", "--dataset", str(tmp_path / "reviews.csv"), *files[2:]],
         "reviews.csv: --stream reads tab-separated files"),
    ]:  # fmt: skip
        assert cli.main([*train, *extra]) == 1
        assert re.search(message, capsys.readouterr().err), extra
