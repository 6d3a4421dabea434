"""EXP-2: the dbt macros compute the same bucket and variant as lakehouse.experiments.assign.

The macro is compiled by dbt itself (`dbt compile --inline`, DuckDB adapter) for each
configured design plus an uneven three-way split, then run by DuckDB over 100k ids.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import orjson
import pytest

from lakehouse.config import PROJECT_ROOT
from lakehouse.experiments.assign import assign, bucket
from lakehouse.experiments.config import load_all

IDS = 100_000
DESIGNS = [(c.exp_id, [list(v) for v in c.variants], c.status) for c in load_all()] + [
    ("three_way", [["control", 1 / 3], ["a", 1 / 3], ["b", 1 / 3]], "running"),
    ("uneven", [["control", 0.9], ["t", 0.0725], ["u", 0.0275]], "running"),
    ("killed_one", [["control", 50], ["treatment", 50]], "killed"),
]


def _compile(tmp: Path, sql: str) -> str:
    from dbt.cli.main import dbtRunner

    env = {"LAKEHOUSE_HOME": str(tmp), "LAKEHOUSE_GOLD_PATH": str(tmp / "g.duckdb")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        res = dbtRunner().invoke(
            [
                "compile", "--inline", sql, "--quiet",
                "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
                "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
                "--vars", orjson.dumps({"lakehouse__silver_metadata_location": "x"}).decode(),
            ]
        )  # fmt: skip
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert res.success, res.exception
    return str(res.result.results[0].node.compiled_code)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> str:
    cols = [
        f"{{{{ experiment_bucket(\"'{e}'\", 'id') }}}} as bucket_{i}, "
        f"{{{{ experiment_variant(\"'{e}'\", 'id', {v!r}, '{s}', 'is_crawler') }}}} as variant_{i}"
        for i, (e, v, s) in enumerate(DESIGNS)
    ]
    return _compile(tmp_path_factory.mktemp("dbt"), "select id, " + ", ".join(cols) + " from ids")


def test_sql_bucket_and_variant_equal_python_for_100k_ids(compiled: str) -> None:
    con = duckdb.connect()
    con.execute(
        f"create table ids as select 'u' || i::varchar || '-' || (i * 7919 % 1000)::varchar as id, "
        f"i % 97 = 0 as is_crawler from range({IDS}) t(i)"
    )
    rows = con.execute(compiled.replace("from ids", "from ids order by id")).fetchall()
    crawlers = {r[0] for r in con.execute("select id from ids where is_crawler").fetchall()}
    assert len(rows) == IDS
    for row in rows:
        identity = row[0]
        for i, (exp_id, variants, status) in enumerate(DESIGNS):
            design = [(n, float(w)) for n, w in variants]
            assert row[1 + 2 * i] == bucket(exp_id, identity)
            want = assign(design, exp_id, identity, status, is_crawler=identity in crawlers)
            assert row[2 + 2 * i] == want, (exp_id, identity)


def test_uneven_split_uses_every_variant(compiled: str) -> None:
    con = duckdb.connect()
    con.execute(
        f"create table ids as select 'x' || i::varchar as id, false as is_crawler from range({IDS}) t(i)"
    )
    i = next(n for n, d in enumerate(DESIGNS) if d[0] == "uneven")
    shares = dict(
        con.execute(f"select variant_{i}, count(*) / {IDS} from ({compiled}) group by 1").fetchall()
    )
    assert shares == pytest.approx({"control": 0.9, "t": 0.0725, "u": 0.0275}, abs=0.005)
