"""`seqkeras train speech`: connected digits with CTC, a folder of WAV
files, a held-out speaker; predict and serve WAV files."""

import json
import subprocess
import sys

import numpy as np
import pytest

from seqkeras import cli
from seqkeras.audio import wav_bytes
from seqkeras.datasets import load
from tests.helpers import SERVING_SCRIPT


def train(out, *arguments):
    argv = ["train", "speech", "--quick", "--units", "8", "--out", str(out)]
    assert cli.main([*argv, *arguments]) == 0
    return json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="module")
def connected_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("connected") / "run"
    train(out, "--dataset", "touch-tones-connected", "--num-layers", "1")
    return out


@pytest.fixture(scope="module")
def wav_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wavs")
    clips = load("touch-tones-connected", num_train=2, num_validation=0, num_test=0)
    paths = []
    for i, clip in enumerate(clips.train.audio):
        path = folder / f"utterance_{i}.wav"
        path.write_bytes(wav_bytes(clip))
        paths.append(str(path))
    return paths


def test_strings_of_digits_train_the_ctc_model_by_default(connected_run):
    metrics = json.loads((connected_run / "metrics.json").read_text())
    assert metrics["architecture"] == "ctc"
    for split in ("test", "test_beam"):
        assert metrics[split]["digit_error_rate"] >= 0.0
        assert 0.0 <= metrics[split]["exact_match"] <= 1.0
    assert metrics["test_beam"]["method"] == "beam"
    assert (connected_run / "test_clip.png").is_file()
    assert not (connected_run / "confusion_matrix.png").exists()


def test_predict_and_serve_wav_files(connected_run, wav_files, capsys):
    capsys.readouterr()
    argv = ["predict", str(connected_run), "--method", "beam", *wav_files]
    assert cli.main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.partition(":")[0] for line in lines] == wav_files
    assert cli.main(["predict", "--json", str(connected_run), wav_files[0]]) == 0
    row = json.loads(capsys.readouterr().out)
    assert set(row) == {"input", "transcript", "score"}
    assert cli.main(["predict", str(connected_run), "--temperature", "0.5", *wav_files])
    assert "greedy or beam" in capsys.readouterr().err
    assert cli.main(["predict", str(connected_run), "missing.wav"]) == cli.EXIT_ERROR
    assert "reads WAV files" in capsys.readouterr().err
    served = subprocess.run(
        [sys.executable, "-P", str(SERVING_SCRIPT)]
        + [str(connected_run / "saved_model"), *wav_files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert served.returncode == 0, served.stderr[-2000:]
    assert [line.partition(":")[0] for line in served.stdout.splitlines()] == wav_files


def test_a_folder_of_wav_files_trains_a_classifier_of_its_labels(tmp_path, capsys):
    folder = tmp_path / "words"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for label, hz in (("yes", 500), ("no", 1500)):
        for speaker in ("ann", "bob", "cy", "dee", "eve"):
            for index in range(4):
                t = np.arange(int(rng.uniform(0.2, 0.4) * 8000)) / 8000
                clip = 0.3 * np.sin(2 * np.pi * hz * t) + rng.normal(0, 0.01, len(t))
                (folder / f"{label}_{speaker}_{index}.wav").write_bytes(wav_bytes(clip))
    out = tmp_path / "run"
    metrics = train(out, "--dataset", str(folder), "--split", "0.6,0.2", "--no-export")
    assert metrics["architecture"] == "bigru"
    assert metrics["config"]["label_names"] == ["no", "yes"]
    assert metrics["test"]["num_utterances"] == 8  # one speaker of five
    argv = ["train", "speech", "--quick", "--dataset", str(folder)]
    capsys.readouterr()
    assert cli.main([*argv, "--split", "0.9,0.05", "--out", str(tmp_path / "s")]) == 1
    assert "part without clips" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "hello.wav").write_bytes(wav_bytes(np.zeros(800)))
    argv = [
        "train",
        "speech",
        "--quick",
        "--dataset",
        str(bad),
        "--out",
        str(tmp_path / "r"),
    ]
    assert cli.main(argv) == cli.EXIT_ERROR


@pytest.mark.mirror
def test_a_held_out_speaker_run_evaluates_on_that_speaker(mirror, tmp_path, capsys):
    out = tmp_path / "run"
    arguments = ["--dataset", "fsdd-speakers", "--test-speaker", "george"]
    metrics = train(out, *arguments, "--no-export")
    assert metrics["dataset"] == "fsdd-speakers"
    assert metrics["arguments"]["test_speaker"] == "george"
    capsys.readouterr()
    assert cli.main(["evaluate", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["num_utterances"] == 500  # every clip of george's
