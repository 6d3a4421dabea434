"""Each page in a real browser (Debian chromium driven by playwright, no browser download)
against `streamlit run` on the generated Gold: the numbers independent SQL gives appear,
no exception box is shown, and a screenshot is saved in the test's tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from lakehouse.config import Settings
from tests.app.streamlit_server import StreamlitServer
from tests.dbt.conftest import Query

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def app(generated_lake: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = StreamlitServer(generated_lake.home, tmp_path_factory.mktemp("streamlit") / "log")
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def _open(page: Page, url: str, title: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def _settled(page: Page, shot: Path) -> None:
    """Wait for the script run to finish and charts to draw, check for errors, screenshot."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)  # "Running…" indicator
    page.wait_for_timeout(1500)  # vega-lite charts draw after the run finishes
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def _metric(page: Page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text()


def test_kpis_in_browser(app: str, page: Page, generated_gold: Query, tmp_path: Path) -> None:
    ((orders,),) = generated_gold(
        """
        with c as (select currency from fact_orders group by 1 order by count(*) desc, 1 limit 1)
        select count(*) from fact_orders
        where order_dt > (select max(order_dt) - 7 from fact_orders)
          and currency = (select currency from c)
        """
    )
    _open(page, app, "Marketplace KPIs")
    expect(page.get_by_test_id("stMetric").filter(has_text="Orders").first).to_contain_text(
        f"{orders:,}"
    )
    _settled(page, tmp_path / "kpis.png")
    assert _metric(page, "Orders") == f"{orders:,}"


def test_funnel_in_browser(app: str, page: Page, generated_gold: Query, tmp_path: Path) -> None:
    ((sessions, completed),) = generated_gold(
        "select count(*), count(*) filter (where reached_checkout_complete) from fact_sessions"
    )
    _open(page, f"{app}/funnel", "Conversion funnel")
    expect(page.get_by_test_id("stMetric").first).to_contain_text(f"{sessions:,}")
    _settled(page, tmp_path / "funnel.png")
    assert _metric(page, "Checkout complete") == f"{completed:,}"


def test_attribution_in_browser(
    app: str, page: Page, generated_gold: Query, tmp_path: Path
) -> None:
    ((orders, attributed),) = generated_gold(
        "select count(*), count(*) filter (where channel <> 'direct') from fact_attribution_checkout"
    )
    _open(page, f"{app}/attribution", "Attribution")
    expect(page.get_by_test_id("stMetric").first).to_contain_text(f"{orders:,}")
    _settled(page, tmp_path / "attribution.png")
    assert _metric(page, "Attributed to a channel") == f"{attributed / orders:.1%}"


def test_experiments_in_browser(
    app: str, page: Page, generated_gold: Query, tmp_path: Path
) -> None:
    ((first, n),) = generated_gold(
        """
        select exp_id, sum(n) from fact_experiment_result where metric_role = 'primary'
        group by 1 order by bool_or(srm_alert_chisq) desc, 1 limit 1
        """
    )
    _open(page, f"{app}/experiments", "Experiments")
    expect(page.get_by_role("heading", name=first)).to_be_visible()
    _settled(page, tmp_path / "experiments.png")
    assert _metric(page, "Exposed identities") == f"{n:,}"
