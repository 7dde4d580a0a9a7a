"""Registry of downloadable data files, and the one function that fetches them.

Each `RemoteFile` names the real public origin of a file, its SHA-256 and how
to unpack it. `fetch` downloads and caches through `keras.utils.get_file`,
checks the checksum, and unpacks archives once.

The environment variable `SEQKERAS_DATA_MIRROR` replaces every origin: it may
be a directory or an `http://`, `https://` or `file://` URL holding the files
under their registry file names beside a `SHA256SUMS` file. Files from a
mirror are checked against the mirror's `SHA256SUMS` (a mirror may hold a
repackaged archive whose bytes differ from the origin's).
"""

import dataclasses
import functools
import hashlib
import os
import pathlib
import shutil
import tarfile
import urllib.error
import urllib.parse
import urllib.request

from seqkeras.errors import (
    ChecksumError,
    DatasetUnavailableError,
    UnknownDatasetError,
)

MIRROR_VARIABLE = "SEQKERAS_DATA_MIRROR"
CACHE_SUBDIR = "seqkeras"
_EXTRACTED_MARKER = ".seqkeras-extracted-sha256"


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """A data file with a public origin.

    Args:
        name: registry key, e.g. `"sst"`.
        origin: the real public download URL.
        filename: the file's name in the cache and on a mirror.
        sha256: SHA-256 of the bytes at `origin`, or None where no published
            checksum is known (then only a mirror's checksum can vouch for it).
        extract: `None` for a plain file, `"zip"` or `"tar"` for archives.
        description: one line for `seqkeras datasets list`.
        licence: the licence or terms of use.
    """

    name: str
    origin: str
    filename: str
    sha256: str | None
    extract: str | None = None
    description: str = ""
    licence: str = ""


REMOTE_FILES = {
    spec.name: spec
    for spec in [
        RemoteFile(
            name="sst",
            origin="https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip",
            filename="trainDevTestTrees_PTB.zip",
            # Checksum of the Stanford archive (789,539 bytes) as pinned by
            # public projects; it could not be re-downloaded here.
            sha256="5c613a4f673fc74097d523a2c83f38e0cc462984d847b82c7aaf36b01cbbbfcc",
            extract="zip",
            description="Stanford Sentiment Treebank, labelled parse trees "
            "(8,544 / 1,101 / 2,210 sentences)",
            licence="research use (Socher et al., 2013)",
        ),
        RemoteFile(
            name="ptb",
            origin="http://d2l-data.s3-accelerate.amazonaws.com/ptb.zip",
            filename="ptb.zip",
            sha256="310d8f602882a5716613815ed75596e5764ea84ed04c5630eebaaf2b943ec5aa",
            extract="zip",
            description="Penn Treebank language-modelling split (Mikolov), "
            "10k vocabulary",
            licence="LDC-derived; research use",
        ),
        RemoteFile(
            name="conll2003",
            # The archive the Hugging Face and TFDS `conll2003` loaders download.
            origin="https://data.deepai.org/conll2003.zip",
            filename="conll2003.zip",
            # No published checksum; a mirror's SHA256SUMS vouches for it.
            sha256=None,
            extract="zip",
            description="CoNLL-2003 English named entities and POS tags "
            "(14,041 / 3,250 / 3,453 sentences)",
            licence="Reuters RCV1 text; research use",
        ),
        RemoteFile(
            name="spa-eng",
            origin="http://storage.googleapis.com/download.tensorflow.org/data/"
            "spa-eng.zip",
            filename="spa-eng.zip",
            # No published checksum; a mirror's SHA256SUMS vouches for it.
            sha256=None,
            extract="zip",
            description="Tatoeba English-Spanish sentence pairs (118,964)",
            licence="CC BY 2.0 (Tatoeba)",
        ),
        RemoteFile(
            name="tinyshakespeare",
            origin="https://raw.githubusercontent.com/karpathy/char-rnn/master/"
            "data/tinyshakespeare/input.txt",
            filename="tinyshakespeare.txt",
            sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            description="Tiny Shakespeare, 1,115,394 characters",
            licence="public-domain text",
        ),
        RemoteFile(
            name="fsdd",
            # The GitHub archive of the dataset's latest release (v1.0.10).
            origin="https://github.com/Jakobovski/free-spoken-digit-dataset/"
            "archive/refs/tags/v1.0.10.tar.gz",
            filename="free-spoken-digit-dataset.tar.gz",
            # No published checksum; a mirror's SHA256SUMS vouches for it.
            sha256=None,
            extract="tar",
            description="Free Spoken Digit Dataset: 3,000 WAV recordings of the "
            "digits 0-9, six speakers, 8 kHz",
            licence="CC BY-SA 4.0 (Jackson et al.)",
        ),
        RemoteFile(
            name="flickr8k-images",
            # The copy the Keras image-captioning example downloads.
            origin="https://github.com/jbrownlee/Datasets/releases/download/"
            "Flickr8k/Flickr8k_Dataset.zip",
            filename="Flickr8k_Dataset.zip",
            # No published checksum; a mirror's SHA256SUMS vouches for it.
            sha256=None,
            extract="zip",
            description="Flickr8k photographs (8,091 JPEG files, about 1 GB)",
            licence="Flickr terms of use; research use (Hodosh et al., 2013)",
        ),
        RemoteFile(
            name="flickr8k-text",
            origin="https://github.com/jbrownlee/Datasets/releases/download/"
            "Flickr8k/Flickr8k_text.zip",
            filename="Flickr8k_text.zip",
            sha256=None,
            extract="zip",
            description="Flickr8k captions (five per image) and split lists",
            licence="research use (Hodosh et al., 2013)",
        ),
    ]
}


def get_remote_file(name):
    """Returns the `RemoteFile` registered as `name`."""
    try:
        return REMOTE_FILES[name]
    except KeyError:
        known = ", ".join(sorted(REMOTE_FILES))
        raise UnknownDatasetError(
            f"Unknown data file {name!r}. Registered files: {known}."
        ) from None


def sha256_of(path):
    """Returns the hex SHA-256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_cache_dir():
    """The folder `fetch` caches into: `$KERAS_HOME/seqkeras` (or ~/.keras)."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    return pathlib.Path(keras_home) / CACHE_SUBDIR


def mirror_location(mirror=None):
    """Returns the mirror's base URL (no trailing slash), or None if unset.

    Args:
        mirror: a directory or URL; defaults to `$SEQKERAS_DATA_MIRROR`.
    """
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_VARIABLE, "")
    mirror = str(mirror).strip()
    if not mirror:
        return None
    if urllib.parse.urlsplit(mirror).scheme in ("http", "https", "file"):
        return mirror.rstrip("/")
    path = pathlib.Path(mirror).expanduser()
    if not path.is_dir():
        raise DatasetUnavailableError(
            f"{MIRROR_VARIABLE} is set to {mirror!r}, which is not a directory "
            "or an http(s):// or file:// URL. Point it at the folder that holds "
            "the data files and their SHA256SUMS, or unset it."
        )
    return path.resolve().as_uri()


@functools.lru_cache(maxsize=8)
def _mirror_checksums(base_url):
    url = f"{base_url}/SHA256SUMS"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            text = response.read().decode("utf-8")
    except (OSError, urllib.error.URLError) as e:
        raise DatasetUnavailableError(
            f"Cannot read the mirror's checksum list {url} ({e}). "
            f"Check {MIRROR_VARIABLE}: the mirror must hold a SHA256SUMS file."
        ) from None
    checksums = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            checksums[parts[1].lstrip("*")] = parts[0].lower()
    return checksums


def resolve_source(spec, mirror=None):
    """Returns `(url, sha256)`: where `spec` will be fetched from, and its hash.

    The mirror, when set, replaces the origin and its checksum list replaces
    the registry's checksum.
    """
    base = mirror_location(mirror)
    if base is None:
        return spec.origin, spec.sha256
    checksums = _mirror_checksums(base)
    if spec.filename not in checksums:
        raise ChecksumError(
            f"The mirror {base} lists no checksum for {spec.filename} in its "
            f"SHA256SUMS, so the file cannot be verified. Add it to the mirror "
            f"or unset {MIRROR_VARIABLE} to download from {spec.origin}."
        )
    return f"{base}/{spec.filename}", checksums[spec.filename]


def fetch(spec, *, cache_dir=None, mirror=None):
    """Downloads (or finds in the cache) a registered file, verified by SHA-256.

    Args:
        spec: a registry name (see `REMOTE_FILES`) or a `RemoteFile`.
        cache_dir: folder to cache into; defaults to `default_cache_dir()`.
        mirror: a directory or URL replacing the origin; defaults to
            `$SEQKERAS_DATA_MIRROR`.

    Returns:
        A `pathlib.Path`: the file, or for archives the folder they were
        unpacked into.

    Raises:
        DatasetUnavailableError: offline with no cache and no mirror.
        ChecksumError: the bytes do not match the expected SHA-256; the bad
            file is deleted, never used.
    """
    # Imported here so that listing data sets does not start TensorFlow.
    import keras

    if isinstance(spec, str):
        spec = get_remote_file(spec)
    url, expected = resolve_source(spec, mirror)
    cache_dir = pathlib.Path(cache_dir) if cache_dir else default_cache_dir()
    target = cache_dir / spec.filename
    # get_file falls back to /tmp/.keras when its folder does not exist yet,
    # which would cache the file away from `cached_path`.
    cache_dir.mkdir(parents=True, exist_ok=True)
    try:
        # keras' cache_dir is the parent of cache_subdir.
        path = keras.utils.get_file(
            fname=spec.filename,
            origin=url,
            file_hash=expected,
            hash_algorithm="sha256",
            cache_dir=str(cache_dir.parent),
            cache_subdir=cache_dir.name,
        )
    except ValueError as e:
        if "hash" not in str(e).lower():
            raise
        actual = sha256_of(target) if target.exists() else "unknown"
        target.unlink(missing_ok=True)
        raise ChecksumError(
            f"The file {spec.filename} downloaded from {url} is corrupt or "
            f"truncated: its SHA-256 is {actual}, expected {expected}. It was "
            "deleted and not used. Try again, or check the mirror's copy."
        ) from None
    except Exception as e:  # get_file raises a bare Exception when offline.
        target.unlink(missing_ok=True)
        raise DatasetUnavailableError(
            f"Cannot obtain data set {spec.name!r}: downloading {url} failed "
            f"({e}). Without internet access, set {MIRROR_VARIABLE} to a folder "
            f"or URL that holds {spec.filename} and its SHA256SUMS, or place "
            f"the file at {target}."
        ) from None
    path = pathlib.Path(path)
    if expected is None:
        _check_readable(spec, path)
    if spec.extract:
        return _extract_once(spec, path, sha256_of(path))
    return path


def _check_readable(spec, path):
    """Without a checksum, at least refuse an archive that cannot be read."""
    import tarfile
    import zipfile

    ok = True
    if spec.extract == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                ok = archive.testzip() is None
        except zipfile.BadZipFile:
            ok = False
    elif spec.extract == "tar":
        ok = tarfile.is_tarfile(path)
    if not ok:
        path.unlink(missing_ok=True)
        raise ChecksumError(
            f"The archive {spec.filename} is corrupt or truncated. It was "
            "deleted and not used. Try again."
        )


def _extract_once(spec, archive_path, digest):
    """Unpacks `archive_path` beside itself unless that was done already."""
    stem = spec.filename.split(".")[0]
    folder = archive_path.parent / f"{stem}_extracted"
    marker = folder / _EXTRACTED_MARKER
    if marker.is_file() and marker.read_text().strip() == digest:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    partial = folder.with_name(folder.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    _unpack(archive_path, partial, spec.extract)
    (partial / _EXTRACTED_MARKER).write_text(digest + "\n")
    partial.rename(folder)
    return folder


def _unpack(archive_path, folder, kind):
    """Unpacks a zip or tar archive into `folder`, refusing any member that
    would land outside it: zip always does; tar through its "data" filter
    (Python 3.11.4 and later), which also refuses links out of the folder
    and device files, or on older Pythons through the same checks here."""
    if kind != "tar":
        shutil.unpack_archive(archive_path, folder, format=kind)
    elif hasattr(tarfile, "data_filter"):
        shutil.unpack_archive(archive_path, folder, format="tar", filter="data")
    else:
        with tarfile.open(archive_path) as archive:
            members = [_inside(member, folder, archive_path) for member in archive]
            archive.extractall(folder, members=members)


def _inside(member, folder, archive_path):
    """`member` of a tar archive, if it stays inside `folder` (the checks of
    tarfile's "data" filter, for Pythons without it)."""
    root = pathlib.Path(os.path.realpath(folder))

    def lands_inside(name, base=root):
        path = pathlib.Path(name)
        return not path.is_absolute() and pathlib.Path(
            os.path.realpath(base / path)
        ).is_relative_to(root)

    problem = None
    if not lands_inside(member.name):
        problem = "its path leads outside the folder"
    elif member.issym() and not lands_inside(
        member.linkname, (root / member.name).parent
    ):
        problem = f"it links to {member.linkname!r}, outside the folder"
    elif member.islnk() and not lands_inside(member.linkname):
        problem = f"it links to {member.linkname!r}, outside the folder"
    elif member.isdev():
        problem = "it is a device file"
    if problem:
        raise DatasetUnavailableError(
            f"Refusing to unpack {archive_path}: its member {member.name!r} is not "
            f"a plain file inside the folder ({problem}). Delete the archive and "
            "download it again from the data set's origin."
        )
    return member


def cached_path(spec, cache_dir=None):
    """Returns where `spec` is (or would be) cached."""
    if isinstance(spec, str):
        spec = get_remote_file(spec)
    cache_dir = pathlib.Path(cache_dir) if cache_dir else default_cache_dir()
    return cache_dir / spec.filename
