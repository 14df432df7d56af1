"""Tests for ``cf.data.archive``: finding members in a zip and refusing nested, damaged and oversized ones."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cf import load_dataset
from cf.data import DataError, archive
from cf.data.readers import MOVIES_MEMBERS, RATINGS_MEMBERS

pytestmark = pytest.mark.filterwarnings("error")


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive holding ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as handle:
        for name, data in members.items():
            handle.writestr(name, data)
    return buffer.getvalue()


def test_is_zip():
    assert archive.is_zip(make_zip({"a.csv": b"x"}))
    assert archive.is_zip(make_zip({}))
    assert not archive.is_zip(b"userId,movieId\n")
    assert not archive.is_zip(b"")
    assert not archive.is_zip(b"PK\x03\x04" + bytes(26) + b"[Content_Types].xml")  # an xlsx


@pytest.mark.parametrize(
    ("member", "kind"),
    [
        ("ml-latest-small/ratings.csv", "ratings"),
        ("ml-32m/ratings.csv", "ratings"),
        ("ml-1m/ratings.dat", "ratings"),
        ("ml-100k/u.data", "ratings"),
        ("ml-latest-small/movies.csv", "movies"),
        ("ml-1m/movies.dat", "movies"),
        ("ml-100k/u.item", "movies"),
        ("Deep/Folder/RATINGS.CSV", "ratings"),
    ],
)
def test_read_member_finds_movielens_names(member: str, kind: str):
    raw = make_zip({"README.txt": b"read me", member: b"payload"})
    wanted = RATINGS_MEMBERS if kind == "ratings" else MOVIES_MEMBERS
    data, name = archive.read_member(raw, "rel.zip", wanted, kind)
    assert data == b"payload"
    assert name == "rel.zip/" + member.rsplit("/", 1)[-1]


def test_preferred_name_wins():
    raw = make_zip({"ml-100k/u.data": b"second", "ml/ratings.csv": b"first"})
    assert archive.read_member(raw, "z.zip", RATINGS_MEMBERS, "ratings")[0] == b"first"


def test_find_member_returns_none_when_absent():
    handle = archive.open_zip(make_zip({"ratings.csv": b"x"}), "z.zip")
    assert archive.find_member(handle, MOVIES_MEMBERS) is None
    assert archive.find_member(handle, RATINGS_MEMBERS).filename == "ratings.csv"


def test_macos_metadata_is_ignored():
    raw = make_zip({"__MACOSX/ml/._ratings.csv": b"junk"})
    with pytest.raises(DataError, match="has no ratings file"):
        archive.read_member(raw, "mac.zip", RATINGS_MEMBERS, "ratings")


def test_missing_member_lists_what_is_there():
    raw = make_zip({f"f{i}.txt": b"x" for i in range(12)})
    with pytest.raises(DataError) as caught:
        archive.read_member(raw, "many.zip", RATINGS_MEMBERS, "ratings")
    message = str(caught.value)
    assert message.startswith("many.zip has no ratings file") and "f0.txt" in message and "..." in message


def test_nested_zip_is_named():
    raw = make_zip({"inner/ml-1m.zip": make_zip({"ml-1m/ratings.dat": b"1::2::3::4\n"})})
    with pytest.raises(DataError, match=r"holds another zip \(inner/ml-1m\.zip\)"):
        archive.read_member(raw, "outer.zip", RATINGS_MEMBERS, "ratings")


@pytest.mark.parametrize("cut", [10, 100, -30])
def test_damaged_archives(cut: int):
    raw = make_zip({"ratings.csv": b"1,2,3\n" * 1000})
    with pytest.raises(DataError, match=r"^bad\.zip"):
        archive.read_member(raw[:cut], "bad.zip", RATINGS_MEMBERS, "ratings")


def test_corrupted_member_data_fails_its_check():
    raw = bytearray(make_zip({"ratings.csv": b"1,2,3\n" * 1000}, zipfile.ZIP_STORED))
    start = raw.index(b"1,2,3")
    raw[start + 100 : start + 110] = b"9" * 10  # the CRC no longer matches
    with pytest.raises(DataError, match="cannot unpack ratings.csv"):
        archive.read_member(bytes(raw), "crc.zip", RATINGS_MEMBERS, "ratings")


def test_encrypted_member_is_refused():
    raw = bytearray(make_zip({"ratings.csv": b"1,2,3\n"}, zipfile.ZIP_STORED))
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # set the 'encrypted' flag bit in both headers
        at = raw.index(header) + (6 if header == b"PK\x03\x04" else 8)
        raw[at] |= 1
    with pytest.raises(DataError, match="cannot unpack"):
        archive.read_member(bytes(raw), "secret.zip", RATINGS_MEMBERS, "ratings")


def test_zip_bomb_ratio_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as handle:
        with handle.open("ratings.csv", "w") as member:
            for _ in range(100):
                member.write(bytes(1024 * 1024))
    with pytest.raises(DataError, match=r"would unpack from .* to 100\.0 MB .*zip bomb"):
        archive.read_member(buffer.getvalue(), "bomb.zip", RATINGS_MEMBERS, "ratings")


def test_size_limit(monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 4096)
    raw = make_zip({"ratings.csv": b"1,2,3\n" * 1000})
    with pytest.raises(DataError, match=r"would unpack to 5\.9 KB, over the limit of 4\.0 KB"):
        archive.read_member(raw, "big.zip", RATINGS_MEMBERS, "ratings")
    assert archive.read_member(make_zip({"ratings.csv": b"1,2,3\n"}), "ok.zip", RATINGS_MEMBERS, "ratings")


def test_small_members_are_not_judged_by_ratio():
    raw = make_zip({"ratings.csv": bytes(1024 * 1024)})  # 1 MB of zeros: a high ratio but small
    assert len(archive.read_member(raw, "z.zip", RATINGS_MEMBERS, "ratings")[0]) == 1024 * 1024


def test_member_that_is_itself_a_zip():
    raw = make_zip({"ratings.csv": make_zip({"ratings.csv": b"1,2,3\n"})})
    with pytest.raises(DataError, match="is itself a zip"):
        archive.read_member(raw, "z.zip", RATINGS_MEMBERS, "ratings")


def test_size_formatting():
    assert archive._size(512) == "512 bytes"
    assert archive._size(2048) == "2.0 KB"
    assert archive._size(3 * 1024**3) == "3.0 GB"


@pytest.mark.parametrize("shift", [1, 5])
def test_wrong_central_directory_offset(shift: int):
    raw = bytearray(make_zip({"ratings.csv": b"1,2,3\n" * 10}))
    end = raw.index(b"PK\x05\x06") + 16  # where the central directory's offset is stored
    raw[end : end + 4] = struct.pack("<I", struct.unpack("<I", raw[end : end + 4])[0] + shift)
    with pytest.raises(DataError, match=r"^shifted\.zip"):  # zipfile raises ValueError (negative seek) here
        archive.read_member(bytes(raw), "shifted.zip", RATINGS_MEMBERS, "ratings")


def test_member_name_starting_with_a_null_byte():
    raw = bytearray(make_zip({"ratings.csv": b"1,2,3\n"}))
    at = raw.index(b"PK\x01\x02") + 46  # the file name in the central directory
    raw[at] = 0  # zipfile cuts names at a null byte, leaving an empty name
    with pytest.raises(DataError, match="has no ratings file"):
        archive.read_member(bytes(raw), "null.zip", RATINGS_MEMBERS, "ratings")


SAMPLE_ZIP = make_zip(
    {"ml/ratings.csv": b"userId,movieId,rating\n1,1,4\n2,1,2\n", "ml/movies.csv": b"movieId,title\n1,A\n"}
)


@st.composite
def damaged_zips(draw) -> bytes:
    """SAMPLE_ZIP with a few bytes overwritten and maybe cut short."""
    raw = bytearray(SAMPLE_ZIP)
    for _ in range(draw(st.integers(1, 6))):
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw[: draw(st.integers(1, len(raw)))] if draw(st.booleans()) else raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=damaged_zips())
def test_damaged_zips_give_data_error_or_a_dataset(raw: bytes):
    try:
        ratings, _ = load_dataset(raw, name="fuzz.zip")
    except DataError as error:
        assert str(error).startswith("fuzz.zip")
    else:
        assert ratings.n_ratings > 0
