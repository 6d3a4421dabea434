"""`lakehouse generate`: help on every option, a one-line summary, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from lakehouse.simulate.cli import generate


def test_every_option_has_help() -> None:
    for param in generate.params:
        assert isinstance(param, click.Option) and param.help, param.name
    result = CliRunner().invoke(generate, ["--help"])
    assert result.exit_code == 0
    for flag in ("--events", "--seed", "--out", "--start", "--days"):
        assert flag in result.output


def test_generate_writes_file_truth_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "ev.ndjson"
    result = CliRunner().invoke(
        generate,
        [
            "--events",
            "1500",
            "--seed",
            "3",
            "--out",
            str(out),
            "--days",
            "12",
            "--start",
            "2026-11-01",
        ],
    )
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "sub" / "ev.ndjson.truth.json").read_text())
    assert truth["lines_written"] == len(out.read_bytes().splitlines())
    assert truth["start"] == "2026-11-01" and truth["days"] == 12
    line = result.output.strip()
    assert "\n" not in line
    assert (
        f"{truth['lines_written']:,} lines" in line
        and "orders" in line
        and "GMV" in line
        and "duplicates" in line
    )
    assert "invalid_json" in line


def test_bad_arguments_are_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(generate, ["--out", str(tmp_path / "x")]).exit_code == 2
    )  # --events missing
    assert runner.invoke(generate, ["--events", "10", "--out", str(tmp_path / "x")]).exit_code == 2
    assert (
        runner.invoke(
            generate, ["--events", "500", "--out", str(tmp_path / "x"), "--start", "yesterday"]
        ).exit_code
        == 2
    )
