import hashlib

import pytest

import cf
from cf.data import movielens
from tests.helpers import release_zip, serve_folder, write_md5


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_split_dir):
    """A local HTTP server holding ml-latest-small.zip (built from the demo data's files) and its .md5."""
    root = tmp_path_factory.mktemp("grouplens")
    release_zip(root / "ml-latest-small.zip", demo_split_dir)
    write_md5(root / "ml-latest-small.zip")
    (root / "ml-1m.zip").write_bytes(b"corrupted")
    (root / "ml-1m.zip.md5").write_text("0" * 32)
    with serve_folder(root) as url:
        yield url, root


def test_download_checks_the_md5_caches_and_loads(server, tmp_path, demo_data):
    url, root = server
    assert not movielens.is_cached("latest-small", folder=tmp_path)
    seen = []
    path = movielens.download("latest-small", progress=lambda done, total: seen.append((done, total)),
                              base_url=url, folder=tmp_path)  # fmt: skip
    assert path.read_bytes() == (root / "ml-latest-small.zip").read_bytes()
    assert seen and seen[-1][0] == seen[-1][1] == path.stat().st_size
    ratings, movies = cf.load_dataset(path)
    assert ratings.n_ratings == demo_data[0].n_ratings and len(movies) == len(demo_data[1])
    # cached: no network needed the second time
    assert movielens.is_cached("latest-small", folder=tmp_path) and not movielens.is_cached("1m", folder=tmp_path)
    assert movielens.recorded_md5(path) == hashlib.md5(path.read_bytes()).hexdigest()
    assert movielens.download("latest-small", base_url="http://127.0.0.1:9", folder=tmp_path) == path


def test_a_damaged_download_is_refused_and_not_kept(server, tmp_path):
    url, _ = server
    with pytest.raises(movielens.DownloadError, match="damaged"):
        movielens.download("1m", base_url=url, folder=tmp_path)
    assert not any(tmp_path.iterdir())


def test_offline_gives_a_clear_message(tmp_path):
    with pytest.raises(movielens.DownloadError, match="Could not reach .*upload it"):
        movielens.download("100k", base_url="http://127.0.0.1:9", folder=tmp_path, timeout=5)


def test_missing_release_and_unknown_name(server, tmp_path):
    url, _ = server
    with pytest.raises(movielens.DownloadError, match="404"):
        movielens.download("25m", base_url=url, folder=tmp_path)
    with pytest.raises(movielens.DownloadError, match="choose one of"):
        movielens.download("10m", folder=tmp_path)
    assert issubclass(movielens.DownloadError, cf.DataError)
