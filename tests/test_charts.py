"""The optional charts (the `plot` extra): the trade-off curve and the benchmark's performance
profile are drawn as PNG files when matplotlib is installed. Without it these tests skip; the
commands' own tests check the message that replaces the chart then (test_studies, test_bench)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from xborder.report.studies import tradeoff_chart
from xborder.studies.bench import performance_profile
from xborder.studies.tradeoff import MEASURES

pytest.importorskip("matplotlib", reason="the charts need the plot extra (pip install 'xborder[plot]')")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_tradeoff_chart_is_a_png(tmp_path):
    """Three points of a marketing trade-off, one without a value (left out of the curve)."""
    table = pd.DataFrame({"value": [300.0, 200.0, None], "objective": [900.0, 800.0, None]})
    study = SimpleNamespace(table=table, measure=MEASURES["marketing"])
    target = tmp_path / "tradeoff.png"
    assert tradeoff_chart(study, target, "USD", "profit") is None
    assert target.read_bytes().startswith(PNG_SIGNATURE)


def test_performance_profile_is_a_png(tmp_path):
    """Two configurations on two instances; one run unsolved (counts as the time limit)."""
    rows = [{"solver": solver, "formulation": "default", "instance": instance, "status": status,
             "checker": "passed", "total_s": seconds}
            for solver, instance, status, seconds in [("highs", "a", "optimal", 1.0), ("highs", "b", "optimal", 2.0),
                                                     ("cbc", "a", "optimal", 3.0), ("cbc", "b", "time_limit", 60.0)]]
    target = tmp_path / "profile.png"
    assert performance_profile(rows, 60.0, target) is None
    assert target.read_bytes().startswith(PNG_SIGNATURE)
