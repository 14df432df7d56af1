"""Download MovieLens releases from GroupLens into a local cache, with checksums and progress.

The zip is checked against the MD5 that GroupLens publishes beside it (``<zip>.md5``);
a cached copy is reused (and checked again) without the network.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cf.data.tables import DataError

BASE_URL = "https://files.grouplens.org/datasets/movielens"


@dataclass(frozen=True)
class Release:
    """One MovieLens release: its zip's file name and what it holds."""

    file: str
    description: str
    approx_mb: int


RELEASES = {
    "latest-small": Release("ml-latest-small.zip", "100,836 ratings, 610 users, 9,742 movies (education)", 1),
    "100k": Release("ml-100k.zip", "100,000 ratings, 943 users, 1,682 movies (1998)", 5),
    "1m": Release("ml-1m.zip", "1,000,209 ratings, 6,040 users, 3,706 movies (2003)", 6),
    "25m": Release("ml-25m.zip", "25,000,095 ratings, 162,541 users, 59,047 movies (2019)", 250),
}


class DownloadError(DataError):
    """A release could not be downloaded or failed its checksum; the message says what to do."""


def cache_dir() -> Path:
    """``CF_CACHE_DIR``/movielens, or ``~/.cache/cf/movielens``."""
    root = os.environ.get("CF_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "cf") / "movielens"


def is_cached(name: str, folder: Path | None = None) -> bool:
    """Whether release ``name``'s zip and its recorded MD5 are in the cache (:func:`download` checks them)."""
    target = (folder or cache_dir()) / RELEASES[name].file
    return target.exists() and _md5_file(target).exists()


def recorded_md5(path: Path) -> str | None:
    """The MD5 :func:`download` recorded beside the zip at ``path``, or None."""
    recorded = _md5_file(Path(path))
    return recorded.read_text().strip() if recorded.exists() else None


def _md5_file(target: Path) -> Path:
    return target.with_name(target.name + ".md5")


def download(
    name: str,
    progress: Callable[[int, int], None] | None = None,
    base_url: str | None = None,
    folder: Path | None = None,
    timeout: float = 30.0,
) -> Path:
    """Return the path of release ``name``'s zip, downloading it into the cache if needed.

    Parameters
    ----------
    name
        A key of :data:`RELEASES` (``latest-small``, ``100k``, ``1m``, ``25m``).
    progress
        Called with (bytes so far, total bytes or 0) while downloading.
    base_url
        Where the zips are; ``CF_MOVIELENS_URL`` or GroupLens by default.

    Raises
    ------
    DownloadError
        Offline, not found, interrupted, or the checksum does not match.
    """
    if name not in RELEASES:
        raise DownloadError(f"unknown MovieLens release {name!r}; choose one of {', '.join(RELEASES)}")
    release = RELEASES[name]
    base = (base_url or os.environ.get("CF_MOVIELENS_URL") or BASE_URL).rstrip("/")
    folder = folder or cache_dir()
    target = folder / release.file
    recorded = _md5_file(target)
    if target.exists() and recorded.exists() and _md5(target) == recorded_md5(target):
        return target
    folder.mkdir(parents=True, exist_ok=True)
    expected = _published_md5(f"{base}/{release.file}.md5", timeout)
    partial = target.with_name(target.name + ".part")
    _fetch(f"{base}/{release.file}", partial, progress, timeout)
    actual = _md5(partial)
    if expected and actual != expected:
        partial.unlink(missing_ok=True)
        raise DownloadError(
            f"{release.file} arrived damaged (MD5 {actual}, GroupLens publishes {expected}). Try again."
        )
    partial.replace(target)
    recorded.write_text(actual)
    return target


def _published_md5(url: str, timeout: float) -> str | None:
    """The MD5 in GroupLens's ``.md5`` file, or None when there is none."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            text = response.read(4096).decode("ascii", errors="replace")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise DownloadError(f"{url} answered {error.code} {error.reason}. Try again later.") from None
    except (urllib.error.URLError, OSError) as error:
        raise _offline(url, error) from None
    found = re.search(r"\b[0-9a-fA-F]{32}\b", text)
    return found.group(0).lower() if found else None


def _fetch(url: str, path: Path, progress: Callable[[int, int], None] | None, timeout: float) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(path, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        if total and done != total:
            raise DownloadError(f"the download of {url} stopped after {done:,} of {total:,} bytes. Try again.")
    except urllib.error.HTTPError as error:
        path.unlink(missing_ok=True)
        raise DownloadError(f"{url} answered {error.code} {error.reason}.") from None
    except (urllib.error.URLError, OSError) as error:
        path.unlink(missing_ok=True)
        raise _offline(url, error) from None


def _offline(url: str, error: Exception) -> DownloadError:
    reason = getattr(error, "reason", None) or error
    return DownloadError(
        f"Could not reach {url.split('/')[2]} ({reason}). Check the internet connection, or download the "
        "zip from https://grouplens.org/datasets/movielens/ yourself and upload it."
    )


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
