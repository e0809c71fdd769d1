"""The workspace's HTTP API and the app that serves the planner's page (web/static).

Everything the page does goes through this JSON API (the OpenAPI document is at /openapi.json):
instances and their versions, the grid's pages and edits, workbooks, runs with their progress,
cancel, files and views, and the comparison of runs. `create_app(settings)` builds the app; the
store (web/store.py) keeps the state, the dispatcher (web/jobs.py) runs the runs.
"""

from __future__ import annotations

import json
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from . import auth as au
from . import documents as docs
from . import jobs, results
from . import store as st

STATIC = Path(__file__).parent / "static"
PACKAGE = Path(__file__).resolve().parents[1]
DEMO = PACKAGE / "instances" / "demo.json"
QUEUE_BOUND = 50


@dataclass
class Settings:
    workspace: Path
    db_url: str | None = None
    workers: int = 2
    scheduler: str | None = None
    queue_bound: int = QUEUE_BOUND
    auth: au.Auth = field(default_factory=au.Auth)
    run_dispatcher: bool = True


class Edits(BaseModel):
    """One save of the grid: a table's updated, inserted and deleted rows (rows count from 1), or
    settings; it makes the next version."""

    table: str
    updates: list[dict] = Field(default_factory=list, description='[{"row": 3, "values": {"price": 12.5}}]')
    inserts: list[dict] = Field(default_factory=list, description="new records")
    deletes: list[int] = Field(default_factory=list, description="rows to delete")
    settings: dict | None = None
    note: str = ""


class RunRequest(BaseModel):
    """A run: its kind, the version it solves, the command's options by their parameter names
    (`xborder <kind> --help`), and for scenarios and stochastic the scenario rows (a `value` of
    FROM:TO:STEP is a sweep) or, for stochastic, `draw: {count, seed}`."""

    version: str
    kind: str = "solve"
    options: dict = Field(default_factory=dict, description='e.g. {"time_limit": 30, "mip_gap": 0.001}')
    scenarios: list[dict] | None = None
    draw: dict | None = None


class SignIn(BaseModel):
    token: str | None = None
    name: str | None = None
    password: str | None = None


def create_app(settings: Settings) -> FastAPI:
    workspace = Path(settings.workspace)
    store = st.Store(settings.db_url or st.default_url(workspace), workspace)
    store.migrate()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        jobs.recover(store)
        dispatcher = jobs.Dispatcher(store, settings.workers, settings.scheduler) if settings.run_dispatcher else None
        if dispatcher:
            dispatcher.start()
        app.state.dispatcher = dispatcher
        yield
        if dispatcher:
            dispatcher.stop()

    app = FastAPI(title="xborder workspace", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description=__doc__)
    app.state.store, app.state.settings = store, settings
    _guard(app, settings)
    _instance_routes(app, store)
    _run_routes(app, store, settings)
    _page_routes(app, settings)
    return app


def _guard(app: FastAPI, settings: Settings):
    @app.middleware("http")
    async def guard(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > docs.UPLOAD_LIMIT + 1024 * 1024:
            return JSONResponse({"detail": f"the request is larger than {docs.UPLOAD_LIMIT // 2**20} MiB"}, status_code=413)
        refused = au.refusal(settings.auth, request.method, request.url.path, request.headers, request.cookies)
        if refused:
            return JSONResponse({"detail": refused[1]}, status_code=refused[0])
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; "
                                    "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-eval'; frame-ancestors 'none'")
        return response


def _version_or_404(store: st.Store, digest: str) -> st.Version:
    try:
        version = store.version(digest)
    except KeyError:
        version = None
    if version is None:
        raise HTTPException(404, f"no version {digest[:64]!r}")
    return version


def _new_version(store: st.Store, instance_id: str, doc: dict, note: str, parent: str | None = None) -> dict:
    valid, issues, counts = docs.validate(doc)
    version = store.add_version(instance_id, doc, valid, issues, counts, note, parent)
    return {"instance": instance_id, "version": version.__dict__}


def _instance_routes(app: FastAPI, store: st.Store):
    @app.get("/api/schema", tags=["instances"])
    def schema():
        """The tables, their columns (kind, default, range, note, key lists) and the settings."""
        return docs.schema_document()

    @app.get("/api/instances", tags=["instances"])
    def list_instances():
        return store.instances()

    @app.post("/api/instances", status_code=201, tags=["instances"])
    async def upload(file: UploadFile = File(..., description="a workbook (.xlsx), a zipped CSV folder (.zip) or .json")):
        """Upload an instance; it becomes the instance's version 1, valid or not (its problems listed)."""
        data = await file.read(docs.UPLOAD_LIMIT + 1)
        if len(data) > docs.UPLOAD_LIMIT:
            raise HTTPException(413, f"the file is larger than {docs.UPLOAD_LIMIT // 2**20} MiB")
        try:
            doc, name = docs.document_from_upload(file.filename or "", data)
        except docs.UploadError as err:
            raise HTTPException(422, str(err)) from None
        return _new_version(store, store.create_instance(name), doc, f"uploaded {file.filename}")

    @app.post("/api/instances/demo", status_code=201, tags=["instances"])
    def from_demo():
        """A new instance from xborder's demo (10 markets, 30 products, 6 warehouses)."""
        doc, name = docs.document_from_upload("demo.json", DEMO.read_bytes())
        return _new_version(store, store.create_instance(name), doc, "the demo")

    @app.post("/api/instances/empty", status_code=201, tags=["instances"])
    def empty(name: str = "new plan"):
        """A new instance with every required table empty, to fill in the grid."""
        return _new_version(store, store.create_instance(name), docs.empty_document(), "empty")

    @app.get("/api/instances/{instance_id}", tags=["instances"])
    def instance(instance_id: str):
        found = store.instance(instance_id)
        if found is None:
            raise HTTPException(404, "no such instance")
        return found

    _version_routes(app, store)


def _version_routes(app: FastAPI, store: st.Store):
    @app.get("/api/versions/{digest}", tags=["versions"])
    def version(digest: str):
        """A version: its number, validity, problems and rows per table."""
        return _version_or_404(store, digest).__dict__

    @app.get("/api/versions/{digest}/document", tags=["versions"])
    def document(digest: str):
        """The version as an instance document (what `xborder convert --to x.json` writes)."""
        _version_or_404(store, digest)
        return store.document(digest)

    @app.get("/api/versions/{digest}/tables/{table}", tags=["versions"])
    def table_page(digest: str, table: str, page: int = 1, size: int = 100, sort: str | None = None,
                   descending: bool = False, filter: str | None = None):
        """One page of a table for the grid, with the problems of its rows; `filter` is a JSON
        object {column: text}."""
        version = _version_or_404(store, digest)
        try:
            filters = json.loads(filter) if filter else None
        except ValueError:
            raise HTTPException(422, "filter must be a JSON object {column: text}") from None
        found = docs.table_page(store.document(digest), table, page, size, sort, descending, filters)
        shown = {r["_row"] for r in found["rows"]}
        found["issues"] = [i for i in version.issues if i["table"] == table and (i["row"] in shown or not i["row"])]
        return found

    @app.get("/api/versions/{digest}/keys", tags=["versions"])
    def keys(digest: str):
        """The keys the grid's drop-down lists offer (markets, products, warehouses, ...)."""
        _version_or_404(store, digest)
        return docs.key_lists(store.document(digest))

    @app.post("/api/versions/{digest}/edits", status_code=201, tags=["versions"])
    def edit(digest: str, edits: Edits):
        """Apply the grid's edits: the result is a new version (its content hash), validated."""
        version = _version_or_404(store, digest)
        try:
            doc = docs.apply_edits(store.document(digest), edits.table, edits.updates, edits.inserts, edits.deletes,
                                   edits.settings)
        except docs.UploadError as err:
            raise HTTPException(422, str(err)) from None
        return _new_version(store, version.instance_id, doc, edits.note or f"edited {edits.table}", parent=digest)

    @app.get("/api/versions/{digest}/workbook", tags=["versions"])
    def workbook(digest: str):
        """The version as an .xlsx workbook."""
        version = _version_or_404(store, digest)
        name = jobs.safe_name(store.instance(version.instance_id)["name"])
        return Response(docs.workbook_bytes(store.document(digest)),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}-v{version.number}.xlsx"'})

    @app.get("/api/template", tags=["instances"])
    def template():
        """An empty instance workbook with header notes and drop-down lists (`xborder template`)."""
        from ..data.template import template_bytes

        return Response(template_bytes(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="xborder-template.xlsx"'})


def _run_routes(app: FastAPI, store: st.Store, settings: Settings):
    @app.get("/api/run-kinds", tags=["runs"])
    def run_kinds():
        """Each run kind's options (names, types, choices, defaults, help), from the CLI's own definitions."""
        return jobs.run_kinds()

    @app.post("/api/runs", status_code=201, tags=["runs"])
    def start(request: RunRequest):
        """Queue a run; 422 when an option is refused, 429 when the queue is full."""
        version = _version_or_404(store, request.version)
        if not version.valid:
            raise HTTPException(422, f"version {version.number} has {len(version.issues)} problem(s); fix them first")
        options = _run_options(request)
        run = store.create_run(version.instance_id, version.hash, request.kind, options, settings.queue_bound)
        if run is None:
            raise HTTPException(429, f"{settings.queue_bound} runs are already waiting; try again when some have started")
        if request.scenarios is not None:
            _write_scenarios(store.run_folder(run["id"]), request.scenarios)
        return run

    @app.get("/api/runs", tags=["runs"])
    def list_runs(instance: str | None = None, limit: int = 200):
        return store.runs(instance, min(max(limit, 1), 1000))

    @app.get("/api/runs/{run_id}", tags=["runs"])
    def run(run_id: str):
        """A run: status, options, progress (the CLI's stage lines), summary and error."""
        return _run_or_404(store, run_id)

    @app.post("/api/runs/{run_id}/cancel", tags=["runs"])
    def cancel(run_id: str):
        """Cancel: a queued run is dropped, a running one stops like Ctrl-C (its best plan kept)."""
        _run_or_404(store, run_id)
        return {"status": store.request_cancel(run_id)}

    _result_routes(app, store)


def _run_options(request: RunRequest) -> dict:
    if request.kind not in jobs.KINDS:
        raise HTTPException(422, f"unknown run kind '{request.kind}' (one of {', '.join(jobs.KINDS)})")
    needs = request.kind in jobs.NEEDS_SCENARIOS
    if needs and not request.scenarios and not (request.kind == "stochastic" and request.draw):
        raise HTTPException(422, f"a {request.kind} run needs scenario rows" + (" or draw" if request.kind == "stochastic" else ""))
    if not needs and (request.scenarios or request.draw):
        raise HTTPException(422, f"a {request.kind} run takes no scenarios")
    try:
        jobs.option_arguments(request.kind, request.options)
    except jobs.OptionError as err:
        raise HTTPException(422, str(err)) from None
    options = dict(request.options)
    if request.draw:
        count, seed = request.draw.get("count"), request.draw.get("seed", 0)
        if not isinstance(count, int) or not 2 <= count <= 1000 or not isinstance(seed, int):
            raise HTTPException(422, "draw needs an integer count from 2 to 1000 and an integer seed")
        options["draw"] = {"count": count, "seed": seed}
    return options


def _write_scenarios(folder: Path, rows: list[dict]):
    import pandas as pd

    from ..data.cells import write_csv

    columns = [c for c in ("scenario", "probability", "table", "action", "column", "value", "where") if any(c in r for r in rows)]
    write_csv(pd.DataFrame.from_records(rows, columns=columns), folder / "scenarios.csv")


def _run_or_404(store: st.Store, run_id: str) -> dict:
    try:
        found = store.run(run_id) if len(run_id) == 32 else None
    except KeyError:
        found = None
    if found is None:
        raise HTTPException(404, "no such run")
    return found


def _finished(store: st.Store, run_id: str) -> tuple[dict, Path]:
    run = _run_or_404(store, run_id)
    if run["status"] in st.ACTIVE:
        raise HTTPException(409, f"the run is {run['status']}")
    return run, store.run_folder(run_id)


def _result_routes(app: FastAPI, store: st.Store):
    @app.get("/api/runs/{run_id}/files", tags=["results"])
    def files(run_id: str):
        _run_or_404(store, run_id)
        return results.run_files(store.run_folder(run_id))

    @app.get("/api/runs/{run_id}/files/{name:path}", tags=["results"])
    def file(run_id: str, name: str):
        """One of the run's files by its listed name (solution.json, solution.xlsx, report.html, ...)."""
        _run_or_404(store, run_id)
        path = results.file_in_run(store.run_folder(run_id), name)
        if path is None:
            raise HTTPException(404, "no such file in this run")
        inline = path.suffix in (".json", ".csv", ".txt")
        return FileResponse(path, filename=path.name, content_disposition_type="inline" if inline else "attachment")

    @app.get("/api/runs/{run_id}/plans", tags=["results"])
    def plans(run_id: str):
        """The plans a run holds: `plan` for a solve; a study's scenarios, points or ranks."""
        run, folder = _finished(store, run_id)
        return results.plan_names(run["kind"], folder)

    @app.get("/api/runs/{run_id}/plans/{name}", tags=["results"])
    def plan(run_id: str, name: str):
        """One plan's views: KPIs, the network map, P&L per market, channels, warehouse use by
        period, marginal values and the plan in words; re-checked by the independent checker."""
        run, folder = _finished(store, run_id)
        view = results.plan_view(folder, run["kind"], name)
        if view is None:
            raise HTTPException(404, "no such plan in this run")
        return view

    @app.get("/api/runs/{run_id}/study", tags=["results"])
    def study(run_id: str):
        """A study's own table (comparison, frontier, alternatives, stochastic scenarios)."""
        run, folder = _finished(store, run_id)
        table = results.study_table(run["kind"], folder)
        if table is None:
            raise HTTPException(404, "this run has no study table")
        return table

    @app.get("/api/compare", tags=["results"])
    def compare(plans: str):
        """Plans side by side: `plans` is a comma-separated list of RUN_ID or RUN_ID:PLAN."""
        chosen = [p for p in plans.split(",") if p.strip()]
        if not 2 <= len(chosen) <= 8:
            raise HTTPException(422, "compare two to eight plans")
        views = []
        for item in chosen:
            run_id, _, name = item.strip().partition(":")
            run, folder = _finished(store, run_id)
            view = results.plan_view(folder, run["kind"], name or "plan")
            if view is None:
                raise HTTPException(404, f"no plan '{name or 'plan'}' in run {run_id}")
            views.append({**view, "label": f"{run_id[:8]}:{name or 'plan'}"})
        return results.compare(views)


def _page_routes(app: FastAPI, settings: Settings):
    @app.post("/api/login", tags=["session"])
    def login(body: SignIn):
        """Sign in with the token or a name and password: sets the session and CSRF cookies."""
        session = settings.auth.sign_in(body.token, body.name, body.password)
        if session is None:
            raise HTTPException(401, "wrong token, name or password")
        response = JSONResponse({"signed_in": True})
        response.set_cookie(au.SESSION_COOKIE, session, httponly=True, samesite="strict", max_age=au.SESSION_SECONDS)
        response.set_cookie(au.CSRF_COOKIE, secrets.token_urlsafe(24), samesite="strict", max_age=au.SESSION_SECONDS)
        return response

    @app.get("/api/session", tags=["session"])
    def session(request: Request):
        """Whether sign-in is needed and whether this browser is signed in."""
        user = settings.auth.session_user(request.cookies.get(au.SESSION_COOKIE))
        return {"required": settings.auth.required, "user": user}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def index():
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js():
        import plotly

        return FileResponse(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
