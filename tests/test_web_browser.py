"""The workspace in a real browser (Debian's chromium through Playwright), as a planner uses it:
upload the demo workbook with a planted error and a hostile product name, fix the error in the
grid, solve, read the map and the P&L, sweep sea freight over three points, compare two runs,
cancel a long run and see its kept plan, download the workbook and read it back. No console
error, no dialog, no request outside the app (the map's geometry included); screenshots go to
XBORDER_SCREENSHOTS (default: the test's folder).

Without a chromium the test is skipped, unless XBORDER_REQUIRE_BROWSER=1, when it fails."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
from pathlib import Path

import httpx
import openpyxl
import pytest

from web_helpers import DEMO_XLSX, free_port, generated, start_server

HOSTILE = "<img src=x onerror=alert(1)>"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _browser_or_skip():
    required = os.environ.get("XBORDER_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            pytest.fail("XBORDER_REQUIRE_BROWSER=1 but playwright is not installed")
        pytest.skip("playwright is not installed")
    if CHROMIUM is None:
        if required:
            pytest.fail("XBORDER_REQUIRE_BROWSER=1 but no chromium on PATH")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    return sync_playwright


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    port = free_port()
    process = start_server(folder / "ws", port, 2)
    yield f"http://127.0.0.1:{port}", folder
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module (Playwright's sync API allows one running instance at a time)."""
    sync_playwright = _browser_or_skip()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(server, browser):
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(90_000)  # a loaded CI machine: waits are for events, not for speed
    tab.problems = []

    def offline(route):  # the app must work with no network: anything not from the server is a problem
        if route.request.url.startswith(server[0]) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            tab.problems.append(f"request outside the app: {route.request.url}")
            route.abort()

    context.route("**/*", offline)
    tab.on("console", lambda m: tab.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    tab.on("dialog", lambda d: (tab.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield tab
    context.close()


def shots(server) -> Path:
    folder = Path(os.environ.get("XBORDER_SCREENSHOTS") or server[1] / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def planted_workbook(folder: Path) -> Path:
    """The demo workbook with markets row 3's duty_rate at 1.5 (out of [0, 1]) and the first
    product named like an HTML tag."""
    book = openpyxl.load_workbook(DEMO_XLSX)
    markets = book["markets"]
    header = [c.value for c in markets[1]]
    markets.cell(row=4, column=header.index("duty_rate") + 1, value=1.5)
    products = book["products"]
    header = [c.value for c in products[1]]
    products.cell(row=2, column=header.index("name") + 1, value=HOSTILE)
    target = folder / "planted.xlsx"
    book.save(target)
    return target


def start_run(page, kind: str, options: dict[str, str]):
    page.select_option("#run-kind", kind)
    for name, value in options.items():
        field = page.locator(f"#run-options [name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.click("#start-run")
    page.wait_for_url("**/#/run/*")


def wait_status(page, statuses: tuple[str, ...], timeout: float = 180_000):
    selector = ", ".join(f"#run-head [data-status={s}]" for s in statuses)
    page.wait_for_selector(selector, timeout=timeout)
    return page.locator("#run-head .status").inner_text()


def test_a_planner_in_the_browser(server, page, tmp_path):
    base, _ = server
    out = shots(server)
    page.goto(f"{base}/#/")
    page.set_input_files("#upload-file", str(planted_workbook(tmp_path)))
    page.wait_for_selector("#issues")
    assert "markets row 3, duty_rate" in page.locator("#issues").inner_text()
    assert page.locator("h1").inner_text() == "planted"

    # the grid: open the problem, check a value as it is typed, fix it, save a version
    page.locator("#issues a", has_text="markets row 3, duty_rate").click()
    page.wait_for_selector("#grid[data-table=markets] .tabulator-row")
    bad = page.locator("#grid .tabulator-row").nth(2).locator(".tabulator-cell[tabulator-field=duty_rate]")
    assert "cell-bad" in bad.get_attribute("class")
    bad.click()
    editor = bad.locator("input")
    editor.fill("2")
    editor.press("Enter")
    assert "tabulator-validation-fail" in bad.get_attribute("class")  # out of [0, 1]: refused as typed
    editor.fill("0.15")
    editor.press("Enter")
    page.click("#save-edits")
    page.wait_for_selector("#validity.ok")
    assert page.locator("#version option:checked").inner_text().startswith("version 2")
    page.click("#table-tabs button[data-table=products]")
    page.wait_for_selector("#grid[data-table=products] .tabulator-row")
    assert page.locator("#grid .tabulator-cell[tabulator-field=name]").first.inner_text() == HOSTILE  # text, not a tag
    page.screenshot(path=str(out / "grid.png"))
    instance_page = page.url

    # solve: the map, the P&L, the plan in words
    start_run(page, "solve", {"time_limit": "60"})
    assert wait_status(page, ("done",)) == "done"
    page.wait_for_selector("#plan .map .geo")
    assert page.locator("#plan .map .scattergeo").count() > 0
    markets = page.locator("table[data-table=markets] tbody tr")
    assert markets.count() >= 3 and markets.last.locator("td").first.inner_text() == "profit"
    assert "entered: contribution" in page.locator("#words").inner_text()
    first_run = page.url.split("/run/")[1].split("/")[0]
    page.screenshot(path=str(out / "plan.png"), full_page=True)
    page.evaluate("document.querySelector('#plan h2:nth-of-type(2)').scrollIntoView()")
    page.screenshot(path=str(out / "plan-map.png"))  # the README's picture

    # a sweep: sea freight x1 to x1.5 in steps of 0.25, three scenarios against the base
    page.goto(instance_page)
    page.select_option("#run-kind", "scenarios")
    page.fill("#sweep-form [name=sweep-step]", "0.25")
    page.click("#add-sweep")
    page.fill("#run-options [name=time_limit]", "60")
    page.click("#start-run")
    page.wait_for_url("**/#/run/*")
    assert wait_status(page, ("done",)) == "done"
    page.wait_for_selector("#study-chart .main-svg")
    rows = page.locator("table[data-table=study] tbody tr")
    assert rows.count() == 4 and rows.nth(3).locator("td").first.inner_text() == "sweep@1.5"
    page.screenshot(path=str(out / "sweep.png"), full_page=True)

    # a second solve with at most one warehouse, then the two side by side
    page.goto(instance_page)
    page.click("#table-tabs button[data-table=settings]")
    page.fill("#settings-form [name=max_warehouses]", "1")
    page.click("#save-settings")
    page.wait_for_function("(document.querySelector('#version option:checked') || {}).textContent?.startsWith('version 3')")
    start_run(page, "solve", {"time_limit": "60"})
    assert wait_status(page, ("done",)) == "done"
    second_run = page.url.split("/run/")[1].split("/")[0]
    page.goto(f"{base}/#/runs")
    for run_id in (first_run, second_run):
        page.check(f"input[name=compare][value='{run_id}']")
    page.click("#compare-selected")
    page.wait_for_selector("#compare-maps .geo")
    assert page.locator("table[data-table=compare-kpis] th").count() == 3
    changes = page.locator("ul.changes").inner_text()
    assert "- warehouse" in changes
    page.screenshot(path=str(out / "compare.png"), full_page=True)

    # download the version as a workbook and read it back
    page.goto(instance_page)
    with page.expect_download() as download:
        page.click("#download-workbook")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    header = [c.value for c in book["markets"][1]]
    assert book["markets"].cell(row=4, column=header.index("duty_rate") + 1).value == 0.15

    assert page.problems == []


def test_cancel_a_long_run_and_see_its_plan(server, page):
    base, _ = server
    made = httpx.post(f"{base}/api/instances", files={"file": ("long.json", json.dumps(generated("m", 3)).encode())}, timeout=60)
    page.goto(f"{base}/#/instance/{made.json()['instance']}")
    start_run(page, "solve", {"mip_gap": "0", "warm_start": "true", "no_presolve": "true"})
    page.wait_for_function("document.querySelector('#progress') && document.querySelector('#progress').textContent.includes('cuts:')",
                           timeout=120_000)
    page.click("#cancel-run")
    assert wait_status(page, ("interrupted",)) == "interrupted"
    page.wait_for_selector("#plan #kpis")
    assert "interrupted" in page.locator("#headline").inner_text()
    assert page.locator("#kpis .card", has_text="independent check").inner_text().startswith("passed")
    page.screenshot(path=str(shots(server) / "cancelled.png"), full_page=True)
    assert page.problems == []


def test_the_grid_pages_the_largest_instance(server, page):
    """Size xl (2,000 products, about 18,000 product-market rows): the grid shows one page at a
    time from the server, goes to the last page and sorts there without loading the table."""
    base, _ = server
    made = httpx.post(f"{base}/api/instances", files={"file": ("xl.json", json.dumps(generated("xl", 1)).encode())}, timeout=120)
    version = made.json()["version"]
    rows = version["counts"]["product_markets"]
    assert rows > 15_000
    page.goto(f"{base}/#/instance/{made.json()['instance']}")
    page.click("#table-tabs button[data-table=product_markets]")
    page.wait_for_selector("#grid[data-table=product_markets] .tabulator-row")
    page.click("#grid .tabulator-page[data-page=last]")
    page.wait_for_function(f"[...document.querySelectorAll('#grid .tabulator-cell[tabulator-field=_row]')].some(c => c.textContent === '{rows}')")
    assert page.locator("#grid .tabulator-row").count() <= 100
    page.click("#grid .tabulator-col[tabulator-field=base_demand] .tabulator-col-title")
    page.wait_for_timeout(500)
    shown = [float(t) for t in page.locator("#grid .tabulator-cell[tabulator-field=base_demand]").all_inner_texts() if t.strip()]
    assert shown == sorted(shown) or shown == sorted(shown, reverse=True)
    assert page.problems == []


def test_sign_in_and_work_with_csrf(browser, tmp_path):
    """A server that needs a token: the page asks for it, the browser signs in once, and what it
    changes afterwards carries the CSRF header from the cookie (a demo instance is made)."""
    port = free_port()
    server = start_server(tmp_path / "ws", port, 1, "--token", "s3cret")
    base = f"http://127.0.0.1:{port}"
    try:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(90_000)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/#/")
        page.wait_for_selector("form.login")
        page.fill("form.login [name=token]", "wrong")
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#message:has-text('wrong token')")
        page.fill("form.login [name=token]", "s3cret")
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#from-demo")
        page.click("#from-demo")
        page.wait_for_selector("#validity.ok")
        assert page.locator("h1").inner_text() == "demo" and errors == []
        context.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
