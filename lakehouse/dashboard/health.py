"""Queries behind the pipeline-health page (OBS-5): open alerts, lag, loss and the run log,
and today's near-real-time marts (LAKE-4)."""

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


# LAKE-4: today's near-real-time marts (`lakehouse refresh --nrt` or a build writes them).


def nrt_status(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The day covered and the last refresh; no rows when Gold predates the nrt marts."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_name = 'nrt_status'"
    ).fetchone()
    if not found or not found[0]:
        return pd.DataFrame(
            columns=[
                "event_dt",
                "refreshed_at",
                "n_events",
                "silver_loaded_until",
                "n_dead_letters",
            ]
        )
    return con.execute(
        """select event_dt, refreshed_at, n_events, silver_loaded_until, n_dead_letters
           from nrt_status"""
    ).df()


def nrt_volume(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """select event_hour, event_name, n_events
           from nrt_volume_hourly order by event_hour, event_name"""
    ).df()


def nrt_lag(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """select received_hour, silver_lag_p95_s / 60 as silver_lag_p95_min,
                  silver_budget_s / 60 as budget_min
           from nrt_lag_hourly order by received_hour"""
    ).df()


def nrt_dead_letters(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """select reason, cast(sum(n_dead_letters) as bigint) as n_dead_letters
           from nrt_dlq_hourly group by reason order by n_dead_letters desc, reason"""
    ).df()
