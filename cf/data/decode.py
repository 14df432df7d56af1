"""Bytes in, text out: paths, uploads and zip members read into bytes (:func:`read_source`), then
decoded (:func:`decode_text`): the encoding found, UTF-16 re-encoded, the byte-order mark dropped
and the first lines read for the layout to be found in (:mod:`cf.data.parse`).

Every problem comes out as :class:`cf.data.DataError` with a message for people.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd

from cf.data.archive import is_zip, read_member
from cf.data.tables import DataError

Source = str | os.PathLike | bytes | IO[bytes] | pd.DataFrame
BOM = b"\xef\xbb\xbf"
_SAMPLE_BYTES = 65536
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file",
    b"\x1f\x8b": "a gzip archive",
    b"\x80\x04": "a Python pickle",
    b"\x80\x02": "a Python pickle",
    b"PK\x03\x04": "a zip or Excel file",
}


def read_source(source: Source, name: str | None, members: tuple[str, ...], kind: str) -> tuple[bytes, str]:
    """The bytes of ``source`` (or of its ``kind`` member, for a zip) and a name for messages."""
    raw, name = source_bytes(source, name)
    if is_zip(raw):
        return read_member(raw, name, members, kind)
    return raw, name


def source_bytes(source: Source, name: str | None) -> tuple[bytes, str]:
    """Read a path, bytes or file-like object into bytes; also return a name for messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "the uploaded file"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            raise DataError(f"{path} is a folder; give the ratings or movies file inside it, or a zip of the release.")
        try:
            return path.read_bytes(), name or path.name
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or error
            raise DataError(f"Cannot read {str(path)[:200]}: {reason}. Check the path.") from None
    if hasattr(source, "getvalue"):
        raw = source.getvalue()
    elif hasattr(source, "read"):
        raw = source.read()
    else:
        raise DataError(f"Cannot read a {type(source).__name__}; give a path, bytes or an open file.")
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise DataError(
            f"Reading the upload gave a {type(raw).__name__}, not bytes; give a path, bytes or an open file."
        )
    return bytes(raw), name or Path(str(getattr(source, "name", "") or "the uploaded file")).name


def utf16_to_utf8(raw: bytes, name: str) -> bytes:
    """Re-encode a UTF-16 file (as Excel's 'Unicode text' saves) as UTF-8; other input is returned as is."""
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw
    try:
        return raw.decode("utf-16").encode("utf-8")
    except UnicodeError:
        raise DataError(f"{name} starts like UTF-16 text but cannot be decoded. Save it as UTF-8 CSV.") from None


def _detect_encoding(raw: bytes) -> str:
    """``utf-8`` when ``raw`` decodes as UTF-8, else ``cp1252`` (MovieLens 100k and 1M), else ``latin-1``."""
    if raw.isascii():
        return "utf-8"
    for encoding in ("utf-8", "cp1252"):
        try:
            raw.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            pass
    return "latin-1"


def decode_sample(raw: bytes, name: str) -> tuple[str, str]:
    """Return the encoding and the decoded first 64 KB of ``raw``.

    Raises
    ------
    DataError
        For an image, an archive, a binary file or other input that is not text.
    """
    head = raw[:_SAMPLE_BYTES]
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise DataError(f"{name} is {what}, not a text table. Upload a CSV or TSV file (or a MovieLens zip).")
    if b"\x00" in head:
        raise DataError(f"{name} looks like a binary file, not text. Upload a CSV or TSV file (or a MovieLens zip).")
    encoding = _detect_encoding(raw)
    text = head.decode(encoding, errors="ignore").removeprefix("\ufeff")
    window = text[:4096]
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in window)
    if window and printable / len(window) < 0.9:
        raise DataError(f"{name} does not look like a text table. Upload a CSV or TSV file (or a MovieLens zip).")
    return encoding, text


def sample_lines(raw: bytes, sample: str) -> list[str]:
    """The non-blank lines of ``sample``, without a last line that the 64 KB cut may have split."""
    lines = [line for line in re.split(r"\r\n|\r|\n", sample) if line.strip()]
    if len(raw) > _SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]
    return lines


@dataclass(frozen=True)
class DecodedText:
    """A text file after decoding: what :class:`cf.data.parse.TextTable` finds the layout in and parses."""

    raw: bytes
    """The file's bytes, re-encoded as UTF-8 when it was UTF-16, without a byte-order mark."""
    encoding: str
    """The encoding of :attr:`raw`: ``utf-8``, ``cp1252`` or ``latin-1``."""
    lines: list[str]
    """The non-blank lines of the first 64 KB (at least one)."""


def decode_text(raw: bytes, name: str) -> DecodedText:
    """Decode ``raw``: its encoding and first lines, checked to be a text table's.

    Raises
    ------
    DataError
        If ``raw`` is an image, an archive or another binary file, or is empty.
    """
    raw = utf16_to_utf8(raw, name)
    encoding, sample = decode_sample(raw, name)
    lines = sample_lines(raw, sample)
    if not lines:
        raise DataError(f"{name} is empty. It needs one row per entry, e.g. 'userId,movieId,rating'.")
    return DecodedText(raw.removeprefix(BOM), encoding, lines)
