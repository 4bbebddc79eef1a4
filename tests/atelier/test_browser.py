"""The atelier in a real browser: Playwright driving Debian's Chromium (never a downloaded browser).

Each scenario saves a screenshot of its page: in the test's temporary folder, or in docs/
(docs/atelier-*.png, two of which the README shows) when LETTERGEN_CAPTURES=docs is set, so an
ordinary run of the suite never rewrites files of the repository.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import docx
import pytest
from playwright.sync_api import expect, sync_playwright

from lettergen.atelier.server import BackgroundServer
from tests.atelier.conftest import REPO, atelier_config, copy_campaign, fake_campaign, fill_register

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium (/usr/bin/chromium) est requis en CI : apt-get install chromium")
        pytest.skip("Chromium absent")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def captures(tmp_path) -> Path:
    """Where the screenshots go: docs/ only when asked, to refresh the README's pictures."""
    return REPO / "docs" if os.environ.get("LETTERGEN_CAPTURES") == "docs" else tmp_path


@pytest.fixture
def atelier(tmp_path, monkeypatch):
    folder = copy_campaign(tmp_path / "campagne")
    work = tmp_path / "atelier"
    work.mkdir()
    monkeypatch.chdir(folder)  # as a user runs it: from the campaign's folder, relative paths
    config = atelier_config(Path("."), port=0)
    with BackgroundServer(config, work, campaign=fake_campaign()) as server:
        server.folder = folder
        yield server


@pytest.fixture
def page(browser, atelier):
    context = browser.new_context(
        viewport={"width": 1500, "height": 1000}, accept_downloads=True, locale="fr-FR"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(atelier.url)
    page.get_by_role("region", name="Aperçu").get_by_text("Madame la Présidente,").first.wait_for()
    yield page
    context.close()
    assert errors == []


def preview_text(page) -> str:
    return page.get_by_role("region", name="Aperçu").inner_text()


def expect_preview(page, text: str) -> None:
    expect(page.get_by_role("region", name="Aperçu")).to_contain_text(text)


def test_open_type_see_the_preview_change_make_an_error_fix_it_and_save(page, atelier, captures):
    assert page.url.endswith("/") and "jeton" not in page.url  # the token went into the cookie
    recipients = page.get_by_role("listbox", name="Destinataire")
    recipients.select_option("59")
    expect_preview(page, "Monsieur le Président")
    assert "LEFEBVRE" in preview_text(page)

    editor = page.get_by_role("textbox", name="Modèle")
    source = editor.input_value()
    editor.fill(source.replace("et nous vous en félicitons", "et nous nous en réjouissons"))
    expect_preview(page, "nous nous en réjouissons")

    broken = source.replace("{{ destinataire.appel }}", "{{ destinataire.apel }}")
    editor.fill(broken)
    problems = page.get_by_role("region", name="Problèmes")
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "destinataire.apel" in text)
    problem = problems.get_by_role("button", name=f"templates/segur.j2:{line}:")
    problem.wait_for()
    problem.click()
    page.screenshot(path=str(captures / "atelier-erreur.png"))
    selected = page.evaluate(
        "() => { const t = document.getElementById('modele'); "
        "return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert "destinataire.apel" in selected
    assert f"▶{line}" in page.locator("#numeros").inner_text()

    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Modèle non enregistré").wait_for()
    assert "destinataire.apel" not in (atelier.folder / "templates" / "segur.j2").read_text(encoding="utf-8")

    fixed = source.replace("et nous vous en félicitons", "et nous nous en réjouissons")
    editor.fill(fixed)
    expect(page.locator("#problemes-modele li")).to_have_count(0)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Modèle enregistré dans templates/segur.j2").wait_for()
    assert (atelier.folder / "templates" / "segur.j2").read_text(encoding="utf-8") == fixed
    page.screenshot(path=str(captures / "atelier-lettre.png"))


def test_variant_and_its_diff_with_the_parent(page):
    page.get_by_label("Variante").select_option("relance")
    expect_preview(page, "Par un courrier du")
    page.get_by_text("Différences avec le modèle parent").click()
    assert "+ Par un courrier du" in page.locator("#diff").inner_text()


def test_upload_a_bad_recipients_file_and_see_its_rows(page, tmp_path, captures):
    bad = tmp_path / "élus à corriger.csv"
    bad.write_text(
        "id;civilite;prenom;nom;departement;adresse;code_postal;ville\n"
        "33;Madame;Claire;MARTIN;33;1 esplanade Charles-de-Gaulle;33074;Bordeaux\n"
        "x1;Madame;Anne;DURAND;999;1 rue X;75000;Paris\n"
        "40;Madame;Sophie;DUCASSE;40;23 rue Victor-Hugo;40025;Mont-de-Marsan\n",
        encoding="utf-8",
    )
    page.get_by_role("tab", name="Destinataires").click()
    page.get_by_label("Fichier des destinataires").set_input_files(str(bad))
    page.get_by_text("« élus à corriger.csv » chargé").wait_for()
    problems = page.get_by_role("region", name="Problèmes")
    assert "élus à corriger.csv:3:" in problems.inner_text()
    row = page.locator("#tableaux section").first.locator("tr[data-ligne='3']")
    assert "DURAND" in row.inner_text() and "élus à corriger.csv:3:" in row.inner_text()
    page.get_by_role("button", name="Ligne 4 : voir la lettre de 40").click()
    expect_preview(page, "DUCASSE")
    assert page.get_by_role("listbox", name="Destinataire").input_value() == "40"
    page.screenshot(path=str(captures / "atelier-destinataires.png"))


def test_generate_and_download_the_zip_then_open_a_docx(page, captures):
    page.get_by_role("tab", name="Générer").click()
    page.get_by_role("button", name="Générer les lettres").click()
    link = page.get_by_role("link", name="Télécharger", exact=True)
    link.wait_for(timeout=120_000)
    assert page.locator("#progression").evaluate("p => p.value === p.max && p.max === 18")
    with page.expect_download() as info:
        link.click()
    data = Path(info.value.path()).read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert "manifest.csv" in names and sum(n.endswith(".docx") for n in names) == 18
    letter = docx.Document(io.BytesIO(archive.read(next(n for n in names if n.startswith("59-")))))
    assert any("Monsieur le Président" in p.text for p in letter.paragraphs)
    page.screenshot(path=str(captures / "atelier-generer.png"))


@pytest.fixture
def registered_page(browser, tmp_path, monkeypatch):
    """The atelier of a campaign whose real register ``send`` and ``replies`` filled (no fake view)."""
    folder = copy_campaign(tmp_path / "campagne")
    fill_register(folder)
    work = tmp_path / "atelier"
    work.mkdir()
    monkeypatch.chdir(folder)
    with BackgroundServer(atelier_config(Path("."), port=0), work) as server:
        context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="fr-FR")
        page = context.new_page()
        page.goto(server.url)
        yield page
        context.close()


def test_the_campaign_map_shows_the_real_register(registered_page, captures):
    page = registered_page
    page.get_by_role("tab", name="Campagne").click()
    card = page.get_by_role("group", name="Carte des départements selon l'état de la campagne")
    card.wait_for()
    panel = page.get_by_role("tabpanel", name="Campagne")
    figures = panel.locator("p.chiffres-campagne").inner_text().replace("\u00a0", " ")
    assert figures == "8 lettre(s) envoyée(s), 3 réponse(s) : taux de réponse 38 %"
    for name in (
        "Gironde (33) : réponse favorable",
        "Nord (59) : réponse reçue",
        "Ain (01) : sans réponse",
        "Landes (40) : sans réponse",
        "La Réunion (974) : réponse favorable",
        "Bas-Rhin (67) : envoyée, en attente",  # the Collectivité européenne d'Alsace
        "Haut-Rhin (68) : envoyée, en attente",
        "Ville de Paris (75) : envoyée, en attente",  # incertain: most likely left
        "Rhône (69) : aucune lettre",  # its only message was refused
    ):
        expect(card.get_by_role("img", name=name, exact=True)).to_have_count(1)
    assert card.get_by_role("img").count() == 101
    colours = {
        code: page.locator(f"path[data-departement='{code}']").evaluate("p => getComputedStyle(p).fill")
        for code in ("33", "59", "01", "13", "69")
    }
    assert colours == {
        "33": "rgb(46, 133, 64)",
        "59": "rgb(106, 90, 205)",
        "01": "rgb(232, 163, 61)",
        "13": "rgb(143, 184, 230)",
        "69": "rgb(213, 217, 223)",
    }
    table = page.get_by_role("table", name="États par destinataire")
    expect(
        table.get_by_role("row", name=re.compile(r"^69 Christophe DURAND 69 aucune lettre échec"))
    ).to_have_count(1)
    expect(page.get_by_role("table", name="Taux de réponse par région")).to_contain_text("Nouvelle-Aquitaine")
    page.screenshot(path=str(captures / "atelier-campagne.png"))


def test_the_tabs_work_with_the_keyboard(page):
    page.get_by_role("tab", name="Lettre").focus()
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("tab", name="Destinataires").get_attribute("aria-selected") == "true"
    assert page.get_by_label("Fichier des destinataires").is_visible()
    page.keyboard.press("End")
    assert page.get_by_role("tab", name="Campagne").get_attribute("aria-selected") == "true"
