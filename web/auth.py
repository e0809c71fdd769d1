"""Who may use the workspace, and protection against requests forged by other sites.

- On a loopback address (the default) no sign-in is needed: only this machine can reach it.
- On any other address the server refuses to start unless authentication is configured: a token
  (`--token` or XBORDER_TOKEN; scripts send `Authorization: Bearer <token>`) and/or a users file
  (`--users FILE`, one `name:pbkdf2_sha256$iterations$salt$hash` line per user, made with
  `xborder serve --hash-password`). Then every request needs it, except the sign-in page itself.
- The browser signs in once (token or name and password) and gets a session cookie
  (HttpOnly, SameSite=Strict), signed by the server; requests that change something with that
  cookie must echo the `xborder_csrf` cookie in the `X-CSRF-Token` header (double submit).
- Whatever the address, a request that changes something and carries an `Origin` of another
  site is refused (a page elsewhere cannot make a browser start runs here).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ITERATIONS = 240_000
SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER = "xborder_session", "xborder_csrf", "x-csrf-token"
SESSION_SECONDS = 12 * 3600
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
OPEN_PATHS = ("/login", "/api/login", "/api/session", "/static/")


class AuthError(ValueError):
    """Authentication that cannot be used as configured; the message says why."""


def hash_password(password: str, salt: str | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode('ascii')}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, _ = stored.split("$", 3)
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    return hmac.compare_digest(hash_password(password, salt, int(iterations)), stored)


def read_users(path: Path) -> dict[str, str]:
    """name -> stored hash, from a users file (module docstring)."""
    users = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, stored = line.strip().partition(":")
        if not sep or not stored.startswith("pbkdf2_sha256$"):
            raise AuthError(f"{path}: line {number}: expected name:pbkdf2_sha256$... (see xborder serve --hash-password)")
        users[name] = stored
    return users


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Auth:
    token: str | None = None
    users: dict[str, str] = field(default_factory=dict)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @property
    def required(self) -> bool:
        return bool(self.token or self.users)

    def check_token(self, text: str | None) -> bool:
        return bool(self.token and text and hmac.compare_digest(text.encode(), self.token.encode()))

    def sign_in(self, token: str | None = None, name: str | None = None, password: str | None = None) -> str | None:
        """A session value for a valid token or name and password, else None."""
        if token is not None and self.check_token(token):
            who = "token"
        elif name is not None and password is not None and name in self.users and verify_password(password, self.users[name]):
            who = name
        else:
            return None
        expires = str(int(time.time()) + SESSION_SECONDS)
        body = f"{who}|{expires}"
        return f"{body}|{self._sign(body)}"

    def session_user(self, value: str | None) -> str | None:
        if not value or value.count("|") != 2:
            return None
        who, expires, signature = value.split("|")
        if not hmac.compare_digest(signature, self._sign(f"{who}|{expires}")) or int(expires) < time.time():
            return None
        return who

    def _sign(self, body: str) -> str:
        return hmac.new(self.secret, body.encode("utf-8"), hashlib.sha256).hexdigest()


def foreign_origin(origin: str | None, host: str | None) -> bool:
    """Whether a request's Origin names another site than the Host it was sent to."""
    if not origin or origin == "null" or not host:
        return bool(origin == "null")
    return urlsplit(origin).netloc.lower() != host.lower()


def refusal(auth: Auth, method: str, path: str, headers, cookies) -> tuple[int, str] | None:
    """(status, message) when a request must be refused, else None (module docstring)."""
    unsafe = method not in SAFE_METHODS
    if unsafe and foreign_origin(headers.get("origin"), headers.get("host")):
        return 403, "a request from another site was refused"
    if not auth.required or path.startswith(OPEN_PATHS) or path in ("/", "/favicon.ico"):
        return None
    bearer = headers.get("authorization", "")
    if bearer.lower().startswith("bearer ") and auth.check_token(bearer[7:].strip()):
        return None
    if auth.session_user(cookies.get(SESSION_COOKIE)) is None:
        return 401, "sign in first: send Authorization: Bearer <token>, or sign in at /login"
    if unsafe:
        sent, expected = headers.get(CSRF_HEADER, ""), cookies.get(CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            return 403, f"missing or wrong {CSRF_HEADER} header (it must echo the {CSRF_COOKIE} cookie)"
    return None
