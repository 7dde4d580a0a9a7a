"""`seqkeras train tag`, and evaluate / predict on a tagging run."""

import json

import pytest

from seqkeras import cli

SMALL = ["--units", "8", "--embedding-dim", "8", "--batch-size", "64", "--quick"]


@pytest.fixture(scope="module")
def ner_run(mirror, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "ner"
    argv = ["train", "tag", "--dataset", "conll2003-ner", "--model", "bilstm-char-crf"]
    assert cli.main([*argv, "--out", str(out), *SMALL]) == 0
    return out


def test_ner_run_writes_f1_and_the_usual_files(ner_run):
    for name in (
        "model.keras", "pipeline.json", "preprocessing.json", "history.json",
        "training_curves.png", "entity_f1.png",
    ):  # fmt: skip
        assert (ner_run / name).is_file(), name
    assert (ner_run / "saved_model" / "saved_model.pb").is_file()
    metrics = json.loads((ner_run / "metrics.json").read_text())
    assert metrics["task"] == "tagging"
    assert metrics["architecture"] == "bilstm-char-crf"
    test = metrics["test"]
    assert 0.0 <= test["f1"] <= 1.0 and test["num_sentences"] == cli.QUICK_SIZES["test"]
    assert set(test["per_type"]) <= {"PER", "LOC", "ORG", "MISC"}
    assert metrics["config"]["scheme"] == "iob2"


def test_evaluate_and_predict_a_tagging_run(ner_run, capsys):
    capsys.readouterr()
    assert cli.main(["evaluate", str(ner_run), "--split", "validation"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == "validation" and result["num_sentences"] == 3250
    assert cli.main(["predict", str(ner_run), "Peter lives in Berlin ."]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("Peter/") and line.split()[3].startswith("Berlin/")
    assert cli.main(["predict", "--json", str(ner_run), "Peter lives"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["tokens"] == ["Peter", "lives"] and "entities" in result


def test_pos_run_reports_accuracy(mirror, tmp_path, capsys):
    out = tmp_path / "pos"
    argv = ["train", "tag", "--dataset", "conll2003-pos", "--model", "bilstm"]
    assert cli.main([*argv, "--out", str(out), *SMALL, "--no-export"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert "f1" not in metrics["test"] and metrics["test"]["accuracy"] > 0.1  # 45 tags
    assert not (out / "entity_f1.png").exists()
    assert "test accuracy" in capsys.readouterr().out


def test_unknown_tagging_data_set_is_refused(tmp_path, capsys):
    argv = ["train", "tag", "--dataset", "sst2", "--out", str(tmp_path / "x")]
    assert cli.main(argv) == cli.EXIT_ERROR
    assert "Unknown tagging data set 'sst2'" in capsys.readouterr().err


def test_entity_tags_without_a_scheme_get_a_note(tmp_path, capsys):
    import argparse

    path = tmp_path / "ner.conll"
    path.write_text("Peter B-PER\nsleeps O\n\nParis B-LOC\n")
    args = argparse.Namespace(format=None, token_column=None, tag_column=None)
    files = dict(train=path, validation=path, test=path, split=(0.8, 0.1), seed=0)
    command = cli.command_for("tagging")
    data = command.load_files(argparse.Namespace(**vars(args), scheme=None), **files)
    assert data.scheme is None and "pass --scheme iob2" in capsys.readouterr().out
    command.load_files(argparse.Namespace(**vars(args), scheme="iob2"), **files)
    assert "note" not in capsys.readouterr().out
