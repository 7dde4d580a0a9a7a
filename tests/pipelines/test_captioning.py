import numpy as np
import pytest
import tensorflow as tf

from seqkeras.datasets import CaptionedImages, load
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines import CaptioningPipeline, load_pipeline
from tests.helpers import serve_many_in_fresh_process

SMALL = {"units": 24, "embedding_dim": 12, "encoder_filters": (8, 16)}


@pytest.fixture(scope="module")
def data():
    # 32 x 32 images: two blocks of the small CNN leave an 8 x 8 grid.
    return load("shapes", num_train=200, num_validation=20, num_test=12, seed=1)


@pytest.fixture(scope="module")
def trained(data):
    pipeline = CaptioningPipeline(
        architecture="attention", image_size=(32, 32), **SMALL
    )
    pipeline.fit(data.train, data.validation, epochs=2, batch_size=32, verbose=0)
    return pipeline


def png(image):
    return tf.io.encode_png(image).numpy()


def test_pixels_files_and_bytes_give_the_same_captions(trained, data, tmp_path):
    images = data.test.images[:4]
    from_pixels = trained.caption(images)
    assert len(from_pixels) == 4 and all(isinstance(c, str) for c in from_pixels)
    encoded = [png(image) for image in images]
    assert trained.caption(encoded) == from_pixels
    paths = []
    for i, data_bytes in enumerate(encoded):
        path = tmp_path / f"image_{i}.png"
        path.write_bytes(data_bytes)
        paths.append(str(path))
    assert trained.caption(paths) == from_pixels
    # One image alone (its caption), and float pixels, are accepted too.
    assert trained.caption(images[0]) == from_pixels[0]
    assert trained.caption(paths[0]) == trained.caption(encoded[0]) == from_pixels[0]
    assert trained.caption(images.astype("float32")) == from_pixels


def test_images_of_another_size_are_resized(trained, data):
    big = np.repeat(np.repeat(data.test.images[:2], 2, axis=1), 2, axis=2)
    assert big.shape[1:] == (128, 128, 3)
    assert len(trained.caption(big)) == 2


def test_attention_maps_cover_the_grid(trained, data):
    [result] = trained.caption_with_attention(data.test.images[:1])
    assert result["tokens"][-1] == "[END]" or len(result["tokens"]) == 24
    assert result["text"] == " ".join(t for t in result["tokens"] if t != "[END]")
    assert result["score"] < 0
    assert result["attention"].shape == (len(result["tokens"]), 8, 8)
    np.testing.assert_allclose(result["attention"].sum(axis=(1, 2)), 1.0, atol=1e-5)


def test_decoding_methods(trained, data):
    images = data.test.images[:3]
    beam = trained.caption(images, method="beam", beam_width=3)
    assert len(beam) == 3
    first = trained.caption(images, method="sample", temperature=1.0, seed=3)
    assert trained.caption(images, method="sample", temperature=1.0, seed=3) == first
    # Temperature 0 is greedy.
    greedy = trained.caption(images)
    assert trained.caption(images, method="sample", temperature=0.0) == greedy
    with pytest.raises(InvalidArgumentError, match="beam_width"):
        trained.caption(images, method="greedy", beam_width=2)


def test_evaluate_reports_bleu_exact_match_and_attributes(trained, data):
    scores = trained.evaluate(data.test)
    assert set(scores) >= {"bleu1", "bleu2", "bleu3", "bleu4", "exact_match"}
    assert 0 <= scores["bleu4"] <= scores["bleu1"] <= 100
    assert scores["num_images"] == 12 and scores["method"] == "greedy"
    assert set(scores["attributes"]) == {
        "size",
        "colour",
        "shape",
        "relation",
        "objects",
        "parsed",
    }


def test_save_load_and_export_in_a_fresh_process(trained, data, tmp_path):
    images = data.test.images[:3]
    expected = trained.caption(images)
    trained.save(tmp_path / "run")
    loaded = load_pipeline(tmp_path / "run")
    assert isinstance(loaded, CaptioningPipeline)
    assert loaded.caption(images) == expected
    trained.export(tmp_path / "saved")
    paths = []
    for i, image in enumerate(images):
        path = tmp_path / f"{i}.png"
        path.write_bytes(png(image))
        paths.append(str(path))
    job = {"model": str(tmp_path / "saved"), "inputs": paths, "arguments": {}}
    (outputs, beam), modules = serve_many_in_fresh_process(
        [{**job, "signature": "caption"}, {**job, "signature": "caption_beam"}],
        tmp_path,
    )
    assert "seqkeras" not in modules and "tensorflow_text" in modules
    assert [c.decode() for c in outputs["caption"]] == expected
    assert outputs["attention"].shape[:1] == (3,)
    assert [c.decode() for c in beam["caption"]] == trained.caption(
        images, method="beam"
    )


def test_a_model_that_learns_single_objects(tmp_path):
    # One object per image: colour and shape alone decide the caption.
    data = load(
        "shapes", num_train=600, num_validation=40, num_test=40, two_object_rate=0.0
    )
    # The merge model: it learns colour on every seed tried (0.90 to 1.00 on
    # seeds 0-3), where plain init-inject's colour ranged from 0.28 to 0.83
    # with the seed and the CPU's kernels (its saturated initial state, fixed
    # by the "inject" preset's layer norm: BENCHMARKS.md).
    pipeline = CaptioningPipeline(
        architecture="merge", image_size=(32, 32), learning_rate=4e-3, **SMALL
    )
    pipeline.fit(data.train, data.validation, epochs=8, batch_size=16, verbose=0)
    scores = pipeline.evaluate(data.test)
    # Without the image, colour is right one time in five and size one in
    # two. (At 32 x 32 a small triangle is a few pixels: shape comes later.)
    attributes = scores["attributes"]
    assert attributes["colour"] > 0.6 and attributes["size"] > 0.8, attributes


def test_bad_inputs_name_the_problem(trained, data):
    with pytest.raises(InvalidInputError, match="not trained"):
        CaptioningPipeline().caption(data.test.images[:1])
    with pytest.raises(InvalidInputError, match="CaptionedImages"):
        trained.evaluate(("images", "captions"))
    with pytest.raises(InvalidInputError, match=r"\(images, height, width, 3\)"):
        trained.caption(np.zeros((2, 32, 32)))
    nan = data.test.images[:1].astype("float32")
    nan[0, 0, 0, 0] = np.nan
    with pytest.raises(InvalidInputError, match="NaN"):
        trained.caption(nan)
    with pytest.raises(InvalidInputError, match="could not be decoded"):
        trained.caption([b"not an image"])
    with pytest.raises(InvalidInputError, match="file paths"):
        trained.caption([1, 2])
    empty = CaptionedImages(np.zeros((0, 32, 32, 3), "uint8"), [])
    with pytest.raises(InvalidInputError, match="empty"):
        trained.evaluate(empty)
    with pytest.raises(InvalidArgumentError, match="`architecture`"):
        CaptioningPipeline(architecture="show-and-tell")
    with pytest.raises(InvalidArgumentError, match="Unknown model argument"):
        CaptioningPipeline(unit=3)
