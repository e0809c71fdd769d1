"""The workspace's store: instances, their versions, runs, their options, status, progress and
results, in a database through SQLAlchemy (SQLite by default, PostgreSQL with the same code),
its schema kept by Alembic migrations (web/migrations). Large things live on disk beside it and
are referenced, never guessed from paths: each version's instance document as
`objects/<hash>.json` (named by its content hash, written atomically), each run's files in
`runs/<run id>/`.

Every write goes through `Store`; the rest of the app reads through it too.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

from ..data.atomic import atomic_path

METADATA = sa.MetaData()

INSTANCES = sa.Table(
    "instances", METADATA,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
VERSIONS = sa.Table(
    "versions", METADATA,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("instance_id", sa.String(32), sa.ForeignKey("instances.id"), nullable=False, index=True),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("parent", sa.String(64), nullable=True),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("valid", sa.Boolean, nullable=False),
    sa.Column("issues", sa.Text, nullable=False),  # JSON list of {file, table, row, column, message}
    sa.Column("counts", sa.Text, nullable=False),  # JSON {table: rows}
    sa.Column("created_at", sa.Float, nullable=False),
)
RUNS = sa.Table(
    "runs", METADATA,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("instance_id", sa.String(32), sa.ForeignKey("instances.id"), nullable=False, index=True),
    sa.Column("version_hash", sa.String(64), sa.ForeignKey("versions.hash"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("options", sa.Text, nullable=False),  # JSON
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("exit_code", sa.Integer, nullable=True),
    sa.Column("progress", sa.Text, nullable=False, default=""),  # the stage lines, as the CLI prints them
    sa.Column("summary", sa.Text, nullable=True),  # JSON: status, objective, bound, gap, check
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("pid", sa.Integer, nullable=True),  # the worker process (its own process group)
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("started_at", sa.Float, nullable=True),
    sa.Column("finished_at", sa.Float, nullable=True),
)

QUEUED, RUNNING, CANCELLING = "queued", "running", "cancelling"
DONE, NO_PLAN, FAILED, INTERRUPTED, CANCELLED = "done", "no_plan", "failed", "interrupted", "cancelled"
ACTIVE = (QUEUED, RUNNING, CANCELLING)
PROGRESS_LINES = 400  # the stage lines kept per run


def canonical(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def content_hash(doc: dict) -> str:
    return hashlib.sha256(canonical(doc)).hexdigest()


@dataclass
class Version:
    hash: str
    instance_id: str
    number: int
    parent: str | None
    note: str
    valid: bool
    issues: list
    counts: dict
    created_at: float


class Store:
    def __init__(self, url: str, workspace: Path):
        self.url = url
        self.workspace = Path(workspace)
        (self.workspace / "objects").mkdir(parents=True, exist_ok=True)
        (self.workspace / "runs").mkdir(parents=True, exist_ok=True)
        self.engine = _engine(url)
        self.lock = threading.Lock()  # one writer at a time in this process (SQLite's own rule)

    def migrate(self):
        """Bring the database to the newest schema (Alembic)."""
        from .migrations import upgrade

        upgrade(self.engine)

    # ---- instances and versions -------------------------------------------------------------

    def create_instance(self, name: str) -> str:
        instance_id = uuid.uuid4().hex
        with self.lock, self.engine.begin() as db:
            db.execute(INSTANCES.insert().values(id=instance_id, name=name[:200], created_at=time.time()))
        return instance_id

    def add_version(self, instance_id: str, doc: dict, valid: bool, issues: list, counts: dict, note: str = "",
                    parent: str | None = None) -> Version:
        """Store `doc` as the instance's next version; the same content already stored for the
        instance is that version (nothing is written twice)."""
        digest = content_hash(doc)
        path = self.object_path(digest)
        if not path.exists():
            with atomic_path(path) as tmp:
                tmp.write_bytes(canonical(doc))
        with self.lock, self.engine.begin() as db:
            found = db.execute(sa.select(VERSIONS).where(VERSIONS.c.hash == digest)).first()
            if found is not None:
                return _version(found)
            number = (db.execute(sa.select(sa.func.max(VERSIONS.c.number)).where(VERSIONS.c.instance_id == instance_id))
                      .scalar() or 0) + 1
            row = dict(hash=digest, instance_id=instance_id, number=number, parent=parent, note=note[:500], valid=valid,
                       issues=json.dumps(issues), counts=json.dumps(counts), created_at=time.time())
            db.execute(VERSIONS.insert().values(**row))
        return _version(row)

    def object_path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise KeyError(digest)
        return self.workspace / "objects" / f"{digest}.json"

    def document(self, digest: str) -> dict:
        """A version's document. Objects never change (their name is their hash), so the parsed
        document is cached and shared: callers must not change it (documents.apply_edits copies)."""
        return _parsed_object(str(self.object_path(digest)))

    def version(self, digest: str) -> Version | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(VERSIONS).where(VERSIONS.c.hash == digest)).first()
        return None if row is None else _version(row)

    def instances(self) -> list[dict]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(INSTANCES).order_by(INSTANCES.c.created_at.desc())).mappings().all()
            latest = {r.instance_id: r for r in db.execute(sa.select(VERSIONS).order_by(VERSIONS.c.number)).all()}
            runs = dict(db.execute(sa.select(RUNS.c.instance_id, sa.func.count()).group_by(RUNS.c.instance_id)).all())
        return [{**dict(r), "latest": _version(latest[r["id"]]).__dict__ if r["id"] in latest else None,
                 "runs": runs.get(r["id"], 0)} for r in rows]

    def instance(self, instance_id: str) -> dict | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(INSTANCES).where(INSTANCES.c.id == instance_id)).mappings().first()
            if row is None:
                return None
            versions = db.execute(sa.select(VERSIONS).where(VERSIONS.c.instance_id == instance_id)
                                  .order_by(VERSIONS.c.number.desc())).all()
        return {**dict(row), "versions": [_version(v).__dict__ for v in versions]}

    # ---- runs ---------------------------------------------------------------------------------

    def create_run(self, instance_id: str, version_hash: str, kind: str, options: dict, bound: int) -> dict | None:
        """A queued run; None when `bound` runs already wait (the queue is full)."""
        run_id = uuid.uuid4().hex
        with self.lock, self.engine.begin() as db:
            waiting = db.execute(sa.select(sa.func.count()).select_from(RUNS).where(RUNS.c.status == QUEUED)).scalar()
            if waiting >= bound:
                return None
            row = dict(id=run_id, instance_id=instance_id, version_hash=version_hash, kind=kind, options=json.dumps(options),
                       status=QUEUED, progress="", created_at=time.time())
            db.execute(RUNS.insert().values(**row))
        self.run_folder(run_id).mkdir(parents=True, exist_ok=True)
        return self.run(run_id)

    def run_folder(self, run_id: str) -> Path:
        if len(run_id) != 32 or not all(c in "0123456789abcdef" for c in run_id):
            raise KeyError(run_id)
        return self.workspace / "runs" / run_id

    def run(self, run_id: str) -> dict | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(RUNS).where(RUNS.c.id == run_id)).mappings().first()
        return None if row is None else _run(row)

    def runs(self, instance_id: str | None = None, limit: int = 200) -> list[dict]:
        query = sa.select(RUNS).order_by(RUNS.c.created_at.desc()).limit(limit)
        if instance_id is not None:
            query = query.where(RUNS.c.instance_id == instance_id)
        with self.engine.connect() as db:
            return [_run(r, progress=False) for r in db.execute(query).mappings().all()]

    def claim_next(self) -> dict | None:
        """The oldest queued run, marked running. The claim is an update that only succeeds on a
        run still queued (and, on PostgreSQL, a row lock that other servers skip), so no two
        dispatchers ever take the same run."""
        with self.lock, self.engine.begin() as db:
            query = sa.select(RUNS.c.id).where(RUNS.c.status == QUEUED).order_by(RUNS.c.created_at).limit(1)
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            row = db.execute(query).first()
            if row is None:
                return None
            claimed = db.execute(RUNS.update().where((RUNS.c.id == row.id) & (RUNS.c.status == QUEUED))
                                 .values(status=RUNNING, started_at=time.time())).rowcount
        return self.run(row.id) if claimed == 1 else None

    def update_run(self, run_id: str, **values):
        if "summary" in values and values["summary"] is not None:
            values["summary"] = json.dumps(values["summary"])
        with self.lock, self.engine.begin() as db:
            db.execute(RUNS.update().where(RUNS.c.id == run_id).values(**values))

    def add_progress(self, run_id: str, lines: list[str]):
        with self.lock, self.engine.begin() as db:
            current = db.execute(sa.select(RUNS.c.progress).where(RUNS.c.id == run_id)).scalar() or ""
            kept = (current.splitlines() + lines)[-PROGRESS_LINES:]
            db.execute(RUNS.update().where(RUNS.c.id == run_id).values(progress="\n".join(kept)))

    def request_cancel(self, run_id: str) -> str | None:
        """A queued run is cancelled at once; a running one is asked to stop (its best plan is kept).
        Returns the run's status after the request, None for an unknown run."""
        with self.lock, self.engine.begin() as db:
            status = db.execute(sa.select(RUNS.c.status).where(RUNS.c.id == run_id)).scalar()
            if status == QUEUED:
                db.execute(RUNS.update().where(RUNS.c.id == run_id).values(status=CANCELLED, finished_at=time.time()))
                return CANCELLED
            if status == RUNNING:
                db.execute(RUNS.update().where(RUNS.c.id == run_id).values(status=CANCELLING))
                return CANCELLING
            return status

    def status_of(self, run_id: str) -> str | None:
        with self.engine.connect() as db:
            return db.execute(sa.select(RUNS.c.status).where(RUNS.c.id == run_id)).scalar()

    def interrupted_at_start(self) -> list[dict]:
        """Runs a previous server left running (it was killed): each is marked interrupted, and
        returned with the worker process it had, so that the caller can make sure it is gone."""
        with self.lock, self.engine.begin() as db:
            rows = db.execute(sa.select(RUNS).where(RUNS.c.status.in_((RUNNING, CANCELLING)))).mappings().all()
            for row in rows:
                db.execute(RUNS.update().where(RUNS.c.id == row["id"]).values(
                    status=INTERRUPTED, finished_at=time.time(),
                    error="the server stopped while this run was running; its worker was stopped with it"))
        return [_run(r, progress=False) for r in rows]

    def queued(self) -> int:
        with self.engine.connect() as db:
            return db.execute(sa.select(sa.func.count()).select_from(RUNS).where(RUNS.c.status == QUEUED)).scalar()


@lru_cache(maxsize=16)
def _parsed_object(path: str) -> dict:
    return json.loads(Path(path).read_bytes())


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _version(row) -> Version:
    row = row._mapping if hasattr(row, "_mapping") else row
    return Version(row["hash"], row["instance_id"], row["number"], row["parent"], row["note"], bool(row["valid"]),
                   json.loads(row["issues"]), json.loads(row["counts"]), row["created_at"])


def _run(row, progress: bool = True) -> dict:
    found = dict(row)
    found["options"] = json.loads(found["options"])
    found["summary"] = json.loads(found["summary"]) if found.get("summary") else None
    if not progress:
        found.pop("progress", None)
    return found


def default_url(workspace: Path) -> str:
    return f"sqlite:///{os.path.abspath(Path(workspace) / 'xborder.sqlite')}"
