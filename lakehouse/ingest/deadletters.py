"""The DLQ as data: counts by reason, and replay after a fix (ING-5).

Dead letters are sealed NDJSON files like Bronze, so DuckDB reads them directly
(`read_ndjson('<home>/dlq/event_dt=*/hour=*/*.ndjson')`). Replay re-validates the
raw bytes of every not-yet-replayed DLQ file: what now passes lands in Bronze, what
still fails is dead-lettered again; the replayed files are recorded so a second
replay does not duplicate them.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import orjson

from lakehouse.config import Settings
from lakehouse.ids import new_ulid
from lakehouse.ingest.loader import LoadResult
from lakehouse.ingest.logfile import AppendLog, list_sealed
from lakehouse.ingest.records import dlq_line, iso_utc, process
from lakehouse.ingest.validate import Rejection, Validator

REPLAYED = "dlq_replayed.json"


def dlq_counts(settings: Settings) -> Counter[str]:
    counts: Counter[str] = Counter()
    for f in list_sealed(settings.dlq_dir):
        with open(f.path, "rb") as fh:
            for line in fh:
                counts[orjson.loads(line)["reason"]] += 1
    return counts


def _replayed_path(settings: Settings) -> Path:
    return settings.state_dir / REPLAYED


def replay(settings: Settings, reasons: set[str] | None = None) -> LoadResult:
    s = settings.ensure()
    done_path = _replayed_path(s)
    done: set[str] = set(orjson.loads(done_path.read_bytes())) if done_path.exists() else set()
    validator = Validator(limits=s.limits)
    bronze = AppendLog(s.bronze_dir, "evt", s.limits.roll_bytes, float("inf"))
    dlq = AppendLog(s.dlq_dir, "dlq", s.limits.roll_bytes, float("inf"))
    result = LoadResult()
    started = time.perf_counter()
    todo = [f for f in list_sealed(s.dlq_dir) if f.rel not in done]
    try:
        for f in todo:
            now = time.time()
            batch_id = "bat_" + new_ulid(now)
            events, raws, again = [], [], []
            with open(f.path, "rb") as fh:
                for line in fh:
                    rec = orjson.loads(line)
                    if rec["raw"] is None or (reasons and rec["reason"] not in reasons):
                        # Binary raw or a reason not asked for: carried over untouched.
                        again.append(line)
                        continue
                    raw = rec["raw"].encode()
                    try:
                        events.append(orjson.loads(raw))
                        raws.append(raw)
                    except orjson.JSONDecodeError as exc:
                        rej = Rejection("invalid_json", "", f"still not valid JSON ({exc})")
                        again.append(dlq_line(rej, raw, received_at=iso_utc(now), batch_id=batch_id,
                                              index=rec["index"], origin=f"replay:{f.rel}"))  # fmt: skip
            out = process(
                validator, events, raws, now=now, batch_id=batch_id, origin=f"replay:{f.rel}"
            )
            again += out.dlq
            if out.bronze:
                bronze.write(b"".join(out.bronze), now, out.accepted)
            if again:
                dlq.write(b"".join(again), now, len(again))
            bronze.sync()
            dlq.sync()
            result.accepted += out.accepted
            result.rejected += len(out.dlq)
            result.by_reason.update(r["reason"] for r in out.rejected)
        bronze.close()
        sealed_dlq = dlq.seal()
    finally:
        bronze.close()
        dlq.close()
    # The replay's own output must not be replayed again by the next run.
    done |= {f.rel for f in todo}
    if sealed_dlq is not None:
        done.add(sealed_dlq.rel)
    tmp = done_path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(sorted(done)))
    tmp.replace(done_path)
    result.seconds = time.perf_counter() - started
    return result
