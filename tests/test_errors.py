"""Errors cross process boundaries whole: workers send them back to the main process."""

from __future__ import annotations

import pickle

import pytest

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
