"""The atelier's web application: Starlette routes over a :class:`Workbench`.

Starlette rather than Flask: the atelier is a handful of JSON routes and one page, and Starlette
is ASGI (uvicorn serves it with a clean Ctrl-C shutdown, its TestClient tests it without a
socket), small, typed and well kept, and it leaves templating to the Jinja we already have.
Every library call goes through :mod:`lettergen.atelier.library`; the slow ones run in
Starlette's thread pool so a long render never blocks the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lettergen.atelier import generation, library
from lettergen.atelier.france_map import map_svg
from lettergen.atelier.register_view import STATES, CampaignView
from lettergen.atelier.security import HEADERS, Guard, SecurityMiddleware, allowed_hosts, new_token, too_large
from lettergen.atelier.workbench import UPLOAD_SUFFIXES, AtelierConfig, Workbench, safe_upload_name
from lettergen.errors import LettergenError, Problem
from lettergen.writers.html import PAGE_CSS

HERE = Path(__file__).parent
UPLOAD_KINDS = {"destinataires": "Fichier des destinataires", "chiffres": "Fichier des chiffres"}
#: Room for the multipart envelope around an upload of the largest size allowed.
ENVELOPE = 64 * 1024


def create_app(
    config: AtelierConfig,
    work_dir: Path,
    token: str | None = None,
    campaign: CampaignView | None = None,
) -> Starlette:
    """The application for one server; ``campaign`` replaces the register's view (tests, demos)."""
    bench = Workbench.open(config, work_dir, campaign)
    guard = Guard(
        token or new_token(),
        new_token(),
        allowed_hosts(config.host, config.port),
        config.max_upload + ENVELOPE,
    )
    routes = [
        Route("/", page),
        Route("/lettre.css", letter_css),
        Route("/favicon.ico", no_icon),
        Route("/api/modele", template_source),
        Route("/api/apercu", preview, methods=["POST"]),
        Route("/api/enregistrer", save, methods=["POST"]),
        Route("/api/fichier", upload, methods=["POST"]),
        Route("/api/generer", start_generation, methods=["POST"]),
        Route("/api/travaux/{job}", job_status),
        Route("/telecharger/{job}", download),
        Route("/telecharger/{job}/impression", download_print),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityMiddleware, guard=guard)])
    app.state.bench = bench
    app.state.guard = guard
    app.state.pages = Environment(
        loader=FileSystemLoader(HERE / "pages"), autoescape=select_autoescape(default=True)
    )
    return app


def _bench(request: Request) -> Workbench:
    return request.app.state.bench


def problem_json(problem: Problem) -> dict[str, Any]:
    return {"texte": str(problem), "fichier": problem.file, "ligne": problem.line}


def refused(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"erreur": message}, status_code=status, headers=HEADERS)


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise library.Refused("requête illisible : un objet JSON est attendu")
    return body


def _text(body: dict[str, Any], key: str, default: str = "") -> str:
    value = body.get(key, default)
    if not isinstance(value, str):
        raise library.Refused(f"champ « {key} » : du texte est attendu")
    return value


# --------------------------------------------------------------------------- the page


def render_page(request: Request, name: str, **values: Any) -> HTMLResponse:
    template = request.app.state.pages.get_template(name)
    return HTMLResponse(template.render(**values))


async def page(request: Request) -> Response:
    bench = _bench(request)
    sources = bench.config.sources
    known = {v.name for v in library.variants(sources.templates_dir)}
    name = sources.template if sources.template in known else ""
    try:
        source = library.template_source(sources.templates_dir, name) if name else ""
    except library.Refused:
        name, source = "", ""
    campaign = await run_in_threadpool(bench.campaign)
    return render_page(
        request,
        "index.html",
        csrf=request.app.state.guard.csrf,
        variants=library.variants(sources.templates_dir),
        template=name,
        template_file=library.shown_template(sources.templates_dir, name) if name else "",
        source=source,
        recipients=[(r.id, library.recipient_label(r)) for r in bench.data.recipients],
        data_problems=[str(p) for p in bench.data.problems],
        tables=_tables(bench),
        letter_date=sources.letter_date,
        campaign=campaign,
        states=STATES,
        map_svg=map_svg(bench.outlines, campaign.states) if campaign else "",
        max_upload_mo=bench.config.max_upload // (1024 * 1024),
    )


async def no_icon(request: Request) -> Response:
    return Response(status_code=204)


async def letter_css(request: Request) -> Response:
    return Response(PAGE_CSS, media_type="text/css")


def _tables(bench: Workbench) -> list[library.TableView]:
    data = bench.data
    files = [(data.recipients_path, data.shown.get(str(data.recipients_path), str(data.recipients_path)))]
    if data.figures_path is not None:
        files.append((data.figures_path, data.shown.get(str(data.figures_path), str(data.figures_path))))
    return [library.table_view(path, shown, data, data.sheet) for path, shown in files]


# --------------------------------------------------------------------------- « Lettre »


async def template_source(request: Request) -> Response:
    bench = _bench(request)
    name = request.query_params.get("nom", "")
    try:
        source = library.template_source(bench.config.sources.templates_dir, name)
    except library.Refused as error:
        return refused(error.message)
    return JSONResponse(
        {
            "modele": name,
            "source": source,
            "fichier": library.shown_template(bench.config.sources.templates_dir, name),
        }
    )


async def preview(request: Request) -> Response:
    bench = _bench(request)
    try:
        body = await _json(request)
        name, source = _text(body, "modele"), _text(body, "source")
        recipient = _text(body, "destinataire")
        library.template_path(bench.config.sources.templates_dir, name)
    except library.Refused as error:
        return refused(error.message)
    draft = await run_in_threadpool(
        library.render_draft,
        bench.drafts,
        bench.config.sources.templates_dir,
        name,
        source,
        bench.data,
        recipient,
        bench.config.sources.letter_date,
    )
    return JSONResponse(
        {
            "html": draft.html,
            "problemes": [problem_json(p) for p in draft.problems],
            "diff": draft.diff,
            "parent": draft.parent,
            "fichier": library.shown_template(bench.config.sources.templates_dir, name),
        }
    )


async def save(request: Request) -> Response:
    bench = _bench(request)
    try:
        body = await _json(request)
        name, source = _text(body, "modele"), _text(body, "source")
        library.template_path(bench.config.sources.templates_dir, name)
        problems = await run_in_threadpool(
            library.save_template,
            bench.drafts,
            bench.config.sources.templates_dir,
            name,
            source,
            bench.data,
            bench.config.sources.letter_date,
        )
    except library.Refused as error:
        return refused(error.message)
    except LettergenError as error:  # the file could not be written
        return refused(f"modèle non enregistré : {error}", 500)
    shown = library.shown_template(bench.config.sources.templates_dir, name)
    if problems:
        message = f"Modèle non enregistré : {shown} ne produit pas de lettre (voir « Problèmes »)."
    else:
        message = f"Modèle enregistré dans {shown}."
    return JSONResponse(
        {"enregistre": not problems, "message": message, "problemes": [problem_json(p) for p in problems]},
        status_code=422 if problems else 200,
    )


# --------------------------------------------------------------------------- « Destinataires »


async def upload(request: Request) -> Response:
    bench = _bench(request)
    limit = bench.config.max_upload
    # The form's spooled files are closed when the block ends (a file left open is a warning).
    async with request.form(max_files=1, max_fields=4) as form:
        return await _store_upload(request, bench, limit, form)


async def _store_upload(request: Request, bench, limit: int, form) -> Response:
    kind, file = form.get("genre"), form.get("fichier")
    if kind not in UPLOAD_KINDS or not isinstance(file, UploadFile):
        return refused("envoyez un fichier des destinataires ou des chiffres (CSV ou XLSX)")
    shown = safe_upload_name(file.filename or "")
    if not shown.lower().endswith(UPLOAD_SUFFIXES):
        return refused(f"« {shown} » : seuls les fichiers CSV ou XLSX sont acceptés")
    data = await file.read(limit + 1)
    if len(data) > limit:
        return refused(too_large(limit), 413)
    path = bench.new_folder("televersements") / shown
    path.write_bytes(data)
    dataset = await run_in_threadpool(bench.use_upload, str(kind), path, shown)
    tables = await run_in_threadpool(_tables, bench)
    table_html = request.app.state.pages.get_template("tables.html").render(tables=tables)
    count = len(dataset.recipients)
    return JSONResponse(
        {
            "message": f"{UPLOAD_KINDS[str(kind)]} « {shown} » chargé : {count} destinataire(s) valable(s).",
            "tableau": table_html,
            "problemes": [problem_json(p) for p in dataset.problems],
            "destinataires": [
                {"id": r.id, "libelle": library.recipient_label(r)} for r in dataset.recipients
            ],
        }
    )


# --------------------------------------------------------------------------- « Générer »


async def start_generation(request: Request) -> Response:
    bench = _bench(request)
    try:
        body = await _json(request)
        name = _text(body, "modele")
        formats = body.get("formats") or ["docx"]
        if not isinstance(formats, list) or not set(formats) <= {"docx", "pdf"}:
            raise library.Refused("formats possibles : docx, pdf")
        job = generation.start(bench, name, tuple(dict.fromkeys(formats)), bool(body.get("fusion")))
    except library.Refused as error:
        return refused(error.message)
    return JSONResponse({"travail": job.id})


async def job_status(request: Request) -> Response:
    job = _bench(request).jobs.get(request.path_params["job"])
    if job is None:
        return refused("travail inconnu", 404)
    return JSONResponse(
        {
            "fait": job.done,
            "total": job.total,
            "etat": job.state,
            "problemes": [problem_json(p) for p in job.problems],
            "telechargement": f"/telecharger/{job.id}" if job.download else None,
            "impression": f"/telecharger/{job.id}/impression" if job.print_pdf else None,
        }
    )


async def download(request: Request) -> Response:
    return generation.file_response(_bench(request), request.path_params["job"], print_pdf=False)


async def download_print(request: Request) -> Response:
    return generation.file_response(_bench(request), request.path_params["job"], print_pdf=True)
