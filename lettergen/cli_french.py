"""click's own messages in French, whatever the locale.

click reads its strings through ``gettext`` in the default domain, each module binding
``_ = gettext.gettext`` (and ``ngettext``) when imported: a message catalogue would only be used
under a French locale, and ``LANG=C.UTF-8`` is common on servers. :func:`install_french_click`
replaces those module attributes with :class:`FrenchClick` lookups, once, at start-up.

A few pieces of click's output are not in a catalogue at all: quotes around names and values
(``'--nope'``, built with ``repr``), range descriptions (``x>=1``), the space before a colon in
help pages (``Options:``), type names in metavars and messages (``TEXT``, ``PATH``, set when
``cli.py`` is imported) and the help of ``--version`` (translated when its decorator ran). Those
get small French replacements, listed in ``_FORMATTERS`` or applied to the command tree.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterable
from typing import Any

import click
import click._termui_impl
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.shell_completion
import click.termui
import click.types
import click.utils

# Every module of click that binds ``_`` or ``ngettext`` at import (``click._winconsole`` too, but it
# imports only on Windows; its one msgid is in MESSAGES all the same).
CLICK_MODULES = (
    click._termui_impl,
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.shell_completion,
    click.termui,
    click.types,
    click.utils,
)

# click 8.x msgid → French. Quoted values come out as « … »: where click's msgid formats a value
# with ``!r`` the French string formats it plain inside guillemets. Messages following « Erreur : »
# start in lower case, as French does after a colon.
MESSAGES: dict[str, str] = {
    # core.py
    "Aborted!": "Abandon.",
    "deprecated": "obsolète",
    "Missing command.": "commande manquante.",
    "Options": "Options",
    "Positional arguments": "Arguments",
    "Commands": "Commandes",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "Avertissement : la commande « {name} » est obsolète.{extra_message}"
    ),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "Avertissement : « {name} » est obsolète.{extra_message}"
    ),
    "Value must be an iterable.": "la valeur doit être une suite de valeurs.",
    "Could not determine name for option with declarations {decls!r}": (
        "impossible de nommer l'option déclarée par {decls!r}"
    ),
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?": (
        "aucune option déclarée, mais un nom est donné ({name}). Vouliez-vous déclarer un argument ? "
        "Ou écrire « --{name} » ?"
    ),
    "env var: {var}": "variable d'environnement : {var}",
    "default: {default}": "défaut : {default}",
    "required": "obligatoire",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.": (
        "un argument prend exactement une déclaration, pas {length} : {decls}."
    ),
    "(dynamic)": "(calculé)",
    "Name '{name}' defined twice": "nom « {name} » défini deux fois",
    "Boolean option {decl!r} cannot use the same flag for true/false.": (
        "l'option booléenne {decl!r} ne peut pas avoir le même drapeau pour vrai et pour faux."
    ),
    # decorators.py
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirmer l'action sans la demander.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Show the version and exit.": "Afficher la version et quitter.",
    "Show this message and exit.": "Afficher ce message et quitter.",
    # exceptions.py
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Invalid value: {message}": "valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "valeur invalide pour {param_hint} : {message}",
    "Missing argument": "argument manquant",
    "Missing option": "option manquante",
    "Missing parameter": "paramètre manquant",
    "Missing {param_type}": "manque : {param_type}",
    "Missing parameter: {param_name}": "paramètre manquant : {param_name}",
    "No such option {name!r}.": "option inconnue « {name} ».",
    "No such command {name!r}.": "commande inconnue « {name} ».",
    "Could not open file {filename!r}: {message}": (
        "impossible d'ouvrir le fichier « {filename} » : {message}"
    ),
    "unknown error": "erreur inconnue",
    # formatting.py
    "Usage:": "Utilisation :",
    # parser.py
    "Invalid start character for option ({option})": "caractère initial invalide pour une option ({option})",
    "Option {name!r} does not take a value.": "l'option « {name} » ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "l'argument « {name} » prend {nargs} valeurs.",
    # shell_completion.py
    "Couldn't detect Bash version, shell completion is not supported.": (
        "version de Bash inconnue : pas de complétion."
    ),
    "Shell completion is not supported for Bash versions older than 4.4.": (
        "la complétion demande Bash 4.4 ou plus récent."
    ),
    # termui.py, _termui_impl.py, _winconsole.py, utils.py
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Unknown color {colour!r}": "couleur inconnue « {colour} »",
    "{editor}: Editing failed": "{editor} : échec de la modification",
    "{editor}: Editing failed: {e}": "{editor} : échec de la modification : {e}",
    "d": "j",
    "Windows error: {error}": "erreur Windows : {error}",
    "Unknown standard stream '{name}'": "flux standard inconnu « {name} »",
    # types.py
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "Choice({choices})": "Choice({choices})",
    "{value} is not in the range {range}.": "il faut {range}, pas {value}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "« {value} » n'est pas un booléen. Valeurs reconnues : {states}"
    ),
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un {number_type} valide.",
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un UUID valide.",
    "{name} {filename!r} does not exist.": "{name} « {filename} » introuvable.",
    "{name} {filename!r} is a file.": "« {filename} » est un fichier.",
    "{name} {filename!r} is a directory.": "« {filename} » est un dossier.",
    "{name} {filename!r} is not readable.": "« {filename} » n'est pas lisible.",
    "{name} {filename!r} is not writable.": "« {filename} » n'est pas accessible en écriture.",
    "{name} {filename!r} is not executable.": "« {filename} » n'est pas exécutable.",
}

# (singular msgid, plural msgid) → (French singular, French plural).
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "argument en trop ({args})",
        "arguments en trop ({args})",
    ),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "prend {nargs} valeurs, mais 1 seule est donnée.",
        "prend {nargs} valeurs, mais {len} sont données.",
    ),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "Vouliez-vous dire {possibility} ?",
        "(Vouliez-vous dire {possibilities} ?)",
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "l'option « {name} » demande une valeur.",
        "l'option « {name} » demande {nargs} valeurs.",
    ),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "« {value} » n'est pas {choice}.",
        "« {value} » n'est pas parmi {choices}.",
    ),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."): (
        "« {value} » ne suit pas le format {format}.",
        "« {value} » ne suit aucun des formats {formats}.",
    ),
    (
        "{len_type} values are required, but {len_value} was given.",
        "{len_type} values are required, but {len_value} were given.",
    ): (
        "{len_type} valeurs sont demandées, mais {len_value} est donnée.",
        "{len_type} valeurs sont demandées, mais {len_value} sont données.",
    ),
}

# click's type names (metavars such as ``TEXT``, and « n'est pas un … valide »).
TYPE_NAMES: dict[str, str] = {
    "text": "texte",
    "integer": "entier",
    "integer range": "entier",
    "float": "nombre",
    "float range": "nombre",
    "boolean": "booléen",
    "path": "chemin",
    "file": "fichier",
    "directory": "dossier",
    "filename": "fichier",
    "datetime": "date",
}

# The group metavar click sets in ``Group.__init__`` (no gettext there).
SUBCOMMAND_METAVAR = "COMMANDE [ARGUMENTS]..."


class FrenchClick(gettext.NullTranslations):
    """Translations of click's msgids; an unknown msgid stays as click wrote it."""

    def gettext(self, message: str) -> str:
        return MESSAGES.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        # The plural form for every n but 1, not French's « 0 and 1 »: click's singular msgids
        # write « 1 » literally (« but 1 was given »), which would be wrong for 0.
        french = PLURALS.get((msgid1, msgid2))
        if french is None:
            return msgid1 if n == 1 else msgid2
        return french[0] if n == 1 else french[1]


def quoted(names: Iterable[str]) -> str:
    """« a », « b »: names or values as French quotes them."""
    return ", ".join(f"« {name} »" for name in names)


def _format_possibilities(possibilities: list[str]) -> str:
    text = quoted(sorted(possibilities))
    return (
        FrenchClick()
        .ngettext(
            "Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", len(possibilities)
        )
        .format(possibility=text, possibilities=text)
    )


def _join_param_hints(param_hint: Any) -> str | None:
    if param_hint is not None and not isinstance(param_hint, str):
        return " / ".join(f"« {hint} »" for hint in param_hint)
    return param_hint


def _parameter_error_hint(self: click.Parameter, ctx: click.Context | None) -> str:
    return " / ".join(f"« {opt} »" for opt in self.opts or [self.human_readable_name])


def _argument_error_hint(self: click.Argument, ctx: click.Context | None) -> str:
    return f"« {self.make_metavar(ctx) if ctx is not None else self.human_readable_name} »"


def _invalid_choice_message(self: click.Choice, value: Any, ctx: click.Context | None) -> str:
    text = quoted(str(choice) for choice in self._normalized_mapping(ctx=ctx).values())
    return (
        FrenchClick()
        .ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", len(self.choices))
        .format(value=value, choice=text, choices=text)
    )


def _describe_range(self: Any) -> str:
    """« au moins 1 », « de 1 à 10 »… instead of click's ``x>=1``."""
    if self.min is None:
        return f"{'moins de' if self.max_open else 'au plus'} {self.max}"
    if self.max is None:
        return f"{'plus de' if self.min_open else 'au moins'} {self.min}"
    if not self.min_open and not self.max_open:
        return f"de {self.min} à {self.max}"
    low = f"{self.min}{' exclu' if self.min_open else ''}"
    return f"entre {low} et {self.max}{' exclu' if self.max_open else ''}"


class FrenchHelpFormatter(click.HelpFormatter):
    """Help pages with French punctuation: a space before « : » and « ; »."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading} :\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _french_extras(text)) for term, text in rows], col_max, col_spacing)


def _french_extras(text: str) -> str:
    """``[défaut : 2; au moins 1]`` → ``[défaut : 2 ; au moins 1]`` (click joins the extras with "; ")."""
    start = text.rfind("[")
    if start < 0 or not text.endswith("]"):
        return text
    return text[:start] + text[start:].replace("; ", " ; ")


# (owner, attribute, French replacement): the pieces of click's output built without gettext.
_FORMATTERS: tuple[tuple[Any, str, Callable[..., Any]], ...] = (
    (click.exceptions, "_format_possibilities", _format_possibilities),
    (click.exceptions, "_join_param_hints", _join_param_hints),
    (click.core.Parameter, "get_error_hint", _parameter_error_hint),
    (click.core.Argument, "get_error_hint", _argument_error_hint),
    (click.types.Choice, "get_invalid_choice_message", _invalid_choice_message),
    (click.types._NumberRangeBase, "_describe_range", _describe_range),
    (click.core.Context, "formatter_class", FrenchHelpFormatter),
)


def _commands(command: click.Command) -> Iterable[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _commands(sub)


def _frenchify_tree(root: click.Command) -> None:
    """Strings click fixed when ``cli.py`` was imported: group metavars, type names, --version help."""
    for command in _commands(root):
        if isinstance(command, click.Group) and command.subcommand_metavar == "COMMAND [ARGS]...":
            command.subcommand_metavar = SUBCOMMAND_METAVAR
        for param in command.params:
            param.type.name = TYPE_NAMES.get(param.type.name, param.type.name)
            if isinstance(param, click.Option) and param.help in MESSAGES:
                param.help = MESSAGES[param.help]


def install_french_click(root: click.Command) -> None:
    """Make click speak French for ``root`` and its subcommands, whatever the locale.

    Called once by :func:`lettergen.cli.main` before the command runs; calling it again is harmless.
    """
    translations = FrenchClick()
    for module in CLICK_MODULES:
        if hasattr(module, "_"):
            setattr(module, "_", translations.gettext)  # noqa: B010 (a module attribute, by name)
        if hasattr(module, "ngettext"):
            setattr(module, "ngettext", translations.ngettext)  # noqa: B010
    for owner, attribute, replacement in _FORMATTERS:
        setattr(owner, attribute, replacement)
    _frenchify_tree(root)
