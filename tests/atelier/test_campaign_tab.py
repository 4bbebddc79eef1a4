"""« Campagne » on a real register: the one ``send`` and ``replies`` write, read by the atelier."""

from __future__ import annotations

import re
import sqlite3

from starlette.testclient import TestClient

from lettergen.atelier.app import create_app
from lettergen.atelier.register_view import register_view
from lettergen.atelier.security import COOKIE, CSRF_HEADER
from tests.atelier.conftest import LETTER_DATE, PORT, TOKEN, atelier_config, fill_register

#: département code → the map's state, as fill_register's docstring says.
EXPECTED = {
    "33": "favorable",
    "59": "repondu",
    "01": "sans_reponse",
    "40": "sans_reponse",
    "974": "favorable",
    "13": "envoye",
    "67": "envoye",  # 6AE, the Collectivité européenne d'Alsace, colours both Rhin départements
    "68": "envoye",
    "75": "envoye",  # uncertain: the message most likely left
}


def open_page(campaign_copy, tmp_path) -> str:
    work = tmp_path / "atelier"
    work.mkdir(exist_ok=True)
    app = create_app(atelier_config(campaign_copy), work, token=TOKEN)
    client = TestClient(app, base_url=f"http://127.0.0.1:{PORT}", follow_redirects=False)
    assert COOKIE in client.get(f"/?jeton={TOKEN}").cookies
    client.headers[CSRF_HEADER] = app.state.guard.csrf
    return client.get("/").text


def map_states(page: str) -> dict[str, str]:
    return dict(
        (code, state)
        for state, code in re.findall(r'<path class="dep etat-(\w+)[^"]*" data-departement="(\w+)"', page)
    )


def test_the_view_reads_states_rate_and_register_words(campaign_copy):
    view = register_view(fill_register(campaign_copy), LETTER_DATE)
    assert view is not None and view.problem == ""
    by_id = {row.id: row for row in view.rows}
    assert {rid: row.etat for rid, row in by_id.items()} == {
        "33": "favorable",
        "59": "repondu",
        "01": "sans_reponse",
        "40": "sans_reponse",
        "974": "favorable",
        "13": "envoye",
        "6AE": "envoye",
        "75": "envoye",
        "69": "",
    }
    assert (by_id["75"].registre, by_id["69"].registre, by_id["33"].registre) == (
        "incertain",
        "échec",
        "répondu",
    )
    assert (view.sent, view.answered) == (8, 3)
    assert {code: view.states[code] for code in EXPECTED} == EXPECTED and "69" not in view.states
    assert {rate.region: (rate.written, rate.answered) for rate in view.regions}["Nouvelle-Aquitaine"] == (
        2,
        1,
    )


def test_the_campaign_tab_shows_the_register(campaign_copy, tmp_path):
    fill_register(campaign_copy)
    page = open_page(campaign_copy, tmp_path)
    assert "8 lettre(s) envoyée(s), 3 réponse(s) : taux de réponse <strong>38 %</strong>" in page
    states = map_states(page)
    assert {code: states[code] for code in EXPECTED} == EXPECTED
    assert states["69"] == "aucun" and states["75"] == "envoye"
    assert page.count('class="dep ') == 101
    assert "Gironde (33) : réponse favorable" in page and "Ain (01) : sans réponse" in page
    assert re.search(r'<tr data-destinataire="69">.*?<td>aucune lettre</td><td>échec</td>', page)
    assert re.search(
        r'<tr data-destinataire="59">.*?<td>réponse reçue</td><td>répondu</td>.*?defavorable', page
    )
    assert "<td>Nouvelle-Aquitaine</td><td>2</td><td>1</td><td>50 %</td>" in page


def test_the_page_reads_the_register_again_at_each_visit(campaign_copy, tmp_path):
    assert "Pas encore de registre de campagne" in open_page(campaign_copy, tmp_path)
    fill_register(campaign_copy)
    assert "taux de réponse <strong>38 %</strong>" in open_page(campaign_copy, tmp_path)


def test_an_unreadable_register_is_one_french_line_on_the_tab(campaign_copy, tmp_path):
    (campaign_copy / "registre.sqlite").write_bytes(b"pas une base SQLite" * 100)
    page = open_page(campaign_copy, tmp_path)
    assert re.search(
        r'role="alert">[^<]*registre.sqlite: ce fichier n&#39;est pas un registre lettergen lisible', page
    )


def test_a_register_from_a_newer_lettergen_is_refused_in_french(campaign_copy):
    path = fill_register(campaign_copy)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    view = register_view(path, LETTER_DATE)
    assert view is not None and view.rows == ()
    assert "schéma 99" in view.problem and "mettez lettergen à jour" in view.problem


def test_the_tab_reads_the_register_while_a_send_holds_its_write_lock(campaign_copy):
    """A ``send`` in progress holds a write transaction: the atelier reads the last committed state."""
    from lettergen.campaign.register import open_register, run_lock

    path = fill_register(campaign_copy)
    with run_lock(path), open_register(path) as register, register._transaction() as db:
        db.execute("UPDATE lettres SET etat = 'envoyé' WHERE destinataire = '69'")  # not committed yet
        view = register_view(path, LETTER_DATE)
        assert view is not None and view.problem == ""
        assert {row.id: row.registre for row in view.rows}["69"] == "échec"
