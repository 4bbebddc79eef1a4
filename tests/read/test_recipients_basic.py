"""Basic recipients reading: the simple CSV case others depend on."""

from __future__ import annotations

from lettergen.read import read_recipients


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_simple_csv_gives_recipients_with_figures(tmp_path):
    """A plain `;` file gives one Recipient per row with genre, normalised code and figures."""
    path = _write(
        tmp_path,
        "d.csv",
        "civilite;prenom;nom;departement;adresse;code_postal;ville;salaries\n"
        "Madame;Anne;MARTIN;33;Hôtel du Département / 1 esplanade;33074;Bordeaux Cedex;1 234\n"
        "M.;Jean;DUPONT;1;;01000;Bourg-en-Bresse;\n",
    )
    result = read_recipients(path)
    assert result.problems == []
    assert result.figure_names == ("salaries",)
    first, second = result.recipients
    assert (first.id, first.genre, first.departement, first.line) == ("33", "F", "33", 2)
    assert first.adresse == ("Hôtel du Département", "1 esplanade")
    assert dict(first.figures) == {"salaries": 1234}
    assert (second.id, second.genre, second.departement) == ("01", "M", "01")
    assert dict(second.figures) == {"salaries": None}


def test_bad_departement_is_one_french_line(tmp_path):
    """An unknown département code gives `FILE:LINE: colonne « departement » : code « 99 » inconnu`."""
    path = _write(
        tmp_path,
        "destinataires.csv",
        "civilite;prenom;nom;departement\nMadame;Anne;MARTIN;33\nM.;Jean;DUPONT;33\nM.;Paul;X;99\n",
    )
    result = read_recipients(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:3: id « 33 » déjà utilisé ligne 2 "
        "(donnez à chaque destinataire un id distinct dans une colonne « id »)",
        f"{path}:4: colonne « departement » : code « 99 » inconnu",
    ]
    assert [r.nom for r in result.recipients] == ["MARTIN"]
