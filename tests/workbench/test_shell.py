"""`lakehouse shell`: -c prints like `lakehouse query`, stays read-only, and the prompt keeps
a history file under LAKEHOUSE_HOME (driven through a real pseudo-terminal)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lakehouse.config import Settings
from tests.conftest import ROOT
from tests.workbench.conftest import lakehouse_cli

GOLD_SQL = "select currency, count(*) as n from fact_orders group by 1 order by 1"


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_one_statement_prints_like_query(wb_lake: Settings, fmt: str) -> None:
    shell = lakehouse_cli(wb_lake.home, "shell", "--format", fmt, "-c", GOLD_SQL)
    query = lakehouse_cli(wb_lake.home, "query", "--format", fmt, GOLD_SQL)
    assert shell.stdout == query.stdout and "EUR" in shell.stdout


def test_silver_is_there_too(wb_lake: Settings, truth: dict[str, Any]) -> None:
    res = lakehouse_cli(wb_lake.home, "shell", "--format", "csv", "-c",
                        "select count(*) as n from lake.events")  # fmt: skip
    assert res.stdout == f"n\n{truth['valid_events']}\n"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("copy (select 1) to '{silver}/x.csv'", "read-only: COPY statements are refused"),
        ("insert into fact_orders select * from fact_orders", "read-only: INSERT"),
        ("attach '{home}/other.duckdb' as o", "read-only: ATTACH"),
        ("select * from read_csv('/etc/hostname')", "file system operations are disabled"),
        ("set enable_external_access = true", "read-only: SET"),
    ],
)
def test_writes_and_outside_files_are_refused(wb_lake: Settings, sql: str, message: str) -> None:
    events = wb_lake.silver_dir / "lake" / "events"
    before = sorted(p.name for p in wb_lake.home.rglob("*"))
    res = lakehouse_cli(wb_lake.home, "shell", "-c",
                        sql.format(silver=events, home=wb_lake.home), check=False)  # fmt: skip
    assert res.returncode == 1 and message in res.stderr, res.stderr
    assert sorted(p.name for p in wb_lake.home.rglob("*")) == before


def test_empty_lake_says_what_to_run(settings: Settings) -> None:
    res = lakehouse_cli(settings.home, "shell", "-c", "select 1", check=False)
    assert res.returncode == 1
    assert "`lakehouse refine`" in res.stderr and "`lakehouse build`" in res.stderr
    assert "Traceback" not in res.stderr


def test_piped_statements_run_in_order(wb_lake: Settings) -> None:
    script = "select 1 as a;\n.tables\nselect\n  2 as b\n;\nselect * from nope;\nselect 3 as c\n"
    env = {**os.environ, "LAKEHOUSE_HOME": str(wb_lake.home)}
    res = subprocess.run([sys.executable, "-m", "lakehouse.cli", "shell", "--format", "csv"],
                         input=script, env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert res.returncode == 0
    out = res.stdout
    assert out.startswith("a\n1\nname,schema,rows,description\n")
    assert out.endswith("b\n2\nc\n3\n")  # an error does not end the session
    assert "fact_orders,main," in out
    assert "Table with name nope does not exist" in res.stderr


def _read_until(fd: int, marker: bytes, timeout: float = 60) -> bytes:
    seen = b""
    deadline = time.time() + timeout
    while marker not in seen and time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def test_interactive_prompt_keeps_history(wb_lake: Settings, tmp_path: Path) -> None:
    history = wb_lake.state_dir / "shell_history"
    history.unlink(missing_ok=True)
    leader, follower = pty.openpty()
    env = {**os.environ, "LAKEHOUSE_HOME": str(wb_lake.home), "TERM": "dumb"}
    proc = subprocess.Popen([sys.executable, "-m", "lakehouse.cli", "shell", "--format", "csv"],
                            stdin=follower, stdout=follower, stderr=follower, env=env, cwd=ROOT,
                            start_new_session=True)  # fmt: skip
    os.close(follower)
    try:
        assert b"lakehouse> " in _read_until(leader, b"lakehouse> ")
        os.write(leader, b"select 40 +\n")
        assert b"...> " in _read_until(leader, b"...> ")
        os.write(leader, b"2 as answer;\n")
        out = _read_until(leader, b"lakehouse> ")
        assert b"answer\r\n42\r\n" in out
        os.write(leader, b".quit\n")
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    assert history.read_text().splitlines()[-3:] == ["select 40 +", "2 as answer;", ".quit"]
