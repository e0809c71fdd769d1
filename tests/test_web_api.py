"""The workspace's HTTP API (web/app.py) through a real app, store and dispatcher: uploads and
their guards, the grid's pages and edits as versions, workbooks, runs with the CLI's options,
progress, results and cancel, the queue bound, and the OpenAPI document."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest

from web_helpers import DEMO, DEMO_XLSX, client_for, generated, start, upload, upload_document, wait
from xborder.data.instance import load_instance
from xborder.data.write import write_instance
from xborder.pipeline import solve_loaded
from xborder.solvers import SolveOptions
from xborder.web import documents


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with client_for(tmp_path_factory.mktemp("workspace")) as client:
        yield client


@pytest.fixture(scope="module")
def demo(client):
    return upload(client, DEMO)["version"]


def test_upload_of_each_format_is_a_valid_version(client, tmp_path):
    from_json = upload(client, DEMO)["version"]
    from_book = upload(client, DEMO_XLSX)["version"]
    instance = load_instance(DEMO)
    write_instance(instance.settings, instance.tables, tmp_path / "demo")  # a CSV folder, as `xborder convert` writes it
    folder = io.BytesIO()
    with zipfile.ZipFile(folder, "w") as archive:
        for path in (tmp_path / "demo").iterdir():
            archive.write(path, f"demo/{path.name}")
    from_zip = upload(client, DEMO, "demo.zip", folder.getvalue())["version"]
    assert from_json["valid"] and from_book["valid"] and from_zip["valid"]
    assert from_json["hash"] == from_book["hash"] == from_zip["hash"]  # the same content, however it came
    assert client.get(f"/api/instances/{from_json['instance_id']}").json()["versions"][0]["number"] == 1


def test_problems_are_listed_with_table_row_and_column(client):
    doc = json.loads(DEMO.read_text())
    doc["markets"][2]["duty_rate"] = 1.5  # row 3 of markets, out of [0, 1]
    doc["lanes"][0]["transit_days"] = "soon"  # row 1 of lanes, not a number
    version = upload_document(client, doc)["version"]
    assert not version["valid"]
    found = {(i["table"], i["row"], i["column"]) for i in version["issues"]}
    assert {("markets", 3, "duty_rate"), ("lanes", 1, "transit_days")} <= found
    page = client.get(f"/api/versions/{version['hash']}/tables/markets?page=1&size=5").json()
    assert [i["row"] for i in page["issues"]] == [3] and len(page["rows"]) == 5
    refused = client.post("/api/runs", json={"version": version["hash"], "kind": "solve"})
    assert refused.status_code == 422 and "fix them first" in refused.json()["detail"]


@pytest.mark.parametrize("name, content, status, message", [
    ("plan.txt", b"x", 422, "an instance is uploaded as"),
    ("plan.json", b"[1, 2]", 422, "must be an object of tables"),
    ("plan.json", b"{not json", 422, "not valid JSON"),
    ("plan.xlsx", b"PK not a zip", 422, "not a valid workbook or zip"),
])
def test_bad_uploads_are_refused(client, name, content, status, message):
    response = client.post("/api/instances", files={"file": (name, content)})
    assert response.status_code == status and message in response.json()["detail"]


def test_upload_limits(client, monkeypatch):
    monkeypatch.setattr(documents, "UPLOAD_LIMIT", 1000)
    response = client.post("/api/instances", files={"file": ("big.json", b" " * 5000)})
    assert response.status_code == 413 and "larger than" in response.json()["detail"]
    monkeypatch.undo()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("markets.csv", b"0" * (documents.UNPACKED_LIMIT + 1))
    assert len(bomb.getvalue()) < 2 * 2**20  # a small file that would unpack to over 512 MiB
    response = client.post("/api/instances", files={"file": ("bomb.zip", bomb.getvalue())})
    assert response.status_code == 422 and "would unpack to" in response.json()["detail"]


def test_too_many_rows_are_refused(client, monkeypatch):
    monkeypatch.setattr(documents, "MAX_ROWS", 5)
    response = client.post("/api/instances", files={"file": ("demo.json", DEMO.read_bytes())})
    assert response.status_code == 422 and "rows (at most 5)" in response.json()["detail"]


def test_edits_make_versions_by_content(client, demo):
    """Change US's entry cost, add a market, delete row 10 (SA): a new version (parent: the
    first), validated (SA's rows elsewhere now dangle); the same edits again give the same
    content, so the same version."""
    edits = {"table": "markets", "updates": [{"row": 1, "values": {"entry_cost": 20000}}],
             "inserts": [{"market": "CA", "name": "Canada", "region": "North America"}], "deletes": [10]}
    first = client.post(f"/api/versions/{demo['hash']}/edits", json=edits).json()["version"]
    again = client.post(f"/api/versions/{demo['hash']}/edits", json=edits).json()["version"]
    assert first["hash"] != demo["hash"] and first["parent"] == demo["hash"] and first["number"] == 2
    assert again["hash"] == first["hash"] and again["number"] == 2
    markets = client.get(f"/api/versions/{first['hash']}/document").json()["markets"]
    assert markets[0]["entry_cost"] == 20000 and markets[-1]["market"] == "CA" and "SA" not in {m["market"] for m in markets}
    assert not first["valid"]  # SA's product-markets and lanes now name a market that is gone
    assert {(i["table"], i["column"]) for i in first["issues"] if "'SA' is not a key" in i["message"]} >= {("product_markets", "market")}
    bad = client.post(f"/api/versions/{demo['hash']}/edits", json={"table": "markets", "deletes": [99]})
    assert bad.status_code == 422 and "no row 99" in bad.json()["detail"]
    unknown = client.post(f"/api/versions/{demo['hash']}/edits", json={"table": "nope", "deletes": [1]})
    assert unknown.status_code == 422


def test_settings_edit_and_grid_paging(client, demo):
    made = client.post(f"/api/versions/{demo['hash']}/edits", json={"table": "settings", "settings": {"max_warehouses": 1}})
    doc = client.get(f"/api/versions/{made.json()['version']['hash']}/document").json()
    assert doc["settings"]["max_warehouses"] == 1
    page = client.get(f"/api/versions/{demo['hash']}/tables/product_markets?page=2&size=50&sort=base_demand&descending=true")
    body = page.json()
    assert body["total"] == 181 and body["last_page"] == 4 and len(body["rows"]) == 50
    demands = [r.get("base_demand") for r in body["rows"] if r.get("base_demand") is not None]
    assert demands == sorted(demands, reverse=True)
    only_us = client.get(f"/api/versions/{demo['hash']}/tables/markets", params={"filter": json.dumps({"market": "us"})}).json()
    assert [r["market"] for r in only_us["rows"]] == ["US"] and only_us["rows"][0]["_row"] == 1


def test_workbook_download_reads_back_to_the_same_version(client, demo):
    response = client.get(f"/api/versions/{demo['hash']}/workbook")
    assert response.status_code == 200 and response.headers["content-disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert {"settings", "markets", "lanes"} <= set(book.sheetnames)
    again = upload(client, DEMO, "again.xlsx", response.content)["version"]
    assert again["valid"] and again["counts"] == demo["counts"]
    assert client.get(f"/api/versions/{again['hash']}/document").json() == client.get(f"/api/versions/{demo['hash']}/document").json()


def test_a_solve_run_gives_the_cli_objective(client, demo):
    run = wait(client, start(client, demo["hash"], options={"time_limit": 60, "mip_gap": 1e-6})["id"])
    assert run["status"] == "done", run
    direct = solve_loaded(load_instance(DEMO), options=SolveOptions(mip_gap=1e-6, time_limit=60))
    assert run["summary"]["objective"] == pytest.approx(direct.result.objective, rel=1e-6)
    assert run["summary"]["checked"] is True
    assert "read:" in run["progress"] and "check: passed" in run["progress"]
    names = {f["name"] for f in client.get(f"/api/runs/{run['id']}/files").json()}
    assert {"out/solution.json", "out/solution.xlsx", "out/report.html", "stdout.txt", "progress.txt"} <= names
    solution = client.get(f"/api/runs/{run['id']}/files/out/solution.json").json()
    assert solution["objective"] == run["summary"]["objective"]
    plan = client.get(f"/api/runs/{run['id']}/plans/plan").json()
    assert plan["check"]["passed"] and plan["words"] == solution["in_words"]
    rows = plan["markets"]["rows"]
    assert sum(r["net"] for r in rows) - plan["markets"]["shared"] == pytest.approx(plan["kpis"]["profit"], rel=1e-9)
    assert {n["id"] for n in plan["map"]["nodes"] if n["active"] and n["kind"] == "market"} == set(solution["decisions"]["markets"])


def test_options_are_checked_against_the_command(client, demo):
    def refused(kind, options, **extra):
        response = client.post("/api/runs", json={"version": demo["hash"], "kind": kind, "options": options, **extra})
        assert response.status_code == 422, response.text
        return response.json()["detail"]

    assert "has no option 'out'" in refused("solve", {"out": "/etc"})
    assert "has no option 'colour'" in refused("solve", {"colour": "red"})
    assert "not in the range x>0" in refused("solve", {"time_limit": -1})
    assert "Missing option '--vs'" in refused("tradeoff", {})
    assert "unknown run kind" in refused("bench", {})
    assert "needs scenario rows" in refused("scenarios", {})
    assert "takes no scenarios" in refused("solve", {}, scenarios=[{"scenario": "a"}])
    assert "integer count" in refused("stochastic", {}, draw={"count": "many"})


def test_a_sweep_run_compares_against_the_swept_value(client, demo):
    rows = [{"scenario": "sea", "table": "containers", "action": "scale", "column": "cost_per_container", "value": "1:1.5:0.25",
             "where": "lane=CN-LAX-sea_freight|CN-SAO-sea_freight|CN-BKK-sea_freight"}]
    run = wait(client, start(client, demo["hash"], "scenarios", {"time_limit": 60}, scenarios=rows)["id"])
    assert run["status"] == "done", run
    study = client.get(f"/api/runs/{run['id']}/study").json()
    table = {r["scenario"]: r for r in study["rows"]}
    assert [r["swept_value"] for r in study["rows"]] == [None, 1.0, 1.25, 1.5]
    assert table["sea@1"]["objective"] == pytest.approx(table["base"]["objective"], rel=1e-4)
    assert table["sea@1.5"]["objective"] < table["sea@1.25"]["objective"] < table["base"]["objective"]
    plans = client.get(f"/api/runs/{run['id']}/plans").json()
    assert plans == ["base", "sea@1", "sea@1.25", "sea@1.5"]
    view = client.get(f"/api/runs/{run['id']}/plans/sea@1.5").json()
    assert view["check"]["passed"] and view["objective"] == pytest.approx(table["sea@1.5"]["objective"])


def test_cancel_keeps_the_best_plan(client):
    """A 300-product instance solved to a zero gap with a warm start (a plan before branching)
    is cancelled once HiGHS's MIP has started: it stops like Ctrl-C, status interrupted, the
    plan it had is written and checked."""
    version = upload_document(client, generated("m", 3), "long.json")["version"]
    run = start(client, version["hash"], options={"mip_gap": 0, "warm_start": True, "no_presolve": True})
    wait(client, run["id"], progress="cuts:", timeout=120)
    assert client.post(f"/api/runs/{run['id']}/cancel").json()["status"] == "cancelling"
    run = wait(client, run["id"], timeout=120)
    assert run["status"] == "interrupted" and run["exit_code"] == 130, run
    assert run["summary"]["has_plan"] and run["summary"]["checked"]
    assert client.get(f"/api/runs/{run['id']}/plans").json() == ["plan"]


def test_queue_bound_answers_429(tmp_path):
    with client_for(tmp_path, queue_bound=2, run_dispatcher=False) as client:
        version = upload(client, DEMO)["version"]
        start(client, version["hash"])
        queued = start(client, version["hash"])
        third = client.post("/api/runs", json={"version": version["hash"], "kind": "solve"})
        assert third.status_code == 429 and "2 runs are already waiting" in third.json()["detail"]
        assert client.post(f"/api/runs/{queued['id']}/cancel").json()["status"] == "cancelled"
        assert client.post("/api/runs", json={"version": version["hash"], "kind": "solve"}).status_code == 201


def test_unknown_things_are_404_and_names_are_never_paths(client, demo):
    run = wait(client, start(client, demo["hash"], options={"time_limit": 30})["id"])
    assert client.get("/api/runs/" + "0" * 32).status_code == 404
    assert client.get("/api/versions/" + "f" * 64).status_code == 404
    assert client.get("/api/versions/../../etc/passwd/document").status_code == 404
    for name in ("../xborder.sqlite", "%2e%2e/%2e%2e/xborder.sqlite", "/etc/passwd", "out/../../../xborder.sqlite"):
        assert client.get(f"/api/runs/{run['id']}/files/{name}").status_code == 404, name
    assert client.get(f"/api/runs/{run['id']}/plans/nope").status_code == 404


def test_the_api_is_documented(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/instances", "/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/cancel",
                 "/api/runs/{run_id}/files/{name}", "/api/versions/{digest}/edits", "/api/compare"):
        assert path in spec["paths"], path
    kinds = client.get("/api/run-kinds").json()
    assert set(kinds) == {"solve", "scenarios", "tradeoff", "alternatives", "explain", "stochastic"}
    assert "time_limit" in {o["name"] for o in kinds["solve"]["options"]}


def test_runs_on_a_dask_scheduler(tmp_path):
    """--scheduler: the runs go to the Dask cluster's workers (here a local one sharing the
    workspace folder), with the same progress, outcome and cancel."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0",
                                  silence_logs=50) as cluster, \
            client_for(tmp_path, scheduler=cluster.scheduler_address) as client:
        version = upload(client, DEMO)["version"]
        run = wait(client, start(client, version["hash"], options={"time_limit": 60})["id"])
        assert run["status"] == "done" and run["summary"]["checked"], run
        assert run["pid"] is None  # no worker process of this server: it ran on the cluster
        assert "check: passed" in run["progress"]
        long = upload_document(client, generated("m", 3), "long.json")["version"]
        stopped = start(client, long["hash"], options={"mip_gap": 0, "warm_start": True, "no_presolve": True})
        wait(client, stopped["id"], progress="cuts:", timeout=120)
        client.post(f"/api/runs/{stopped['id']}/cancel")
        stopped = wait(client, stopped["id"], timeout=120)
        assert stopped["status"] == "interrupted" and stopped["summary"]["has_plan"], stopped


def test_every_study_kind_runs(client, demo):
    """tradeoff, alternatives, explain and stochastic (on a drawn uncertainty set) through the API,
    each with its study table or text and checked plans."""
    runs = {
        "tradeoff": start(client, demo["hash"], "tradeoff", {"vs": "lead_time", "points": 2, "time_limit": 60}),
        "alternatives": start(client, demo["hash"], "alternatives", {"k": 2, "time_limit": 60}),
        "explain": start(client, demo["hash"], "explain", {"why": "market=DE", "time_limit": 60}),
        "stochastic": start(client, demo["hash"], "stochastic", {"no_values": True, "time_limit": 60}, draw={"count": 3, "seed": 1}),
    }
    done = {kind: wait(client, run["id"]) for kind, run in runs.items()}
    assert {kind: run["status"] for kind, run in done.items()} == dict.fromkeys(runs, "done"), done
    assert len(client.get(f"/api/runs/{runs['tradeoff']['id']}/study").json()["rows"]) == 2
    assert client.get(f"/api/runs/{runs['alternatives']['id']}/plans").json() == ["plan-1", "plan-2"]
    said = client.get(f"/api/runs/{runs['explain']['id']}/files/stdout.txt").text
    assert said.startswith("market=DE: not taken in the optimal plan")
    stochastic = done["stochastic"]["summary"]
    assert stochastic["checked"] and stochastic["objective"] > 0
    plans = client.get(f"/api/runs/{runs['stochastic']['id']}/plans").json()
    assert len(plans) == 3
    assert client.get(f"/api/runs/{runs['stochastic']['id']}/plans/{plans[0]}").json()["check"]["passed"]


def test_a_seasonal_plan_shows_use_by_period(client):
    """The seasonal demo: warehouse use in each of its 12 months, and the P&L rows with the shared
    row (which there also holds the periods' own freight rates and stock) add up to the profit."""
    version = upload(client, DEMO.parent / "demo-seasonal.json")["version"]
    run = wait(client, start(client, version["hash"], options={"time_limit": 60})["id"])
    assert run["status"] == "done", run
    plan = client.get(f"/api/runs/{run['id']}/plans/plan").json()
    months = {r["period"] for r in plan["warehouses"]}
    assert len(months) == 12 and {"Jan", "Dec"} <= months
    assert all(r["use"] <= 1 + 1e-6 for r in plan["warehouses"])
    rows = plan["markets"]["rows"]
    assert sum(r["net"] for r in rows) - plan["markets"]["shared"] == pytest.approx(plan["kpis"]["profit"], rel=1e-9)
    assert "periods' own rates" in plan["markets"]["shared_note"]
