"""Property-based fuzzing of the three instance formats (hypothesis).

Each example takes a small valid instance (a channel, a warehouse, a product-market override),
writes it as a JSON file, a CSV folder or a workbook, mutates it (wrong types, deleted cells,
columns and tables, duplicated rows, unicode, huge and tiny numbers, NaN and infinity,
truncation at a random byte, stray bytes, stray files and sheets), and runs `xborder validate`
on it, then `xborder solve` when it validated. Every run must end with exit 0 or 2 (solve: 0, 1
or 3), never a traceback, and an exit-2 message must name the file it is about. A solve that
wrote a plan must have passed the independent check (exit 1 also means "no plan", so the written
solution's own verdict is read). The same for a multi-period instance, for scenario files
(`xborder scenarios`) and for uncertainty sets (`xborder stochastic`, then `xborder check` on its
folder). Some mutations keep the instance valid (a number scaled), so that at least 30% of the
examples of each test reach a solve (asserted, and shown by `--hypothesis-show-statistics`).

CI runs a bounded number of examples; more with, for example,

    XBORDER_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import base_instance
from xborder.cli import cli
from xborder.data.instance import load_document
from xborder.data.write import write_instance

hypothesis = pytest.importorskip("hypothesis", reason="pip install -e '.[test]' brings hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("XBORDER_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 100,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
STUDY_FUZZ = settings(FUZZ, max_examples=max(EXAMPLES // 2, 1))  # each example solves several times
REACHED: dict[str, Counter] = {}  # per test: examples run, and examples that reached a solve
MIN_SOLVED = 0.3


@pytest.fixture(autouse=True)
def _count_solves(request):
    """Each test counts into REACHED under its own name (`event` shows the same counts with
    --hypothesis-show-statistics); a test whose examples reached a solve less than MIN_SOLVED of
    the time fails: its mutations would test little beyond the reader."""
    global COUNT
    COUNT = REACHED.setdefault(request.node.name, Counter())
    yield
    assert COUNT["solved"] >= MIN_SOLVED * COUNT["examples"], (request.node.name, dict(COUNT))


COUNT = Counter()


def seed_document() -> dict:
    doc = base_instance(marketing_budget=500, max_warehouses=1)
    doc["markets"].append({"market": "B", "must_enter": False, "payment_loss_rate": 0.02, "mitigation_cost": 5})
    doc["product_markets"].append({"product": "P", "market": "B", "listing_cost": 3, "banned": False})
    doc["channels"] = [{"channel": "T", "name": "TikTok"}]
    doc["market_channels"] = [{"market": "B", "channel": "T", "reach": 1000, "conversion": 0.1, "viral": 0.2,
                               "activation_cost": 50}]
    doc["warehouses"] = [{"warehouse": "W", "capacity_m3": 5, "fixed_cost": 10}]
    doc["lanes"] += [
        {"lane": "lh", "from": "origin", "to": "W", "mode": "sea_freight", "transit_days": 20, "cost_per_unit": 0.3},
        {"lane": "lm", "from": "W", "to": "B", "mode": "courier", "transit_days": 1, "cost_per_unit": 0.2},
        {"lane": "dB", "from": "origin", "to": "B", "mode": "postal", "transit_days": 8, "cost_per_unit": 1.2},
    ]
    return doc


def seasonal_document() -> dict:
    """The seed over two periods, with a seasonal peak for P in B and a sea-freight surcharge."""
    doc = seed_document()
    doc["periods"] = [{"period": "H1", "order": 1, "length_days": 200},
                      {"period": "H2", "order": 2, "length_days": 165, "demand_multiplier": 1.5}]
    doc["seasonality"] = [{"market": "B", "product": "P", "period": "H2", "demand_multiplier": 2}]
    doc["period_freight"] = [{"mode": "sea_freight", "period": "H2", "cost_multiplier": 1.3}]
    doc["market_channels"][0]["rho"] = 0.2
    return doc


SEED = seed_document()
SEASONAL = seasonal_document()
TABLES = [name for name in SEED if name != "settings"]

odd_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e15, -1e15, 1e-300, 5e-324, 1e308, 0.0, -0.0]),
    st.text(max_size=12), st.sampled_from(["", " ", "true", "FALSE", "yes", "1e3", "NaN", "inf", "origin", "\u00e3o",
                                           "\U0001F600", "A", "P", "W", "T", "sea_freight", "12,5"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def document_mutations(draw, doc: dict) -> dict:
    """One to three edits of the document: cells, columns, rows, tables, settings."""
    doc = copy.deepcopy(doc)
    valid = draw(st.sampled_from([True, True, False]))  # only numbers scaled: the instance stays valid and is solved
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = "scale" if valid else draw(st.sampled_from(["set", "delete-cell", "duplicate-row", "delete-table",
                                                           "unknown-column", "unknown-table", "settings", "empty-table",
                                                           "delete-row"]))
        table = draw(st.sampled_from([t for t in doc if t != "settings" and isinstance(doc[t], list)] or ["markets"]))
        rows = doc.get(table) if isinstance(doc.get(table), list) else None
        if kind == "settings":
            key = draw(st.sampled_from(["marketing_budget", "max_warehouses", "objective", "holding_rate", "currency", "mystery"]))
            doc.setdefault("settings", {})[key] = draw(odd_values)
        elif kind == "delete-table":
            doc.pop(draw(st.sampled_from(list(doc))), None)
        elif kind == "unknown-table":
            doc[draw(st.sampled_from(["Markets", "market", "extra", "lanes "]))] = [{"x": 1}]
        elif kind == "empty-table" and rows is not None:
            doc[table] = []
        elif rows:
            i = draw(st.integers(min_value=0, max_value=len(rows) - 1))
            row = rows[i] if isinstance(rows[i], dict) else {}
            column = draw(st.sampled_from(sorted(row) or ["x"]))
            if kind == "scale":  # a valid edit: a number scaled within its plausible range
                if isinstance(row.get(column), (int, float)) and not isinstance(row.get(column), bool):
                    row[column] = row[column] * draw(st.sampled_from([0.5, 0.9, 1.1, 1.5]))
            elif kind == "set":
                row[column] = draw(odd_values)
            elif kind == "delete-cell":
                row.pop(column, None)
            elif kind == "duplicate-row":
                rows.append(copy.deepcopy(row))
            elif kind == "unknown-column":
                row[draw(st.sampled_from(["Reach", "price idx", "\u00fcber", ""]))] = draw(odd_values)
            elif kind == "delete-row":
                rows.pop(i)
    return doc


def _json_safe(doc: dict) -> str:
    return json.dumps(doc, default=str, allow_nan=True)


def _invoke(args) -> object:
    return CliRunner().invoke(cli, args, catch_exceptions=True)


def _assert_clean(result, allowed: tuple, names: tuple):
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in allowed, result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert any(name in result.output for name in names), result.output


def _assert_checked(folder: Path, exit_code: int):
    """A written plan passed the independent check: exit 1 may mean "no plan" (then the solution
    says so) but never a plan the check refused; exit 0 and 3 always come with a checked plan."""
    doc = json.loads((folder / "solution.json").read_text())
    if exit_code in (0, 3) or doc["has_plan"]:
        assert doc["has_plan"], doc["status"]
        assert doc["check"]["feasible"] and doc["check"]["objective_matches"], doc["check"]["violations"][:5]


def _validate_then_solve(path: Path, names: tuple, workdir: Path):
    COUNT["examples"] += 1
    result = _invoke(["validate", str(path)])
    _assert_clean(result, (0, 2), names)
    event(f"validate exit {result.exit_code}")
    if result.exit_code == 0:
        COUNT["solved"] += 1
        event("reached a solve")
        solved = _invoke(["solve", str(path), "--out", str(workdir / "out"), "--time-limit", "5", "--quiet"])
        _assert_clean(solved, (0, 1, 3), names)
        _assert_checked(workdir / "out", solved.exit_code)
        event(f"solve exit {solved.exit_code}")


def _mutate_bytes(data: bytes, cut: int, stray: bytes) -> bytes:
    """Truncate at a byte, or insert stray bytes there."""
    cut = cut % (len(data) + 1)
    return data[:cut] if not stray else data[:cut] + stray + data[cut:]


byte_edits = st.tuples(st.integers(min_value=0, max_value=10**6), st.one_of(st.just(b""), st.binary(min_size=1, max_size=4)))


def _json_example(doc, raw):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = folder / "fuzz.json"
        data = _json_safe(doc).encode("utf-8")
        path.write_bytes(_mutate_bytes(data, *raw) if raw else data)
        _validate_then_solve(path, ("fuzz.json",), folder)


@FUZZ
@given(doc=document_mutations(SEED), raw=st.one_of(st.none(), st.none(), st.none(), byte_edits))
def test_fuzz_json(doc, raw):
    _json_example(doc, raw)



@FUZZ
@given(doc=document_mutations(SEASONAL), raw=st.one_of(st.none(), st.none(), st.none(), byte_edits))
def test_fuzz_multi_period_json(doc, raw):
    _json_example(doc, raw)



def _typed(doc: dict):
    """The seed instance typed once, to write as CSV or xlsx (mutations then act on the files)."""
    return load_document(copy.deepcopy(doc), "seed.json")


SEED_INSTANCE = _typed(SEED)


@st.composite
def csv_edits(draw):
    files = ["markets.csv", "products.csv", "lanes.csv", "product_markets.csv", "market_channels.csv", "warehouses.csv",
             "channels.csv", "settings.json"]
    kinds = ["scale"] if draw(st.sampled_from([True, True, False])) else [
        "truncate", "stray-bytes", "delete", "rename", "cell", "latin1", "semicolons", "stray-file"]
    return draw(st.lists(st.tuples(st.sampled_from(kinds), st.sampled_from(files), st.integers(min_value=0, max_value=10**5),
                                   odd_values), min_size=1, max_size=3))


def _scaled(cell: str, at: int) -> str:
    """A number cell times a factor (a valid edit); any other cell as it is."""
    try:
        return repr(float(cell) * (0.5, 0.9, 1.1, 1.5)[at % 4])
    except ValueError:
        return cell



@FUZZ
@given(edits=csv_edits())
def test_fuzz_csv_folder(edits):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        target = folder / "inst"
        write_instance(SEED_INSTANCE.settings, SEED_INSTANCE.tables, target)
        names = tuple(p.name for p in target.iterdir()) + ("inst", "settings.json", "Stray.csv", "renamed")
        for kind, name, at, value in edits:
            path = target / name
            if kind == "stray-file":
                (target / "Stray.csv").write_text("a,b\n1,2\n")
                continue
            if not path.exists():
                continue
            data = path.read_bytes()
            if kind == "truncate":
                path.write_bytes(data[: at % (len(data) + 1)])
            elif kind == "stray-bytes":
                path.write_bytes(_mutate_bytes(data, at, bytes([at % 256, 0xFF])))
            elif kind == "delete":
                path.unlink()
            elif kind == "rename":
                path.rename(target / f"renamed {name.upper()}")
            elif kind == "latin1":
                path.write_bytes(data + "\u00e3".encode("latin-1"))
            elif kind == "semicolons":
                path.write_bytes(data.replace(b",", b";"))
            elif kind in ("cell", "scale"):
                lines = data.decode("utf-8", "replace").splitlines()
                if len(lines) > 1 and name.endswith(".csv"):
                    row = 1 + at % (len(lines) - 1)
                    cells = lines[row].split(",")
                    column = at % len(cells)
                    cells[column] = (_scaled(cells[column], at) if kind == "scale"
                                     else str(value).replace(",", " ").replace("\n", " "))
                    lines[row] = ",".join(cells)
                    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _validate_then_solve(target, names, folder)



@st.composite
def workbook_edits(draw):
    kinds = ["scale"] if draw(st.sampled_from([True, True, False])) else [
        "cell", "delete-sheet", "stray-sheet", "truncate", "header"]
    sheets = ["markets", "products", "lanes", "product_markets", "warehouses", "settings", "market_channels"]
    return draw(st.lists(st.tuples(st.sampled_from(kinds), st.sampled_from(sheets), st.integers(min_value=0, max_value=10**5),
                                   odd_values), min_size=1, max_size=3))


@FUZZ
@given(edits=workbook_edits())
def test_fuzz_workbook(edits):
    from openpyxl import load_workbook

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = folder / "fuzz.xlsx"
        write_instance(SEED_INSTANCE.settings, SEED_INSTANCE.tables, path)
        truncate_at = None
        book = load_workbook(path)
        for kind, sheet, at, value in edits:
            if kind == "truncate":
                truncate_at = at
                continue
            if kind == "stray-sheet":
                book.create_sheet(" Markets" if at % 2 else "notes").append(["x", "y"])
                continue
            if sheet not in book.sheetnames:
                continue
            ws = book[sheet]
            if kind == "delete-sheet":
                del book[sheet]
            elif kind == "scale" and ws.max_row >= 2:
                cell = ws.cell(row=2 + at % (ws.max_row - 1), column=1 + at % max(ws.max_column, 1))
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    cell.value = cell.value * (0.5, 0.9, 1.1, 1.5)[at % 4]
            elif kind in ("cell", "header") and ws.max_row >= 1:
                row = 1 if kind == "header" else 1 + at % ws.max_row
                column = 1 + at % max(ws.max_column, 1)
                if isinstance(value, (list, dict)):
                    value = str(value)
                if isinstance(value, float) and value != value:
                    value = "nan"
                try:
                    ws.cell(row=row, column=column, value=value)
                except Exception:  # openpyxl refuses some values (control characters): not what is fuzzed here
                    ws.cell(row=row, column=column, value="?")
        book.save(path)
        if truncate_at is not None:
            data = path.read_bytes()
            path.write_bytes(data[: truncate_at % (len(data) + 1)])
        _validate_then_solve(path, ("fuzz.xlsx",), folder)


# ---- scenario files and uncertainty sets ------------------------------------------------------------------

SCENARIO_COLUMNS = ["scenario", "probability", "table", "action", "column", "value", "where"]
SCENARIO_ROWS = [  # a valid uncertainty set for SEED (numbers only, probabilities adding up to 1)
    {"scenario": "s1", "probability": 0.4, "table": "lanes", "action": "scale", "column": "cost_per_unit", "value": 1.3,
     "where": "lane=dA"},
    {"scenario": "s1", "probability": 0.4, "table": "market_channels", "action": "scale", "column": "conversion",
     "value": 0.8, "where": "market=B"},
    {"scenario": "s2", "probability": 0.6, "table": "product_markets", "action": "set", "column": "base_demand",
     "value": 150, "where": "product=P;market=A"},
    {"scenario": "s2", "probability": 0.6, "table": "settings", "action": "scale", "column": "marketing_budget",
     "value": 0.5, "where": ""},
]


@st.composite
def scenario_files(draw) -> list[dict]:
    """The valid set with none to two edits: a cell set to an odd value, a row dropped or doubled."""
    rows = copy.deepcopy(SCENARIO_ROWS)
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        kind = draw(st.sampled_from(["cell", "drop", "double", "value"]))
        i = draw(st.integers(min_value=0, max_value=len(rows) - 1)) if rows else None
        if i is None:
            break
        if kind == "cell":
            rows[i][draw(st.sampled_from(SCENARIO_COLUMNS))] = draw(odd_values)
        elif kind == "value":  # a valid edit: another number
            rows[i]["value"] = draw(st.sampled_from([0.5, 0.9, 1.2, 2.0]))
        elif kind == "drop":
            rows.pop(i)
        else:
            rows.append(copy.deepcopy(rows[i]))
    return rows


def _scenario_file(folder: Path, rows: list[dict]) -> Path:
    import pandas as pd

    path = folder / "u.csv"
    frame = pd.DataFrame(rows, columns=SCENARIO_COLUMNS).map(lambda v: str(v).replace("\n", " ") if isinstance(v, (list, dict)) else v)
    frame.to_csv(path, index=False)
    return path


@STUDY_FUZZ
@given(rows=scenario_files())
def test_fuzz_scenario_files(rows):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        instance = folder / "seed.json"
        instance.write_text(_json_safe(SEED))
        path = _scenario_file(folder, rows)
        COUNT["examples"] += 1
        out = folder / "out"
        result = _invoke(["scenarios", str(instance), str(path), "--out", str(out), "--time-limit", "5"])
        _assert_clean(result, (0, 2), ("u.csv",))
        event(f"scenarios exit {result.exit_code}")
        if result.exit_code == 0:
            COUNT["solved"] += 1
            event("reached a solve")
            for solution in out.glob("*/solution.json"):
                _assert_checked(solution.parent, 1)



@STUDY_FUZZ
@given(rows=scenario_files())
def test_fuzz_uncertainty_sets(rows):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        instance = folder / "seed.json"
        instance.write_text(_json_safe(SEED))
        path = _scenario_file(folder, rows)
        COUNT["examples"] += 1
        out = folder / "out"
        result = _invoke(["stochastic", str(instance), str(path), "--out", str(out), "--no-values", "--time-limit", "5"])
        _assert_clean(result, (0, 1, 2), ("u.csv", "seed.json"))
        event(f"stochastic exit {result.exit_code}")
        if result.exit_code != 2:
            COUNT["solved"] += 1
            event("reached a solve")
        if (out / "stochastic.json").is_file():
            assert json.loads((out / "stochastic.json").read_text())["checked"]
            checked = _invoke(["check", str(instance), str(out)])
            assert checked.exit_code == 0, checked.output

