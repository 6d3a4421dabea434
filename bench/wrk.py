"""`wrk` against `POST /e` with generated 50-event batches, knowing exactly what was acknowledged.

Shared by the load test (tests/ingest/test_wrk_load.py: correctness) and the `load` bench
stage (bench/load.py: speed). The Lua script cycles through bodies built from generated
events and stamps every request with its own tag in the first 10 characters of each
event_id's ULID (thread, request number), so every request carries events never sent
before: a lost or doubled event cannot hide behind Silver's dedup, and the exact set of
event ids a run sent can be recomputed here. One connection per wrk thread, and a thread
stops itself right after a response once the time is up, so when wrk exits no request is
in flight: every request sent was answered and counted.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import orjson

from lakehouse.ingest.validate import Validator

BATCH = 50
TAG = "@@@@@@@@@@"  # stands for the first 10 ULID characters, replaced per request
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as in ULIDs
_ID_PREFIX = "evt_"


def event_bodies(dataset: Path, bodies: int, batch: int = BATCH) -> list[list[bytes]]:
    """`bodies` batches of valid, distinct generated events whose event_id is templated.

    Invalid events (dead letters) and producer retries are left out: here every event
    sent must be acknowledged once and reach Silver once.
    """
    validator = Validator()
    seen: set[str] = set()
    events: list[bytes] = []
    with open(dataset, "rb") as fh:
        for line in fh:
            try:
                ev = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(ev, dict) or not isinstance(ev.get("event_id"), str):
                continue
            raw = orjson.dumps(ev)
            if not isinstance(validator.check(ev, len(raw)), tuple):
                continue
            suffix = ev["event_id"][len(_ID_PREFIX) + len(TAG) :]
            if suffix in seen:
                continue
            seen.add(suffix)
            ev["event_id"] = _ID_PREFIX + TAG + suffix
            events.append(orjson.dumps(ev))
            if len(events) == bodies * batch:
                break
    if len(events) < bodies * batch:
        raise RuntimeError(f"{dataset} has only {len(events)} usable events; generate more")
    return [events[i : i + batch] for i in range(0, len(events), batch)]


def tag(thread: int, n: int) -> str:
    """The 10 ULID characters of request `n` of wrk thread `thread` (same as the Lua):
    "0" (a ULID starts with 0-7), 2 digits of thread, 7 of request (32**7 requests)."""
    digits = ""
    for k, width in ((n, 7), (thread, 2)):
        for _ in range(width):
            digits = _ALPHABET[k % 32] + digits
            k //= 32
    return "0" + digits


def sent_ids(bodies: list[list[bytes]], requests_per_thread: list[int]) -> set[str]:
    """Every event_id the run sent: request n of thread t used body n % len(bodies)."""
    suffixes = [[orjson.loads(e)["event_id"].split(TAG)[1] for e in b] for b in bodies]
    out: set[str] = set()
    for t, count in enumerate(requests_per_thread):
        for n in range(1, count + 1):
            head = _ID_PREFIX + tag(t, n)
            out.update(head + s for s in suffixes[n % len(bodies)])
    return out


def write_script(bodies: list[list[bytes]], out: Path, seconds: int, delay_ms: int = 0) -> Path:
    lua = ["bodies = {"]
    lua += ["[==[[" + b",".join(b).decode() + "]]==]," for b in bodies]
    lua += [
        "}",
        f'local A = "{_ALPHABET}"',
        "local threads = {}",
        "function setup(thread)",
        '  thread:set("tid", #threads)',
        "  table.insert(threads, thread)",
        "end",
        "function init(args)",
        "  ok, acked, bad = 0, 0, 0",
        "  -- wrk builds one request on thread 0 to check the script and never sends it",
        "  n = (tid == 0) and -1 or 0",
        f"  stop_at = os.time() + {seconds}",
        "end",
        "local function digits(k, width)",
        '  local s = ""',
        "  for i = 1, width do",
        "    local d = k % 32",
        "    s = A:sub(d + 1, d + 1) .. s",
        "    k = math.floor(k / 32)",
        "  end",
        "  return s",
        "end",
        "local function tag(t, k)",
        '  return "0" .. digits(t, 2) .. digits(k, 7)',
        "end",
        'local headers = {["Content-Type"] = "application/json"}',
        "function request()",
        "  n = n + 1",
        f'  local body = (bodies[(n % #bodies) + 1]:gsub("{TAG}", tag(tid, n)))',
        '  return wrk.format("POST", nil, headers, body)',
        "end",
        "function response(status, hdrs, body)",
        "  if status == 200 then",
        "    ok = ok + 1",
        "    acked = acked + tonumber(body:match('\"accepted\":(%d+)'))",
        "  else",
        "    bad = bad + 1",
        "  end",
        "  if os.time() >= stop_at then wrk.thread:stop() end",
        "end",
    ]
    if delay_ms:
        lua += ["function delay()", f"  return {delay_ms}", "end"]
    lua += [
        "function done(summary, latency, requests)",
        '  local per, ok, acked, bad = "", 0, 0, 0',
        "  for i, t in ipairs(threads) do",
        '    ok = ok + t:get("ok")',
        '    acked = acked + t:get("acked")',
        '    bad = bad + t:get("bad")',
        '    per = per .. (i > 1 and "," or "") .. t:get("n")',
        "  end",
        "  local e = summary.errors",
        '  io.write(string.format("WRKLOAD {\\"requests\\":%d,\\"duration_us\\":%d,\\"ok\\":%d,'
        '\\"acked\\":%d,\\"non2xx\\":%d,\\"socket_errors\\":%d,\\"timeouts\\":%d,'
        '\\"p50_us\\":%d,\\"p99_us\\":%d,\\"max_us\\":%d,\\"per_thread\\":[%s]}\\n",',
        "    summary.requests, summary.duration, ok, acked, bad,",
        "    e.connect + e.read + e.write, e.timeout,",
        "    latency:percentile(50), latency:percentile(99), latency.max, per))",
        "end",
    ]
    out.write_text("\n".join(lua) + "\n")
    return out


@dataclass(frozen=True)
class LoadResult:
    requests: int  # answered (wrk's count)
    seconds: float
    ok: int  # 200 responses
    acked: int  # events those responses acknowledged
    non2xx: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    per_thread: list[int]  # requests each thread sent

    @property
    def sent(self) -> int:
        return sum(self.per_thread)


_LINE = re.compile(r"^WRKLOAD (\{.*\})$", re.M)


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> LoadResult:
    """wrk with one connection per thread for `seconds` (+1 s for the threads to stop)."""
    res = subprocess.run(
        ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds + 1}s", "--timeout", "10s",
         "-s", str(script), url],
        capture_output=True, text=True, timeout=seconds + 60,
    )  # fmt: skip
    found = _LINE.search(res.stdout)
    if res.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({res.returncode}): {res.stdout}\n{res.stderr}")
    d = orjson.loads(found.group(1))
    return LoadResult(
        requests=d["requests"], seconds=d["duration_us"] / 1e6, ok=d["ok"], acked=d["acked"],
        non2xx=d["non2xx"], socket_errors=d["socket_errors"], timeouts=d["timeouts"],
        p50_ms=d["p50_us"] / 1000, p99_ms=d["p99_us"] / 1000, max_ms=d["max_us"] / 1000,
        per_thread=d["per_thread"],
    )  # fmt: skip
