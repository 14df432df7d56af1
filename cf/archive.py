"""Find a ratings or movies file inside a zip, refusing nested and oversized archives."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from cf.data import DataError

MAX_MEMBER_BYTES = 3 * 1024**3
"""The largest file we unpack from a zip (MovieLens 32M's ratings.csv is about 0.9 GB)."""
MAX_RATIO = 200
"""The largest compression ratio accepted for a big member; CSV text compresses about 5x."""


def is_zip(raw: bytes) -> bool:
    """True when ``raw`` starts like a zip archive (and is not an Office document)."""
    return raw[:4] == b"PK\x03\x04" and b"[Content_Types].xml" not in raw[:2048]


def read_member(raw: bytes, name: str, wanted: tuple[str, ...], kind: str) -> tuple[bytes, str]:
    """Return the bytes and name of the first member whose file name is in ``wanted``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = [i for i in archive.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DataError(f"{name} is not a readable zip ({error}). Download it again or upload the CSV files.") from None
    by_name = {PurePosixPath(i.filename).name.lower(): i for i in infos}
    info = next((by_name[w] for w in wanted if w in by_name), None)
    if info is None:
        nested = [i.filename for i in infos if i.filename.lower().endswith(".zip")]
        if nested:
            raise DataError(
                f"{name} holds another zip ({nested[0]}). Unzip the outer archive and upload the inner one."
            )
        if kind == "movies":
            raise DataError(f"{name} has no movies file ({', '.join(wanted)}). Upload the movies file on its own.")
        listing = ", ".join(i.filename for i in infos[:8]) or "nothing"
        raise DataError(
            f"{name} has no {kind} file: expected one of {', '.join(wanted)} but it holds {listing}. "
            "Upload a MovieLens release zip or the CSV file itself."
        )
    return _checked_read(archive, info, name), f"{name}/{PurePosixPath(info.filename).name}"


def _checked_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    ratio = info.file_size / max(1, info.compress_size)
    if info.file_size > MAX_MEMBER_BYTES or (info.file_size > 64 * 1024**2 and ratio > MAX_RATIO):
        raise DataError(
            f"{name}: {info.filename} would unpack to {info.file_size / 1024**2:,.0f} MB "
            f"(ratio {ratio:,.0f}:1), over the limit of {MAX_MEMBER_BYTES / 1024**3:.0f} GB. "
            "Unpack it yourself and upload the CSV, or use the command line."
        )
    try:
        with archive.open(info) as member:
            data = member.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
        raise DataError(f"{name}: cannot unpack {info.filename} ({error}). Download the zip again.") from None
    if len(data) > MAX_MEMBER_BYTES:
        raise DataError(f"{name}: {info.filename} unpacks to more than it claims. The zip is damaged or hostile.")
    return data
