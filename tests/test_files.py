"""Atomic writes: whole file or nothing, and one French error naming the path."""

from __future__ import annotations

import pytest

from lettergen.errors import OutputError
from lettergen.files import atomic_writer, make_folder, write_atomically


def test_write_atomically_writes_whole_file(tmp_path):
    path = tmp_path / "lettre.docx"
    write_atomically(path, b"abc")
    assert path.read_bytes() == b"abc"
    assert [p.name for p in tmp_path.iterdir()] == ["lettre.docx"]


def test_directory_in_the_way_is_one_french_line(tmp_path):
    (tmp_path / "lettre.docx").mkdir()
    with pytest.raises(OutputError) as caught:
        write_atomically(tmp_path / "lettre.docx", b"abc")
    assert str(caught.value) == (
        f"{tmp_path / 'lettre.docx'}: impossible d'écrire ce fichier : un dossier porte déjà ce nom"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["lettre.docx"]


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(OutputError, match="le dossier n'existe pas"):
        write_atomically(tmp_path / "absent" / "x.csv", b"")


def test_failed_block_leaves_nothing(tmp_path):
    path = tmp_path / "manifest.csv"
    path.write_text("ancien")
    with pytest.raises(RuntimeError), atomic_writer(path, "w", encoding="utf-8") as handle:
        handle.write("nouveau, à moitié")
        raise RuntimeError("interrompu")
    assert path.read_text() == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.csv"]


def test_make_folder_over_a_file_is_one_french_line(tmp_path):
    (tmp_path / "out").write_text("un fichier")
    with pytest.raises(OutputError) as caught:
        make_folder(tmp_path / "out")
    assert (
        str(caught.value)
        == f"{tmp_path / 'out'}: impossible d'écrire ce fichier : un fichier porte déjà ce nom"
    )


def test_make_folder_creates_parents_and_accepts_an_existing_folder(tmp_path):
    assert make_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert make_folder(tmp_path / "a" / "b").is_dir()
