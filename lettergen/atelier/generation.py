"""« Générer les lettres »: the real batch in a background thread, its progress, the download.

The batch writes into a fresh folder of the server's temporary folder; when it is done, the
letters and ``manifest.csv`` are packed into one ZIP (written under a temporary name, then
renamed), and the merged print PDF, when asked for, is offered on its own.
"""

from __future__ import annotations

import secrets
import threading
import zipfile
from pathlib import Path

from starlette.responses import FileResponse, JSONResponse, Response

from lettergen.atelier import library
from lettergen.atelier.security import HEADERS
from lettergen.atelier.workbench import Job, Workbench
from lettergen.errors import LettergenError, Problem
from lettergen.files import atomic_writer

ZIP_NAME = "lettres.zip"


def start(bench: Workbench, template: str, formats: tuple[str, ...], merge: bool) -> Job:
    """Start generating every letter of the current data with the saved template ``template``."""
    sources = bench.config.sources
    library.template_path(sources.templates_dir, template)
    folder = bench.new_folder("lettres")
    data = bench.data
    job = Job(secrets.token_hex(8), max(1, len(data.recipients) * library.stages(formats, merge)), folder)
    request = library.Generation(
        sources.templates_dir,
        template,
        sources.letterhead,
        sources.letter_date,
        data,
        formats,
        merge,
        folder / "lettres",
    )
    bench.jobs[job.id] = job
    threading.Thread(target=_run, args=(job, request), name=f"atelier-{job.id}", daemon=True).start()
    return job


def _run(job: Job, request: library.Generation) -> None:
    try:
        merged, problems = library.generate_letters(request, job.advance)
        job.problems = problems
        if request.out_dir.is_dir() and any(request.out_dir.iterdir()):
            job.download = pack(request.out_dir, job.folder / ZIP_NAME)
            job.download_name = ZIP_NAME
            job.print_pdf = merged if merged is not None and merged.is_file() else None
        job.done = job.total if job.download else job.done
        job.state = "terminee" if job.download else "echec"
    except LettergenError as error:
        job.problems = error.problems
        job.state = "echec"
    except Exception as error:  # a bug must show on the page, not kill the thread silently
        job.problems = [Problem(None, None, f"génération interrompue : {type(error).__name__} : {error}")]
        job.state = "echec"


def pack(folder: Path, target: Path) -> Path:
    """A ZIP of the letters and manifest of ``folder`` (hidden and temporary files left out)."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    with atomic_writer(target) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.name)
    return target


def file_response(bench: Workbench, job_id: str, print_pdf: bool) -> Response:
    job = bench.jobs.get(job_id)
    path = None if job is None else (job.print_pdf if print_pdf else job.download)
    if job is None or path is None:
        return JSONResponse(
            {"erreur": "rien à télécharger pour ce travail"}, status_code=404, headers=HEADERS
        )
    name = path.name if print_pdf else job.download_name
    media = "application/pdf" if print_pdf else "application/zip"
    return FileResponse(path, media_type=media, filename=name)
