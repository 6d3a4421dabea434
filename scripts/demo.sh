#!/usr/bin/env bash
# `make demo`: generate a marketplace → serve → send over HTTP → Bronze → Silver → Gold
# → dashboard. Every step is a public `lakehouse` command, so each can be rerun alone.
set -euo pipefail
BIN=.venv/bin
LH="$BIN/lakehouse"
: "${LAKEHOUSE_HOME:=$PWD/.lakehouse}"
: "${DEMO_EVENTS:=200000}" "${DEMO_SEED:=42}" "${PORT:=8000}" "${DASH_PORT:=8501}"
export LAKEHOUSE_HOME
DATA="$LAKEHOUSE_HOME/demo/events-$DEMO_EVENTS-$DEMO_SEED.ndjson"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ -d "$LAKEHOUSE_HOME/bronze" ] && [ -z "${DEMO_KEEP:-}" ]; then
  step "fresh lake at $LAKEHOUSE_HOME (set DEMO_KEEP=1 to add to the existing one)"
  rm -rf "$LAKEHOUSE_HOME"
fi
mkdir -p "$LAKEHOUSE_HOME/demo"

step "generate $DEMO_EVENTS events (seed $DEMO_SEED)"
[ -f "$DATA" ] || $LH generate --events "$DEMO_EVENTS" --seed "$DEMO_SEED" --out "$DATA"

step "serve ingest on 127.0.0.1:$PORT (2 workers) and send the file over HTTP"
$LH serve --port "$PORT" --workers 2 >"$LAKEHOUSE_HOME/demo/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
$LH send "$DATA" --url "http://127.0.0.1:$PORT" --batch 500
kill -TERM $SERVER && wait $SERVER || true   # graceful stop seals the open Bronze files
trap - EXIT

step "Bronze and dead letters"
echo "Bronze files: $(find "$LAKEHOUSE_HOME/bronze" -name 'evt-*.ndjson' | wc -l) under $LAKEHOUSE_HOME/bronze"
$LH dlq stats

step "refine Bronze → Silver (Iceberg lake.events)"
$LH refine

step "build Gold with dbt (DuckDB at $LAKEHOUSE_HOME/gold.duckdb)"
$LH build

step "analyze experiments → fact_experiment_result"
$LH analyze

step "Gold at a glance"
$LH query "select count(*) as orders, sum(amount_cents) / 100 as gmv from fact_orders"
$LH query "select * from kpi_gmv_daily order by order_dt desc, gmv_cents desc limit 5"
$LH query "select exp_id, metric, variant, n, rel_lift, p_value, srm_p_value, decision from fact_experiment_result where not is_control"

if [ -n "${DEMO_NO_DASHBOARD:-}" ]; then exit 0; fi
step "dashboard: http://127.0.0.1:$DASH_PORT  (Ctrl-C to stop)"
exec "$BIN/streamlit" run app_streamlit.py --server.address 127.0.0.1 --server.port "$DASH_PORT" \
  --server.headless true --browser.gatherUsageStats false
