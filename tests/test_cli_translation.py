"""`seqkeras train translation`: what is particular to it (the contract test
covers the rest)."""

import json
import subprocess
import sys

import pytest

from seqkeras import cli
from tests.helpers import SERVING_SCRIPT

SMALL = ["--units", "16", "--embedding-dim", "8", "--batch-size", "64", "--quick"]


@pytest.fixture(scope="module")
def dates_run(quick_run):
    return quick_run("translation")  # dates, seq2seq-attention, beam width 2


def test_dates_run_writes_bleu_exact_match_and_the_attention_map(dates_run):
    for name in (
        "source_preprocessing.json", "target_preprocessing.json", "attention.png",
    ):  # fmt: skip
        assert (dates_run / name).is_file(), name
    metrics = json.loads((dates_run / "metrics.json").read_text())
    assert metrics["task"] == "translation"
    assert metrics["architecture"] == "seq2seq-attention"
    for split in ("test", "test_beam"):
        assert 0.0 <= metrics[split]["bleu"] <= 100.0
        assert 0.0 <= metrics[split]["exact_match"] <= 1.0
        assert metrics[split]["num_sentences"] == cli.QUICK_SIZES["test"]
    assert metrics["test_beam"]["method"] == "beam"
    assert metrics["config"]["beam_width"] == 2


def test_predict_a_translation_run(dates_run, capsys):
    capsys.readouterr()
    assert cli.main(["predict", str(dates_run), "25 March 2011", "July 4, 1976"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    argv = ["predict", "--json", "--beam-width", "3", str(dates_run), "4 July 1976"]
    assert cli.main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["input"] == "4 July 1976" and isinstance(result["translation"], str)
    argv = ["predict", str(dates_run), "4 July 1976", "--method", "sample"]
    assert cli.main([*argv, "--seed", "3"]) == 0
    first = capsys.readouterr().out
    assert cli.main([*argv, "--seed", "3"]) == 0
    assert capsys.readouterr().out == first  # the seed decides
    assert cli.main([*argv, "--beam-width", "2"]) == cli.EXIT_ERROR
    assert "takes temperature, top_k, seed" in capsys.readouterr().err


def test_plain_model_on_spa_eng(mirror, tmp_path, capsys):
    out = tmp_path / "spa"
    argv = ["train", "translate", "--dataset", "spa-eng", "--architecture", "seq2seq"]
    assert cli.main([*argv, "--out", str(out), *SMALL, "--no-export"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == "spa-eng" and "bleu" in metrics["test"]
    assert not (out / "attention.png").exists()  # no attention to draw
    assert "test BLEU" in capsys.readouterr().out
    assert cli.main(["predict", str(out), "Do you have a pet?"]) == 0
    assert capsys.readouterr().out.count("\n") == 1  # one translation, one line


def test_unknown_translation_data_set_is_refused(tmp_path, capsys):
    argv = ["train", "translate", "--dataset", "sst2", "--out", str(tmp_path / "x")]
    assert cli.main(argv) == cli.EXIT_ERROR
    assert "Unknown translation data set 'sst2'" in capsys.readouterr().err


def test_serving_script_translates_like_predict(dates_run, capsys):
    texts = ["25 March 2011", "the 4th of July 1976"]
    capsys.readouterr()
    assert cli.main(["predict", str(dates_run), *texts]) == 0
    expected = capsys.readouterr().out.splitlines()
    result = subprocess.run(
        [
            sys.executable,
            "-P",
            str(SERVING_SCRIPT),
            str(dates_run / "saved_model"),
            *texts,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == expected
