"""`seqkeras train music`: the melody run's baselines, statistics and
samples, the polyphonic run, `seqkeras generate --out` and bad openings."""

import json

import pytest

from seqkeras import cli
from seqkeras.music.files import read_midi, read_musicxml
from seqkeras.music.notes import format_notes


@pytest.fixture(scope="module")
def melody_run(quick_run):
    return quick_run("music")


def test_the_melody_run_reports_baselines_statistics_and_samples(melody_run):
    metrics = json.loads((melody_run / "metrics.json").read_text())
    assert metrics["representation"] == "melody" and metrics["transpose"] == "normalize"
    assert metrics["arguments"]["limit"] == 8  # kept, so evaluate loads the same
    test = metrics["test"]["perplexity"]
    bigram = metrics["baselines"]["bigram"]["perplexity"]
    unigram = metrics["baselines"]["unigram"]["perplexity"]
    assert test > 1 and 1 < bigram < unigram
    statistics = metrics["statistics"]
    assert set(statistics) == {
        "test chorales",
        "model, T=0.5",
        "model, T=1.0",
        "bigram",
    }
    for name in ("model, T=0.5", "model, T=1.0", "bigram"):
        distance = statistics[name]["distance"]
        assert 0 <= distance["pitch_classes"] <= 1 and 0 <= distance["intervals"] <= 1
    samples = sorted(path.name for path in (melody_run / "samples").iterdir())
    assert samples == ["bigram.mid", "model_t0.5.mid", "model_t1.0.mid"]
    assert (melody_run / "piano_roll.png").is_file()
    assert (melody_run / "statistics.png").is_file()


@pytest.mark.parametrize("suffix", [".mid", ".musicxml", ".wav"])
def test_generate_writes_the_piece(melody_run, tmp_path, capsys, suffix):
    capsys.readouterr()
    out = tmp_path / f"piece{suffix}"
    argv = ["generate", str(melody_run), "--prompt", "C4/1 E4/1", "--length", "12"]
    assert cli.main([*argv, "--seed", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()[0]
    assert printed.startswith("C4/1 E4/1 ")
    assert out.stat().st_size > 40
    if suffix == ".mid":  # MIDI keeps no rest at the end
        tokens = printed.split()
        while tokens[-1].startswith("R/"):
            tokens.pop()
        assert format_notes(read_midi(out, tempo=80)[0]) == " ".join(tokens)
    elif suffix == ".musicxml":
        assert format_notes(read_musicxml(out)[0]) == printed


def test_bad_openings_and_files_are_refused(melody_run, tmp_path, capsys):
    for prompt, message in [
        ("C4/1 H4/1", "Unknown note name 'H4'"),
        ("C4/-1", "positive number of quarter notes"),
        ("C0/1", "never saw in training"),
    ]:
        assert cli.main(["generate", str(melody_run), "--prompt", prompt]) == 1
        assert message in capsys.readouterr().err
    argv = ["generate", str(melody_run), "--out", str(tmp_path / "piece.txt")]
    assert cli.main(argv) == 1
    assert "write a .mid (MIDI)" in capsys.readouterr().err


def test_the_polyphonic_run(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "music", "--representation", "polyphonic", "--quick"]
    argv += ["--units", "8", "--embedding-dim", "8", "--out", str(out), "--no-export"]
    assert cli.main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test"]["nll_per_step"] > 0
    assert metrics["config"]["steps_per_quarter"] == 4
    assert "test chorales" in metrics["statistics"]
    capsys.readouterr()
    assert cli.main(["evaluate", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["nll_per_step"] == pytest.approx(
        metrics["test"]["nll_per_step"], rel=1e-5
    )
    argv = ["train", "music", "--steps-per-quarter", "2", "--quick"]
    assert cli.main([*argv, "--out", str(tmp_path / "x")]) == 1
    error = capsys.readouterr().err
    assert "--steps-per-quarter" in error and "polyphonic" in error
