"""A small hand-made Silver: every identity, session and order case a reader can check by hand.

Times are UTC on 2026-10-01..03. `gs_<n>` is the Gold session whose first event is `evt_<n>`.
"""

from __future__ import annotations

from typing import Any

from tests.dbt.silver_fixture import silver_row

ANN_PHONE = {"anon_id": "a_ph", "device_id": "d_ph", "source": "app"}
ANN_LAPTOP = {"anon_id": "a_lt", "device_id": "d_lt"}
SHARED = {"anon_id": "a_sh", "device_id": "d_sh"}
VISITOR = {"anon_id": "a_v", "device_id": "d_v", "country": "GB", "city": "London"}
SERVER = {"source": "server"}
ORDER_1 = {"order_id": "ord_1", "checkout_id": "chk_1", "profile_id": "pro_ber_0001"}


def scenario_rows() -> list[dict[str, Any]]:
    r = silver_row
    return [
        # u_ann on her phone: anonymous search, login, then the whole funnel (gs_01)
        r("evt_00", "email.sent", "2026-10-01T08:00:00", user_id="u_ann", **SERVER,
          payload={"campaign_id": "cmp_mail_winback"}),
        r("evt_01", "app.start", "2026-10-01T09:00:00", **ANN_PHONE,
          payload={"platform": "ios", "app_version": "5.1.0"}),
        r("evt_02", "search.query", "2026-10-01T09:05:00", **ANN_PHONE,
          payload={"query_id": "q_1", "query": "wedding", "results_count": 12, "city": "Berlin"}),
        r("evt_03", "user.login", "2026-10-01T09:10:00", user_id="u_ann", **ANN_PHONE,
          payload={"method": "google"}),
        r("evt_04", "profile.view", "2026-10-01T09:15:00", user_id="u_ann", **ANN_PHONE,
          payload={"profile_id": "pro_ber_0001"}),
        r("evt_05", "message.sent", "2026-10-01T09:20:00", user_id="u_ann", **ANN_PHONE,
          payload={"thread_id": "thr_1", "to_profile_id": "pro_ber_0001"}),
        r("evt_06", "checkout.start", "2026-10-01T09:25:00", user_id="u_ann", **ANN_PHONE,
          payload={"checkout_id": "chk_1", "profile_id": "pro_ber_0001", "amount_cents": 9900,
                   "currency": "EUR"}),
        r("evt_07", "checkout.complete", "2026-10-01T09:30:00", user_id="u_ann", **ANN_PHONE,
          payload={**ORDER_1, "amount_cents": 9900, "currency": "EUR"}),
        # u_ann on her laptop: a paid click (gs_08), later a session across midnight (gs_10)
        r("evt_08", "landing.view", "2026-10-01T21:00:00", **ANN_LAPTOP, utm_source="google",
          utm_medium="cpc", utm_campaign="brand", click_token="ct_1", payload={"landing_id": "lp_1"}),
        r("evt_09", "user.login", "2026-10-01T21:10:00", user_id="u_ann", **ANN_LAPTOP,
          payload={"method": "password"}),
        r("evt_10", "search.query", "2026-10-01T23:50:00", **ANN_LAPTOP,
          payload={"query_id": "q_2", "query": "studio", "results_count": 3, "city": "Berlin"}),
        r("evt_11", "profile.view", "2026-10-02T00:10:00", **ANN_LAPTOP,
          payload={"profile_id": "pro_ber_0001"}),
        # one anon id, two users: its anonymous events follow the earliest login (u_bob)
        r("evt_12", "user.login", "2026-10-02T08:00:00", user_id="u_bob", **SHARED,
          payload={"method": "apple"}),
        r("evt_13", "referral.signup", "2026-10-02T09:00:00", **SHARED,
          payload={"referrer_user_id": "u_ann", "referral_code": "ANN2026"}),
        r("evt_14", "user.login", "2026-10-02T12:00:00", user_id="u_cid", **SHARED,
          payload={"method": "google"}),
        r("evt_15", "search.query", "2026-10-02T12:05:00", **SHARED,
          payload={"query_id": "q_3", "query": "portrait", "results_count": 0, "city": "London"}),
        r("evt_16", "checkout.complete", "2026-10-02T15:00:00", user_id="u_bob", **SHARED,
          payload={"order_id": "ord_2", "checkout_id": "chk_2", "profile_id": "pro_lon_0001",
                   "amount_cents": 5000, "currency": "GBP"}),
        r("evt_17", "referral.qualified", "2026-10-02T15:05:00", user_id="u_bob", **SERVER,
          payload={"referrer_user_id": "u_ann", "order_id": "ord_2"}),
        # deny-listed anon ids never link: the guest's events belong to nobody
        r("evt_18", "app.start", "2026-10-02T13:00:00", anon_id="guest",
          payload={"platform": "web", "app_version": "web"}),
        r("evt_19", "user.login", "2026-10-02T13:01:00", anon_id="GUEST", user_id="u_dan",
          payload={"method": "password"}),
        r("evt_20", "search.query", "2026-10-02T13:02:00", anon_id="guest",
          payload={"query_id": "q_4", "query": "x", "results_count": 1, "city": "Paris"}),
        # an anonymous visitor: 29 minutes idle continue (gs_21), 31 minutes start gs_23
        r("evt_21", "search.query", "2026-10-03T10:00:00", **VISITOR,
          payload={"query_id": "q_5", "query": "family", "results_count": 7, "city": "London"}),
        r("evt_22", "profile.view", "2026-10-03T10:29:00", **VISITOR,
          payload={"profile_id": "pro_lon_0001"}),
        r("evt_23", "profile.view", "2026-10-03T11:00:00", **VISITOR,
          payload={"profile_id": "pro_lon_0001"}),
        r("evt_24", "promo.impression", "2026-10-03T12:00:00", **VISITOR,
          payload={"promo_id": "cmp_promo_top", "slot": 1, "is_sponsored": True}),
        r("evt_25", "promo.click", "2026-10-03T12:01:00", **VISITOR,
          payload={"promo_id": "cmp_promo_top", "slot": 1, "is_sponsored": True}),
        r("evt_26", "growth.alert.click", "2026-10-03T12:02:00", **VISITOR, utm_source="alerts",
          utm_medium="growth", utm_campaign="saved_search_daily", click_token="ct_9",
          payload={"campaign_id": "cmp_alert_daily"}),
        # server-side aftermath of the two orders
        r("evt_27", "payout.paid", "2026-10-02T10:00:00", user_id="s_seller", **SERVER,
          payload={"payout_id": "po_1", "order_id": "ord_1", "amount_cents": 8415}),
        r("evt_28", "order.refunded", "2026-10-03T09:00:00", user_id="u_ann", **SERVER,
          payload={"order_id": "ord_1", "amount_cents": 2000}),
        r("evt_29", "dispute.opened", "2026-10-03T08:00:00", user_id="u_bob", **SERVER,
          payload={"order_id": "ord_2"}),
        r("evt_30", "dispute.closed", "2026-10-03T09:30:00", user_id="u_bob", **SERVER,
          payload={"order_id": "ord_2", "outcome": "lost"}),
    ]  # fmt: skip
