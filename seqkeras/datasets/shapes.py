"""Generated captioning: simple scenes of coloured shapes, with their captions.

The embedded default for captioning: no download, no pretrained network,
any number of images, and every caption can be checked word by word. Each
64 x 64 image holds one shape, or two shapes side by side or one above the
other, drawn with NumPy on a noisy dark background:

    "a small red circle"                      (one object)
    "a large blue square above a small yellow triangle"
    "a small yellow triangle below a large blue square"   (the same scene)
    "a small green circle to the left of a large purple triangle"

An object is a size (small, large), a colour (red, green, blue, yellow,
purple) and a shape (circle, square, triangle), all drawn uniformly, so the
caption cannot be guessed without looking: the prior alone gets one object
right one time in thirty. Each image has two reference captions: a single
object is "a X" or "one X"; two objects are described from either one
("A above B" and "B below A").

Three colour-shape pairs (`HELD_OUT`: a red square, a green triangle, a
blue circle) never appear in the training, validation or test images. The
`unseen` split holds only scenes with at least one of them: each word is
familiar, the combination is new, so it measures whether a model has learnt
colour and shape separately.

Everything is deterministic for a seed. `parse_caption` reads a caption
back into its objects and relation; `seqkeras.metrics.attribute_accuracy`
scores generated captions attribute by attribute with it.

Example:

>>> data = load_shapes(num_train=20, num_validation=5, num_test=5, seed=0)
>>> data.train.images.shape, data.train.images.dtype
((20, 64, 64, 3), dtype('uint8'))
>>> parsed = parse_caption("a small red circle above a large blue square")
>>> parsed["objects"], parsed["relation"]
([('small', 'red', 'circle'), ('large', 'blue', 'square')], 'above')
"""

import dataclasses

import numpy as np

from seqkeras._validation import non_negative_int, positive_int
from seqkeras.datasets.captioning import CaptionedImages, CaptioningData
from seqkeras.errors import InvalidArgumentError

IMAGE_SIZE = 64
COLOURS = {
    "red": (225, 45, 45),
    "green": (45, 185, 65),
    "blue": (55, 95, 235),
    "yellow": (230, 215, 45),
    "purple": (160, 70, 210),
}
SHAPES = ("circle", "square", "triangle")
# Half the side of the shape's bounding box, in pixels (drawn uniformly).
SIZES = {"small": (5, 7), "large": (11, 13)}
# Relation -> (its words, the words of its converse).
RELATIONS = {
    "above": ("above", "below"),
    "left of": ("to the left of", "to the right of"),
}
RELATION_WORDS = {
    "above": "above",
    "below": "below",
    "to the left of": "left of",
    "to the right of": "right of",
}
HELD_OUT = (("red", "square"), ("green", "triangle"), ("blue", "circle"))


@dataclasses.dataclass(frozen=True)
class Shape:
    """One object of a scene: its words and where it is drawn."""

    size: str
    colour: str
    shape: str
    x: float  # centre, pixels from the left
    y: float  # centre, pixels from the top
    radius: float

    @property
    def words(self):
        return f"{self.size} {self.colour} {self.shape}"


def captions_of(objects, relation=None):
    """The reference captions of a scene.

    Args:
        objects: one `Shape`, or two for a relation (the first above, or to
            the left of, the second).
        relation: None for one object, "above" or "left of" for two.
    """
    if len(objects) == 1:
        return (f"a {objects[0].words}", f"one {objects[0].words}")
    first, second = objects
    forward, backward = RELATIONS[relation]
    return (
        f"a {first.words} {forward} a {second.words}",
        f"a {second.words} {backward} a {first.words}",
    )


def _draw(image, obj, colour, rows, cols):
    """Paints `obj` into `image` (height, width, 3) in place."""
    dx, dy, r = cols - obj.x, rows - obj.y, obj.radius
    if obj.shape == "circle":
        inside = dx**2 + dy**2 <= r**2
    elif obj.shape == "square":
        inside = (np.abs(dx) <= r * 0.85) & (np.abs(dy) <= r * 0.85)
    else:  # an upright triangle: apex at the top, base at the bottom
        inside = (dy <= r * 0.8) & (2 * np.abs(dx) <= (dy + r) * 1.1)
    image[inside] = colour


def render(objects, *, rng, noise=8.0, size=IMAGE_SIZE):
    """Draws `objects` on a noisy dark background: `uint8 (size, size, 3)`."""
    rows, cols = np.mgrid[0:size, 0:size].astype("float32") + 0.5
    image = rng.normal(30.0, noise, (size, size, 3))
    for obj in objects:
        colour = np.asarray(COLOURS[obj.colour], "float32") + rng.uniform(-15, 15, 3)
        _draw(image, obj, colour, rows, cols)
    return np.clip(image, 0, 255).astype("uint8")


def _random_object(rng, centre_range_x, centre_range_y, pair):
    size = rng.choice(list(SIZES))
    radius = rng.uniform(*SIZES[size])
    colour, shape = pair
    x = rng.uniform(centre_range_x[0] + radius, centre_range_x[1] - radius)
    y = rng.uniform(centre_range_y[0] + radius, centre_range_y[1] - radius)
    return Shape(str(size), colour, shape, float(x), float(y), float(radius))


def _scene(rng, pairs, two_objects, size=IMAGE_SIZE):
    """`(objects, relation)` with colour-shape pairs drawn from `pairs`."""
    chosen = [pairs[i] for i in rng.integers(len(pairs), size=2)]
    if not two_objects:
        return [_random_object(rng, (1, size - 1), (1, size - 1), chosen[0])], None
    relation = "above" if rng.random() < 0.5 else "left of"
    half = size / 2
    # Each object keeps to its own half along the relation's axis and stays
    # near the middle across it, so that the relation is never in doubt.
    across = (half - 18, half + 18)
    near, far = (1, half - 1), (half + 1, size - 1)
    if relation == "above":
        objects = [
            _random_object(rng, across, near, chosen[0]),
            _random_object(rng, across, far, chosen[1]),
        ]
    else:
        objects = [
            _random_object(rng, near, across, chosen[0]),
            _random_object(rng, far, across, chosen[1]),
        ]
    return objects, relation


def _make_split(n, rng, *, unseen, two_object_rate):
    all_pairs = [(c, s) for c in COLOURS for s in SHAPES]
    seen = [p for p in all_pairs if p not in HELD_OUT]
    images, captions = [], []
    while len(images) < n:
        two = rng.random() < two_object_rate
        objects, relation = _scene(rng, all_pairs if unseen else seen, two)
        has_unseen = any((o.colour, o.shape) in HELD_OUT for o in objects)
        if unseen and not has_unseen:
            continue
        images.append(render(objects, rng=rng))
        captions.append(captions_of(objects, relation))
    images = np.stack(images) if images else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 3))
    return CaptionedImages(images.astype("uint8"), captions)


def load_shapes(
    *,
    num_train=6000,
    num_validation=500,
    num_test=500,
    num_unseen=None,
    two_object_rate=0.6,
    seed=0,
):
    """Generates the shapes captioning data set.

    Args:
        num_train, num_validation, num_test: images per split, all made of
            colour-shape pairs seen in training.
        num_unseen: images in the `unseen` split, each with at least one of
            the `HELD_OUT` pairs (default: as many as `num_test`).
        two_object_rate: the fraction of scenes with two objects.
        seed: the same seed gives the same images and captions.

    Returns:
        `CaptioningData` with `train`, `validation`, `test` and `unseen`.
    """
    sizes = {
        "train": positive_int("num_train", num_train),
        "validation": non_negative_int("num_validation", num_validation),
        "test": non_negative_int("num_test", num_test),
        "unseen": non_negative_int(
            "num_unseen", num_test if num_unseen is None else num_unseen
        ),
    }
    if not 0.0 <= two_object_rate <= 1.0:
        raise InvalidArgumentError(
            "Received an invalid value for argument `two_object_rate`, expected "
            f"a fraction in [0, 1], got {two_object_rate}"
        )
    # One generator per split, so that a split does not change when another
    # one's size does.
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    splits = {
        name: _make_split(
            n,
            np.random.default_rng(stream),
            unseen=name == "unseen",
            two_object_rate=two_object_rate,
        )
        for (name, n), stream in zip(sizes.items(), streams, strict=True)
    }
    return CaptioningData(
        "shapes",
        **splits,
        description="generated scenes of coloured shapes with their spatial "
        "relations; held-out colour-shape pairs in `unseen`",
    )


# === Reading captions back ===


def parse_caption(text):
    """Reads a caption of this grammar back into its parts.

    Returns:
        `{"objects": [(size, colour, shape), ...], "relation": r}` where `r`
        is None, "above", "below", "left of" or "right of"; or None when the
        text is not a caption of this grammar.
    """
    words = text.lower().split()
    objects, relation = [], None
    i = 0
    while i < len(words):
        if words[i] not in ("a", "one") or i + 3 >= len(words):
            return None
        size, colour, shape = words[i + 1 : i + 4]
        if size not in SIZES or colour not in COLOURS or shape not in SHAPES:
            return None
        objects.append((size, colour, shape))
        i += 4
        if i == len(words):
            break
        if relation is not None or len(objects) > 1:
            return None
        for phrase, name in RELATION_WORDS.items():
            n = len(phrase.split())
            if words[i : i + n] == phrase.split():
                relation, i = name, i + n
                break
        else:
            return None
    if not objects or (len(objects) == 2) != (relation is not None):
        return None
    return {"objects": objects, "relation": relation}
