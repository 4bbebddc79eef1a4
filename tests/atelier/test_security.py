"""Security by default: token, Host, CSRF, upload size, paths confined to the campaign's folders."""

from __future__ import annotations

from tests.atelier.conftest import PORT, TOKEN


def test_every_request_without_the_token_is_refused(anonymous):
    for path in ("/", "/static/atelier.js", "/lettre.css", "/api/modele?nom=segur", "/telecharger/x"):
        response = anonymous.get(path)
        assert response.status_code == 403, path
        assert "Accès refusé" in response.text and "?jeton=" in response.text
    assert anonymous.post("/api/apercu", json={}).status_code == 403
    assert anonymous.get("/?jeton=mauvais-jeton").status_code == 403


def test_the_token_becomes_an_httponly_strict_cookie_and_leaves_the_address(anonymous):
    response = anonymous.get(f"/?jeton={TOKEN}")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and TOKEN.lower() in cookie
    page = anonymous.get("/")
    assert page.status_code == 200 and "Atelier lettergen" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"


def test_a_foreign_host_is_refused_even_with_the_token(client):
    for host in ("evil.example", f"evil.example:{PORT}", f"127.0.0.1:{PORT + 1}", "127.0.0.1"):
        response = client.get("/", headers={"host": host})
        assert response.status_code == 403, host
        assert "n'est pas celui de l'atelier" in response.text
    assert client.get("/", headers={"host": f"localhost:{PORT}"}).status_code == 200


def test_a_post_without_the_csrf_token_is_refused(client):
    body = {"modele": "segur", "source": "x", "destinataire": "33"}
    del client.headers["x-jeton-csrf"]
    response = client.post("/api/apercu", json=body)
    assert response.status_code == 403 and "CSRF" in response.text
    response = client.post("/api/enregistrer", json=body, headers={"x-jeton-csrf": "0" * 64})
    assert response.status_code == 403


def test_a_post_from_another_origin_is_refused(client):
    response = client.post(
        "/api/apercu",
        json={"modele": "segur", "source": "", "destinataire": ""},
        headers={"origin": "http://evil.example"},
    )
    assert response.status_code == 403 and "autre site" in response.text


def test_an_oversized_upload_is_refused_in_french_and_not_kept(client, app):
    big = b"id;prenom;nom;departement\n" + b"x" * (6 * 1024 * 1024)
    response = client.post(
        "/api/fichier", data={"genre": "destinataires"}, files={"fichier": ("gros.csv", big, "text/csv")}
    )
    assert response.status_code == 413
    assert "dépasse la taille permise (5 Mo au plus)" in response.text
    assert not list(app.state.bench.work_dir.rglob("gros.csv"))


def test_an_upload_just_over_the_limit_is_refused_too(client, app):
    limit = app.state.bench.config.max_upload
    response = client.post(
        "/api/fichier",
        data={"genre": "destinataires"},
        files={"fichier": ("juste.csv", b"x" * (limit + 1), "text/csv")},
    )
    assert response.status_code == 413 and "Mo au plus" in response.text


def test_template_names_outside_the_templates_folder_are_refused(client, campaign_copy):
    (campaign_copy / "secret.j2").write_text("[objet]\nsecret\n", encoding="utf-8")
    for name in ("../secret", "../../etc/passwd", "/etc/passwd", "segur.j2/../../secret", ".hidden", ""):
        response = client.get("/api/modele", params={"nom": name})
        assert response.status_code == 400, name
        assert "inconnu" in response.json()["erreur"]
        preview = client.post("/api/apercu", json={"modele": name, "source": "{{ 1 }}", "destinataire": "33"})
        assert preview.status_code == 400
        saved = client.post("/api/enregistrer", json={"modele": name, "source": "[objet]\nx\n"})
        assert saved.status_code == 400
    assert (campaign_copy / "secret.j2").read_text(encoding="utf-8") == "[objet]\nsecret\n"


def test_uploaded_names_never_leave_the_servers_folder(client, app, tmp_path):
    response = client.post(
        "/api/fichier",
        data={"genre": "destinataires"},
        files={
            "fichier": ("../../evil.csv", b"id;civilite;prenom;nom;departement\n33;Mme;A;B;33\n", "text/csv")
        },
    )
    assert response.status_code == 200
    assert "« evil.csv »" in response.json()["message"]
    assert not (tmp_path / "evil.csv").exists() and not (tmp_path.parent / "evil.csv").exists()
    kept = list(app.state.bench.work_dir.rglob("evil.csv"))
    assert len(kept) == 1


def test_paths_through_static_and_downloads_are_refused(client):
    assert client.get("/static/../library.py").status_code == 404
    assert client.get("/static/%2e%2e/library.py").status_code == 404
    assert client.get("/telecharger/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/api/travaux/../../x").status_code == 404
