#!/usr/bin/env bash
# Catalog benchmark: seeds 100,000 products into a fresh database, serves them from a release
# build, and measures get-by-slug, filtered list and search over HTTP with wrk (50
# connections). In the same run pgbench (select-only, prepared) measures the database alone,
# and each HTTP figure is printed as a ratio of it: machines of this kind differ 2-3x.
# Usage: scripts/bench-catalog.sh [products] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS="${1:-100000}"
SECONDS_PER_RUN="${2:-15}"
PG="postgres://postgres@127.0.0.1:5432"
DB=merx_bench_catalog
PORT=18091
OUT=bench-results
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is missing (postgresql-contrib)"; exit 1; }

cargo build --release -p merx
BIN="${CARGO_TARGET_DIR:-target}/release/merx"
export JWT_SECRET="bench-secret-that-is-at-least-32-bytes-long" BCRYPT_COST=4 LOG_FORMAT=json RUST_LOG=warn
# One client address sends everything here: rate limits would measure themselves.
export MERX_RATE_LIMITS=off
echo "rate limits: off (MERX_RATE_LIMITS=off)"
export DATABASE_URL="$PG/$DB"

# REUSE_DB=1 keeps the database of an earlier run (seeding 100,000 takes a minute or two).
if [ "${REUSE_DB:-0}" != "1" ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    echo "== seeding $PRODUCTS products"
    time "$BIN" seed-demo --products "$PRODUCTS"
fi
psql "$DATABASE_URL" -qc "VACUUM ANALYZE"

SERVER=
trap 'kill $SERVER 2>/dev/null || true' EXIT
serve() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
    MERX_CATALOG_CACHE_MS="$1" PORT=$PORT "$BIN" serve 2> "$OUT/server.log" &
    SERVER=$!
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
}
serve 1000

SLUG=$(curl -sf "http://127.0.0.1:$PORT/api/v1/products?page_size=1&sort_by=name" | python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["items"][0]["slug"]))')
NAMES=(by_slug filtered_list category_by_price search_en search_ko broad_search)
declare -A URLS=(
    [by_slug]="/api/v1/products/slug/$SLUG"
    [filtered_list]="/api/v1/products?category=serums&in_stock=true&min_price=1000&max_price=9000&sort_by=price&sort_order=asc"
    [category_by_price]="/api/v1/products?category=serums&sort_by=price&sort_order=asc"
    [search_en]="/api/v1/products?search=item%20004&sort_by=name"
    [search_ko]="/api/v1/products?q=%ED%97%A4%EC%96%B4"
    [broad_search]="/api/v1/products?q=a"
)

echo "== pgbench select-only, prepared (reference)"
source scripts/pgbench-reference.sh
PGBENCH_TPS=$(pgbench_select_only "$SECONDS_PER_RUN")
echo "pgbench: $PGBENCH_TPS tps"

REPORT="$OUT/catalog-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
    echo "products=$PRODUCTS seconds=$SECONDS_PER_RUN connections=50 pgbench_select_only_prepared_tps=$PGBENCH_TPS"
    for cache in 1000 0; do
        serve "$cache"
        echo "cache MERX_CATALOG_CACHE_MS=$cache"
        for name in "${NAMES[@]}"; do
            url="http://127.0.0.1:$PORT${URLS[$name]}"
            result=$(wrk -t2 -c50 -d"${SECONDS_PER_RUN}s" --latency "$url")
            rps=$(echo "$result" | awk '/Requests\/sec/ {print int($2)}')
            p50=$(echo "$result" | awk '$1=="50%" {print $2}')
            p99=$(echo "$result" | awk '$1=="99%" {print $2}')
            non2xx=$(echo "$result" | awk '/Non-2xx/ {print $5}')
            ratio=$(python3 -c "print(f'{$rps/$PGBENCH_TPS:.2f}')")
            printf '%-17s %8s req/s  p50 %-8s p99 %-8s  %sx pgbench  non-2xx: %s\n' "$name" "$rps" "$p50" "$p99" "$ratio" "${non2xx:-0}"
        done
        echo "peak resident memory: $(awk '/VmHWM/ {printf "%d MB", $2 / 1024}' "/proc/$SERVER/status")"
    done
} | tee "$REPORT"
echo "report: $REPORT"
