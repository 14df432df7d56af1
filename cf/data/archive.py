"""Find a ratings or movies file inside a zip, refusing nested and oversized archives."""

from __future__ import annotations

import io
import lzma
import struct
import zipfile
import zlib
from pathlib import PurePosixPath

from cf.data.tables import DataError

MAX_MEMBER_BYTES = 3 * 1024**3
"""The largest file we unpack from a zip (MovieLens 32M's ratings.csv is about 0.9 GB)."""
MAX_RATIO = 200
"""The largest compression ratio accepted for a big member; CSV text compresses about 5x."""
RATIO_CHECK_BYTES = 64 * 1024**2
"""Members that unpack to less than this are not checked for their compression ratio."""
_UNPACK_ERRORS = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, struct.error, OSError, RuntimeError, NotImplementedError,
    EOFError, ValueError,
)  # fmt: skip


def is_zip(raw: bytes) -> bool:
    """Tell whether ``raw`` starts like a zip archive (and not like an Office document).

    Parameters
    ----------
    raw
        The first bytes of a file, or all of it.

    Returns
    -------
    bool
        True for a zip archive, including an empty one.
    """
    return raw[:4] in (b"PK\x03\x04", b"PK\x05\x06") and b"[Content_Types].xml" not in raw[:2048]


def open_zip(raw: bytes, name: str) -> zipfile.ZipFile:
    """Open ``raw`` as a zip archive.

    Raises
    ------
    DataError
        If the archive is damaged.
    """
    try:
        return zipfile.ZipFile(io.BytesIO(raw))
    except (*_UNPACK_ERRORS, zipfile.LargeZipFile) as error:
        raise DataError(f"{name} is not a readable zip ({error}). Download it again or upload the CSV files.") from None


def find_member(archive: zipfile.ZipFile, wanted: tuple[str, ...]) -> zipfile.ZipInfo | None:
    """Return the member whose file name (in any folder) is the first of ``wanted`` found, else None.

    Folders and macOS resource forks (``__MACOSX/``) are ignored; names compare case-insensitively.
    """
    by_name = {PurePosixPath(i.filename).name.lower(): i for i in _files(archive)}
    return next((by_name[w] for w in wanted if w in by_name), None)


def read_member(raw: bytes, name: str, wanted: tuple[str, ...], kind: str) -> tuple[bytes, str]:
    """Return the bytes and the name (``<zip>/<file>``) of the ``kind`` file inside a zip.

    Parameters
    ----------
    raw
        The zip archive.
    name
        The archive's name, for messages.
    wanted
        Accepted member file names, in order of preference (lower case).
    kind
        ``"ratings"`` or ``"movies"``, for messages.

    Raises
    ------
    DataError
        If the zip is damaged, has no such file, holds another zip, or would unpack to too much.
    """
    archive = open_zip(raw, name)
    info = find_member(archive, wanted)
    if info is None:
        raise DataError(_not_found_message(archive, name, wanted, kind))
    data = _checked_read(archive, info, name)
    if is_zip(data):
        raise DataError(f"{name}: {info.filename} is itself a zip. Unzip the outer archive and upload the inner one.")
    return data, f"{name}/{PurePosixPath(info.filename).name}"


def _files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's files, without folders and macOS metadata."""
    return [i for i in archive.infolist() if i.filename and not i.is_dir() and "__MACOSX" not in i.filename]


def _not_found_message(archive: zipfile.ZipFile, name: str, wanted: tuple[str, ...], kind: str) -> str:
    """Explain that ``archive`` lacks the ``kind`` file, pointing at a nested zip if there is one."""
    files = _files(archive)
    nested = [i.filename for i in files if i.filename.lower().endswith(".zip")]
    if nested:
        return f"{name} has no {kind} file but holds another zip ({nested[0]}). Unzip it and upload the inner zip."
    listing = ", ".join(i.filename for i in files[:8]) + (", ..." if len(files) > 8 else "") or "nothing"
    return (
        f"{name} has no {kind} file: expected one of {', '.join(wanted)} but it holds {listing}. "
        f"Upload a MovieLens release zip or the {kind} file itself."
    )


def _size(n_bytes: float) -> str:
    """``n_bytes`` in readable units (KB, MB or GB)."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes:.0f} bytes"


def _checked_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """Unpack one member after checking its declared size and compression ratio.

    :mod:`zipfile` never returns more than the declared size (a lying header fails the CRC check),
    so checking the declared size bounds the memory used.
    """
    ratio = info.file_size / max(1, info.compress_size)
    if info.file_size > MAX_MEMBER_BYTES:
        raise DataError(
            f"{name}: {info.filename} would unpack to {_size(info.file_size)}, over the limit of "
            f"{_size(MAX_MEMBER_BYTES)}. Unpack it yourself and load a smaller file, or use the command line."
        )
    if info.file_size > RATIO_CHECK_BYTES and ratio > MAX_RATIO:
        raise DataError(
            f"{name}: {info.filename} would unpack from {_size(info.compress_size)} to {_size(info.file_size)} "
            f"({ratio:,.0f} times bigger; text data is rarely over {MAX_RATIO} times). "
            "This looks like a zip bomb, so it was not unpacked. Upload the CSV file itself."
        )
    try:
        with archive.open(info) as member:
            return member.read()
    except _UNPACK_ERRORS as error:
        raise DataError(f"{name}: cannot unpack {info.filename} ({error}). Download the zip again.") from None
