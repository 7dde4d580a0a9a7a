"""The download path, for real: files served over HTTP on 127.0.0.1."""

import hashlib
import io
import sys
import tarfile
import zipfile

import pytest

from seqkeras.datasets import registry
from seqkeras.datasets.registry import RemoteFile, fetch
from seqkeras.errors import ChecksumError, DatasetUnavailableError, UnknownDatasetError
from tests.helpers import closed_port_url, http_server

CONTENT = b"the cat sat on the mat\n" * 100


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def make_zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_tar_gz(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP: `(folder, base_url, requests)`."""
    folder = tmp_path / "served"
    folder.mkdir()
    with http_server(folder) as (url, requests):
        yield folder, url, requests


def spec_for(url, filename, data, extract=None, sha=None):
    return RemoteFile(
        name="toy",
        origin=f"{url}/{filename}",
        filename=filename,
        sha256=sha or sha256(data),
        extract=extract,
    )


def test_download_then_cache_makes_no_request(served, tmp_path):
    folder, url, requests = served
    (folder / "toy.txt").write_bytes(CONTENT)
    spec = spec_for(url, "toy.txt", CONTENT)
    cache = tmp_path / "new" / "cache"

    path = fetch(spec, cache_dir=cache, mirror="")
    assert path.read_bytes() == CONTENT
    assert requests == ["/toy.txt"]
    # In the folder asked for, though it did not exist (get_file alone would
    # have fallen back to /tmp/.keras).
    assert path == cache / "toy.txt"

    again = fetch(spec, cache_dir=cache, mirror="")
    assert again == path
    assert requests == ["/toy.txt"]  # the second call used the cache


def test_checksum_mismatch_is_refused_and_deleted(served, tmp_path):
    folder, url, _ = served
    (folder / "toy.txt").write_bytes(CONTENT[:-10])  # a truncated copy
    spec = spec_for(url, "toy.txt", CONTENT)
    cache = tmp_path / "cache"

    with pytest.raises(ChecksumError) as raised:
        fetch(spec, cache_dir=cache, mirror="")
    message = str(raised.value)
    assert "corrupt or truncated" in message
    assert sha256(CONTENT) in message and sha256(CONTENT[:-10]) in message
    assert not (cache / "toy.txt").exists()


def test_corrupt_cached_file_is_downloaded_again(served, tmp_path):
    folder, url, requests = served
    (folder / "toy.txt").write_bytes(CONTENT)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "toy.txt").write_bytes(b"garbage")

    path = fetch(spec_for(url, "toy.txt", CONTENT), cache_dir=cache, mirror="")
    assert path.read_bytes() == CONTENT
    assert requests == ["/toy.txt"]


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_archives_are_extracted_once(served, tmp_path, kind):
    folder, url, requests = served
    files = {"data/train.txt": b"train\n", "data/test.txt": b"test\n"}
    data = make_zip(files) if kind == "zip" else make_tar_gz(files)
    filename = "toy.zip" if kind == "zip" else "toy.tar.gz"
    (folder / filename).write_bytes(data)
    spec = spec_for(url, filename, data, extract=kind)
    cache = tmp_path / "cache"

    extracted = fetch(spec, cache_dir=cache, mirror="")
    assert (extracted / "data" / "train.txt").read_bytes() == b"train\n"
    assert (extracted / "data" / "test.txt").read_bytes() == b"test\n"
    sentinel = extracted / "data" / "sentinel"
    sentinel.write_text("kept")

    assert fetch(spec, cache_dir=cache, mirror="") == extracted
    assert sentinel.exists()  # not unpacked a second time
    assert len(requests) == 1


def _tar_with(members):
    """A .tar.gz of `(TarInfo, bytes or None)` pairs."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info, data in members:
            info.size = len(data or b"")
            archive.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


@pytest.mark.parametrize("data_filter", [True, False], ids=["filter", "no-filter"])
def test_tar_members_outside_the_folder_are_refused(tmp_path, monkeypatch, data_filter):
    # Pythons before 3.11.4 have no "data" filter: the same checks run here.
    if data_filter and not hasattr(tarfile, "data_filter"):
        pytest.skip(f"Python {sys.version.split()[0]} has no tar data filter")
    if not data_filter:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    refused = (DatasetUnavailableError, getattr(tarfile, "FilterError", OSError))
    good = tmp_path / "good.tar.gz"
    inner = tarfile.TarInfo("data/link")
    inner.type, inner.linkname = tarfile.SYMTYPE, "train.txt"
    good.write_bytes(
        _tar_with([(tarfile.TarInfo("data/train.txt"), b"train\n"), (inner, None)])
    )
    registry._unpack(good, tmp_path / "good", "tar")
    assert (tmp_path / "good" / "data" / "link").read_bytes() == b"train\n"

    escaping = tarfile.TarInfo("data/evil")
    escaping.type, escaping.linkname = tarfile.SYMTYPE, "../../outside.txt"
    for name, member in [
        ("up", (tarfile.TarInfo("../outside.txt"), b"x")),
        ("link", (escaping, None)),
    ]:
        archive = tmp_path / f"{name}.tar.gz"
        archive.write_bytes(_tar_with([member]))
        with pytest.raises(refused):
            registry._unpack(archive, tmp_path / name, "tar")
    assert not (tmp_path / "outside.txt").exists()
    # An absolute path is refused here; the filter unpacks it inside instead.
    archive = tmp_path / "absolute.tar.gz"
    archive.write_bytes(_tar_with([(tarfile.TarInfo(str(tmp_path / "abs.txt")), b"x")]))
    try:
        registry._unpack(archive, tmp_path / "absolute", "tar")
    except DatasetUnavailableError:
        assert not data_filter
    assert not (tmp_path / "abs.txt").exists()


def test_changed_archive_is_extracted_again(served, tmp_path):
    folder, url, _ = served
    cache = tmp_path / "cache"
    first = make_zip({"a.txt": b"one"})
    (folder / "toy.zip").write_bytes(first)
    fetch(spec_for(url, "toy.zip", first, extract="zip"), cache_dir=cache, mirror="")

    second = make_zip({"a.txt": b"two"})
    (folder / "toy.zip").write_bytes(second)
    extracted = fetch(
        spec_for(url, "toy.zip", second, extract="zip"), cache_dir=cache, mirror=""
    )
    assert (extracted / "a.txt").read_bytes() == b"two"


def test_unreadable_archive_without_checksum_is_refused(served, tmp_path):
    folder, url, _ = served
    data = make_zip({"a.txt": b"x" * 1000})[:-30]
    (folder / "toy.zip").write_bytes(data)
    spec = RemoteFile("toy", f"{url}/toy.zip", "toy.zip", sha256=None, extract="zip")
    with pytest.raises(ChecksumError, match="corrupt or truncated"):
        fetch(spec, cache_dir=tmp_path / "cache", mirror="")
    assert not (tmp_path / "cache" / "toy.zip").exists()


def test_offline_without_mirror_names_dataset_url_and_variable(tmp_path):
    origin = closed_port_url("toy.zip")
    spec = RemoteFile("toy", origin, "toy.zip", sha256=sha256(b""), extract="zip")
    with pytest.raises(DatasetUnavailableError) as raised:
        fetch(spec, cache_dir=tmp_path / "cache", mirror="")
    message = str(raised.value)
    assert "'toy'" in message and origin in message
    assert registry.MIRROR_VARIABLE in message


def test_mirror_directory_replaces_origin_and_its_checksums(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "toy.txt").write_bytes(CONTENT)
    (mirror / "SHA256SUMS").write_text(f"{sha256(CONTENT)}  toy.txt\n")
    # The origin is unreachable and its checksum differs (a repackaged copy).
    spec = RemoteFile("toy", closed_port_url("toy.txt"), "toy.txt", sha256="0" * 64)
    monkeypatch.setenv(registry.MIRROR_VARIABLE, str(mirror))

    path = fetch(spec, cache_dir=tmp_path / "cache")
    assert path.read_bytes() == CONTENT


def test_mirror_over_http_is_verified_and_cached(served, tmp_path):
    folder, url, requests = served
    (folder / "toy.txt").write_bytes(CONTENT)
    (folder / "SHA256SUMS").write_text(f"{sha256(CONTENT)} *toy.txt\n")
    spec = RemoteFile("toy", closed_port_url("toy.txt"), "toy.txt", sha256=None)
    cache = tmp_path / "cache"

    assert fetch(spec, cache_dir=cache, mirror=url).read_bytes() == CONTENT
    assert sorted(requests) == ["/SHA256SUMS", "/toy.txt"]
    fetch(spec, cache_dir=cache, mirror=url)
    assert len(requests) == 2


def test_corrupt_file_on_mirror_is_refused(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "toy.txt").write_bytes(CONTENT + b"tampered")
    (mirror / "SHA256SUMS").write_text(f"{sha256(CONTENT)}  toy.txt\n")
    spec = RemoteFile("toy", closed_port_url("toy.txt"), "toy.txt", sha256=None)
    with pytest.raises(ChecksumError):
        fetch(spec, cache_dir=tmp_path / "cache", mirror=str(mirror))


def test_mirror_without_checksum_entry_is_refused(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "toy.txt").write_bytes(CONTENT)
    (mirror / "SHA256SUMS").write_text(f"{sha256(b'x')}  other.txt\n")
    spec = RemoteFile("toy", closed_port_url("toy.txt"), "toy.txt", sha256=None)
    with pytest.raises(ChecksumError, match="no checksum for toy.txt"):
        fetch(spec, cache_dir=tmp_path / "cache", mirror=str(mirror))


def test_mirror_that_is_not_a_folder_is_explained(tmp_path):
    with pytest.raises(DatasetUnavailableError, match=registry.MIRROR_VARIABLE):
        registry.mirror_location(str(tmp_path / "missing"))


def test_unknown_file_lists_the_registered_ones():
    with pytest.raises(UnknownDatasetError) as raised:
        registry.get_remote_file("imagenet")
    assert "sst" in str(raised.value) and "imagenet" in str(raised.value)


def test_registry_entries_name_real_origins():
    for spec in registry.REMOTE_FILES.values():
        assert spec.origin.startswith(("http://", "https://"))
        assert spec.sha256 is None or len(spec.sha256) == 64
        assert spec.extract in (None, "zip", "tar")
