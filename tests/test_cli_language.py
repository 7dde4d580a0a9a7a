"""`seqkeras train lm`, `seqkeras generate`, and evaluate on a language model."""

import json

import numpy as np
import pytest

from seqkeras import cli

SMALL = [
    "--units", "16", "--embedding-dim", "8", "--num-steps", "8",
    "--batch-size", "4", "--optimizer", "adam", "--learning-rate", "0.01",
]  # fmt: skip


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(300):
        a, b = rng.choice(["apple", "pear", "plum"], 2, replace=False)
        lines.append(f"the {a} and the {b} salad is good\n")
    path = tmp_path_factory.mktemp("text") / "salads.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def word_run(text_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "salads"
    argv = ["train", "lm", "--dataset", str(text_file), "--out", str(out)]
    assert cli.main([*argv, "--epochs", "2", *SMALL]) == 0
    return out


def test_a_text_file_trains_a_word_model_with_perplexity_and_an_export(word_run):
    metrics = json.loads((word_run / "metrics.json").read_text())
    assert metrics["task"] == "language-model" and metrics["level"] == "word"
    assert metrics["dataset"] == "salads.txt" and metrics["epochs"] == 2
    # 30 test sentences of 8 words and [END].
    assert metrics["test"]["tokens"] == 30 * 9
    assert 1.0 < metrics["test"]["perplexity"] < 20.0
    assert set(metrics["samples"]) == {"0.5", "1.0"}
    assert metrics["config"]["units"] == [16] and metrics["config"]["cell"] == "lstm"
    assert (word_run / "saved_model" / "saved_model.pb").is_file()
    assert (word_run / "training_curves.png").is_file()


def test_generate_and_evaluate_a_run(word_run, text_file, capsys):
    capsys.readouterr()
    argv = ["generate", str(word_run), "--prompt", "the pear", "--length", "6"]
    assert cli.main([*argv, "--temperature", "0"]) == 0
    greedy = capsys.readouterr().out.strip()
    assert greedy.startswith("the pear ") and len(greedy.split()) <= 2 + 6
    written = word_run.parent / "greedy.txt"
    assert cli.main([*argv, "--temperature", "0", "--out", str(written)]) == 0
    assert capsys.readouterr().out.strip() == greedy
    assert written.read_text(encoding="utf-8") == greedy + "\n"  # --out: the same
    assert cli.main([*argv, "--temperature", "1.2", "--seed", "4"]) == 0
    assert capsys.readouterr().out.strip().startswith("the pear")
    assert cli.main(["evaluate", str(word_run), "--split", "validation"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == "validation" and result["tokens"] == 30 * 9
    # `predict` continues prompts too, greedily with --method greedy.
    argv = ["predict", str(word_run), "the pear", "--method", "greedy"]
    assert cli.main([*argv, "--max-length", "6"]) == 0
    assert capsys.readouterr().out.strip() == greedy


def test_character_model_from_a_file(text_file, tmp_path, capsys):
    out = tmp_path / "chars"
    argv = ["train", "lm", "--dataset", str(text_file), "--level", "char"]
    argv += ["--out", str(out), "--quick", "--cell", "gru", "--no-export"]
    assert cli.main([*argv, *SMALL]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["level"] == "char" and metrics["config"]["cell"] == "gru"
    capsys.readouterr()
    argv = [
        "generate",
        str(out),
        "--prompt",
        "the ",
        "--length",
        "20",
        "--temperature",
        "0",
    ]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out.rstrip("\n")
    assert text.startswith("the ") and len(text) == len("the ") + 20


def test_user_errors(tmp_path, capsys):
    out = str(tmp_path / "x")
    assert cli.main(["train", "lm", "--dataset", "sst2", "--out", out]) == 1
    assert "Unknown language-model data set 'sst2'" in capsys.readouterr().err
    assert cli.main(["train", "lm", "--dataset", "missing.txt", "--out", out]) == 1
    assert "--dataset missing.txt: no such file" in capsys.readouterr().err
    assert cli.main(["generate", str(tmp_path), "--prompt", "x"]) == 1
    assert "no saved pipeline" in capsys.readouterr().err


@pytest.mark.mirror
def test_ptb_quick_run(mirror, tmp_path):
    out = tmp_path / "ptb"
    argv = ["train", "lm", "--dataset", "ptb", "--quick", "--out", str(out), *SMALL]
    argv += ["--num-steps", "35"]  # fewer, longer windows: a faster evaluation
    argv += ["--no-export"]
    assert cli.main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == "ptb" and metrics["test"]["perplexity"] > 1.0
