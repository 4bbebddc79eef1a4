"""Errors cross process boundaries whole: workers send them back to the main process."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettergen.errors import (
    ConversionError,
    InputError,
    InvalidInput,
    OutputError,
    Problem,
    TemplateError,
)


def test_invalid_input_pickles_with_its_problems():
    problems = [Problem("a.csv", 3, "genre inconnu"), Problem("segur.j2", 12, "variable inconnue")]
    error = pickle.loads(pickle.dumps(InvalidInput(problems)))
    assert isinstance(error, InvalidInput)
    assert error.problems == problems
    assert str(error) == "a.csv:3: genre inconnu\nsegur.j2:12: variable inconnue"


@pytest.mark.parametrize("kind", [InputError, TemplateError, ConversionError, OutputError])
def test_errors_pickle_with_file_and_line(kind):
    error = pickle.loads(pickle.dumps(kind("message", "f.csv", 7)))
    assert type(error) is kind
    assert (error.file, error.line, str(error)) == ("f.csv", 7, "f.csv:7: message")


def test_invalid_input_pickles_with_its_warnings():
    warning = Problem("chiffres.csv", 4, "aucun destinataire dans ce département")
    error = pickle.loads(pickle.dumps(InvalidInput([Problem("a.csv", 3, "genre inconnu")], [warning])))
    assert error.warnings == [warning]
    assert [str(p) for p in error.problems] == ["a.csv:3: genre inconnu"]


def test_control_characters_are_escaped_in_every_problem_line():
    from lettergen.errors import Problem

    problem = Problem("a\x1b[31m.csv", 2, "« \x1b]0;titre\x07 \u202egpj.exe\r\nfaux »")
    assert str(problem) == "a\\x1b[31m.csv:2: « \\x1b]0;titre\\x07 \\u202egpj.exe\\x0d\\x0afaux »"


def test_french_text_is_left_alone():
    from lettergen.errors import Problem

    text = "colonne « nom » : 1\u202f000 caractères, l'élève « Zoé » — 12\u00a0%"
    assert str(Problem(None, None, text)) == text


@given(st.text())
def test_no_problem_line_carries_a_control_character(text):
    import unicodedata

    from lettergen.errors import Problem

    line = str(Problem(text, 3, text))
    assert not any(
        unicodedata.category(c) == "Cc" or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        for c in line
    )
