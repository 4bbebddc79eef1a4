"""Generate ``data/territoires.csv`` from the INSEE COG files and the reviewed rules below.

Run ``python -m lettergen.french.build_territoires`` after changing a rule here or the
INSEE copy; ``tests/french/test_territories.py`` fails if the committed CSV is stale.

Why a generated file: the article and the "de" form come from the INSEE TNCC code
(built in :func:`forms_from_tncc`, never typed by hand); the locative and the
institution of each territory are reviewed choices with a source per row. The CSV
puts both side by side so a human can read and check all 103 rows at once, and the
runtime reads one small file instead of redoing the joins for every process.

Sources (copied in ``data/``, see ``data/SOURCES.md``):
- INSEE, Code officiel géographique 2022, ``departement_2022.csv`` and ``region_2022.csv``,
  Licence Ouverte / Etalab 2.0.
- Institutions: ``french_institutions.md`` (lettergen reference notes), which cites CGCT
  L2512-1 (Paris), L3611-1 (Lyon), L4421-1 (Corse), loi 2011-884 (Martinique, Guyane),
  loi 2019-816 (Alsace), loi organique 2025-793 and décret 2025-1427 (Mayotte), and the
  INSEE COG 2025 table of "collectivités territoriales ayant les compétences
  départementales" (CTCD codes).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
INSEE_DEPARTEMENTS = DATA_DIR / "departement_2022.csv"
INSEE_REGIONS = DATA_DIR / "region_2022.csv"
TERRITOIRES = DATA_DIR / "territoires.csv"

# INSEE TNCC ("type de nom en clair") -> (article, charnière). Definition:
# https://www.insee.fr/fr/information/2114773 (variable TNCC). Codes 6-8 never occur
# for départements but are kept so a future COG cannot silently produce a wrong form.
TNCC = {
    "0": ("", "de "),
    "1": ("", "d'"),
    "2": ("le", "du "),
    "3": ("la", "de la "),
    "4": ("les", "des "),
    "5": ("l'", "de l'"),
    "6": ("aux", "des "),
    "7": ("las", "de las "),
    "8": ("los", "de los "),
}


def forms_from_tncc(tncc: str, nom: str) -> tuple[str, str, str]:
    """Return (article, "le" form, "de" form) of a name from its INSEE TNCC code."""
    article, charniere = TNCC[tncc]
    if article == "l'":
        le = f"l'{nom}"
    elif article:
        le = f"{article} {nom}"
    else:
        le = nom  # "Paris", "La Réunion" (the article is part of the name), "Eure-et-Loir"
    return article, le, f"{charniere}{nom}"


# --- Locatives (french_institutions.md §10) -------------------------------------------
# No authoritative dataset exists. Rules, in priority order:
# 1. "à" for the three names that behave like town/island names (reviewed list §10).
# 2. Names "X-et-Y" take "en" without article (Académie française, TLFi "en").
# 3. The reviewed "en" list of §10 (feminine names, regional usage).
# 4. Otherwise "dans" + the TNCC article (the Académie's general preference).
# Aveyron and Creuse are usage choices where the public lists disagree.
LOCATIF_A = {"75", "974", "976"}
LOCATIF_EN = {
    "07",
    "09",
    "16",
    "17",
    "19",
    "2A",
    "2B",
    "21",
    "24",
    "31",
    "33",
    "38",
    "43",
    "44",
    "48",
    "52",
    "53",
    "57",
    "70",
    "73",
    "74",
    "76",
    "85",
    "87",
    "93",
    "971",
    "972",
    "973",
}
USAGE_CHOICES = {
    "12": ("dans", "choix d'usage : « dans l'Aveyron » (2 listes sur 3) ; « en Aveyron » se dit aussi"),
    "23": ("en", "choix d'usage : « en Creuse » (2 listes sur 3) ; « dans la Creuse » se dit aussi"),
}
SRC_A = "à : liste revue (french_institutions.md §10)"
SRC_ET = "en : règle de l'Académie française pour les noms « X-et-Y »"
SRC_EN = "en : liste revue (french_institutions.md §10)"
SRC_DANS = "dans + article TNCC : préférence générale de l'Académie française"


def locatif(code: str, nom: str, le: str) -> tuple[str, str]:
    """Return (locative phrase, source of the rule) for one département."""
    if code in LOCATIF_A:
        return f"à {nom}", SRC_A
    if "-et-" in nom:
        return f"en {nom}", SRC_ET
    if code in USAGE_CHOICES:
        prep, why = USAGE_CHOICES[code]
        return (f"en {nom}" if prep == "en" else f"dans {le}"), why
    if code in LOCATIF_EN:
        return f"en {nom}", SRC_EN
    return f"dans {le}", SRC_DANS


# --- Institutions (french_institutions.md §0-§8) --------------------------------------
# Each entry: CTCD code, nom (address block), le, de, chef (m, f), complement (running
# text), complement (address block), note with the source or the uncertainty.
CORSE = (
    "20R",
    "Collectivité de Corse",
    "la Collectivité de Corse",
    "de la Collectivité de Corse",
    "président",
    "présidente",
    "du conseil exécutif de Corse",
    "du Conseil exécutif de Corse",
    "CGCT L4421-1 (loi NOTRe art. 30) : le président du conseil exécutif de Corse remplace le "
    "président du conseil départemental depuis le 1er janvier 2018 (french_institutions.md §4)",
)
ALSACE = (
    "6AE",
    "Collectivité européenne d'Alsace",
    "la Collectivité européenne d'Alsace",
    "de la Collectivité européenne d'Alsace",
    "président",
    "présidente",
    "de la Collectivité européenne d'Alsace",
    "de la Collectivité européenne d'Alsace",
    "loi 2019-816 : une seule collectivité pour 67 et 68 depuis le 1er janvier 2021 ; le RNE "
    "range ses élus sous 6AE ; titre d'usage « président de la Collectivité européenne "
    "d'Alsace » (french_institutions.md §3)",
)
SPECIAL_INSTITUTIONS: dict[str, tuple[str, ...]] = {
    "75": (
        "75C",
        "Ville de Paris",
        "la Ville de Paris",
        "de la Ville de Paris",
        "maire",
        "maire",
        "de Paris",
        "de Paris",
        "CGCT L2512-1 (loi 2017-257) : le maire de Paris remplace le président du conseil "
        "départemental depuis le 1er janvier 2019 (french_institutions.md §1)",
    ),
    "2A": CORSE,
    "2B": CORSE,
    "67": ALSACE,
    "68": ALSACE,
    "6AE": ALSACE,
    "69M": (
        "69M",
        "Métropole de Lyon",
        "la Métropole de Lyon",
        "de la Métropole de Lyon",
        "président",
        "présidente",
        "de la Métropole de Lyon",
        "de la Métropole de Lyon",
        "CGCT L3611-1 (loi MAPTAM) : compétences départementales sur son territoire depuis 2015 ; "
        "destinataire distinct du conseil départemental du Rhône (69) (french_institutions.md §2)",
    ),
    "972": (
        "972R",
        "Collectivité territoriale de Martinique",
        "la Collectivité territoriale de Martinique",
        "de la Collectivité territoriale de Martinique",
        "président",
        "présidente",
        "du conseil exécutif de Martinique",
        "du Conseil exécutif de Martinique",
        "loi 2011-884 : exécutif collégial distinct de l'Assemblée de Martinique depuis décembre 2015 "
        "(french_institutions.md §5)",
    ),
    "973": (
        "973R",
        "Collectivité territoriale de Guyane",
        "la Collectivité territoriale de Guyane",
        "de la Collectivité territoriale de Guyane",
        "président",
        "présidente",
        "de l'Assemblée de Guyane",
        "de l'Assemblée de Guyane",
        "loi 2011-884 : le président de l'Assemblée de Guyane est l'organe exécutif de la "
        "collectivité (french_institutions.md §6)",
    ),
    "976": (
        "976D",
        "Département-Région de Mayotte",
        "le Département-Région de Mayotte",
        "du Département-Région de Mayotte",
        "président",
        "présidente",
        "de l'Assemblée de Mayotte",
        "de l'Assemblée de Mayotte",
        "loi organique 2025-793 et décret 2025-1427 (JO du 31 décembre 2025) : le conseil "
        "départemental devient l'Assemblée de Mayotte. NON VÉRIFIÉ : le titre exact du chef "
        "(« président de l'Assemblée de Mayotte » est probable, aucune source ne l'écrit ; le RNE "
        "du 2026-05-06 dit encore « Président du conseil départemental ») (french_institutions.md §7)",
    ),
}

# The two extra codes that are not INSEE départements: (nom, article, region code, locative).
EXTRA_TERRITORIES = {
    "69M": (
        "Métropole de Lyon",
        "la",
        "84",
        "dans la Métropole de Lyon",
        "choix lettergen (pas de liste publique pour une métropole)",
    ),
    "6AE": ("Alsace", "l'", "44", "en Alsace", "choix lettergen (usage courant « en Alsace »)"),
}
# Which préfet a letter to the préfet "of" an extra territory goes to.
PREFET_DE = {"69M": "du Rhône", "6AE": ""}


def ordinary_institution(code: str, de: str) -> tuple[str, ...]:
    """The ordinary conseil départemental of a département, from its "de" form."""
    return (
        f"{code}D",
        f"Conseil départemental {de}",
        f"le conseil départemental {de}",
        f"du conseil départemental {de}",
        "président",
        "présidente",
        f"du conseil départemental {de}",
        f"du Conseil départemental {de}",
        "conseil départemental ordinaire (COG CTCD 2025, code NND)",
    )


COLUMNS = (
    "code",
    "nom",
    "tncc",
    "article",
    "le",
    "de",
    "dans",
    "source_locatif",
    "region_code",
    "region",
    "prefet_de",
    "institution_code",
    "institution_nom",
    "institution_le",
    "institution_de",
    "chef_m",
    "chef_f",
    "complement",
    "complement_adresse",
    "note_institution",
)


def read_insee(path: Path) -> list[dict[str, str]]:
    """Read an INSEE COG CSV (UTF-8, CRLF, comma) as a list of dicts."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build_rows() -> list[dict[str, str]]:
    """Compute every row of territoires.csv: INSEE order, then 69M and 6AE."""
    regions = {r["REG"]: r["LIBELLE"] for r in read_insee(INSEE_REGIONS)}
    rows = []
    for dep in read_insee(INSEE_DEPARTEMENTS):
        code, nom, tncc = dep["DEP"], dep["LIBELLE"], dep["TNCC"]
        article, le, de = forms_from_tncc(tncc, nom)
        dans, source = locatif(code, nom, le)
        inst = SPECIAL_INSTITUTIONS.get(code) or ordinary_institution(code, de)
        rows.append(
            _row(code, nom, tncc, article, le, de, dans, source, dep["REG"], regions[dep["REG"]], de, inst)
        )
    for code, (nom, article, reg, dans, source) in EXTRA_TERRITORIES.items():
        le = f"l'{nom}" if article == "l'" else f"{article} {nom}"
        de = f"de {le}"
        rows.append(
            _row(
                code,
                nom,
                "",
                article,
                le,
                de,
                dans,
                source,
                reg,
                regions[reg],
                PREFET_DE[code],
                SPECIAL_INSTITUTIONS[code],
            )
        )
    return rows


def _row(code, nom, tncc, article, le, de, dans, source, reg, region, prefet_de, inst):
    values = (code, nom, tncc, article, le, de, dans, source, reg, region, prefet_de, *inst)
    return dict(zip(COLUMNS, values, strict=True))


def render_csv(rows: list[dict[str, str]]) -> str:
    """Serialise the rows as UTF-8 CSV text with LF line endings."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main() -> None:
    """Write data/territoires.csv."""
    TERRITOIRES.write_text(render_csv(build_rows()), encoding="utf-8")
    print(f"{TERRITOIRES}: {len(build_rows())} territoires")


if __name__ == "__main__":
    main()
