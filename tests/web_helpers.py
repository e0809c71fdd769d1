"""Shared by the workspace's tests: a running app over a temporary workspace, and waiting for runs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from xborder.data.generate import SIZES, GeneratorSpec, generate
from xborder.web.app import Settings, create_app
from xborder.web.auth import Auth

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "instances" / "demo.json"
DEMO_XLSX = REPO / "instances" / "demo.xlsx"
FINISHED = ("done", "no_plan", "failed", "interrupted", "cancelled")


def client_for(workspace: Path, **settings) -> TestClient:
    auth = settings.pop("auth", None) or Auth()
    return TestClient(create_app(Settings(Path(workspace), auth=auth, **settings)))


def upload(client, path: Path, name: str | None = None, data: bytes | None = None) -> dict:
    content = data if data is not None else path.read_bytes()
    response = client.post("/api/instances", files={"file": (name or path.name, content)})
    assert response.status_code == 201, response.text
    return response.json()


def upload_document(client, doc: dict, name: str = "plan.json") -> dict:
    return upload(client, Path(name), name, json.dumps(doc).encode())


def generated(size: str = "m", seed: int = 3) -> dict:
    products, markets, warehouses = SIZES[size]
    return generate(GeneratorSpec(products, markets, warehouses, seed))


def start(client, version: str, kind: str = "solve", options: dict | None = None, **extra) -> dict:
    response = client.post("/api/runs", json={"version": version, "kind": kind, "options": options or {}, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def wait(client, run_id: str, until=FINISHED, timeout: float = 240.0, progress: str | None = None) -> dict:
    """Poll a run until its status is in `until` (or its progress shows `progress`)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in until or (progress and progress in (run.get("progress") or "")):
            return run
        time.sleep(0.25)
    raise AssertionError(f"run {run_id} still {run['status']} after {timeout} s: {run.get('progress')}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workspace, port, workers: int = 1, *extra: str) -> subprocess.Popen:
    """`xborder serve` as its own process, once it answers."""
    log = Path(workspace).parent / f"server-{port}.log"
    with open(log, "a") as sink:  # a file, not a pipe: nothing reads it while the server runs
        server = subprocess.Popen([sys.executable, "-m", "xborder.cli", "serve", "--workspace", str(workspace), "--port",
                                   str(port), "--workers", str(workers), *extra], stdout=sink, stderr=sink, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/session", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise AssertionError(f"the server did not start: {log.read_text()}")


def wait_for(condition, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


