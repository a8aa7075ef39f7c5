#!/usr/bin/env bash
# Flash-sale benchmark: two release instances on one fresh Postgres database, one product with
# 50 units, 1,000 guest buyers at once (100 in flight), alternating instances. Each buyer adds
# the product to a cart, opens a checkout session (cash on delivery) and confirms it. merx-load
# prints orders created (must be 50), units oversold (must be 0), p50/p99 of a buyer's whole
# checkout and buyers/s, and fails unless the counts are exact. Figures go to docs/benchmarks.md.
# Usage: scripts/bench-flash-sale.sh [buyers] [units] [in_flight]
set -euo pipefail
cd "$(dirname "$0")/.."

BUYERS="${1:-1000}"
UNITS="${2:-50}"
IN_FLIGHT="${3:-100}"
DB=merx_bench_flash
source scripts/bench-instances.sh

REPORT="$OUT/flash-sale-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
    "$LOAD" "${BASES[@]}" flash-sale --buyers "$BUYERS" --units "$UNITS" --in-flight "$IN_FLIGHT"
    echo "peak resident memory per instance: $(peak_rss)"
} | tee "$REPORT"
echo "report: $REPORT"
