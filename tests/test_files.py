"""Atomic writes: whole file or nothing, and one French error naming the path."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from lettergen.errors import OutputError
from lettergen.files import (
    LOCK_NAME,
    atomic_writer,
    folder_lock,
    make_folder,
    open_existing,
    output_error,
    temporary_name,
    write_atomically,
)


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


# --- links, special files, locks, limits -----------------------------------------------------

LINK = "impossible d'écrire ce fichier : c'est un lien symbolique (lettergen ne suit pas les liens du dossier de sortie)"  # noqa: E501


def test_a_link_under_the_final_name_is_refused_and_its_target_kept(tmp_path):
    target = tmp_path / "ailleurs.txt"
    target.write_bytes(b"intact")
    (tmp_path / "lettre.docx").symlink_to(target)
    with pytest.raises(OutputError) as caught:
        write_atomically(tmp_path / "lettre.docx", b"abc")
    assert str(caught.value) == f"{tmp_path / 'lettre.docx'}: {LINK}"
    assert target.read_bytes() == b"intact"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ailleurs.txt", "lettre.docx"]


def test_a_link_under_the_temporary_name_is_replaced_not_followed(tmp_path):
    target = tmp_path / "ailleurs.txt"
    target.write_bytes(b"intact")
    temporary_name(tmp_path / "lettre.docx").symlink_to(target)
    write_atomically(tmp_path / "lettre.docx", b"abc")
    assert (tmp_path / "lettre.docx").read_bytes() == b"abc"
    assert target.read_bytes() == b"intact"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ailleurs.txt", "lettre.docx"]


def test_open_existing_reads_regular_files_only_and_never_a_link(tmp_path):
    (tmp_path / "vrai.csv").write_text("a")
    fd = open_existing(tmp_path / "vrai.csv")
    assert fd is not None
    with open(fd) as handle:
        assert handle.read() == "a"
    os.mkfifo(tmp_path / "tube")
    assert open_existing(tmp_path / "tube") is None  # at once: a FIFO would wait for a writer
    assert open_existing(tmp_path) is None
    assert open_existing(tmp_path / "absent") is None
    (tmp_path / "lien").symlink_to(tmp_path / "vrai.csv")
    with pytest.raises(OutputError) as caught:
        open_existing(tmp_path / "lien")
    assert str(caught.value) == f"{tmp_path / 'lien'}: {LINK}"


BUSY = (
    "un autre « lettergen generate » écrit déjà dans ce dossier : "
    "attendez qu'il se termine, ou choisissez un autre dossier (-o)"
)


def test_folder_lock_refuses_a_second_holder_and_leaves_nothing(tmp_path):
    with folder_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).exists()
        with pytest.raises(OutputError) as caught, folder_lock(tmp_path):
            pass
        assert str(caught.value) == f"{tmp_path}: {BUSY}"
    assert list(tmp_path.iterdir()) == []
    with folder_lock(tmp_path):  # released: taken again at once
        pass


def test_folder_lock_dies_with_a_killed_process(tmp_path):
    """kill -9 leaves the lock file, not the lock: the next holder takes it."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from lettergen.files import folder_lock\n"
            "with folder_lock(sys.argv[1]):\n    print('pris', flush=True); time.sleep(60)\n",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "pris\n"
        with pytest.raises(OutputError, match="un autre « lettergen generate »"), folder_lock(tmp_path):
            pass
    finally:
        holder.kill()
        holder.communicate()
    assert (tmp_path / LOCK_NAME).exists()
    with folder_lock(tmp_path):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_file_size_limit_is_one_french_line_and_leaves_nothing(tmp_path):
    """EFBIG, as a full disk would give ENOSPC: injected with RLIMIT_FSIZE in a child process."""
    script = (
        "import resource, sys\n"
        "from lettergen.files import write_atomically\n"
        "from lettergen.errors import OutputError\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
        "try:\n    write_atomically(sys.argv[1], b'x' * 5000)\n"
        "except OutputError as error:\n    print(error)\n"
    )
    target = tmp_path / "lettre.docx"
    done = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True)
    assert done.stdout == (
        f"{target}: impossible d'écrire ce fichier : "
        "fichier trop grand pour ce disque (limite de taille atteinte)\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "le disque est plein"),
        (errno.EROFS, "écriture refusée (disque en lecture seule)"),
        (errno.ELOOP, "c'est un lien symbolique (lettergen ne suit pas les liens du dossier de sortie)"),
        (errno.EIO, "écriture impossible (Input/output error)"),
    ],
)
def test_output_error_names_the_path_and_the_reason(code, reason):
    assert str(output_error("out/x.docx", OSError(code, os.strerror(code)))) == (
        f"out/x.docx: impossible d'écrire ce fichier : {reason}"
    )
