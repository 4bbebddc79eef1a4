"""Surnames as a letter prints them: capitals, the particle in lowercase (« Maël de CALAN »)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettergen.french.names import surname


@pytest.mark.parametrize(
    "nom, shown",
    [
        ("DE CALAN", "de CALAN"),
        ("de Balorre", "de BALORRE"),
        ("D'ORMESSON", "d’ORMESSON"),
        ("DE L'ESTANG", "de l’ESTANG"),
        ("DE LA TOUR", "de la TOUR"),
        ("DU GUESCLIN", "du GUESCLIN"),
        ("DES ROCHES", "des ROCHES"),
        ("VAN DER BERG", "van der BERG"),
        ("VON  TRIER", "von TRIER"),
        ("LE DORVEN", "LE DORVEN"),  # « Le » is part of the name
        ("DELAUNAY", "DELAUNAY"),
        ("DE LAUNAY", "de LAUNAY"),
        ("DES", "DES"),  # a surname that is only a particle stays
        ("LAURENT-PERRIGOT", "LAURENT-PERRIGOT"),
    ],
)
def test_particles(nom, shown):
    assert surname(nom) == shown


@given(
    particle=st.sampled_from(["", "de ", "d'", "du ", "des ", "de la ", "de l'", "van ", "von "]),
    name=st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèÿ-", min_size=1, max_size=15).filter(str.strip),
)
def test_particle_lowercase_name_capitals_idempotent(particle, name):
    """The particle (if any) is lowercase, the rest is in capitals, and a second pass changes nothing."""
    shown = surname(particle + name.capitalize())
    expected_particle = particle.replace("'", "’").lower()
    if any(c.isalpha() for c in name) and not name.startswith("-"):
        assert shown.startswith(expected_particle)
        assert shown[len(expected_particle) :] == shown[len(expected_particle) :].upper()
    assert surname(shown) == shown
