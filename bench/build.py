"""Gold build benchmarks (issues: Silver/Gold, Attribution).

On the generated dataset (30 days by default), in one lake:
1. load + refine every day but the last, full build (warm-up, reported);
2. load + refine the last day, incremental build → "one new day" (target ≤ 0.15 of 3),
   then the same build again with nothing new: the fixed cost of any incremental build;
3. full-refresh build of all days (models, seeds, data and unit tests);
4. dbt floor: a throwaway project of as many one-row incremental models as the one-new-day
   build ran, timed on its incremental run: what dbt itself costs a build of that size;
5. floor: the compiled SQL of that build's models (from its manifest), run bare in DuckDB
   in dependency order into a fresh file (target: build ≤ 2× the floor);
6. attribution: dbt's time for the models behind fact_attribution_checkout against the
   same logic as one bare DuckDB query over the same Gold (target ≤ 2×); the bare query's
   answer is checked against fact_attribution_checkout.
Every build runs in a child process, so its peak RSS is its own.

Standalone: `python -m bench.build --events N`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from lakehouse.ingest.validate import parse_event_ts
from lakehouse.transform.runner import duckdb_threads

if TYPE_CHECKING:
    import duckdb

from bench.common import (
    PEAK_RSS_MB,
    Context,
    Row,
    child_peak_rss_mb,
    console,
    drop_page_cache,
    lakehouse,
    print_table,
    run_child,
)
from bench.dbt_floor import dbt_floor_seconds
from bench.refine import refine_seconds

INCREMENTAL_TARGET = "≤0.15 of full build"
BUILD_TARGET = "≤2× bare SQL"
ATTRIBUTION_REPEATS = 3
ATTRIBUTION_MODELS = (
    "int_attribution_touches",
    "int_attribution_conversions",
    "int_attribution_paths",
    "fact_attribution_checkout",
)

_CHILD = """
import sys, orjson
from lakehouse.config import load_settings
from lakehouse.transform.runner import build
args = orjson.loads(sys.argv[2])
r = build(load_settings(sys.argv[1]), **args)
print(orjson.dumps({"seconds": r.seconds, "peak_rss_mb": PEAK,
                    "nodes": [[n.name, n.resource_type, n.seconds] for n in r.nodes]}).decode())
""".replace("PEAK", PEAK_RSS_MB)


def _event_day(line: bytes) -> str:
    """The UTC day of a line's event_ts, the event_dt Silver gives it ("" for lines that
    are not an event, or whose event_ts ingest rejects: planted junk). An event_ts with an
    offset may fall on the UTC day before or after the date it spells."""
    at = _event_time(line)
    return at.date().isoformat() if at is not None else ""


class Split(NamedTuple):
    """The dataset split by `split_last_day`, with a load clock (LAKEHOUSE_NOW) for each
    part: the next whole hour after its last event, as when a day's events have all
    arrived."""

    early: Path
    late: Path
    n_early: int
    n_late: int
    early_clock: str
    late_clock: str


def split_last_day(dataset: Path, out_dir: Path) -> Split:
    """The dataset as (the days before, the last full event day and the window's short
    tail after it) NDJSON files and their line counts: time moves forward, so the new day
    holds nothing older events could point at (an order that a referral in the tail
    qualifies on). Streams twice (count, then split): 100M events do not fit in memory."""
    counts: Counter[str] = Counter()
    latest: dict[str, datetime] = {}
    with dataset.open("rb") as f:
        for line in f:
            at = _event_time(line)
            day = at.date().isoformat() if at is not None else ""
            counts[day] += 1
            if at is not None and (day not in latest or at > latest[day]):
                latest[day] = at
    counts.pop("", None)
    typical = sorted(counts.values())[len(counts) // 2]
    last = max(d for d, n in counts.items() if n >= typical // 2)
    # the tail is the day after the last full one; later days are the generator's planted
    # far-future events (2099), which no clock should wait for
    tail = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    early_clock = _hour_after(max(at for day, at in latest.items() if day < last))
    late_clock = _hour_after(max(at for day, at in latest.items() if last <= day <= tail))
    early, late = out_dir / "days-before.ndjson", out_dir / "last-day.ndjson"
    n_early = n_late = 0
    with dataset.open("rb") as f, early.open("wb") as e, late.open("wb") as la:
        for line in f:
            # planted junk lines have no day; they go with the earlier days
            if _event_day(line) >= last:
                la.write(line)
                n_late += 1
            else:
                e.write(line)
                n_early += 1
    return Split(early, late, n_early, n_late, _clock(early_clock), _clock(late_clock))


def _clock(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _hour_after(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _event_time(line: bytes) -> datetime | None:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    ts = event.get("event_ts") if isinstance(event, dict) else None
    at = parse_event_ts(ts) if isinstance(ts, str) else None
    return at.astimezone(UTC) if at is not None else None


def _cli(home: Path, *args: str, now: str | None = None) -> tuple[float, float | None, str]:
    """`lakehouse ARGS` on `home` (its clock frozen at `now`, if given): (seconds, peak RSS
    MB, stdout)."""
    t = time.perf_counter()
    clock = {"LAKEHOUSE_NOW": now} if now else None
    p = lakehouse(*args, home=home, extra_env=clock, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    seconds = time.perf_counter() - t
    peak = child_peak_rss_mb(p)
    if p.returncode != 0:
        raise RuntimeError(f"lakehouse {' '.join(args)} failed: {err.decode()[-2000:]}")
    return seconds, peak, out.decode()


def build_child(home: Path, **kwargs: Any) -> dict[str, Any]:
    """`runner.build(**kwargs)` in a child process: seconds, peak RSS, per-node seconds."""
    return run_child(_CHILD, str(home), orjson.dumps(kwargs).decode(), what="build")


def _manifest_nodes(home: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(models in dependency order, data tests) of the last build's manifest."""
    manifest = orjson.loads((home / "dbt" / "target" / "manifest.json").read_bytes())
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    tests = [
        v
        for v in manifest["nodes"].values()
        if v["resource_type"] == "test" and v.get("compiled_code")
    ]
    order: list[str] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen or key not in nodes:
            return
        seen.add(key)
        for dep in nodes[key]["depends_on"]["nodes"]:
            visit(dep)
        order.append(key)

    for key in sorted(nodes):
        visit(key)
    return [nodes[k] for k in order], tests


def bare_gold(db: Path, schemas: set[str]) -> duckdb.DuckDBPyConnection:
    """A connection set up as dbt's (offline extensions, UTC) with a fresh DuckDB file `db`
    attached as `gold` holding `schemas`: where a floor runs compiled model SQL bare."""
    import duckdb

    from lakehouse.silver.duck import load_extensions

    db.unlink(missing_ok=True)
    con = duckdb.connect()
    load_extensions(con)
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{db}' AS gold")
    for schema in sorted(schemas):
        con.execute(f'CREATE SCHEMA IF NOT EXISTS gold."{schema}"')
    return con


def create_bare(con: duckdb.DuckDBPyConnection, model: dict[str, Any]) -> None:
    """A manifest model's compiled SQL as a view or table in the `bare_gold` database."""
    kind = "VIEW" if model["config"]["materialized"] == "view" else "TABLE"
    name = f'gold."{model["schema"]}"."{model["alias"]}"'
    con.execute(f"CREATE {kind} {name} AS {model['compiled_code']}")


def bare_floor(home: Path, scratch: Path) -> tuple[float, int, float, int]:
    """Run the build's compiled SQL bare into a fresh DuckDB file: the models in
    dependency order, then every data test's query. (model seconds, models, test
    seconds, tests). Seeds are copied from the built Gold first, untimed: they are inputs."""
    from lakehouse.config import load_settings
    from lakehouse.transform.query import gold_database_path

    models, tests = _manifest_nodes(home)
    con = bare_gold(scratch / "bare.duckdb", {m["schema"] for m in models} | {"main_seeds"})
    con.execute(f"ATTACH '{gold_database_path(load_settings(home))}' AS built (READ_ONLY)")
    for (table,) in con.execute(
        "select table_name from duckdb_tables() where database_name = 'built' "
        "and schema_name = 'main_seeds'"
    ).fetchall():
        con.execute(f'CREATE TABLE gold.main_seeds."{table}" AS FROM built.main_seeds."{table}"')
    con.execute("DETACH built")
    started = time.perf_counter()
    for m in models:
        create_bare(con, m)
    model_s = time.perf_counter() - started
    started = time.perf_counter()
    for t in tests:
        con.execute(f"SELECT count(*) FROM ({t['compiled_code']}) AS failures").fetchone()
    test_s = time.perf_counter() - started
    con.close()
    return model_s, len(models), test_s, len(tests)


# ATT-1…5 last-non-direct checkout attribution in one statement, over the built Gold.
ATTRIBUTION_SQL = """
with touches as (
    select event_id, event_at, identity_id, device_id, utm_source, utm_medium, utm_campaign,
           channel, click_token is not null as proof
    from main.fact_events
    where event_name in ('growth.alert.click', 'digest.click', 'sharecard.click',
                         'search.result_click', 'landing.view', 'email.click', 'promo.click')
      and (click_token is not null or coalesce(utm_medium, '(direct)') <> '(direct)')
    qualify row_number() over (partition by event_id order by received_at, event_at) = 1
), gaps as (
    select *,
        epoch_ms(event_at) - epoch_ms(lag(event_at) over d) as dgap,
        epoch_ms(event_at) - epoch_ms(lag(event_at) over i) as igap
    from touches
    window d as (partition by device_id, utm_campaign order by event_at, event_id),
           i as (partition by identity_id, utm_campaign order by event_at, event_id)
), numbered as (
    select *,
        sum(case when dgap is null or dgap >= 600000 then 1 else 0 end) over d as dn,
        sum(case when igap is null or igap >= 600000 then 1 else 0 end) over i as inum
    from gaps
    window d as (partition by device_id, utm_campaign order by event_at, event_id
                 rows between unbounded preceding and current row),
           i as (partition by identity_id, utm_campaign order by event_at, event_id
                 rows between unbounded preceding and current row)
), valid as (
    select * from numbered
    qualify (device_id is null or count(*) over (partition by device_id, utm_campaign, dn) <= 5)
        and (identity_id is null or count(*) over (partition by identity_id, utm_campaign, inum) <= 5)
), winners as (
    select o.order_id, v.event_id, v.channel, v.utm_source
    from main.fact_orders o
    join valid v on v.identity_id = o.identity_id
        and v.event_at between o.ordered_at - interval 7 day and o.ordered_at
    qualify row_number() over (partition by o.order_id
                               order by v.proof desc, v.event_at desc, v.event_id desc) = 1
)
select o.order_id, coalesce(w.channel, 'direct') as channel,
       coalesce(w.utm_source, 'direct') as source, w.event_id as touch_event_id
from main.fact_orders o left join winners w using (order_id)
"""


def bare_attribution(home: Path, scratch: Path) -> tuple[float, int, int]:
    """(seconds, orders, rows differing from fact_attribution_checkout); the answer is
    written to a table in a scratch DuckDB file, as dbt writes its models to Gold."""
    import duckdb

    from lakehouse.config import load_settings
    from lakehouse.transform.query import gold_database_path

    out = scratch / "bare-attribution.duckdb"
    out.unlink(missing_ok=True)
    con = duckdb.connect(str(out))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{gold_database_path(load_settings(home))}' AS gold (READ_ONLY)")
    con.execute("USE gold")
    started = time.perf_counter()
    con.execute(f'CREATE TABLE "bare-attribution".main.bare_attribution AS {ATTRIBUTION_SQL}')
    con.execute('CHECKPOINT "bare-attribution"')
    seconds = time.perf_counter() - started
    (n,) = con.execute(
        'select count(*) from "bare-attribution".main.bare_attribution'
    ).fetchone() or (0,)
    (diff,) = con.execute(
        "select count(*) from (select order_id, channel, source, touch_event_id "
        'from "bare-attribution".main.bare_attribution except all '
        "select order_id, channel, source, touch_event_id from main.fact_attribution_checkout)"
    ).fetchone() or (0,)
    con.close()
    return seconds, int(n), int(diff)


def _model_seconds(result: dict[str, Any], names: tuple[str, ...] | None = None) -> float:
    return sum(
        s
        for name, kind, s in result["nodes"]
        if kind == "model" and (names is None or name in names)
    )


def measure(dataset: Path, workdir: Path, lean: bool = False) -> list[Row]:
    """The build rows; `lean` (bench-scale) adds the bulk load and refine of this lake with
    refine's COPY floor, and leaves out the models-only build."""
    home = workdir / "build-lake"
    split = split_last_day(dataset, workdir)
    early, late, n_early, n_late = split.early, split.late, split.n_early, split.n_late
    n_all = n_early + n_late
    # Each part arrives after its last event, as a day's events do (received_at): the new
    # day lands in arrival hours of its own, not in the hour the 29 days before arrived.
    load_s, load_peak, load_out = _cli(home, "load", str(early), now=split.early_clock)
    drop_page_cache(home / "bronze")  # as the floor's, below
    refine_wall, refine_peak, refine_out = _cli(home, "refine")
    refine_s = refine_seconds(refine_out)
    console.print(f"build: {n_early:,} events of the earlier days refined")
    pipeline: list[Row] = []
    if lean:
        from bench.refine import TARGET as REFINE_TARGET
        from bench.refine import floor_copy

        n_copy, copy_s = floor_copy(home, workdir / "floor")
        pipeline = [
            Row("bulk `lakehouse load` (1 core), earlier days", n_early, load_s,
                peak_rss_mb=load_peak, note=load_out.strip()),
            Row("refine floor: DuckDB read_ndjson → COPY PARTITION_BY event_dt", n_copy, copy_s),
            Row("refine Bronze → lake.events (Iceberg), earlier days", n_copy, refine_s,
                ratio=copy_s / refine_s, ratio_label="of COPY", target=REFINE_TARGET,
                peak_rss_mb=refine_peak,
                note=f"refine's own time; `lakehouse refine` wall {refine_wall:.2f} s"),
        ]  # fmt: skip
    first = build_child(home, full_refresh=True)
    _cli(home, "load", str(late), now=split.late_clock)
    _cli(home, "refine")
    inc = build_child(home)
    console.print(
        f"build: incremental for the last day ({n_late:,} events) in {inc['seconds']:.1f} s"
    )
    # the same build with nothing new: what every incremental build pays whatever its rows
    # (dbt start-up, the nodes it runs, the Gold copy and swap)
    idle = build_child(home)
    full = build_child(home, full_refresh=True)
    n_inc_models = sum(1 for _, kind, _ in inc["nodes"] if kind == "model")
    dbt_floor_s = dbt_floor_seconds(workdir, n_inc_models, duckdb_threads())
    # the floor reads this build's manifest: it holds the compiled SQL of the data tests,
    # which a run excluding tests would leave out
    floor_s, n_models, tests_floor_s, n_tests = bare_floor(home, workdir)
    tests = sum(1 for _, kind, _ in full["nodes"] if kind in ("test", "unit_test"))
    rows = [
        *pipeline,
        Row("build full, earlier days (first build)", n_early, first["seconds"],
            peak_rss_mb=first["peak_rss_mb"], note="models + seeds + tests"),
        Row("build incremental: one new day", n_late, inc["seconds"],
            ratio=inc["seconds"] / full["seconds"], ratio_label="of full build",
            target=INCREMENTAL_TARGET, peak_rss_mb=inc["peak_rss_mb"],
            note=f"models {_model_seconds(inc):.1f} s of it"),
        Row("build incremental: nothing new", 0, idle["seconds"],
            ratio=idle["seconds"] / full["seconds"], ratio_label="of full build",
            peak_rss_mb=idle["peak_rss_mb"],
            note=f"the fixed cost of an incremental build: {len(idle['nodes'])} dbt nodes, "
                 f"models {_model_seconds(idle):.1f} s of it"),
        Row(f"dbt floor: {n_inc_models} one-row incremental models", 0, dbt_floor_s,
            ratio=dbt_floor_s / full["seconds"], ratio_label="of full build",
            note="a throwaway dbt project as large as the one-new-day build, no data: "
                 "dbt's import, start-up and per-node work, the least that build can take"),
        Row("build full-refresh, all days", n_all, full["seconds"],
            ratio=full["seconds"] / (floor_s + tests_floor_s), ratio_label="of bare SQL", target=BUILD_TARGET,
            peak_rss_mb=full["peak_rss_mb"],
            note=f"{n_models} models ({_model_seconds(full):.1f} s in dbt), {tests} tests"),
        Row("build floor: compiled model SQL bare in DuckDB", n_all, floor_s,
            note=f"{n_models} models in dependency order"),
        Row("build floor: models + data-test SQL bare", n_all, floor_s + tests_floor_s,
            note=f"+{n_tests} data tests ({tests_floor_s:.1f} s); unit tests have no bare form"),
    ]  # fmt: skip
    if lean:
        return [*rows, *measure_attribution(home, workdir, n_all)]
    skip = "resource_type:test resource_type:unit_test"
    models_only = build_child(home, full_refresh=True, exclude=skip)
    return [
        *rows,
        Row("build full-refresh, models only", n_all, models_only["seconds"],
            ratio=models_only["seconds"] / floor_s, ratio_label="of bare SQL", target=BUILD_TARGET,
            peak_rss_mb=models_only["peak_rss_mb"], note="no data/unit tests"),
        *measure_attribution(home, workdir, n_all),
    ]  # fmt: skip


def measure_attribution(home: Path, workdir: Path, events: int) -> list[Row]:
    """dbt's time for the models behind fact_attribution_checkout against one bare query."""
    skip = "resource_type:test resource_type:unit_test"
    # dbt's model time from select-only runs (there the models run one after another, not
    # competing with the rest of the DAG), alternated with the bare query: the median of
    # each over ATTRIBUTION_REPEATS, so a burst of other load does not decide the ratio
    att_runs, bare_runs = [], []
    for _ in range(ATTRIBUTION_REPEATS):
        # a full refresh, so the incremental int_attribution_touches computes every touch
        # as the bare query does
        att_runs.append(
            build_child(home, select=" ".join(ATTRIBUTION_MODELS), exclude=skip, full_refresh=True)
        )
        bare_runs.append(bare_attribution(home, workdir))
    att_wall = sorted(att_runs, key=lambda r: float(r["seconds"]))[ATTRIBUTION_REPEATS // 2]
    att_dbt = statistics.median(_model_seconds(r, ATTRIBUTION_MODELS) for r in att_runs)
    att_bare = statistics.median(s for s, _, _ in bare_runs)
    _, n_orders, att_diff = bare_runs[-1]
    per_model = ", ".join(
        f"{name} {statistics.median(s for r in att_runs for n, k, s in r['nodes'] if n == name and k == 'model'):.2f} s"
        for name in ATTRIBUTION_MODELS
    )
    return [
        Row("attribution models in dbt (model time, select-only run)", events, att_dbt,
            ratio=att_dbt / att_bare if att_bare else None, ratio_label="of one bare query",
            target="≤2× bare query", note=f"median of {ATTRIBUTION_REPEATS}: {per_model}"),
        Row("attribution models: dbt build --select (wall)", events, att_wall["seconds"],
            ratio=att_wall["seconds"] / att_bare if att_bare else None,
            ratio_label="of one bare query", peak_rss_mb=att_wall["peak_rss_mb"],
            note="incl. dbt start-up and parse"),
        Row("attribution floor: one bare DuckDB query", events, att_bare,
            note=f"median of {ATTRIBUTION_REPEATS}; {n_orders:,} orders, {att_diff} differ from fact_attribution_checkout"),
    ]  # fmt: skip


def run(ctx: Context) -> list[Row]:
    rows = measure(ctx.dataset(), ctx.workdir, lean=ctx.lean)
    ctx.built_lake = ctx.workdir / "build-lake"  # ends on a full Gold of every day
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=200_000, help="generated events (default 200k)")
    ap.add_argument(
        "--attribution-home",
        type=Path,
        help="only the attribution rows, on this already built lake (its Gold is rebuilt)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as tmp:
        if args.attribution_home:
            rows = measure_attribution(args.attribution_home.resolve(), Path(tmp), args.events)
        else:
            rows = run(Context(Path(tmp), args.events))
    print_table(rows, f"build bench — {args.events:,} generated events")


if __name__ == "__main__":
    main()
