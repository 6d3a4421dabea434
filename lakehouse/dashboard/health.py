"""Queries behind the pipeline-health page (OBS-5): open alerts, lag, loss and the run log."""

from __future__ import annotations

import duckdb
import pandas as pd


def alerts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """select alert_kind, window_start_at, subject, message
           from ops_alerts order by window_start_at, alert_kind, subject"""
    ).df()


def latest_runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """select stage, started_at, duration_s, rows_in, rows_out, run_status
           from ops_run_log where is_latest_of_stage order by stage"""
    ).df()


def lag(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """select received_hour, silver_lag_p95_s / 60 as silver_lag_p95_min,
                  gold_lag_p95_s / 60 as gold_lag_p95_min
           from ops_lag_hourly order by received_hour"""
    ).df()


def loss(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select event_hour, delivered_ratio from ops_loss_hourly order by event_hour"
    ).df()
