"""Open alarms (OBS-5) read from Gold's `ops_alerts`, and the webhook that hears each once.

An alert is open while the last build's `ops_alerts` has it. The notifier POSTs one
JSON object per alert_id to the configured URL and remembers what it delivered in
`<home>/ops/alerts_sent.json`, so a later `health` or `build` never posts it again; an
alert whose POST failed stays unsent and is retried next time.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from lakehouse.clock import utcnow
from lakehouse.config import Settings
from lakehouse.errors import AlertDeliveryError
from lakehouse.observability.runlog import ops_dir
from lakehouse.transform.query import gold_database_path, run_query

WEBHOOK_ENV = "LAKEHOUSE_ALERT_WEBHOOK"
SENT_FILE = "alerts_sent.json"
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Alert:
    """One row of ops_alerts."""

    alert_id: str
    alert_kind: str
    subject: str
    window_start_at: datetime
    window_end_at: datetime
    observed_value: float | None
    threshold_value: float | None
    message: str
    detected_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "alert_kind": self.alert_kind,
            "subject": self.subject,
            "window_start_at": self.window_start_at.isoformat() + "Z",
            "window_end_at": self.window_end_at.isoformat() + "Z",
            "observed_value": None if self.observed_value is None else float(self.observed_value),
            "threshold_value": None
            if self.threshold_value is None
            else float(self.threshold_value),
            "message": self.message,
            "detected_at": self.detected_at.isoformat() + "Z",
        }


@dataclass
class Delivery:
    """What one notify call did."""

    sent: list[str] = field(default_factory=list)
    already_sent: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # alert_id → why


def gold_has_alerts_table(settings: Settings) -> bool:
    if not gold_database_path(settings).is_file():
        return False
    found = run_query(
        settings, "select count(*) from information_schema.tables where table_name = 'ops_alerts'"
    ).rows
    return bool(found and found[0][0])


def open_alerts(settings: Settings) -> list[Alert]:
    """The alarms the last build found, oldest window first (raises LakeEmptyError without Gold)."""
    result = run_query(
        settings,
        """select alert_id, alert_kind, subject, window_start_at, window_end_at,
                  observed_value, threshold_value, message, detected_at
           from ops_alerts order by window_start_at, alert_kind, subject""",
    )
    return [Alert(*row) for row in result.rows]


def _sent_path(settings: Settings) -> Path:
    return ops_dir(settings) / SENT_FILE


def sent_ids(settings: Settings) -> dict[str, str]:
    path = _sent_path(settings)
    if not path.exists():
        return {}
    data: dict[str, str] = orjson.loads(path.read_bytes())
    return data


def _save_sent(settings: Settings, sent: dict[str, str]) -> None:
    path = _sent_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(orjson.dumps(sent, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))
    tmp.replace(path)


def _post(url: str, body: bytes) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(url, response.status, "not 2xx", response.headers, None)


def notify(settings: Settings, alerts: list[Alert], url: str) -> Delivery:
    """POST each alert not delivered before to `url` (one JSON object per request)."""
    if not url.startswith(("http://", "https://")):
        raise AlertDeliveryError(
            f"alert webhook {url!r} is not an http(s) URL; set --webhook / {WEBHOOK_ENV} "
            "to e.g. https://hooks.example.com/lakehouse or leave it unset."
        )
    sent = sent_ids(settings)
    out = Delivery()
    for alert in alerts:
        if alert.alert_id in sent:
            out.already_sent += 1
            continue
        try:
            _post(url, orjson.dumps(alert.to_json()))
        except (OSError, urllib.error.URLError) as exc:
            out.failed[alert.alert_id] = str(exc)
            continue
        sent[alert.alert_id] = utcnow().isoformat()
        out.sent.append(alert.alert_id)
        _save_sent(settings, sent)  # after each POST: a crash never re-sends a delivered one
    return out
