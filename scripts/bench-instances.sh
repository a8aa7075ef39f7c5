# Sourced by the buyer benchmarks: two release instances of Merx on one fresh Postgres
# database ($DB), ports 18101 and 18102, rate limits off (one client address sends everything),
# stopped on exit. Sets BIN, LOAD, BASES (the --base arguments of merx-load) and PIDS.
PG="postgres://postgres@127.0.0.1:5432"
PORTS=(18101 18102)
OUT=bench-results
mkdir -p "$OUT"

cargo build --release -p merx -p merx-load
BIN="${CARGO_TARGET_DIR:-target}/release/merx"
LOAD="${CARGO_TARGET_DIR:-target}/release/merx-load"
export JWT_SECRET="bench-secret-that-is-at-least-32-bytes-long" BCRYPT_COST=4 LOG_FORMAT=json RUST_LOG=warn
export MERX_RATE_LIMITS=off
echo "rate limits: off (MERX_RATE_LIMITS=off)"
export DATABASE_URL="$PG/$DB" MERX_DEMO_DATA=false MERX_ADMIN_EMAIL=bench@merx.test MERX_ADMIN_PASSWORD=bench-password-1
export MERX_DB_POOL_SIZE="${MERX_DB_POOL_SIZE:-32}"

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
BASES=()
for port in "${PORTS[@]}"; do
    PORT=$port "$BIN" serve 2> "$OUT/$DB-$port.log" &
    PIDS+=($!)
    BASES+=(--base "http://127.0.0.1:$port")
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
done

# Peak resident memory of each instance so far (VmHWM), in MB.
peak_rss() {
    for pid in "${PIDS[@]}"; do
        awk '/VmHWM/ {printf "%d MB ", $2 / 1024}' "/proc/$pid/status"
    done
    echo
}

# The references: pgbench_tpcb, pgbench_select_only.
source scripts/pgbench-reference.sh
