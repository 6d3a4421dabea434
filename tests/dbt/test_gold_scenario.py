"""Gold from the hand-made scenario (tests/dbt/scenario.py): values checkable by hand."""

from __future__ import annotations

import re
from datetime import date

from lakehouse.config import Settings
from tests.dbt.conftest import Query, invoke


def test_every_silver_event_is_in_fact_events_once(gold: Query) -> None:
    assert gold("select count(*), count(distinct event_id) from fact_events") == [(31, 31)]


def test_identities_follow_id1_and_the_deny_list(gold: Query) -> None:
    ids: dict[str, str | None] = dict(gold("select event_id, identity_id from fact_events"))
    # two devices, one user: anonymous events of both anon ids belong to u_ann
    assert {ids["evt_01"], ids["evt_02"], ids["evt_08"], ids["evt_10"], ids["evt_11"]} == {"u_ann"}
    # a shared anon id follows its EARLIEST login (u_bob); a login as u_cid keeps u_cid
    assert (ids["evt_13"], ids["evt_14"], ids["evt_15"]) == ("u_bob", "u_cid", "u_bob")
    # 'guest' is deny-listed: u_dan's login does not pull the guest's other events in
    assert (ids["evt_18"], ids["evt_19"], ids["evt_20"]) == (None, "u_dan", None)
    assert ids["evt_21"] == "a_v"  # never logged in: the anon id itself


def test_dim_identity(gold: Query) -> None:
    rows = gold(
        "select identity_id, is_anonymous, n_linked_anon_ids, n_sessions from dim_identity "
        "order by identity_id"
    )
    assert rows == [
        ("a_v", True, 0, 4),
        ("s_seller", False, 0, 0),
        ("u_ann", False, 2, 3),
        ("u_bob", False, 1, 4),
        ("u_cid", False, 0, 1),
        ("u_dan", False, 0, 1),
    ]


def test_sessions(gold: Query) -> None:
    rows = gold(
        "select session_id, identity_id, n_events, channel, started_dt, duration_seconds "
        "from fact_sessions where identity_id in ('u_ann', 'a_v') order by session_id"
    )
    assert rows == [
        ("gs_01", "u_ann", 7, "direct", date(2026, 10, 1), 1800),
        ("gs_08", "u_ann", 2, "paid_search", date(2026, 10, 1), 600),
        ("gs_10", "u_ann", 2, "direct", date(2026, 10, 1), 1200),  # across midnight
        ("gs_21", "a_v", 2, "direct", date(2026, 10, 3), 1740),  # 29 minutes idle
        ("gs_23", "a_v", 1, "direct", date(2026, 10, 3), 0),  # after 31 minutes
        ("gs_24", "a_v", 2, "direct", date(2026, 10, 3), 60),
        ("gs_26", "a_v", 1, "growth_alerts", date(2026, 10, 3), 0),  # a new touch
    ]
    # server events (payout, refund, email.sent, …) belong to no session
    assert gold(
        "select count(*) from fact_events where event_source = 'server' and session_id is not null"
    ) == [(0,)]


def test_funnel_in_order(gold: Query) -> None:
    rows = gold(
        "select session_id, reached_search, reached_view, reached_message, "
        "reached_checkout_start, reached_checkout_complete from fact_sessions "
        "where session_id in ('gs_01', 'gs_10', 'gs_21', 'gs_23') order by 1"
    )
    assert rows == [
        ("gs_01", True, True, True, True, True),
        ("gs_10", True, True, False, False, False),
        ("gs_21", True, True, False, False, False),
        ("gs_23", False, False, False, False, False),  # views without a search first
    ]
    assert gold(
        "select sum(n_sessions), sum(n_reached_search), sum(n_reached_checkout_complete) "
        "from kpi_conversion_funnel"
    ) == [(13, 4, 1)]


def test_orders_and_their_aftermath(gold: Query) -> None:
    rows = gold(
        "select order_id, identity_id, city_id, amount_cents, currency, refunded_cents, "
        "is_fully_refunded, dispute_status, payout_cents from fact_orders order by 1"
    )
    assert rows == [
        ("ord_1", "u_ann", "ber", 9900, "EUR", 2000, False, "none", 8415),
        ("ord_2", "u_bob", "lon", 5000, "GBP", 0, False, "lost", 0),
    ]
    assert gold("select checkout_id, is_completed, order_id from fact_checkouts") == [
        ("chk_1", True, "ord_1")
    ]


def test_kpis(gold: Query) -> None:
    assert gold(
        "select order_dt, city_id, currency, n_orders, gmv_cents from kpi_gmv_daily order by 1"
    ) == [
        (date(2026, 10, 1), "ber", "EUR", 1, 9900),
        (date(2026, 10, 2), "lon", "GBP", 1, 5000),
    ]
    # take = GMV − payouts: 9900 − 8415 = 1485, a 15 % take (Berlin's seed rate)
    assert gold(
        "select take_cents, settled_take_cents, take_rate from kpi_take_rate where city_id = 'ber'"
    ) == [(1485, 1485, 0.15)]
    assert gold(
        "select n_refunded_orders, refunded_cents, refund_rate from kpi_refunds where city_id = 'ber'"
    ) == [(1, 2000, 1.0)]
    assert gold(
        "select n_disputes_lost, chargeback_win_rate from kpi_disputes where city_id = 'lon'"
    ) == [(1, 0.0)]
    assert gold("select n_impressions, n_clicks, ctr from kpi_promo_ctr") == [(1, 1, 1.0)]


def test_referral_qualified_and_clawed_back(gold: Query) -> None:
    assert gold(
        "select referred_identity_id, referrer_user_id, is_qualified, qualifying_order_id, is_clawed_back "
        "from fact_referrals"
    ) == [("u_bob", "u_ann", True, "ord_2", True)]


def test_event_family_facts(gold: Query) -> None:
    assert gold(
        "select count(*), sum(case when is_result_click then 1 else 0 end) from fact_search"
    ) == [(5, 0)]
    assert gold("select profile_id, count(*) from fact_views group by 1 order by 1") == [
        ("pro_ber_0001", 2),
        ("pro_lon_0001", 2),
    ]
    assert gold(
        "select mail_surface, mail_action, campaign_id from fact_growth_mail order by 1"
    ) == [
        ("alert", "click", "cmp_alert_daily"),
        ("email", "sent", "cmp_mail_winback"),
    ]


def test_rebuild_without_changes_keeps_gold(scenario_lake: Settings, gold: Query) -> None:
    before = gold("select count(*), max(gold_built_at) from fact_events")
    res = invoke(scenario_lake.home, "build", "--select", "fact_events")
    assert res.exit_code == 0, res.output
    assert "Gold built in" in res.stdout  # the summary
    assert re.search(r"ok +model +fact_events +\d+\.\d\ds", res.stderr)  # a line per model
    assert "read Silver snapshot" in res.stderr
    # nothing new in Silver: the incremental run rewrites the lookback days only
    assert gold("select count(*) from fact_events") == [before[0][:1]]


def test_query_formats(scenario_lake: Settings) -> None:
    sql = "select order_id, amount_cents, order_dt from fact_orders order by 1"
    csv_out = invoke(scenario_lake.home, "query", sql, "--format", "csv")
    assert (
        csv_out.stdout
        == "order_id,amount_cents,order_dt\nord_1,9900,2026-10-01\nord_2,5000,2026-10-02\n"
    )
    json_out = invoke(scenario_lake.home, "query", sql, "--format", "json")
    assert json_out.stdout.strip() == (
        '[{"order_id":"ord_1","amount_cents":9900,"order_dt":"2026-10-01"},'
        '{"order_id":"ord_2","amount_cents":5000,"order_dt":"2026-10-02"}]'
    )
    table = invoke(scenario_lake.home, "query", sql)
    assert "ord_1" in table.stdout and "9900" in table.stdout


def test_query_is_read_only(scenario_lake: Settings) -> None:
    res = invoke(scenario_lake.home, "query", "drop table fact_orders")
    assert res.exit_code == 1
    assert "read-only" in res.output
    res = invoke(scenario_lake.home, "query", "copy (select 1) to 'leak.csv'")
    assert res.exit_code == 1
    assert "disabled" in res.output


def test_a_pre_login_touch_belongs_to_the_stitched_user(gold: Query) -> None:
    """evt_08 was clicked on the laptop before its login: attribution sees it as u_ann's,
    with click proof and its campaign's channel; ord_1 (09:30) predates it, so both orders
    stay direct."""
    assert gold(
        "select identity_id, has_click_proof, channel, is_valid "
        "from main_intermediate.int_attribution_touches where event_id = 'evt_08'"
    ) == [("u_ann", True, "paid_search", True)]
    assert gold(
        "select order_id, channel, source, touch_event_id from fact_attribution_checkout "
        "order by order_id"
    ) == [("ord_1", "direct", "direct", None), ("ord_2", "direct", "direct", None)]
