"""`seqkeras train caption`, and evaluate / predict on a captioning run."""

import json
import subprocess
import sys

import pytest
import tensorflow as tf

from seqkeras import cli, datasets
from seqkeras.pipelines import load_pipeline
from tests.helpers import SERVING_SCRIPT


@pytest.fixture(scope="module")
def shapes_run(quick_run):
    return quick_run("captioning")  # shapes, attention, 32 x 32, beam width 2


@pytest.fixture(scope="module")
def image_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    images = datasets.load("shapes", num_train=3, num_validation=0, num_test=0)
    paths = []
    for i, image in enumerate(images.train.images):
        path = folder / f"scene_{i}.png"
        path.write_bytes(tf.io.encode_png(image).numpy())
        paths.append(str(path))
    return paths


def test_shapes_run_writes_bleu_exact_match_unseen_and_plots(shapes_run):
    for name in ("test_captions.png", "attention.png"):
        assert (shapes_run / name).is_file(), name
    metrics = json.loads((shapes_run / "metrics.json").read_text())
    assert metrics["task"] == "captioning" and metrics["architecture"] == "attention"
    for split in ("test", "test_beam", "unseen"):
        assert 0.0 <= metrics[split]["bleu4"] <= 100.0
        assert 0.0 <= metrics[split]["exact_match"] <= 1.0
        assert metrics[split]["num_images"] == cli.QUICK_SIZES["test"]
        assert set(metrics[split]["attributes"]) >= {"colour", "shape", "relation"}
    assert metrics["test_beam"]["method"] == "beam"
    assert metrics["config"]["image_size"] == [32, 32]
    # --encoder-filters 8 16: two convolution blocks of 8 and 16 channels
    assert metrics["config"]["encoder_filters"] == [8, 16]
    encoder = load_pipeline(shapes_run).model.image_encoder
    assert encoder.output_shape == (None, 8, 8, 16)


def test_predict_and_serve_a_captioning_run(shapes_run, image_files, capsys):
    capsys.readouterr()
    assert cli.main(["predict", str(shapes_run), *image_files]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.partition(":")[0] for line in lines] == image_files
    argv = ["predict", "--json", "--beam-width", "2", str(shapes_run), image_files[0]]
    assert cli.main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["input"] == image_files[0] and isinstance(result["caption"], str)
    served = subprocess.run(
        [sys.executable, "-P", str(SERVING_SCRIPT), str(shapes_run / "saved_model")]
        + image_files,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert served.returncode == 0, served.stderr[-2000:]
    assert served.stdout.strip().splitlines() == lines


def test_predict_refuses_text_for_a_captioner(shapes_run, capsys):
    assert cli.main(["predict", str(shapes_run), "a red circle"]) == cli.EXIT_ERROR
    assert "reads image files" in capsys.readouterr().err


def test_unknown_captioning_data_set_is_refused(tmp_path, capsys):
    argv = ["train", "caption", "--dataset", "dates", "--out", str(tmp_path / "x")]
    assert cli.main(argv) == cli.EXIT_ERROR
    assert "Unknown captioning data set 'dates'" in capsys.readouterr().err
