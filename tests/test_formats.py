"""The three instance formats load to identical instances; writers round-trip."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import DEMO, REPO, base_instance, write, write_csv_folder
from xborder.data.instance import load_instance
from xborder.data.write import write_instance


def assert_same(a, b):
    assert a.settings == b.settings
    assert set(a.tables) == set(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.table(name), b.table(name), check_dtype=True, obj=name)


@pytest.mark.parametrize("other", ["demo", "demo.xlsx"])
def test_demo_formats_identical(other):
    assert_same(load_instance(DEMO), load_instance(REPO / "instances" / other))


@pytest.mark.parametrize("target", ["tiny.xlsx", "tiny_csv", "copy.json"])
def test_tiny_round_trip(tmp_path, target):
    doc = base_instance(marketing_budget=100)
    doc["markets"][0].update(must_enter=True, regime="GDPR", max_lead_time_days=9)
    doc["regimes"] = [{"regime": "GDPR", "compliance_cost": 5}]
    doc["channels"] = [{"channel": "T", "name": "TikTok Shop"}]
    doc["market_channels"] = [{"market": "A", "channel": "T", "reach": 10, "conversion": 0.5}]
    original = load_instance(write(doc, tmp_path))
    write_instance(original.settings, original.tables, tmp_path / target)
    assert_same(original, load_instance(tmp_path / target))


def test_demo_files_are_what_the_builder_makes(tmp_path):
    """instances/ holds exactly what instances/build_demo.py writes (no hand edits drift)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_demo", REPO / "instances" / "build_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    assert (tmp_path / "demo.json").read_text() == DEMO.read_text()
    for csv in (REPO / "instances" / "demo").iterdir():
        assert (tmp_path / "demo" / csv.name).read_text() == csv.read_text(), csv.name


def test_csv_booleans_and_blank_cells(tmp_path):
    """CSV cells: yes/no/1/0/true/false are booleans; a blank optional cell takes its default."""
    folder = write_csv_folder(tmp_path / "inst", "market,must_enter,price_index\nA,yes,\nB,0,2\n",
                              "from,to,mode,transit_days\norigin,A,postal,3\norigin,B,postal,3\n")
    inst = load_instance(folder)
    markets = inst.tables["markets"]
    assert markets["must_enter"].tolist() == [True, False]
    assert markets["price_index"].tolist() == [1.0, 2.0]
    assert inst.tables["lanes"]["lane"].tolist() == ["origin-A-postal", "origin-B-postal"]
    assert inst.name == "inst"


def test_seasonal_demo_is_what_its_builder_makes():
    """instances/demo-seasonal.json is exactly instances/build_seasonal_demo.py's output."""
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("build_seasonal_demo", REPO / "instances" / "build_seasonal_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = json.dumps(module.build(), indent=1) + "\n"
    assert built == (REPO / "instances" / "demo-seasonal.json").read_text()
