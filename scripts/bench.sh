#!/usr/bin/env bash
# Every benchmark of issue 18 in one run, each beside its reference measured in the same run:
# the catalog cached and uncached (wrk beside pgbench select-only), checkout throughput
# (merx-load beside pgbench TPC-B) and the flash sale (exact counts, buyer p50/p99). The
# summary lines land between the markers of docs/benchmarks.md ("Latest `just bench`").
# Usage: scripts/bench.sh [products]
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS="${1:-100000}"
SUMMARY=bench-results/summary.txt
mkdir -p bench-results
: > "$SUMMARY"
log() { echo "$*" | tee -a "$SUMMARY"; }

log "commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
bash scripts/bench-catalog.sh "$PRODUCTS" 15 | tee bench-results/catalog.out
grep -E "^(products=|[a-z_]+ +[0-9]+ req/s|cache|peak)" bench-results/catalog.out | sed 's/^/    /' >> "$SUMMARY"
bash scripts/bench-checkout.sh 200 40 30 | tee bench-results/checkout.out
grep -E "^(pgbench|orders|buyer|peak|[0-9.]+ orders/s)" bench-results/checkout.out | sed 's/^/    /' >> "$SUMMARY"
bash scripts/bench-flash-sale.sh 1000 50 100 | tee bench-results/flash.out
grep -E "^(orders|oversold|outcomes|buyer|throughput|peak)" bench-results/flash.out | sed 's/^/    /' >> "$SUMMARY"

python3 - "$SUMMARY" <<'PY'
import re, sys
summary = open(sys.argv[1]).read().rstrip("\n")
path = "docs/benchmarks.md"
doc = open(path).read()
block = "<!-- bench:start -->\n```\n" + summary + "\n```\n<!-- bench:end -->"
doc = re.sub(r"<!-- bench:start -->.*?<!-- bench:end -->", lambda _: block, doc, flags=re.S)
open(path, "w").write(doc)
PY
echo "summary written to docs/benchmarks.md"
