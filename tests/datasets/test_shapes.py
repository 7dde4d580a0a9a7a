import numpy as np
import pytest

from seqkeras import metrics
from seqkeras.datasets import shapes
from seqkeras.datasets.shapes import (
    HELD_OUT,
    Shape,
    captions_of,
    load_shapes,
    parse_caption,
    render,
)
from seqkeras.errors import InvalidArgumentError


@pytest.fixture(scope="module")
def data():
    return load_shapes(num_train=300, num_validation=50, num_test=50, seed=3)


def pairs_in(split):
    return {o[1:] for refs in split.captions for o in parse_caption(refs[0])["objects"]}


def test_same_seed_same_data_and_splits_independent_of_other_sizes(data):
    again = load_shapes(num_train=300, num_validation=50, num_test=50, seed=3)
    np.testing.assert_array_equal(data.train.images, again.train.images)
    assert data.unseen.captions == again.unseen.captions
    bigger_test = load_shapes(num_train=300, num_validation=50, num_test=80, seed=3)
    np.testing.assert_array_equal(data.train.images, bigger_test.train.images)
    other = load_shapes(num_train=300, num_validation=50, num_test=50, seed=4)
    assert not np.array_equal(data.train.images, other.train.images)


def test_held_out_pairs_only_in_unseen(data):
    for split in (data.train, data.validation, data.test):
        assert not pairs_in(split) & set(HELD_OUT)
    for refs in data.unseen.captions:
        objects = parse_caption(refs[0])["objects"]
        assert any(o[1:] in HELD_OUT for o in objects), refs
    # Every other colour-shape pair does occur in training.
    assert len(pairs_in(data.train)) == 15 - len(HELD_OUT)


def test_every_caption_parses_and_both_references_describe_one_scene(data):
    for refs in data.train.captions:
        assert len(refs) == 2
        first, second = (parse_caption(r) for r in refs)
        assert metrics._readings(first) == metrics._readings(second)[::-1]


def test_attributes_are_balanced_so_the_prior_cannot_caption(data):
    words = [w for refs in data.train.captions for w in refs[0].split()]
    for group in (shapes.COLOURS, shapes.SHAPES, shapes.SIZES):
        counts = np.array([words.count(w) for w in group])
        assert counts.min() > 0.5 * counts.mean(), (group, counts)
    two = sum(parse_caption(r[0])["relation"] is not None for r in data.train.captions)
    assert 0.5 < two / len(data.train) < 0.7


def test_rendered_pixels_follow_the_caption():
    rng = np.random.default_rng(0)
    top = Shape("large", "red", "square", x=32, y=16, radius=12)
    bottom = Shape("small", "blue", "circle", x=32, y=48, radius=6)
    image = render([top, bottom], rng=rng, noise=0)
    image = image.astype(int)
    assert tuple(image[16, 32]) == pytest.approx((225, 45, 45), abs=16)
    assert tuple(image[48, 32]) == pytest.approx((55, 95, 235), abs=16)
    assert image[2, 2].max() <= 31  # background
    # A small circle covers far fewer pixels than a large square.
    blue = (image[..., 2] > 150) & (image[..., 0] < 120)
    red = (image[..., 0] > 150) & (image[..., 2] < 120)
    assert 60 < blue.sum() < 140 < 300 < red.sum()
    assert captions_of([top, bottom], "above") == (
        "a large red square above a small blue circle",
        "a small blue circle below a large red square",
    )


def test_triangle_points_up():
    obj = Shape("large", "green", "triangle", x=32, y=32, radius=12)
    image = render([obj], rng=np.random.default_rng(0), noise=0)
    green = image[..., 1] > 150
    rows = green.sum(axis=1)
    top, bottom = np.nonzero(rows)[0][[0, -1]]
    assert rows[top] < rows[bottom]


@pytest.mark.parametrize(
    "text",
    [
        "a small red",
        "a small red circle above",
        "a huge red circle",
        "a small red circle beside a large blue square",
        "a small red circle a large blue square",
        "",
    ],
)
def test_parse_refuses_other_text(text):
    assert parse_caption(text) is None


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="num_train"):
        load_shapes(num_train=0)
    with pytest.raises(InvalidArgumentError, match="two_object_rate"):
        load_shapes(num_train=5, two_object_rate=1.5)
