"""A workspace server killed mid-run (SIGKILL) and started again: every run is still listed, the
one that was running says `interrupted` (with the plan its worker wrote as it stopped), the
queued one runs, no worker process is left behind, and the database is intact."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys

import httpx
import pytest
from web_helpers import FINISHED, free_port, generated, start_server, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and PDEATHSIG are Linux's")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return not all(_zombie(pid) for pid in _members(pgid))


def _members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    members.append(int(entry))
            except ProcessLookupError:
                continue
    return members


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_sigkill_and_restart(tmp_path):
    workspace, port = tmp_path / "ws", free_port()
    api = f"http://127.0.0.1:{port}/api"
    server = start_server(workspace, port)
    try:
        upload = httpx.post(f"{api}/instances", files={"file": ("long.json", json.dumps(generated("m", 3)).encode())}, timeout=60)
        version = upload.json()["version"]["hash"]
        long_run = httpx.post(f"{api}/runs", json={"version": version, "options": {"mip_gap": 0, "warm_start": True, "no_presolve": True}}).json()
        waiting = httpx.post(f"{api}/runs", json={"version": version, "options": {"time_limit": 30}}).json()
        running = wait_for(lambda: (r := httpx.get(f"{api}/runs/{long_run['id']}").json())["pid"] and "cuts:" in r["progress"] and r,
                           120, "the long run to reach the MIP")
        worker = running["pid"]
        assert group_alive(worker)
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # the server and only the server: its workers have their own groups
        server.wait()
    wait_for(lambda: not group_alive(worker), 15, "the worker to stop with its server")
    database = sqlite3.connect(workspace / "xborder.sqlite")
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    database.close()

    server = start_server(workspace, port)
    try:
        runs = {r["id"]: r for r in httpx.get(f"{api}/runs").json()}
        assert set(runs) == {long_run["id"], waiting["id"]}
        stopped = httpx.get(f"{api}/runs/{long_run['id']}").json()
        assert stopped["status"] == "interrupted" and "server stopped" in stopped["error"]
        assert stopped["summary"]["has_plan"] and stopped["summary"]["checked"]  # the worker wrote its best plan as it stopped
        assert stopped["summary"]["solver_status"] == "interrupted"  # stopped with the server, not left to finish
        assert "interrupted: stopping the solver" in stopped["progress"] and "write:" in stopped["progress"]
        done = wait_for(lambda: (r := httpx.get(f"{api}/runs/{waiting['id']}").json())["status"] in FINISHED and r, 120,
                        "the queued run to run after the restart")
        assert done["status"] == "done"
    finally:
        server.send_signal(signal.SIGTERM)  # a graceful stop (uvicorn exits with the signal it handled)
        server.wait(timeout=60)
    assert not group_alive(done["pid"])
