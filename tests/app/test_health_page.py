"""The pipeline-health page shows the open alerts Gold has, and its sections."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lakehouse.config import Settings
from tests.conftest import ROOT
from tests.dbt.conftest import Query


def test_health_page_lists_every_open_alert(
    scenario_lake: Settings, gold: Query, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEHOUSE_HOME", str(scenario_lake.home))
    at = AppTest.from_file(str(ROOT / "app_pages" / "health.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    # The hand-made Silver was "loaded" weeks before this build: Silver→Gold lag alarms.
    ((n,),) = gold("select count(*) from ops_alerts")
    ((kinds,),) = gold("select list(distinct alert_kind) from ops_alerts")
    assert n > 0 and kinds == ["lag_gold"]
    assert [e.value for e in at.error] == [f"{n} open alert(s)"]
    assert len(at.dataframe[0].value) == n
    assert [h.value for h in at.subheader] == [
        "Today (near-real-time)",
        "Latest run per stage",
        "p95 lag per arrival hour (minutes)",
        "Delivered ÷ expected client events per hour",
    ]
    # The scenario's events are weeks old, so today's near-real-time views are empty.
    ((today,),) = gold("select event_dt from nrt_status")
    assert [i.value for i in at.info] == [f"No events or dead letters for {today} yet."]
