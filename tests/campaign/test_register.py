"""The register: schema version and migrations, one transaction per change, the run lock."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from lettergen.campaign.register import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Answer,
    SentLetter,
    open_register,
    run_lock,
)
from lettergen.cli import cli
from lettergen.errors import RegisterError
from tests.campaign.conftest import REPO

DAY = dt.date(2021, 7, 1)


def letter(letter_id: str = "33", etat: str = "en cours") -> SentLetter:
    return SentLetter(
        letter_id, "segur", "email", DAY, etat, "e" * 64, "Claire MARTIN", "33", "c@x.fr", f"<{letter_id}@x>"
    )


def test_new_register_is_wal_at_current_schema(tmp_path):
    path = tmp_path / "registre.sqlite"
    with open_register(path):
        pass
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"lettres", "reponses"}


def test_a_v0_file_is_migrated_and_a_newer_one_refused(tmp_path):
    path = tmp_path / "r.sqlite"
    sqlite3.connect(path).close()  # an empty SQLite file: schema version 0
    with open_register(path) as register:
        assert register.letters() == []
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RegisterError) as error:
        open_register(path)
    assert str(error.value).startswith(f"{path}: registre créé par une version plus récente de lettergen")


def test_not_a_register_and_missing_register(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_text("pas une base de données\n" * 100)
    with pytest.raises(RegisterError, match="n'est pas un registre lettergen lisible"):
        open_register(junk)
    with pytest.raises(RegisterError, match="registre introuvable"):
        open_register(tmp_path / "absent.sqlite", create=False)
    assert not (tmp_path / "absent.sqlite").exists()


def test_outbox_states_and_answers(tmp_path):
    with open_register(tmp_path / "r.sqlite") as register:
        register.mark_pending(letter("33"))
        register.mark_pending(letter("59"))
        register.mark_sent("33", "segur", "email", "2021-07-01T08:00:00+00:00")
        register.mark_failed("59", "segur", "email", "550 Adresse inconnue")
        by_id = register.letters_for("segur", "email")
        assert (by_id["33"].etat, by_id["33"].envoye_le) == ("envoyé", "2021-07-01T08:00:00+00:00")
        assert (by_id["59"].etat, by_id["59"].erreur) == ("échec", "550 Adresse inconnue")
        assert register.letters_for("segur", "courrier") == {}
        answer = Answer("33", dt.date(2021, 9, 1), "rendez-vous", "RDV le 12")
        assert register.add_answers([answer, answer]) == 1
        assert register.add_answers([answer]) == 0
        assert register.answers() == [answer]


def test_a_failed_transaction_leaves_nothing(tmp_path):
    with open_register(tmp_path / "r.sqlite") as register:
        bad = Answer("33", DAY, "peut-être")  # refused by the CHECK constraint
        with pytest.raises(sqlite3.IntegrityError):
            register.add_answers([Answer("33", DAY, "favorable"), bad])
        assert register.answers() == []


def _hold_lock(path) -> subprocess.Popen:
    code = (
        "import sys, time; from lettergen.campaign.register import run_lock\n"
        "with run_lock(sys.argv[1]):\n    print('verrou', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert holder.stdout is not None and holder.stdout.readline() == "verrou\n"
    return holder


def test_second_run_refused_then_sigkill_releases_the_lock(tmp_path):
    path = tmp_path / "registre.sqlite"
    holder = _hold_lock(path)
    try:
        with pytest.raises(RegisterError) as error, run_lock(path):
            pass
        assert str(error.value) == (
            f"{path}: registre déjà utilisé par une autre commande lettergen en cours : "
            "attendez qu'elle se termine, puis relancez"
        )
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.communicate()  # reaps the process and closes its pipes
    with run_lock(path):  # the kernel dropped the dead process's lock
        pass


def test_cli_refuses_a_concurrent_run(campaign_dir):
    holder = _hold_lock(campaign_dir / "registre.sqlite")
    try:
        result = CliRunner().invoke(cli, ["send", "--via", "courrier", "--date", "2021-07-01"])
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.communicate()  # reaps the process and closes its pipes
    assert result.exit_code == 1
    assert "registre.sqlite: registre déjà utilisé par une autre commande lettergen en cours" in result.output
