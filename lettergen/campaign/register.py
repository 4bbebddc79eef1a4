"""The campaign register: one SQLite file holding every letter sent and every answer.

Every change is one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``), so a run killed at any
instant leaves the register as it was before or after a change, never in between. WAL journal,
``synchronous=FULL``: a state written before an SMTP transaction is on disk before the server
sees the message. The schema version is SQLite's ``PRAGMA user_version``; ``MIGRATIONS[i]``
takes a register from version ``i`` to ``i + 1``, so a register made by the first release opens
with every later one.

Runs that change the register are serialised by :func:`run_lock`, an ``flock`` on
``<register>.lock``: the kernel releases it when the process dies, even by SIGKILL.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lettergen.errors import RegisterError

DEFAULT_REGISTER = Path("registre.sqlite")
CHANNELS = ("email", "courrier")
PENDING, SENT, FAILED = "en cours", "envoyé", "échec"
RESULTS = ("favorable", "defavorable", "rendez-vous", "sans-suite")

_V1 = """
CREATE TABLE lettres (
    id INTEGER PRIMARY KEY,
    destinataire TEXT NOT NULL,
    nom TEXT NOT NULL DEFAULT '',
    departement TEXT NOT NULL DEFAULT '',
    modele TEXT NOT NULL,
    empreinte TEXT NOT NULL,
    canal TEXT NOT NULL CHECK (canal IN ('email', 'courrier')),
    date_lettre TEXT NOT NULL,
    envoye_le TEXT,
    message_id TEXT UNIQUE,
    adresse TEXT NOT NULL DEFAULT '',
    etat TEXT NOT NULL CHECK (etat IN ('en cours', 'envoyé', 'échec')),
    erreur TEXT NOT NULL DEFAULT '',
    UNIQUE (destinataire, modele, canal)
);
CREATE TABLE reponses (
    id INTEGER PRIMARY KEY,
    destinataire TEXT NOT NULL,
    date TEXT NOT NULL,
    resultat TEXT NOT NULL DEFAULT ''
        CHECK (resultat IN ('', 'favorable', 'defavorable', 'rendez-vous', 'sans-suite')),
    note TEXT NOT NULL DEFAULT '',
    enregistre_le TEXT NOT NULL,
    UNIQUE (destinataire, date, resultat, note)
);
CREATE INDEX reponses_destinataire ON reponses (destinataire);
"""


def _migrate_to_v1(connection: sqlite3.Connection) -> None:
    for statement in _V1.split(";"):
        if statement.strip():
            connection.execute(statement)


#: ``MIGRATIONS[i]`` upgrades a register of schema version ``i`` to ``i + 1``.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_to_v1,)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class SentLetter:
    """One letter of the register: who, which letter, by which channel, and its fate."""

    destinataire: str
    modele: str
    canal: str
    date_lettre: _dt.date
    etat: str
    empreinte: str = ""
    nom: str = ""
    departement: str = ""
    adresse: str = ""
    message_id: str | None = None
    envoye_le: str | None = None  # ISO 8601; for a posted letter, its letter date
    erreur: str = ""


@dataclass(frozen=True)
class Answer:
    """One answer from a recipient."""

    destinataire: str
    date: _dt.date
    resultat: str = ""
    note: str = ""


_LETTER_COLUMNS = (
    "destinataire, modele, canal, date_lettre, etat, empreinte, nom, departement, adresse, "
    "message_id, envoye_le, erreur"
)


def now_utc() -> str:
    """The time as the register writes it: ISO 8601, UTC, to the second."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


class Register:
    """An open register. Every public method that writes is one transaction."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self._db = connection
        self.path = path

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- letters -----------------------------------------------------------------------

    def letters(self) -> list[SentLetter]:
        """Every letter, in the order they were recorded."""
        rows = self._db.execute(f"SELECT {_LETTER_COLUMNS} FROM lettres ORDER BY id").fetchall()
        return [_letter(row) for row in rows]

    def letters_for(self, modele: str, canal: str) -> dict[str, SentLetter]:
        """The letters of one template by one channel, by recipient id."""
        rows = self._db.execute(
            f"SELECT {_LETTER_COLUMNS} FROM lettres WHERE modele = ? AND canal = ? ORDER BY id",
            (modele, canal),
        ).fetchall()
        return {row[0]: _letter(row) for row in rows}

    def mark_pending(self, letter: SentLetter) -> None:
        """Record a message as ``en cours`` with its Message-ID, before the SMTP transaction."""
        with self._transaction() as db:
            db.execute(
                f"INSERT INTO lettres ({_LETTER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (destinataire, modele, canal) DO UPDATE SET etat = excluded.etat, "
                "empreinte = excluded.empreinte, date_lettre = excluded.date_lettre, "
                "adresse = excluded.adresse, message_id = excluded.message_id, nom = excluded.nom, "
                "departement = excluded.departement, envoye_le = NULL, erreur = ''",
                _values(letter, PENDING),
            )

    def mark_sent(self, destinataire: str, modele: str, canal: str, when: str | None = None) -> None:
        """The server accepted the message."""
        self._set_state(destinataire, modele, canal, SENT, "", when or now_utc())

    def mark_failed(self, destinataire: str, modele: str, canal: str, error: str) -> None:
        """The server refused the message for this recipient."""
        self._set_state(destinataire, modele, canal, FAILED, error, now_utc())

    def forget_pending(self, destinataire: str, modele: str, canal: str) -> None:
        """Drop a pending row whose message certainly never reached the server."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM lettres WHERE destinataire = ? AND modele = ? AND canal = ? AND etat = ?",
                (destinataire, modele, canal, PENDING),
            )

    def _set_state(
        self, destinataire: str, modele: str, canal: str, etat: str, error: str, when: str
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE lettres SET etat = ?, erreur = ?, envoye_le = ? "
                "WHERE destinataire = ? AND modele = ? AND canal = ?",
                (etat, error, when, destinataire, modele, canal),
            )

    def record_posted(self, letters: Iterable[SentLetter]) -> int:
        """Record letters as posted (state ``envoyé``), skipping those already recorded; one transaction."""
        added = 0
        with self._transaction() as db:
            for letter in letters:
                cursor = db.execute(
                    f"INSERT INTO lettres ({_LETTER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (destinataire, modele, canal) DO NOTHING",
                    _values(letter, SENT),
                )
                added += cursor.rowcount
        return added

    # --- answers -----------------------------------------------------------------------

    def known_ids(self) -> set[str]:
        """The ids of every recipient who was sent (or was to be sent) a letter."""
        return {row[0] for row in self._db.execute("SELECT DISTINCT destinataire FROM lettres")}

    def add_answers(self, answers: Iterable[Answer]) -> int:
        """Record answers in one transaction; an answer already recorded is left as it is.

        ``ON CONFLICT … DO NOTHING``, not ``INSERT OR IGNORE``, which would also drop a row
        that breaks a CHECK constraint without a word.
        """
        added = 0
        when = now_utc()
        with self._transaction() as db:
            for answer in answers:
                cursor = db.execute(
                    "INSERT INTO reponses (destinataire, date, resultat, note, enregistre_le) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (destinataire, date, resultat, note) DO NOTHING",
                    (answer.destinataire, answer.date.isoformat(), answer.resultat, answer.note, when),
                )
                added += cursor.rowcount
        return added

    def answers(self) -> list[Answer]:
        """Every answer, oldest first."""
        rows = self._db.execute(
            "SELECT destinataire, date, resultat, note FROM reponses ORDER BY date, id"
        ).fetchall()
        return [Answer(row[0], _dt.date.fromisoformat(row[1]), row[2], row[3]) for row in rows]


def _values(letter: SentLetter, etat: str) -> tuple[object, ...]:
    return (
        letter.destinataire,
        letter.modele,
        letter.canal,
        letter.date_lettre.isoformat(),
        etat,
        letter.empreinte,
        letter.nom,
        letter.departement,
        letter.adresse,
        letter.message_id,
        letter.envoye_le,
        letter.erreur,
    )


def _letter(row: tuple) -> SentLetter:
    values = list(row)
    values[3] = _dt.date.fromisoformat(values[3])
    return SentLetter(*values)


# --- opening ----------------------------------------------------------------------------


def open_register(path: str | os.PathLike[str] = DEFAULT_REGISTER, create: bool = True) -> Register:
    """Open (or create) a register and bring its schema up to date.

    ``create=False``: a missing file is a :class:`RegisterError` (``status``, ``replies``, ``followup``).
    """
    path = Path(path)
    if not create and not path.is_file():
        raise RegisterError(
            "registre introuvable : aucune lettre n'y est encore enregistrée "
            "(lancez d'abord « lettergen send », ou indiquez --registre FICHIER)",
            file=str(path),
        )
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    except sqlite3.Error as error:
        raise RegisterError(f"impossible d'ouvrir le registre : {error}", file=str(path)) from None
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        _migrate(connection, path)
    except sqlite3.DatabaseError as error:
        connection.close()
        raise RegisterError(
            f"ce fichier n'est pas un registre lettergen lisible ({error})", file=str(path)
        ) from None
    except BaseException:
        connection.close()
        raise
    return Register(connection, path)


def read_register(path: str | os.PathLike[str]) -> Register:
    """Open an existing register read-only (the atelier): never migrates, never waits for a writer.

    A read-only connection takes no write lock, so the atelier can show a register while a
    ``send`` is writing it (WAL readers see the last committed state).
    """
    path = Path(path)
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as error:
        raise RegisterError(f"impossible d'ouvrir le registre : {error}", file=str(path)) from None
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        connection.execute("SELECT 1 FROM lettres LIMIT 1").fetchall()
    except sqlite3.Error as error:
        connection.close()
        raise RegisterError(
            f"ce fichier n'est pas un registre lettergen lisible ({error})", file=str(path)
        ) from None
    if version != SCHEMA_VERSION:
        connection.close()
        upgrade = (
            "mettez lettergen à jour" if version > SCHEMA_VERSION else "« lettergen status » le met à jour"
        )
        raise RegisterError(
            f"registre au schéma {version}, cette version de lettergen lit le schéma "
            f"{SCHEMA_VERSION} : {upgrade}",
            file=str(path),
        )
    return Register(connection, path)


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations this register lacks, each in its own transaction."""
    while True:
        connection.execute("BEGIN IMMEDIATE")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            connection.execute("ROLLBACK")
            if version > SCHEMA_VERSION:
                raise RegisterError(
                    f"registre créé par une version plus récente de lettergen (schéma {version}, "
                    f"cette version lit jusqu'au schéma {SCHEMA_VERSION}) : mettez lettergen à jour",
                    file=str(path),
                )
            return
        try:
            MIGRATIONS[version](connection)
            connection.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


@contextmanager
def run_lock(path: str | os.PathLike[str] = DEFAULT_REGISTER) -> Iterator[None]:
    """Hold the register's run lock; a second run on the same register gets a French refusal.

    The lock is an ``flock`` on ``<register>.lock``: the kernel drops it when the process ends,
    however it ends, so a killed run never blocks the next one.
    """
    lock_path = Path(f"{os.fspath(path)}.lock")
    try:
        handle = open(lock_path, "a")  # noqa: SIM115 - held open for the whole run, closed below
    except OSError as error:
        raise RegisterError(
            f"impossible de verrouiller le registre : {error.strerror or error}", file=str(lock_path)
        ) from None
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RegisterError(
                "registre déjà utilisé par une autre commande lettergen en cours : "
                "attendez qu'elle se termine, puis relancez",
                file=os.fspath(path),
            ) from None
        yield
    finally:
        handle.close()
