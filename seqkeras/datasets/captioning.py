"""Images with captions: the containers, and Flickr8k.

`CaptionedImages` holds images and, for each, several reference captions:
either the pixels themselves (a `uint8` array `(images, height, width, 3)`,
as the generated shapes data set makes them) or paths to image files (PNG or
JPEG, as Flickr8k comes). `CaptioningData` holds the splits; a generated
data set adds `unseen`, a test split of combinations never seen in training.

`load_flickr8k` reads the Flickr8k archives (8,091 photographs with five
captions each, split 6,000 / 1,000 / 1,000 by the lists that come with
them). Its archives are large and cannot be downloaded here; the loader is
tested on tiny archives with the same layout served over HTTP.
"""

import dataclasses
import pathlib

import numpy as np

from seqkeras.datasets import registry
from seqkeras.datasets.splits import Examples, Splits, from_files
from seqkeras.datasets.text import read_table
from seqkeras.errors import InvalidInputError


@dataclasses.dataclass(frozen=True, eq=False)
class CaptionedImages(Examples):
    """Images, each with one or more reference captions.

    Args:
        images: a `uint8` array `(images, height, width, 3)`, or a sequence
            of paths to PNG or JPEG files.
        captions: for each image, a sequence of its captions.
    """

    images: object
    captions: tuple

    def __post_init__(self):
        images = self.images
        if isinstance(images, np.ndarray):
            if images.ndim != 4 or images.shape[-1] != 3:
                raise InvalidInputError(
                    "Expected images as an array (images, height, width, 3), got "
                    f"shape {images.shape}."
                )
        else:
            images = tuple(str(path) for path in images)
        captions = tuple(
            (c,) if isinstance(c, str) else tuple(str(x) for x in c)
            for c in self.captions
        )
        if len(images) != len(captions):
            raise InvalidInputError(
                f"Got {len(images)} images but captions for {len(captions)}; "
                "pass one list of captions per image."
            )
        for i, refs in enumerate(captions):
            if not refs or not all(r.strip() for r in refs):
                raise InvalidInputError(
                    f"Image {i} has no caption or an empty one; every image "
                    "needs at least one non-empty caption."
                )
        object.__setattr__(self, "images", images)
        object.__setattr__(self, "captions", captions)

    @property
    def from_files(self):
        """True when `images` are file paths rather than pixels."""
        return not isinstance(self.images, np.ndarray)

    @property
    def num_captions(self):
        return sum(len(refs) for refs in self.captions)

    def pairs(self):
        """`(image_index, caption)` for every caption: what training sees, so
        each image is shown once per reference caption in an epoch."""
        return [(i, c) for i, refs in enumerate(self.captions) for c in refs]


@dataclasses.dataclass(frozen=True, eq=False)
class CaptioningData(Splits):
    """A captioning data set with its splits.

    Args:
        name: the name `seqkeras.datasets.load` knows it by.
        train, validation, test: `CaptionedImages`.
        unseen: `CaptionedImages` of combinations that training never shows
            (generated data sets), or None.
        description: where the data comes from.
    """

    name: str
    train: CaptionedImages
    validation: CaptionedImages
    test: CaptionedImages
    unseen: CaptionedImages | None = None
    description: str = ""

    def subset(self, train=None, validation=None, test=None, seed=0):
        """A smaller copy; `test` also caps the `unseen` split."""
        smaller = super().subset(train, validation, test, seed)
        if self.unseen is None:
            return smaller
        return dataclasses.replace(smaller, unseen=self.unseen.subset(test, seed))

    def summary(self):
        """One line: name and split sizes (images, and captions in training)."""
        line = f"{self.name}: {self.split_sizes('images')}"
        if self.unseen is not None:
            line += f" + {len(self.unseen):,} unseen-combination test images"
        return f"{line}; {self.train.num_captions:,} training captions"


# === The user's files ===


def read_captions(
    path,
    image_folder=None,
    *,
    image_column="image",
    caption_column="caption",
    format=None,
    encoding="utf-8",
):
    """Reads a captions file: one image file name and one caption per row.

    The file is a CSV or TSV file with a header row (the layout of the
    widely shared Flickr8k `captions.txt`: `image,caption`) or JSON lines,
    or Flickr8k's own `Flickr8k.token.txt` (`image.jpg#k<TAB>caption`, no
    header). Rows of the same image are gathered, in file order.

    Args:
        path: the captions file.
        image_folder: where the images are (default: the captions file's
            folder); every image must exist there.
        image_column, caption_column: the columns to read.
        format: "csv", "tsv", "jsonl" or "flickr8k"; None: "flickr8k" for a
            file named `*.token.txt`, else from the suffix.
        encoding: the file's text encoding.

    Returns:
        `CaptionedImages` holding the images' paths.
    """
    path = pathlib.Path(path)
    folder = pathlib.Path(image_folder) if image_folder else path.parent
    if format == "flickr8k" or (format is None and path.name.endswith(".token.txt")):
        if not path.is_file():
            raise InvalidInputError(f"No such captions file: {path}")
        captions = read_flickr8k_captions(path)
    else:
        names, texts = read_table(
            path, [image_column, caption_column], format=format, encoding=encoding
        )
        captions = {}
        for name, text in zip(names, texts, strict=True):
            captions.setdefault(name.strip(), []).append(text.strip())
    missing = [name for name in captions if not (folder / name).is_file()]
    if missing:
        raise InvalidInputError(
            f"{len(missing)} image(s) named in {path} are not in {folder} (first: "
            f"{missing[0]!r}). Pass the folder that holds them (image_folder= or "
            "--images)."
        )
    paths = [str(folder / name) for name in captions]
    return CaptionedImages(paths, list(captions.values()))


def load_captioned_images(
    train,
    validation=None,
    test=None,
    *,
    image_folder=None,
    split=(0.8, 0.1),
    seed=0,
    name=None,
    **reader_options,
):
    """A captioning data set from the user's images and captions files.

    Args:
        train: the training captions file (see `read_captions`).
        validation, test: their captions files, or None to cut them from
            `train` at random, whole images (all captions of an image stay
            together).
        image_folder: where the images are (default: each captions file's
            folder).
        split: `(train, validation)` fractions of the images cut from `train`.
        seed: the seed of that cut.
        name: the data set's name (default: the training file's name).
        **reader_options: `image_column`, `caption_column`, `format`,
            `encoding`, passed to `read_captions`.

    Returns:
        A `CaptioningData`.
    """
    parts = from_files(
        lambda path: read_captions(path, image_folder, **reader_options),
        train,
        validation,
        test,
        split=split,
        seed=seed,
    )
    return CaptioningData(
        name or pathlib.Path(train).name,
        *parts,
        description=f"the images and captions of {train}",
    )


# === Flickr8k ===

FLICKR8K_SPLITS = {
    "train": "Flickr_8k.trainImages.txt",
    "validation": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
FLICKR8K_CAPTIONS = "Flickr8k.token.txt"


def _find(folder, name):
    """The file called `name` anywhere under `folder` (archives differ in
    their top folder)."""
    matches = sorted(pathlib.Path(folder).rglob(name))
    if not matches:
        raise InvalidInputError(
            f"{name} was not found in {folder}: the archive does not have "
            "Flickr8k's layout. Delete it from the cache and download it again."
        )
    return matches[0]


def read_flickr8k_captions(path):
    """Reads `Flickr8k.token.txt`: `image.jpg#k<TAB>caption` per line.

    Returns:
        A dict from image file name to its list of captions, in file order.
    """
    captions = {}
    lines = pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        key, tab, caption = line.partition("\t")
        if not tab or "#" not in key or not caption.strip():
            raise InvalidInputError(
                f"{path}, line {number}: expected 'image.jpg#k<TAB>caption', got "
                f"{line[:80]!r}."
            )
        captions.setdefault(key.split("#")[0], []).append(caption.strip())
    return captions


def load_flickr8k(*, cache_dir=None):
    """Flickr8k: photographs with five captions each, in the standard split.

    Downloads (or reads from the cache or `SEQKERAS_DATA_MIRROR`) the image
    archive and the text archive, and pairs each image listed in a split's
    file with its captions from `Flickr8k.token.txt`.

    Returns:
        `CaptioningData` whose `CaptionedImages` hold JPEG file paths.
    """
    image_folder = registry.fetch("flickr8k-images", cache_dir=cache_dir)
    text_folder = registry.fetch("flickr8k-text", cache_dir=cache_dir)
    captions = read_flickr8k_captions(_find(text_folder, FLICKR8K_CAPTIONS))
    images = {path.name: path for path in pathlib.Path(image_folder).rglob("*.jpg")}
    splits = {}
    for split, list_name in FLICKR8K_SPLITS.items():
        list_path = _find(text_folder, list_name)
        names = [n.strip() for n in list_path.read_text().splitlines() if n.strip()]
        missing = [n for n in names if n not in images or n not in captions]
        if missing:
            raise InvalidInputError(
                f"{len(missing)} image(s) of {list_name} have no file or no "
                f"caption (first: {missing[0]}); the archives are incomplete. "
                "Delete them from the cache and download them again."
            )
        splits[split] = CaptionedImages(
            [str(images[n]) for n in names], [captions[n] for n in names]
        )
    return CaptioningData(
        "flickr8k",
        **splits,
        description="Flickr8k (Hodosh et al., 2013): photographs of people and "
        "animals with five captions each",
    )
