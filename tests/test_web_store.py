"""The workspace's store (web/store.py) on SQLite and on a real PostgreSQL server, with the same
code: migrations, versions by content hash, the run queue's claims, cancels and recovery, and a
whole solve through the API on PostgreSQL.

PostgreSQL is used when XBORDER_TEST_POSTGRES_URL names an empty database that the tests may
fill (`.ci/run` starts Debian's server and sets it); without it these cases are skipped, unless
XBORDER_REQUIRE_POSTGRES=1, when they fail."""

from __future__ import annotations

import os
import threading

import pytest

from web_helpers import DEMO, client_for, start, upload, wait

sa = pytest.importorskip("sqlalchemy")

from xborder.web import store as st  # noqa: E402
from xborder.web.migrations import current  # noqa: E402

POSTGRES = os.environ.get("XBORDER_TEST_POSTGRES_URL")


def _postgres_url() -> str:
    if not POSTGRES:
        if os.environ.get("XBORDER_REQUIRE_POSTGRES") == "1":
            pytest.fail("XBORDER_REQUIRE_POSTGRES=1 but XBORDER_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server (set XBORDER_TEST_POSTGRES_URL)")
    engine = sa.create_engine(POSTGRES)
    with engine.begin() as db:  # start empty: the tables of an earlier test go
        for table in ("runs", "versions", "instances", "alembic_version"):
            db.execute(sa.text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()
    return POSTGRES


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    return st.default_url(tmp_path) if request.param == "sqlite" else _postgres_url()


@pytest.fixture
def store(url, tmp_path):
    made = st.Store(url, tmp_path / "ws")
    made.migrate()
    yield made
    made.engine.dispose()


def test_migrations_reach_head_and_run_once(store):
    assert current(store.engine) == "0001"
    store.migrate()  # again: nothing to do
    assert current(store.engine) == "0001"
    assert {"instances", "versions", "runs"} <= set(sa.inspect(store.engine).get_table_names())


def test_versions_are_content_addressed(store):
    instance = store.create_instance("plan")
    doc = {"settings": {}, "markets": [{"market": "A"}]}
    first = store.add_version(instance, doc, True, [], {"markets": 1})
    same = store.add_version(instance, {"markets": [{"market": "A"}], "settings": {}}, True, [], {"markets": 1})
    other = store.add_version(instance, {"settings": {}, "markets": [{"market": "B"}]}, True, [], {"markets": 1}, parent=first.hash)
    assert same.hash == first.hash and same.number == 1
    assert other.number == 2 and other.parent == first.hash
    assert store.document(first.hash) == doc
    assert [v["number"] for v in store.instance(instance)["versions"]] == [2, 1]
    assert store.object_path(first.hash).is_file()


def test_the_queue_claims_each_run_once(store):
    instance = store.create_instance("plan")
    version = store.add_version(instance, {"settings": {}}, True, [], {})
    made = [store.create_run(instance, version.hash, "solve", {"i": i}, bound=100)["id"] for i in range(40)]
    claimed, lock = [], threading.Lock()

    def claim():
        while (run := store.claim_next()) is not None:
            with lock:
                claimed.append(run["id"])

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(made) and len(set(claimed)) == 40
    assert store.create_run(instance, version.hash, "solve", {}, bound=0) is None  # a full queue takes no more


def test_cancel_and_recovery(store):
    instance = store.create_instance("plan")
    version = store.add_version(instance, {"settings": {}}, True, [], {})
    queued = store.create_run(instance, version.hash, "solve", {}, bound=10)
    assert store.request_cancel(queued["id"]) == st.CANCELLED
    running = store.create_run(instance, version.hash, "solve", {}, bound=10)
    store.claim_next()
    store.add_progress(running["id"], ["[ 0.1 s] read: plan"])
    assert store.request_cancel(running["id"]) == st.CANCELLING
    left = store.interrupted_at_start()
    assert [r["id"] for r in left] == [running["id"]]
    after = store.run(running["id"])
    assert after["status"] == st.INTERRUPTED and after["progress"] == "[ 0.1 s] read: plan"


def test_a_solve_through_the_api_on_postgresql(tmp_path):
    url = _postgres_url()
    with client_for(tmp_path, db_url=url) as client:
        version = upload(client, DEMO)["version"]
        run = wait(client, start(client, version["hash"], options={"time_limit": 60})["id"])
        assert run["status"] == "done" and run["summary"]["checked"]
    engine = sa.create_engine(url)
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT status FROM runs")).scalars().all() == ["done"]
    engine.dispose()
