"""The pipeline-health page renders over a Gold with no runs, DLQ or alerts yet."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lakehouse.config import Settings
from tests.conftest import ROOT
from tests.dbt.conftest import Query


def test_health_page_shows_no_alerts_and_the_lag_table(
    scenario_lake: Settings, gold: Query, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEHOUSE_HOME", str(scenario_lake.home))
    at = AppTest.from_file(str(ROOT / "app_pages" / "health.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert gold("select count(*) from ops_alerts") == [(0,)]
    assert [s.value for s in at.success] == ["No open alerts."]
    assert [h.value for h in at.subheader] == [
        "Latest run per stage",
        "p95 lag per arrival hour (minutes)",
        "Delivered ÷ expected client events per hour",
    ]
