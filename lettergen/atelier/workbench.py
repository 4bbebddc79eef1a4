"""The state of one atelier server: its configuration, its temporary folder, the data in use, the jobs.

One :class:`Workbench` per server (kept in ``app.state``), never a module global. Everything the
atelier writes, apart from a saved template, stays in ``work_dir``: drafts, uploads, generated
letters.
"""

from __future__ import annotations

import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from lettergen.atelier import library
from lettergen.atelier.france_map import Outline, load_outlines
from lettergen.atelier.register_view import CampaignView, register_view
from lettergen.batch import Sources
from lettergen.errors import Problem

MAX_UPLOAD = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv")


@dataclass(frozen=True)
class AtelierConfig:
    """What ``lettergen atelier`` was started with: the campaign's sources, as every command has them."""

    sources: Sources
    registre: Path = Path("registre.sqlite")
    host: str = "127.0.0.1"
    port: int = 8750
    max_upload: int = MAX_UPLOAD


@dataclass
class Job:
    """One « Générer les lettres » run, fed by the batch's progress callback."""

    id: str
    total: int
    folder: Path
    done: int = 0
    state: str = "en_cours"  # en_cours, terminee, echec
    problems: list[Problem] = field(default_factory=list)
    download: Path | None = None
    download_name: str = ""
    print_pdf: Path | None = None

    def advance(self, count: int) -> None:
        self.done = min(self.total, self.done + count)


@dataclass
class Workbench:
    """The mutable state of one server, behind one lock."""

    config: AtelierConfig
    work_dir: Path
    data: library.DataSet
    drafts: library.Drafts
    outlines: tuple[Outline, ...]
    fixed_campaign: CampaignView | None  # tests and demos: shown instead of the register
    uploads: dict[str, tuple[Path, str]] = field(default_factory=dict)  # kind → (path, shown name)
    jobs: dict[str, Job] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, config: AtelierConfig, work_dir: Path, campaign: CampaignView | None = None) -> Workbench:
        sources = config.sources
        data = library.read_data(sources.recipients, sources.figures, sources.sheet, only=sources.only)
        return cls(config, work_dir, data, library.Drafts(work_dir / "brouillons"), load_outlines(), campaign)

    def campaign(self) -> CampaignView | None:
        """The register as it is now (read at each page load: a ``send`` may be running meanwhile)."""
        if self.fixed_campaign is not None:
            return self.fixed_campaign
        return register_view(self.config.registre, self.config.sources.letter_date)

    def new_folder(self, kind: str) -> Path:
        folder = self.work_dir / kind / secrets.token_hex(8)
        folder.mkdir(parents=True)
        return folder

    def use_upload(self, kind: str, path: Path, shown: str) -> library.DataSet:
        """Work with an uploaded file from now on; read the data again."""
        with self.lock:
            self.uploads[kind] = (path, shown)
            return self.reload_data()

    def reload_data(self) -> library.DataSet:
        """Read the recipients and figures again, the uploaded ones in place of the configured ones."""
        sources = self.config.sources
        recipients = self.uploads.get("destinataires", (sources.recipients, ""))
        figures = self.uploads.get("chiffres", (sources.figures, "") if sources.figures else None)
        shown = {str(path): name for path, name in self.uploads.values() if name}
        sheet = None if "destinataires" in self.uploads else sources.sheet
        only = () if "destinataires" in self.uploads else sources.only
        self.data = library.read_data(
            recipients[0], figures[0] if figures and figures[0] else None, sheet, shown, only
        )
        return self.data


def safe_upload_name(name: str) -> str:
    """The uploaded file's own name, reduced to a safe base name (never a path)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base).strip().lstrip(".")
    base = re.sub(r"[^\w.\- ()]+", "_", base)[:120]
    return base or "fichier.csv"
