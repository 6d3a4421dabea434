"""OBS-5: `lakehouse health` exits 1 while alarms are open and posts each alert once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from lakehouse.cli import main
from lakehouse.config import Settings
from lakehouse.errors import AlertDeliveryError
from lakehouse.observability.alerts import SENT_FILE, notify, open_alerts
from lakehouse.observability.runlog import ops_dir

Lake = tuple[Settings, dict[str, Any]]


class Receiver:
    """A webhook on 127.0.0.1 that records every POSTed JSON body (or answers `status`)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.status == 200:
                    receiver.bodies.append(orjson.loads(body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def faulted(faulted_lake: Lake) -> Settings:
    """The faulted lake with no alert delivered yet."""
    (ops_dir(faulted_lake[0]) / SENT_FILE).unlink(missing_ok=True)
    return faulted_lake[0]


def health(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(settings.home), "health", *args])


def test_clean_lake_is_healthy(clean_lake: Lake) -> None:
    res = health(clean_lake[0])
    assert res.exit_code == 0, res.output
    assert "healthy: 0 open alert(s), failed stages: none" in res.output
    assert "no open alerts" in res.output


def test_open_alarms_fail_the_command_and_are_listed(faulted: Settings) -> None:
    res = health(faulted)
    assert res.exit_code == 1
    assert "UNHEALTHY: 5 open alert(s)" in res.output
    for kind in ("loss", "lag_silver", "dlq_burst", "schema_drift", "gmv_eur_move"):
        assert kind in res.output


def test_each_alert_is_posted_once(faulted: Settings, receiver: Receiver) -> None:
    first = health(faulted, "--webhook", receiver.url)
    assert "webhook: 5 sent, 0 already sent" in first.output
    second = health(faulted, "--webhook", receiver.url)
    assert "webhook: 0 sent, 5 already sent" in second.output
    ids = sorted(a.alert_id for a in open_alerts(faulted))
    assert sorted(b["alert_id"] for b in receiver.bodies) == ids
    loss = next(b for b in receiver.bodies if b["alert_kind"] == "loss")
    assert loss["observed_value"] < loss["threshold_value"] == 0.95


def test_a_failed_post_is_retried_next_time(faulted: Settings, receiver: Receiver) -> None:
    receiver.status = 500
    failed = notify(faulted, open_alerts(faulted), receiver.url)
    assert (failed.sent, len(failed.failed)) == ([], 5)
    receiver.status = 200
    retried = notify(faulted, open_alerts(faulted), receiver.url)
    assert (len(retried.sent), retried.already_sent) == (5, 0)
    assert len(receiver.bodies) == 5


def test_webhook_must_be_http(faulted: Settings) -> None:
    with pytest.raises(AlertDeliveryError, match="'ftp://x' is not an http"):
        notify(faulted, open_alerts(faulted), "ftp://x")


def test_no_gold_yet_is_unhealthy(settings: Settings) -> None:
    res = health(settings)
    assert res.exit_code == 1
    assert "Gold has no ops_alerts yet: run `lakehouse build`" in res.output
