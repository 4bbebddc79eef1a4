"""lettergen.read.regular: only regular files are opened, in French when they are not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lettergen.read.regular import NotRegular, check_regular, megabytes, open_regular, read_regular


def test_a_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"nom\nA\n")
    assert read_regular(path, 100) == b"nom\nA\n"
    assert check_regular(path) is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: os.mkfifo(p), "c'est un tube nommé (FIFO), pas un fichier ordinaire"),
        (lambda p: p.mkdir(), "c'est un dossier, pas un fichier"),
        (lambda p: None, "fichier introuvable"),
    ],
    ids=["fifo", "dossier", "absent"],
)
def test_what_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, make, reason: str) -> None:
    path = tmp_path / "x"
    make(path)
    with pytest.raises(NotRegular) as refused:
        open_regular(path)
    assert refused.value.reason == reason
    assert check_regular(path) == reason


def test_a_device_is_refused_without_reading() -> None:
    assert check_regular("/dev/zero") == "c'est un périphérique, pas un fichier ordinaire"


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "gros.csv"
    with open(path, "wb") as handle:
        handle.truncate(150 << 20)
    with pytest.raises(NotRegular, match="fichier de 150 Mo, au-delà de la limite de 100 Mo"):
        read_regular(path, 100 << 20)


@pytest.mark.parametrize(
    ("size", "text"), [(5, "5 octets"), (2048, "2 ko"), (3 << 30, "3 Go"), (int(1.5 * (1 << 20)), "1,5 Mo")]
)
def test_sizes_are_written_the_french_way(size: int, text: str) -> None:
    assert megabytes(size) == text
