"""`xborder serve`: the workspace on one machine (docs/web.md). Its imports of the web stack wait
until it runs, so that without the `web` extra it says how to install it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

WEB_MODULES = ("fastapi", "uvicorn", "sqlalchemy", "alembic", "multipart")
EXIT_BAD_INPUT = 2


def missing_modules() -> list[str]:
    import importlib.util

    return [m for m in WEB_MODULES if importlib.util.find_spec(m) is None]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any other than loopback needs --token or --users.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workspace", type=click.Path(file_okay=False), default="xborder-workspace", show_default=True,
              help="Folder of the database file (SQLite) and of every version's and run's files.")
@click.option("--db", "db_url", default=None, metavar="URL",
              help="Database URL (default: sqlite:///WORKSPACE/xborder.sqlite; e.g. postgresql+psycopg://user@host/xborder).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Runs at once.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the runs on this Dask scheduler (its workers must see the workspace folder).")
@click.option("--queue-bound", default=50, show_default=True, type=click.IntRange(1, 100_000),
              help="Runs that may wait; beyond it starting a run answers 429.")
@click.option("--token", envvar="XBORDER_TOKEN", default=None, help="Require this token (or env XBORDER_TOKEN).")
@click.option("--users", "users_file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Require a sign-in by one of these users (name:hash lines; see --hash-password).")
@click.option("--hash-password", is_flag=True, help="Ask for a password, print its users-file hash and exit.")
def serve(host, port, workspace, db_url, workers, scheduler, queue_bound, token, users_file, hash_password):
    """Start the planner workspace: the web app and its HTTP API (docs/web.md).

    \b
    Example:
      xborder serve --port 8000            # then open http://127.0.0.1:8000
      xborder serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
    """
    missing = missing_modules()
    if missing:
        click.echo(f"error: xborder serve needs the web extra ({', '.join(missing)} missing): "
                   "pip install 'xborder[web]'", err=True)
        sys.exit(EXIT_BAD_INPUT)
    from .auth import Auth, AuthError, hash_password as make_hash, is_loopback, read_users

    if hash_password:
        click.echo(make_hash(click.prompt("password", hide_input=True, confirmation_prompt=True)))
        return
    try:
        auth = Auth(token=token or None, users=read_users(Path(users_file)) if users_file else {})
    except AuthError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if not is_loopback(host) and not auth.required:
        click.echo(f"error: {host} is reachable from other machines; start with --token or --users "
                   "(or bind to 127.0.0.1)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    _run(host, port, workspace, db_url, workers, scheduler, queue_bound, auth)


def _run(host, port, workspace, db_url, workers, scheduler, queue_bound, auth):
    import uvicorn

    from .app import Settings, create_app

    Path(workspace).mkdir(parents=True, exist_ok=True)
    try:
        app = create_app(Settings(Path(workspace), db_url, workers, scheduler, queue_bound, auth))
    except Exception as err:  # a database that cannot be reached or migrated: say which and why
        click.echo(f"error: cannot open the store {db_url or workspace}: {type(err).__name__}: {err}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"xborder workspace: open http://{shown}:{port}  (store: {db_url or os.path.join(workspace, 'xborder.sqlite')}; "
               f"{workers} worker(s){'; Dask ' + scheduler if scheduler else ''}; Ctrl-C stops)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=15)


COMMANDS = (serve,)
