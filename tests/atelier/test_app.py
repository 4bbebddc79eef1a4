"""The atelier's routes, at the HTTP level, on a copy of the example campaign."""

from __future__ import annotations

import io
import re
import time
import zipfile
from html.parser import HTMLParser

import docx
from click.testing import CliRunner

from lettergen.cli import cli
from tests.atelier.conftest import LETTER_DATE


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def words_of_html(html: str) -> list[str]:
    parser = _Text()
    html = html.replace("<sup>", "").replace("</sup>", "")  # « 1<sup>er</sup> » reads « 1er »
    parser.feed(re.sub(r"</(p|div|article)>", r" </\1>", html))
    return " ".join(parser.parts).split()


def source_of(campaign_copy, name="segur"):
    return (campaign_copy / "templates" / f"{name}.j2").read_text(encoding="utf-8")


def preview(client, source, recipient="33", name="segur"):
    response = client.post("/api/apercu", json={"modele": name, "source": source, "destinataire": recipient})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_preview_has_the_words_of_lettergen_preview(client, campaign_copy, monkeypatch):
    monkeypatch.chdir(campaign_copy)
    for recipient in ("33", "59", "01"):
        result = CliRunner().invoke(
            cli,
            ["preview", "--recipient", recipient, "--date", LETTER_DATE.isoformat()],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        shown = preview(client, source_of(campaign_copy), recipient)
        assert shown["problemes"] == []
        assert words_of_html(shown["html"]) == result.output.split()


def test_the_preview_follows_the_unsaved_source_and_saves_nothing(client, campaign_copy):
    before = source_of(campaign_copy)
    assert "nous vous en félicitons" in preview(client, before)["html"]
    for word in ("réjouissons", "félicitons", "saluons"):
        shown = preview(client, before.replace("et nous vous en félicitons", f"et nous nous en {word}"))
        assert f"nous nous en {word}" in shown["html"]
    assert source_of(campaign_copy) == before


def test_a_template_error_names_the_template_file_and_line(client, campaign_copy):
    source = source_of(campaign_copy)
    lines = source.splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "destinataire.appel" in line)
    lines[number - 1] = lines[number - 1].replace("destinataire.appel", "destinataire.apel")
    shown = preview(client, "\n".join(lines) + "\n")
    texts = [p["texte"] for p in shown["problemes"]]
    assert any(t.startswith(f"templates/segur.j2:{number}: ") and "apel" in t for t in texts), texts
    assert shown["html"] == ""
    assert all("brouillons" not in t for t in texts)


def test_a_variant_shows_its_word_diff_against_its_parent(client, campaign_copy):
    shown = preview(client, source_of(campaign_copy, "relance"), "33", "relance")
    assert shown["parent"] == "segur"
    assert "- Vous avez été récemment élue" in shown["diff"]
    assert "+ Par un courrier du" in shown["diff"]


def test_save_refuses_a_template_that_does_not_render_and_writes_one_that_does(client, campaign_copy):
    before = source_of(campaign_copy)
    broken = before.replace("{% endblock %}", "", 1)
    response = client.post("/api/enregistrer", json={"modele": "segur", "source": broken})
    assert response.status_code == 422
    assert response.json()["enregistre"] is False
    assert "Modèle non enregistré" in response.json()["message"]
    assert response.json()["problemes"][0]["texte"].startswith("templates/segur.j2:")
    assert source_of(campaign_copy) == before
    good = before.replace("et nous vous en félicitons", "et nous nous en réjouissons")
    response = client.post("/api/enregistrer", json={"modele": "segur", "source": good})
    assert response.status_code == 200 and response.json()["enregistre"] is True
    assert source_of(campaign_copy) == good
    assert not list((campaign_copy / "templates").glob(".*tmp"))


BAD_RECIPIENTS = (
    "id;civilite;prenom;nom;departement;code_postal;ville;adresse\n"
    "33;Madame;Claire;MARTIN;33;33074;Bordeaux;1 esplanade Charles-de-Gaulle\n"
    "99x;Madame;Anne;DURAND;999;75000;Paris;1 rue X\n"
    "59;Monsieur;;LEFEBVRE;59;59047;Lille;51 rue Gustave-Delory\n"
)


def test_an_uploaded_file_shows_its_rows_and_problems_under_its_own_name(client):
    response = client.post(
        "/api/fichier",
        data={"genre": "destinataires"},
        files={"fichier": ("Élus juillet.csv", BAD_RECIPIENTS.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    texts = [p["texte"] for p in result["problemes"]]
    assert any(t.startswith("Élus juillet.csv:3: ") and "999" in t for t in texts), texts
    assert any(t.startswith("Élus juillet.csv:4: ") for t in texts), texts
    assert [r["id"] for r in result["destinataires"]] == ["33"]
    assert "Élus juillet.csv:3: " in result["tableau"] and "DURAND" in result["tableau"]
    assert 'data-destinataire="33"' in result["tableau"]
    assert "televersements" not in " ".join(texts)
    shown = preview(client, client.get("/api/modele?nom=segur").json()["source"], "33")
    assert "Claire MARTIN" in shown["html"]


def test_generate_runs_the_batch_and_offers_a_zip_of_letters_and_manifest(client):
    job = client.post("/api/generer", json={"modele": "segur", "formats": ["docx"]}).json()["travail"]
    deadline = time.monotonic() + 120
    while True:
        status = client.get(f"/api/travaux/{job}").json()
        if status["etat"] != "en_cours" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert status["etat"] == "terminee", status
    assert status["fait"] == status["total"] == 18
    response = client.get(status["telechargement"])
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "manifest.csv" in names and len([n for n in names if n.endswith(".docx")]) == 18
    letter = docx.Document(io.BytesIO(archive.read(next(n for n in names if n.startswith("33-")))))
    text = "\n".join(p.text for p in letter.paragraphs)
    assert "Madame la Présidente" in text and "Gironde" in text


def test_generate_after_save_uses_the_saved_template(client, campaign_copy):
    client.post(
        "/api/apercu", json={"modele": "segur", "source": source_of(campaign_copy), "destinataire": "33"}
    )
    client.post("/api/generer", json={"modele": "segur", "formats": ["docx"]})  # compiles the old text
    saved = source_of(campaign_copy).replace("et nous vous en félicitons", "et nous nous en réjouissons")
    assert client.post("/api/enregistrer", json={"modele": "segur", "source": saved}).status_code == 200
    job = client.post("/api/generer", json={"modele": "segur", "formats": ["docx"]}).json()["travail"]
    while (status := client.get(f"/api/travaux/{job}").json())["etat"] == "en_cours":
        time.sleep(0.1)
    archive = zipfile.ZipFile(io.BytesIO(client.get(status["telechargement"]).content))
    letter = docx.Document(
        io.BytesIO(archive.read(next(n for n in archive.namelist() if n.startswith("33-"))))
    )
    assert any("nous nous en réjouissons" in p.text for p in letter.paragraphs)


def test_generate_refuses_unknown_formats_and_templates(client):
    assert client.post("/api/generer", json={"modele": "segur", "formats": ["exe"]}).status_code == 400
    assert client.post("/api/generer", json={"modele": "../x", "formats": ["docx"]}).status_code == 400


def test_the_campaign_tab_shows_states_rate_and_the_map(client):
    page = client.get("/").text
    assert "taux de réponse <strong>60 %</strong>" in page
    assert re.search(r'<path class="dep etat-favorable" data-departement="33"', page)
    assert re.search(r'<path class="dep etat-favorable outremer" data-departement="974"', page)
    assert re.search(r'<path class="dep etat-aucun" data-departement="75"', page)
    assert page.count('class="dep ') == 101
    assert "La Réunion (974) : réponse favorable" in page
