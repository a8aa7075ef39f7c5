#!/usr/bin/env bash
# Reports benchmark (issue 27): 100,000 products and 200,000 orders over 90 days (a few hundred
# placed through the services by `merx seed-demo --orders`, then copied in SQL at other moments
# with their refunds), 300,000 cart milestones and 200,000 checkout sessions for the funnel.
# Each report over 90 days at 10 connections (wrk), and the product read by slug, uncached,
# with no review beside one with 1,000 reviews. pgbench select-only in the same run is the
# reference. Usage: scripts/bench-reports.sh [products] [orders] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS="${1:-100000}"
ORDERS="${2:-200000}"
SECONDS_PER_RUN="${3:-15}"
PG="postgres://postgres@127.0.0.1:5432"
DB=merx_bench_reports
PORT=18093
OUT=bench-results
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is missing (postgresql-contrib)"; exit 1; }

cargo build --release -p merx
BIN="${CARGO_TARGET_DIR:-target}/release/merx"
export JWT_SECRET="bench-secret-that-is-at-least-32-bytes-long" BCRYPT_COST=4 LOG_FORMAT=json RUST_LOG=warn
export MERX_RATE_LIMITS=off MERX_SWEEP_INTERVAL_SECS=0 MERX_OUTBOX_INTERVAL_MS=0
export DATABASE_URL="$PG/$DB"
ADMIN=bench@merx.test
PASSWORD=bench-password-1

if [ "${REUSE_DB:-0}" != "1" ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    echo "== seeding $PRODUCTS products and 300 orders through the services"
    time "$BIN" seed-demo --products "$PRODUCTS" --orders 300
    echo "== copying orders to $ORDERS, with refunds, milestones, sessions and reviews"
    time psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q <<SQL
WITH src AS (SELECT o.*, row_number() OVER (ORDER BY created_at) - 1 AS n FROM orders o),
copies AS (
    SELECT g, s.*, (now() - random() * interval '90 days') - s.created_at AS shift
    FROM generate_series(1, $ORDERS - (SELECT count(*) FROM orders)) g
    JOIN src s ON s.n = g % (SELECT count(*) FROM src)),
made AS (
    INSERT INTO orders (id, order_number, user_id, email, status, payment_status, currency, items,
        totals, discount_code, shipping_address, billing_address, shipping_method, payment_method,
        payment_provider_ref, tracking_number, notes, admin_note, cancel_reason, checkout_id,
        token_hash, stock_taken, payment_due_at, confirmed_at, shipped_at, delivered_at,
        cancelled_at, paid_at, created_at, updated_at, flags, ledger)
    SELECT gen_random_uuid(), 'MRX-BENCH-' || lpad(g::text, 7, '0'), user_id, email, status,
        payment_status, currency, items, totals, discount_code, shipping_address, billing_address,
        shipping_method, payment_method, NULL, tracking_number, notes, admin_note, cancel_reason,
        NULL, NULL, stock_taken, payment_due_at + shift, confirmed_at + shift, shipped_at + shift,
        delivered_at + shift, cancelled_at + shift, paid_at + shift, created_at + shift,
        updated_at + shift, flags, ledger
    FROM copies
    RETURNING id, payment_status, totals, currency, paid_at)
INSERT INTO refunds (id, order_id, amount, currency, status, provider_ref, reason, restocked, created_at)
SELECT gen_random_uuid(), id,
    CASE WHEN payment_status = 'refunded' THEN (totals ->> 'total')::bigint
         ELSE (totals ->> 'total')::bigint / 2 END,
    currency, 'succeeded', NULL, 'bench', false, paid_at + interval '1 day'
FROM made WHERE payment_status IN ('refunded', 'partially_refunded');

INSERT INTO cart_milestones (cart_id, created_at, first_item_at, ordered_at)
SELECT gen_random_uuid(), t, CASE WHEN r < 0.6 THEN t + interval '2 minutes' END,
       CASE WHEN r < 0.2 THEN t + interval '9 minutes' END
FROM (SELECT now() - random() * interval '90 days' AS t, random() AS r
      FROM generate_series(1, 300000)) c;

INSERT INTO checkout_sessions (id, cart_id, status, expires_at, order_id, updated_at, body, created_at)
SELECT gen_random_uuid(), gen_random_uuid(), CASE WHEN r < 0.6 THEN 'complete' ELSE 'expired' END,
       t + interval '15 minutes', CASE WHEN r < 0.6 THEN gen_random_uuid() END, t, '{}', t
FROM (SELECT now() - random() * interval '90 days' AS t, random() AS r
      FROM generate_series(1, 200000)) s;

-- 1,000 customers review one product; its counts are what the writes would have added.
INSERT INTO users (id, email, password_hash, full_name, role, is_active, is_verified, attributes, created_at, updated_at)
SELECT gen_random_uuid(), 'reviewer' || g || '@bench.test', 'x', 'Bench Reviewer', 'customer', true, true, '{}', now(), now()
FROM generate_series(1, 1000) g;
INSERT INTO reviews (id, product_id, user_id, author_name, rating, title, body, verified_purchase, status, version, created_at, updated_at)
SELECT gen_random_uuid(), (SELECT id FROM products ORDER BY slug LIMIT 1), u.id, 'Bench R.',
       1 + (row_number() OVER ()) % 5, 'Fine', 'A review body of some length.', false, 'published', 1, now(), now()
FROM users u WHERE u.email LIKE 'reviewer%@bench.test';
UPDATE products p SET rating_counts = ARRAY(
    SELECT count(r.id)::int FROM generate_series(1, 5) s
    LEFT JOIN reviews r ON r.product_id = p.id AND r.rating = s AND r.status = 'published'
    GROUP BY s ORDER BY s)
WHERE p.id = (SELECT id FROM products ORDER BY slug LIMIT 1);
SQL
    "$BIN" create-admin --email "$ADMIN" --password "$PASSWORD" >/dev/null
fi
psql "$DATABASE_URL" -qc "VACUUM ANALYZE"
psql "$DATABASE_URL" -Atc "SELECT 'orders=' || count(*) FROM orders"

SERVER=
trap 'kill $SERVER 2>/dev/null || true' EXIT
MERX_CATALOG_CACHE_MS=0 PORT=$PORT "$BIN" serve 2> "$OUT/server.log" &
SERVER=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$ADMIN\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
slug_at() {
    psql "$DATABASE_URL" -Atc "SELECT slug FROM products ORDER BY slug LIMIT 1 OFFSET $1" \
        | python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.stdin.read().strip()))'
}
REVIEWED=$(slug_at 0)
PLAIN=$(slug_at 1)
FROM=$(date -u -d '-90 days' +%Y-%m-%dT%H:%M:%SZ)
NAMES=(sales_by_day sales_by_month funnel top_products top_products_revenue low_stock)
declare -A URLS=(
    [sales_by_day]="/api/v1/admin/reports/sales?from=$FROM&interval=day"
    [sales_by_month]="/api/v1/admin/reports/sales?from=$FROM&interval=month&tz=Asia/Seoul"
    [funnel]="/api/v1/admin/reports/funnel?from=$FROM"
    [top_products]="/api/v1/admin/reports/top-products?from=$FROM&limit=20"
    [top_products_revenue]="/api/v1/admin/reports/top-products?from=$FROM&by=revenue&currency=KRW"
    [low_stock]="/api/v1/admin/reports/low-stock"
)

echo "== pgbench select-only, prepared (reference)"
source scripts/pgbench-reference.sh
PGBENCH_TPS=$(pgbench_select_only "$SECONDS_PER_RUN")
echo "pgbench: $PGBENCH_TPS tps"

run() { # name connections url [header]
    local result rps p50 p99 non2xx
    if [ -n "${4:-}" ]; then
        result=$(wrk -t2 -c"$2" -d"${SECONDS_PER_RUN}s" --latency -H "$4" "http://127.0.0.1:$PORT$3")
    else
        result=$(wrk -t2 -c"$2" -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$PORT$3")
    fi
    rps=$(echo "$result" | awk '/Requests\/sec/ {print int($2)}')
    p50=$(echo "$result" | awk '$1=="50%" {print $2}')
    p99=$(echo "$result" | awk '$1=="99%" {print $2}')
    non2xx=$(echo "$result" | awk '/Non-2xx/ {print $5}')
    printf '%-22s c=%-3s %8s req/s  p50 %-8s p99 %-8s %sx pgbench  non-2xx: %s\n' "$1" "$2" "$rps" "$p50" "$p99" \
        "$(python3 -c "print(f'{$rps/$PGBENCH_TPS:.3f}')")" "${non2xx:-0}"
}

REPORT="$OUT/reports-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
    echo "products=$PRODUCTS orders=$ORDERS seconds=$SECONDS_PER_RUN pgbench_select_only_prepared_tps=$PGBENCH_TPS"
    for name in "${NAMES[@]}"; do
        run "$name" 10 "${URLS[$name]}" "Authorization: Bearer $TOKEN"
    done
    run by_slug_no_reviews 50 "/api/v1/products/slug/$PLAIN"
    run by_slug_1000_reviews 50 "/api/v1/products/slug/$REVIEWED"
    echo "peak resident memory: $(awk '/VmHWM/ {printf "%d MB", $2 / 1024}' "/proc/$SERVER/status")"
} | tee "$REPORT"
echo "report: $REPORT"
