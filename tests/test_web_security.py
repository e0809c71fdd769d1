"""The workspace's guards (web/auth.py, web/serve.py): sign-in by token or by users with hashed
passwords, the session cookie with its CSRF double submit, requests from other sites refused,
and a server that will not listen beyond loopback without authentication."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from web_helpers import client_for
from xborder.cli import cli
from xborder.web import serve
from xborder.web.auth import Auth, hash_password, read_users, verify_password


def test_token_required_everywhere_but_the_sign_in(tmp_path):
    with client_for(tmp_path, auth=Auth(token="s3cret"), run_dispatcher=False) as client:
        assert client.get("/api/instances").status_code == 401
        assert client.post("/api/instances/demo").status_code == 401
        assert client.get("/api/runs/" + "0" * 32).status_code == 401
        assert client.get("/openapi.json").status_code == 401
        assert client.get("/api/instances", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/api/instances", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        made = client.post("/api/instances/demo", headers={"Authorization": "Bearer s3cret"})
        assert made.status_code == 201  # a script with the token needs no cookie and no CSRF header
        assert client.get("/").status_code == 200 and client.get("/static/app.js").status_code == 200


def test_browser_session_needs_the_csrf_header(tmp_path):
    with client_for(tmp_path, auth=Auth(token="s3cret"), run_dispatcher=False) as client:
        assert client.post("/api/login", json={"token": "nope"}).status_code == 401
        signed = client.post("/api/login", json={"token": "s3cret"})
        assert signed.status_code == 200
        cookies = signed.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("xborder_session="))
        assert "HttpOnly" in session and "SameSite=strict" in session
        assert client.get("/api/instances").status_code == 200  # the cookie signs the browser in
        refused = client.post("/api/instances/demo")
        assert refused.status_code == 403 and "x-csrf-token" in refused.json()["detail"]
        wrong = client.post("/api/instances/demo", headers={"X-CSRF-Token": "guess"})
        assert wrong.status_code == 403
        allowed = client.post("/api/instances/demo", headers={"X-CSRF-Token": client.cookies["xborder_csrf"]})
        assert allowed.status_code == 201


def test_users_with_hashed_passwords(tmp_path):
    stored = hash_password("correct horse")
    assert stored.startswith("pbkdf2_sha256$") and "correct horse" not in stored
    assert verify_password("correct horse", stored) and not verify_password("wrong", stored)
    users = tmp_path / "users"
    users.write_text(f"# planners\nana:{stored}\n")
    with client_for(tmp_path / "ws", auth=Auth(users=read_users(users)), run_dispatcher=False) as client:
        assert client.get("/api/instances").status_code == 401
        assert client.post("/api/login", json={"name": "ana", "password": "wrong"}).status_code == 401
        assert client.post("/api/login", json={"name": "bob", "password": "correct horse"}).status_code == 401
        assert client.post("/api/login", json={"name": "ana", "password": "correct horse"}).status_code == 200
        assert client.get("/api/session").json() == {"required": True, "user": "ana"}


def test_requests_from_another_site_are_refused(tmp_path):
    """Even on loopback without sign-in, a page elsewhere cannot make the browser change things."""
    with client_for(tmp_path, run_dispatcher=False) as client:
        evil = client.post("/api/instances/demo", headers={"Origin": "http://evil.example"})
        assert evil.status_code == 403
        same = client.post("/api/instances/demo", headers={"Origin": "http://testserver"})
        assert same.status_code == 201
        assert client.get("/api/instances", headers={"Origin": "http://evil.example"}).status_code == 200  # reads are harmless


def test_serve_refuses_other_addresses_without_authentication():
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "reachable from other machines; start with --token or --users" in result.output


def test_serve_without_the_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(serve, "missing_modules", lambda: ["fastapi", "uvicorn"])
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2 and "pip install 'xborder[web]'" in result.output


def test_a_bad_users_file_is_named(tmp_path):
    users = tmp_path / "users"
    users.write_text("ana:plaintext\n")
    result = CliRunner().invoke(cli, ["serve", "--users", str(users)])
    assert result.exit_code == 2 and "line 1: expected name:pbkdf2_sha256$" in result.output


@pytest.mark.parametrize("origin, host, foreign", [
    ("http://127.0.0.1:8000", "127.0.0.1:8000", False), ("http://evil.example", "127.0.0.1:8000", True),
    (None, "127.0.0.1:8000", False), ("null", "127.0.0.1:8000", True),
])
def test_origin_rule(origin, host, foreign):
    from xborder.web.auth import foreign_origin

    assert foreign_origin(origin, host) is foreign
