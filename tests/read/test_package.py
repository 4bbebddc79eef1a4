"""lettergen.read.package: zip members bounded before and while inflating, no DTD reaches a parser."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettergen.read.package import BoundedZip, PackageError, ZipLimits

SMALL = ZipLimits(members=5, member_bytes=1 << 20, total_bytes=2 << 20, ratio=50, ratio_from=1 << 16)


def package(parts: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def refusal(parts: dict[str, bytes], read: str | None = None) -> PackageError:
    with pytest.raises(PackageError) as refused, BoundedZip(package(parts), SMALL) as archive:
        archive.read(read or next(iter(parts)))
    return refused.value


def test_a_valid_package_reads_as_zipfile_does() -> None:
    parts = {"a.xml": b'<?xml version="1.0"?><!-- x --><a>&amp;</a>', "b.bin": bytes(range(256)) * 10}
    with BoundedZip(package(parts), SMALL) as archive:
        assert {name: archive.read(name) for name in parts} == parts
        with archive.open("a.xml") as member:
            assert member.read(3) + member.read() == parts["a.xml"]


def test_too_many_members() -> None:
    error = refusal({f"{i}.txt": b"" for i in range(6)})
    assert str(error) == "6 fichiers dans l'archive, au-delà de la limite de 5"


def test_a_member_over_the_size_limit() -> None:
    error = refusal({"big.txt": bytes(range(256)) * 8192})
    assert str(error) == "2 Mo une fois décompressé, au-delà de la limite de 1 Mo (partie « big.txt »)"


def test_a_member_over_the_ratio() -> None:
    error = refusal({"zeros.bin": bytes(1 << 19)})
    assert error.part == "zeros.bin" and error.reason.startswith("taux de compression de ")


def test_members_over_the_total() -> None:
    noise = random.Random(0)  # incompressible: the ratio stays near 1
    parts = {f"{i}.bin": noise.randbytes(768_000) for i in range(3)}
    assert str(refusal(parts)) == "2,2 Mo une fois décompressé, au-delà de la limite de 2 Mo"


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        b'<!DOCTYPE a SYSTEM "http://example.com/a.dtd"><a/>',
        b'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a><a/>'.decode().encode("utf-16"),
        b"\xef\xbb\xbf<!-- c --><?pi x?>\n<!DOCTYPE a []><a/>",
    ],
    ids=["entites", "dtd-externe", "utf-16", "bom-commentaire"],
)
def test_a_dtd_is_refused_whatever_the_encoding(xml: bytes) -> None:
    error = refusal({"word/header1.xml": xml})
    assert str(error) == "déclaration de type de document (DTD) interdite (partie « word/header1.xml »)"


def test_a_dtd_in_a_member_not_named_xml_is_refused_too() -> None:
    assert refusal({"customXml/item1.bin": b"<!DOCTYPE a><a/>"}).reason.startswith("déclaration")


def test_broken_xml_is_damaged_not_refused() -> None:
    error = refusal({"a.xml": b"<a"})
    assert error.damaged and error.verdict == "illisible" and error.reason.startswith("XML illisible")


@given(st.binary(max_size=300))
def test_any_bytes_as_a_member_read_or_raise_package_error(data: bytes) -> None:
    try:
        with BoundedZip(package({"x.xml": data}), SMALL) as archive:
            assert archive.read("x.xml") == data
    except PackageError:
        pass


def test_from_path_refuses_a_fifo(tmp_path: Path) -> None:
    import os

    from lettergen.read.regular import NotRegular

    os.mkfifo(tmp_path / "f.xlsx")
    with pytest.raises(NotRegular):
        BoundedZip.from_path(tmp_path / "f.xlsx")


@pytest.mark.parametrize("data", [b"<\x00\x01binary", b"\x00\x00\x01\x00font", b"<?not xml at all", b""])
def test_binary_members_that_start_like_xml_are_read_as_they_are(data: bytes) -> None:
    with BoundedZip(package({"word/fonts/font1.odttf": data}), SMALL) as archive:
        assert archive.read("word/fonts/font1.odttf") == data


def test_an_xml_member_in_an_encoding_expat_does_not_know_is_refused() -> None:
    xml = b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE a+AD4-<a/>'
    error = refusal({"word/header1.xml": xml})
    assert error.damaged and error.part == "word/header1.xml"
