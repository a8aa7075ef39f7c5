#!/usr/bin/env bash
# Checkout throughput: two release instances on one fresh Postgres database, 200 products with
# ample stock, 40 guest buyers in a loop for 30 s (add to cart, session, confirm; alternating
# instances, one product after another). Beside it, in the same run, pgbench TPC-B measures the
# database alone: orders/s is reported as a ratio of its tps.
# Usage: scripts/bench-checkout.sh [products] [clients] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS="${1:-200}"
CLIENTS="${2:-40}"
SECONDS_OF_LOAD="${3:-30}"
DB=merx_bench_checkout
source scripts/bench-instances.sh

echo "== pgbench TPC-B (reference)"
TPCB=$(pgbench_tpcb)
echo "pgbench TPC-B: $TPCB tps"
REPORT="$OUT/checkout-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
    echo "pgbench_tpcb_tps=$TPCB"
    "$LOAD" "${BASES[@]}" checkout --products "$PRODUCTS" --clients "$CLIENTS" --seconds "$SECONDS_OF_LOAD" \
        | tee /dev/stderr | awk -v tpcb="$TPCB" '/^orders:/ {gsub(/\(/, "", $3); printf "%s orders/s = %.3fx pgbench TPC-B\n", $3, $3 / tpcb}'
    echo "peak resident memory per instance: $(peak_rss)"
} | tee "$REPORT"
echo "report: $REPORT"
