"""Pages keep rendering while Gold is rebuilt: `lakehouse build` and `lakehouse analyze`
swap new Gold files in while every page is loaded again and again, no page run fails, and
the next runs show the new Gold (here: analyze rewrites the experiment list to one)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from lakehouse.config import EXPERIMENTS_DIR, Settings, load_settings
from lakehouse.experiments.pipeline import analyze
from lakehouse.transform.runner import build
from tests.app.conftest import PAGES, SKIP_TESTS

pytestmark = pytest.mark.e2e
NAMES = ("kpis", "funnel", "attribution", "experiments")


class PageLoader(threading.Thread):
    """Loads every page in turn until stopped; records when each run started and failed."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.runs: list[tuple[float, str]] = []
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            for name in NAMES:
                started = time.perf_counter()
                try:
                    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=120)
                    at.run()
                    if at.exception:
                        self.failures.append(f"{name}: {at.exception[0].message}")
                except Exception as exc:  # a failed load is the finding, not a crash
                    self.failures.append(f"{name}: {exc!r}")
                self.runs.append((started, name))


@pytest.fixture
def lake(generated_lake: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A copy of the generated lake (its catalog still points at the original Silver files,
    which the build only reads), so the shared fixture is not rebuilt under other tests."""
    shutil.copytree(generated_lake.home, tmp_path / "lake")
    settings = load_settings(tmp_path / "lake").ensure()
    monkeypatch.setenv("LAKEHOUSE_HOME", str(settings.home))
    return settings


def _one_experiment(tmp_path: Path) -> Path:
    folder = tmp_path / "one-experiment"
    folder.mkdir()
    shutil.copy(EXPERIMENTS_DIR / "checkout_cta_copy.yaml", folder)
    assert yaml.safe_load((folder / "checkout_cta_copy.yaml").read_text())["exp_id"]
    return folder


def test_pages_render_through_a_rebuild_and_then_show_the_new_gold(
    lake: Settings, tmp_path: Path
) -> None:
    before = lake.gold_path.stat().st_ino
    loader = PageLoader()
    loader.start()
    try:
        while len(loader.runs) < len(NAMES):  # every page has a connection open on Gold
            time.sleep(0.2)
        swap_started = time.perf_counter()
        build(lake, exclude=SKIP_TESTS)  # the swap proceeds with readers attached
        analyze(lake, config_dir=_one_experiment(tmp_path))
        swap_ended = time.perf_counter()
        time.sleep(2)
    finally:
        loader.stop.set()
        loader.join(300)
    assert not loader.failures, loader.failures
    during = [name for started, name in loader.runs if swap_started <= started <= swap_ended]
    assert set(during) == set(NAMES), f"every page loaded during the rebuild: {during}"
    assert lake.gold_path.stat().st_ino != before, "Gold was replaced, not written in place"

    at = AppTest.from_file(str(PAGES / "experiments.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["experiment"]) == ["checkout_cta_copy"]
