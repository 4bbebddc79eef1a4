"""Command line of the campaign: ``send``, ``replies``, ``followup``, ``status``.

The commands are installed on the ``lettergen`` group by :func:`install`, which receives the
group's shared pieces (data options, sources, error printing) in a :class:`CliKit`: this module
never imports ``lettergen.cli``, so there is no import circle.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from lettergen.campaign.followup import DEFAULT_TEMPLATE as FOLLOWUP_TEMPLATE
from lettergen.campaign.followup import due_followups
from lettergen.campaign.messages import Mailbox, parse_sender
from lettergen.campaign.register import DEFAULT_REGISTER, RESULTS, Answer, Register, open_register, run_lock
from lettergen.campaign.replies import read_answers
from lettergen.campaign.sending import (
    Outbox,
    Plan,
    SendOptions,
    SendReport,
    plan_email,
    record_posted,
    send_all,
    write_drafts,
)
from lettergen.campaign.smtp import DEFAULT_RATE, PASSWORD_VARIABLE, Transport, parse_smtp_url, tls_context
from lettergen.campaign.status import format_csv, format_text, status_rows, xlsx_bytes
from lettergen.errors import InvalidInput, LettergenError, Problem, RegisterError
from lettergen.files import write_atomically
from lettergen.french import date_longue, pluriel

EXAMPLE_DOMAIN = "federation-exemple.org"  # the shipped campagne.toml's sender


@dataclass(frozen=True)
class CliKit:
    """What the campaign commands share with the rest of the command line."""

    data_options: Callable[..., Any]
    data_keys: tuple[str, ...]  # the data options' parameter names, in ``sources``' order
    sources: Callable[..., Any]
    fail: Callable[[LettergenError], None]
    warn: Callable[[list[Problem]], None]
    progress: Callable[[int], Any]


def install(group: click.Group, kit: CliKit) -> None:
    """Add ``send``, ``replies``, ``followup`` and ``status`` to ``group``."""
    group.add_command(_send_command(kit))
    group.add_command(_replies_group())
    group.add_command(_followup_command(kit))
    group.add_command(_status_command())


def _apply(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def decorate(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


REGISTER_OPTION = click.option(
    "--registre",
    "registre",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FICHIER",
    default=DEFAULT_REGISTER,
    show_default=True,
    help="Registre de la campagne (fichier SQLite).",
)

SEND_OPTIONS = [
    click.option(
        "--via", "via", type=click.Choice(["email", "courrier"]), required=True, help="Canal d'envoi."
    ),
    REGISTER_OPTION,
    click.option(
        "--smtp",
        "smtp",
        metavar="URL",
        help="Serveur SMTP : smtp://HÔTE:PORT, smtp+starttls://…, smtps://… "
        "(UTILISATEUR@ avant l'hôte ; défaut : [envoi] smtp de campagne.toml).",
    ),
    click.option(
        "--smtp-ca",
        "smtp_ca",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        metavar="FICHIER",
        help="Certificats d'autorité (PEM) à reconnaître en plus de ceux du système, "
        "pour un serveur SMTP à certificat interne.",
    ),
    click.option(
        "--confirm", is_flag=True, help="Envoyer pour de bon (sans cette option : essai, rien n'est envoyé)."
    ),
    click.option(
        "--limit",
        "limit",
        type=click.IntRange(min=1),
        metavar="N",
        help="Au plus N messages pendant cette exécution.",
    ),
    click.option(
        "--rate",
        "rate",
        type=click.IntRange(min=1),
        metavar="N",
        default=DEFAULT_RATE,
        help=f"Au plus N messages par minute ({DEFAULT_RATE} par défaut : sous la limite de Microsoft 365, "
        "30 par minute).",
    ),
    click.option(
        "--drafts",
        "drafts",
        type=click.Path(path_type=Path, file_okay=False),
        metavar="DOSSIER",
        help="Écrire un fichier .eml par message dans ce dossier, au lieu d'envoyer.",
    ),
    click.option(
        "--retry-uncertain",
        is_flag=True,
        help="Renvoyer aussi les messages « incertains » (exécution interrompue pendant l'envoi).",
    ),
    click.option(
        "--skip-invalid",
        is_flag=True,
        help="Envoyer aux destinataires valides et lister les autres (code de sortie 1).",
    ),
    click.option(
        "--followup-after",
        "followup_after",
        type=click.IntRange(min=0),
        metavar="JOURS",
        help="Envoyer la relance à ceux dont la première lettre date d'au moins JOURS jours, sans réponse.",
    ),
]


def _sources(kit: CliKit, options: dict[str, Any], followup: bool) -> Any:
    values = {key: options[key] for key in kit.data_keys}
    source = click.get_current_context().get_parameter_source("template")
    if followup and source in (ParameterSource.DEFAULT, None):
        values["template"] = FOLLOWUP_TEMPLATE
    return kit.sources(*(values[key] for key in kit.data_keys))


# --- send -------------------------------------------------------------------------------


def _send_command(kit: CliKit) -> click.Command:
    @click.command("send")
    @kit.data_options()
    @_apply(SEND_OPTIONS)
    def send(**options: Any) -> None:
        """Envoyer les lettres (courriel avec le PDF joint, ou courrier postal) et les inscrire au registre.

        Sans --confirm : essai, qui affiche chaque message sans rien envoyer.
        """
        from lettergen.campaign import letters  # the letter pipeline: loaded only when used

        if options["drafts"] is not None and options["confirm"]:
            raise click.UsageError("--drafts et --confirm s'excluent : choisissez brouillons ou envoi")
        from lettergen.stopping import Stopped, stop_on_signals

        sources = _sources(kit, options, followup=options["followup_after"] is not None)
        try:
            with stop_on_signals():
                campaign = letters.load(sources)
                kit.warn(campaign.warnings)
                if options["via"] == "courrier":
                    code = _send_post(campaign, options)
                else:
                    code = _send_email(kit, campaign, options)
        except LettergenError as error:
            kit.fail(error)
        except Stopped as stop:  # the register knows what went out: the next run sends the rest
            click.echo(stop.line, err=True)
            sys.exit(stop.exit_code)
        sys.exit(code)

    return send


def _send_options(options: dict[str, Any]) -> SendOptions:
    return SendOptions(
        confirm=options["confirm"],
        drafts=options["drafts"],
        limit=options["limit"],
        rate=options["rate"],
        retry_uncertain=options["retry_uncertain"],
        skip_invalid=options["skip_invalid"],
    )


def _recipients(campaign: Any, register: Register | None, options: dict[str, Any]) -> tuple[list, dict]:
    """The run's recipients, and each one's ``premiere_lettre`` when sending follow-ups."""
    from lettergen.campaign import letters  # the letter pipeline: loaded only when used

    after = options["followup_after"]
    if after is None:
        return list(campaign.recipients), {}
    if register is None:
        register = open_register(options["registre"], create=False)
    due = due_followups(register, after, campaign.sources.letter_date, letters.template_name(campaign))
    chosen = [r for r in campaign.recipients if r.id in due]
    extras = {
        r.id: letters.first_letter_extra(due[r.id].first.date_lettre, due[r.id].first.canal) for r in chosen
    }
    return chosen, extras


def _email_plan(
    campaign: Any, register: Register | None, options: dict[str, Any]
) -> tuple[Plan, list, list[Problem]]:
    """Plan and render this run's messages; bad input raises unless --skip-invalid."""
    from lettergen.campaign import letters  # the letter pipeline: loaded only when used

    send_options = _send_options(options)
    recipients, extras = _recipients(campaign, register, options)
    previous = register.letters_for(letters.template_name(campaign), "email") if register else {}
    plan = plan_email(recipients, previous, send_options)
    problems = list(campaign.problems) + plan.problems
    prepared, render_problems = letters.prepare(campaign, plan.todo, extras)
    problems += render_problems
    if problems and not send_options.skip_invalid:
        raise InvalidInput(problems)
    return plan, prepared, problems


def _existing_register(path: Path) -> Register | None:
    return open_register(path, create=False) if path.is_file() else None


def _send_email(kit: CliKit, campaign: Any, options: dict[str, Any]) -> int:
    from lettergen.campaign import letters  # the letter pipeline: loaded only when used

    envoi = letters.envoi_settings(campaign)
    sender = parse_sender(envoi.get("expediteur"), letters.campaign_file(campaign))
    if sender.domain == EXAMPLE_DOMAIN:
        message = f"expéditeur d'exemple ({sender.address}) : mettez le vôtre dans [envoi] expediteur"
        kit.warn([Problem(letters.campaign_file(campaign), None, message)])
    if options["confirm"]:
        return _send_confirmed(kit, campaign, options, envoi, sender)
    register = _existing_register(options["registre"])
    try:
        plan, prepared, skipped = _email_plan(campaign, register, options)
    finally:
        if register is not None:
            register.close()
    if options["drafts"] is not None:
        with tempfile.TemporaryDirectory(prefix="lettergen-envoi-") as folder:
            pdfs = letters.write_pdfs(campaign, prepared, Path(folder)) if prepared else {}
            report = write_drafts(prepared, pdfs, sender, options["drafts"])
        click.echo(
            f"{pluriel(len(report.drafts), 'brouillon écrit', 'brouillons écrits')} "
            f"dans {options['drafts']}/ (rien n'a été envoyé)"
        )
    else:
        for item in prepared:
            click.echo(
                f"{item.recipient.id} — {item.display_name} <{item.recipient.email}> — "
                f"Objet : {item.letter.objet} — pièce jointe : {item.pdf_name}"
            )
        click.echo(
            f"Essai : {pluriel(len(prepared), 'message à envoyer', 'messages à envoyer')} "
            f"depuis {sender.address} ; rien n'a été envoyé (ajoutez --confirm pour envoyer)"
        )
    _plan_notes(plan, skipped)
    return 1 if skipped else 0


def _send_confirmed(kit: CliKit, campaign: Any, options: dict[str, Any], envoi: dict, sender: Mailbox) -> int:
    from lettergen.campaign import letters  # the letter pipeline: loaded only when used

    url = options["smtp"] or envoi.get("smtp")
    if not url:
        raise InvalidInput(
            [
                Problem(
                    letters.campaign_file(campaign),
                    None,
                    "aucun serveur SMTP : indiquez --smtp URL ou [envoi] smtp",
                )
            ]
        )
    server = parse_smtp_url(str(url), None if options["smtp"] else letters.campaign_file(campaign))
    context = tls_context(options["smtp_ca"])  # a bad file is refused before anything is sent
    with run_lock(options["registre"]), open_register(options["registre"]) as register:
        plan, prepared, skipped = _email_plan(campaign, register, options)
        transport = Transport(server, os.environ.get(PASSWORD_VARIABLE), context=context)
        outbox = Outbox(
            register, sender, transport, letters.template_name(campaign), campaign.sources.letter_date
        )
        with tempfile.TemporaryDirectory(prefix="lettergen-envoi-") as folder:
            pdfs = letters.write_pdfs(campaign, prepared, Path(folder)) if prepared else {}
            try:
                with kit.progress(len(prepared)) as advance:
                    report = send_all(outbox, prepared, pdfs, options["rate"], advance)
            finally:
                transport.close()
    _email_summary(report, server)
    _plan_notes(plan, skipped)
    return 1 if skipped or report.failed or report.uncertain or report.stopped else 0


def _email_summary(report: SendReport, server: Any) -> None:
    seconds = f" en {report.seconds:.0f} s".replace(".", ",") if report.sent else ""
    click.echo(f"{pluriel(len(report.sent), 'message envoyé', 'messages envoyés')}{seconds} par {server}")
    for letter_id, reply in report.failed:
        click.echo(f"échec : « {letter_id} » refusé par le serveur : {reply}", err=True)
    for letter_id, reason in report.uncertain:
        click.echo(
            f"incertain : « {letter_id} » : connexion coupée pendant la transmission ({reason}) ; "
            "le message est peut-être parti",
            err=True,
        )
    if report.stopped:
        click.echo(f"{report.stopped} ; relancez la même commande pour envoyer le reste", err=True)


def _plan_notes(plan: Plan, skipped: list[Problem]) -> None:
    if plan.already:
        click.echo(
            f"{pluriel(len(plan.already), 'destinataire a', 'destinataires ont')} déjà reçu cette "
            "lettre : pas de nouvel envoi"
        )
    if plan.uncertain:
        click.echo(
            f"{pluriel(len(plan.uncertain), 'message incertain', 'messages incertains')} "
            f"(exécution interrompue pendant l'envoi, peut-être partis) : {', '.join(plan.uncertain)} ; "
            "vérifiez la boîte d'envoi, puis --retry-uncertain pour les renvoyer",
            err=True,
        )
    if plan.beyond_limit:
        click.echo(f"{pluriel(plan.beyond_limit, 'message reste', 'messages restent')} à envoyer (--limit)")
    for problem in skipped:
        click.echo(str(problem), err=True)
    if skipped:
        click.echo(f"{pluriel(len(skipped), 'destinataire ignoré', 'destinataires ignorés')}", err=True)


def _send_post(campaign: Any, options: dict[str, Any]) -> int:
    from lettergen.campaign import letters  # the letter pipeline: loaded only when used

    with run_lock(options["registre"]), open_register(options["registre"]) as register:
        recipients, extras = _recipients(campaign, register, options)
        prepared, problems = letters.prepare(campaign, recipients, extras)
        problems = list(campaign.problems) + problems
        if problems and not options["skip_invalid"]:
            raise InvalidInput(problems)
        letter_date = campaign.sources.letter_date
        added, already = record_posted(register, prepared, letters.template_name(campaign), letter_date)
    click.echo(
        f"{pluriel(added, 'lettre inscrite', 'lettres inscrites')} au registre comme postée(s) le "
        f"{date_longue(letter_date)}" + (f" ; {already} déjà inscrite(s)" if already else "")
    )
    for problem in problems:
        click.echo(str(problem), err=True)
    return 1 if problems else 0


# --- replies ----------------------------------------------------------------------------


def _parse_day(ctx: click.Context, param: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"« {value} » n'est pas une date AAAA-MM-JJ (exemple : 2021-09-15)"
        ) from None


def _replies_group() -> click.Group:
    @click.group("replies")
    def replies() -> None:
        """Réponses des destinataires : en inscrire une, ou un fichier entier."""

    @replies.command("add")
    @click.argument("letter_id", metavar="ID")
    @click.option("--date", "day", required=True, callback=_parse_day, help="Date de la réponse, AAAA-MM-JJ.")
    @click.option("--resultat", "resultat", type=click.Choice(RESULTS), help="Résultat de la réponse.")
    @click.option("--note", "note", default="", help="Note libre.")
    @REGISTER_OPTION
    def add(letter_id: str, day: date, resultat: str | None, note: str, registre: Path) -> None:
        """Inscrire la réponse du destinataire ID."""
        try:
            with run_lock(registre), open_register(registre, create=False) as register:
                if letter_id not in register.known_ids():
                    raise RegisterError(
                        f"destinataire « {letter_id} » inconnu du registre (aucune lettre envoyée)",
                        file=str(registre),
                    )
                added = register.add_answers([Answer(letter_id, day, resultat or "", " ".join(note.split()))])
        except LettergenError as error:
            _fail(error)
        click.echo(
            f"réponse de « {letter_id} » inscrite" if added else f"réponse de « {letter_id} » déjà inscrite"
        )

    @replies.command("import")
    @click.argument("file", type=click.Path(path_type=Path))
    @REGISTER_OPTION
    def import_(file: Path, registre: Path) -> None:
        """Inscrire les réponses d'un fichier CSV ou XLSX (colonnes id, date, resultat, note)."""
        try:
            with run_lock(registre), open_register(registre, create=False) as register:
                answers = read_answers(file, register.known_ids())
                added = register.add_answers(answers)
        except LettergenError as error:
            _fail(error)
        already = len(answers) - added
        click.echo(
            f"{pluriel(added, 'réponse inscrite', 'réponses inscrites')}"
            + (f", {pluriel(already, 'déjà présente', 'déjà présentes')}" if already else "")
        )

    return replies


def _fail(error: LettergenError) -> None:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    sys.exit(1)


# --- followup ---------------------------------------------------------------------------


def _followup_command(kit: CliKit) -> click.Command:
    @click.command("followup")
    @click.option(
        "--after",
        "after",
        type=click.IntRange(min=0),
        required=True,
        metavar="JOURS",
        help="Relancer ceux dont la première lettre date d'au moins JOURS jours, sans réponse.",
    )
    @kit.data_options()
    @REGISTER_OPTION
    @click.option(
        "-o",
        "--out",
        "out_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("out") / FOLLOWUP_TEMPLATE,
        show_default=True,
        help="Dossier de sortie.",
    )
    @click.option(
        "--format",
        "formats",
        multiple=True,
        type=click.Choice(["docx", "pdf"]),
        help="Format(s) à écrire ; répétable (défaut : docx).",
    )
    def followup(**options: Any) -> None:
        """Écrire les relances : une lettre (modèle relance) à chaque destinataire sans réponse."""
        from lettergen.campaign import letters  # the letter pipeline: loaded only when used

        sources = _sources(kit, options, followup=True)
        try:
            campaign = letters.load(sources)
            kit.warn(campaign.warnings)
            count = _write_followups(kit, campaign, options)
        except LettergenError as error:
            kit.fail(error)
        out = options["out_dir"]
        click.echo(
            f"{pluriel(count, 'relance écrite', 'relances écrites')} dans {out}/"
            if count
            else f"aucune relance à écrire (lettre d'au moins {options['after']} jours, sans réponse)"
        )

    return followup


def _write_followups(kit: CliKit, campaign: Any, options: dict[str, Any]) -> int:
    from lettergen.campaign import letters  # the letter pipeline: loaded only when used

    with open_register(options["registre"], create=False) as register:
        recipients, extras = _recipients(campaign, register, {**options, "followup_after": options["after"]})
    prepared, problems = letters.prepare(campaign, recipients, extras)
    problems = list(campaign.problems) + problems
    if problems:
        raise InvalidInput(problems)
    if prepared:
        letters.write_letters(campaign, prepared, options["out_dir"], tuple(options["formats"]) or ("docx",))
    return len(prepared)


# --- status -----------------------------------------------------------------------------


def _status_command() -> click.Command:
    @click.command("status")
    @REGISTER_OPTION
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["texte", "csv", "xlsx"]),
        default="texte",
        show_default=True,
        help="texte ou csv sur la sortie standard ; xlsx dans le fichier -o.",
    )
    @click.option(
        "-o", "--out", "out", type=click.Path(path_type=Path, dir_okay=False), help="Fichier à écrire."
    )
    def status(registre: Path, fmt: str, out: Path | None) -> None:
        """État de la campagne : chaque destinataire, les totaux, le taux de réponse par région."""
        if fmt == "xlsx" and out is None:
            raise click.UsageError(
                "--format xlsx écrit un classeur : indiquez le fichier avec -o FICHIER.xlsx"
            )
        try:
            with open_register(registre, create=False) as register:
                rows = status_rows(register)
            if fmt == "xlsx":
                assert out is not None
                write_atomically(out, xlsx_bytes(rows))
                click.echo(f"{pluriel(len(rows), 'destinataire')} dans {out}")
                return
            text = format_text(rows) if fmt == "texte" else format_csv(rows)
            if out is not None:
                write_atomically(out, text.encode("utf-8"))
            else:
                click.echo(text, nl=False)
        except LettergenError as error:
            _fail(error)

    return status
