#!/usr/bin/env bash
# Limiter benchmark (issue 17): rate-limit checks per second through the Redis limiter (the
# shared Lua script, from a pool, as each request makes them) beside redis-benchmark's own
# INCR and the same script by EVALSHA, in the same run on the same Redis. The p50 of a check
# is what a request pays per budget it spends (users spend two: per user and per IP).
# Usage: scripts/bench-limits.sh [checks] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKS="${1:-100000}"
CONCURRENCY="${2:-50}"
HOST=127.0.0.1
PORT=6379
command -v redis-benchmark >/dev/null || { echo "redis-benchmark is missing (redis-tools)"; exit 1; }
redis-cli -h "$HOST" -p "$PORT" ping >/dev/null

cargo build --release -p merx-redis --example limiter_bench
BIN="${CARGO_TARGET_DIR:-target}/release/examples/limiter_bench"

echo "== redis-benchmark INCR (reference)"
# -q prints progress with carriage returns; the last line per test is its figure.
figure() { tr '\r' '\n' | grep 'requests per second' | tail -n1 | sed -E 's/.*: ([0-9.]+) requests per second.*/\1/'; }
INCR=$(redis-benchmark -h "$HOST" -p "$PORT" -q -t incr -n "$CHECKS" -c "$CONCURRENCY" | figure)
echo "INCR: $INCR requests/s"
SCRIPT="local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n"
SHA=$(redis-cli -h "$HOST" -p "$PORT" SCRIPT LOAD "$SCRIPT")
EVAL=$(redis-benchmark -h "$HOST" -p "$PORT" -q -r 1000 -n "$CHECKS" -c "$CONCURRENCY" \
    EVALSHA "$SHA" 1 "merx-bench:__rand_int__" 60 | figure)
echo "EVALSHA of the limiter's script: $EVAL requests/s"

echo "== the limiter"
LINE=$(REDIS_URL="redis://$HOST:$PORT/0" "$BIN" "$CHECKS" "$CONCURRENCY")
echo "$LINE"
echo "one caller at a time (what a check adds to an unloaded request):"
REDIS_URL="redis://$HOST:$PORT/0" "$BIN" 5000 1
OURS=$(echo "$LINE" | sed -E 's/.*: ([0-9]+) checks\/s.*/\1/')
python3 - "$OURS" "$INCR" "$EVAL" <<'PY'
import sys
ours, incr, ev = (float(a) for a in sys.argv[1:])
print(f"ratio: {ours / incr:.2f}x redis-benchmark INCR, {ours / ev:.2f}x its EVALSHA of the same script")
PY
redis-cli -h "$HOST" -p "$PORT" --scan --pattern 'merx-bench*' | xargs -r -n 500 redis-cli -h "$HOST" -p "$PORT" DEL >/dev/null
