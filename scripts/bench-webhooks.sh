#!/usr/bin/env bash
# Webhook benchmark (issue 13): two release instances on one fresh Postgres database, Stripe
# played by a small local fake (scripts/fake_stripe.py). 1,000 guests open card sessions; then
# 2,000 signed events go to both instances at 100 in flight: every completion, a dashboard
# refund for a fifth of the orders, late expiries of completed sessions (out of order: no
# effect), and a third of all events sent twice (a repeat may arrive before its original).
# Fails unless exactly 1,000 paid orders and 200 refunds exist. Prints events/s and p99 beside
# pgbench TPC-B measured in the same run. Not a test: figures go to docs/benchmarks.md.
# Usage: scripts/bench-webhooks.sh [sessions] [events] [in_flight]
set -euo pipefail
cd "$(dirname "$0")/.."

SESSIONS="${1:-1000}"
EVENTS="${2:-2000}"
IN_FLIGHT="${3:-100}"
PG="postgres://postgres@127.0.0.1:5432"
DB=merx_bench_webhooks
PORTS=(18111 18112)
STRIPE_PORT=18119
OUT=bench-results
mkdir -p "$OUT"
command -v pgbench >/dev/null || { echo "pgbench is missing (postgresql-contrib)"; exit 1; }

cargo build --release -p merx
BIN="${CARGO_TARGET_DIR:-target}/release/merx"
export JWT_SECRET="bench-secret-that-is-at-least-32-bytes-long" BCRYPT_COST=4 LOG_FORMAT=json RUST_LOG=warn
# One client address sends everything here: rate limits would measure themselves.
export MERX_RATE_LIMITS=off
echo "rate limits: off (MERX_RATE_LIMITS=off)"
export DATABASE_URL="$PG/$DB" MERX_DEMO_DATA=false MERX_ADMIN_EMAIL=bench@merx.test MERX_ADMIN_PASSWORD=bench-password-1
export MERX_DB_POOL_SIZE=32 MERX_RESERVATION_TTL_SECS=3600
export STRIPE_SECRET_KEY=sk_test_bench STRIPE_PUBLISHABLE_KEY=pk_test_bench
export STRIPE_WEBHOOK_SECRET=whsec_bench STRIPE_API_BASE="http://127.0.0.1:$STRIPE_PORT"

echo "== pgbench TPC-B (reference)"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS merx_bench_pgbench WITH (FORCE)" -c "CREATE DATABASE merx_bench_pgbench"
pgbench -q -i -s 10 "$PG/merx_bench_pgbench" >/dev/null 2>&1
PGBENCH_TPS=$(pgbench -c 20 -j 2 -T 10 "$PG/merx_bench_pgbench" 2>/dev/null \
    | awk '/^tps/ {printf "%d", $3; exit}')
echo "pgbench TPC-B: $PGBENCH_TPS tps"

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
python3 scripts/fake_stripe.py "$STRIPE_PORT" 2> "$OUT/webhooks-stripe.log" &
PIDS+=($!)
for port in "${PORTS[@]}"; do
    PORT=$port "$BIN" serve 2> "$OUT/webhooks-$port.log" &
    PIDS+=($!)
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
done

REPORT="$OUT/webhooks-$(date -u +%Y%m%dT%H%M%SZ).txt"
python3 - "$SESSIONS" "$EVENTS" "$IN_FLIGHT" "$PGBENCH_TPS" "$STRIPE_PORT" "${PORTS[@]}" <<'PY' | tee "$REPORT"
import hashlib, hmac, json, random, sys, time, http.client
from concurrent.futures import ThreadPoolExecutor

sessions, events, in_flight, pgbench_tps, stripe_port = (int(a) for a in sys.argv[1:6])
ports = [int(p) for p in sys.argv[6:]]
random.seed(13)

def call(port, method, path, body=None, session=None, token=None, raw=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"content-type": "application/json"}
    if session: h["X-Session-ID"] = session
    if token: h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    c.request(method, path, raw if raw is not None else (json.dumps(body) if body is not None else None), h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, (json.loads(data) if data else None)

_, login = call(ports[0], "POST", "/api/v1/auth/login", {"email": "bench@merx.test", "password": "bench-password-1"})
admin = login["access_token"]
status, product = call(ports[0], "POST", "/api/v1/products", {
    "name": "Webhook Mug", "status": "active", "currency": "USD",
    "variants": [{"sku": "HOOK-MUG", "name": "Default", "price": 1800, "inventory_count": sessions + 10}]}, token=admin)
assert status == 201, product
vid = product["variants"][0]["id"]
address = {"name": "Buyer", "line1": "1 Market St", "city": "San Francisco", "state": "CA",
           "postal_code": "94105", "country": "US"}

def open_session(i):
    port, guest = ports[i % len(ports)], f"sess-hook-{i:06d}"
    s, cart = call(port, "POST", "/api/v1/cart/items", {"variant_id": vid, "quantity": 1}, guest)
    assert s == 201, cart
    s, chk = call(port, "POST", "/api/v1/checkout/sessions", {
        "cart_id": cart["id"], "email": f"buyer{i}@example.com", "shipping_address": address,
        "shipping_method": "standard", "payment_method": "stripe"}, guest)
    assert s == 201, chk
    return chk

with ThreadPoolExecutor(max_workers=20) as pool:
    opened = list(pool.map(open_session, range(sessions)))

def completed(i, chk):
    cs, pi = chk["payment"]["provider_session_id"], f"pi_bench_{i}"
    obj = {"id": cs, "object": "checkout.session", "status": "complete", "payment_status": "paid",
           "amount_total": chk["amount"], "currency": chk["currency"].lower(),
           "client_reference_id": chk["checkout_id"], "payment_intent": pi,
           "metadata": {"merx_checkout_id": chk["checkout_id"]}}
    return (f"evt_done_{i}", "checkout.session.completed", obj)

refunded = sessions // 5
first = [completed(i, c) for i, c in enumerate(opened)]
second = [(f"evt_refund_{i}", "charge.refunded", {"id": f"ch_{i}", "object": "charge",
           "payment_intent": f"pi_bench_{i}", "amount_refunded": 100,
           "refunds": {"data": [{"id": f"re_dash_{i}"}]}}) for i in range(refunded)]
late = events * 2 // 3 - len(first) - len(second)
second += [(f"evt_expired_{i}", "checkout.session.expired", dict(first[i][2], status="expired"))
           for i in range(max(0, late))]
unique = first + second
repeats = events - len(unique)
def with_repeats(batch, n):
    sent = batch + random.sample(batch, min(n, len(batch)))
    random.shuffle(sent)
    return sent
first_repeats = repeats * len(first) // len(unique)
# Completions first (a repeat may come before its original), then what follows them.
phases = [with_repeats(first, first_repeats), with_repeats(second, repeats - first_repeats)]
plan = phases[0] + phases[1]

def signed(evt):
    eid, kind, obj = evt
    body = json.dumps({"id": eid, "object": "event", "type": kind, "created": int(time.time()),
                       "livemode": False, "data": {"object": obj}})
    t = int(time.time())
    sig = hmac.new(b"whsec_bench", f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return body, f"t={t},v1={sig}"

def deliver(evt_port):
    evt, port = evt_port
    body, sig = signed(evt)
    start = time.perf_counter()
    s, _ = call(port, "POST", "/api/v1/webhooks/stripe", raw=body, headers={"Stripe-Signature": sig})
    return s, time.perf_counter() - start

t0 = time.perf_counter()
results = []
with ThreadPoolExecutor(max_workers=in_flight) as pool:
    for phase in phases:
        results += list(pool.map(deliver, [(e, ports[k % len(ports)]) for k, e in enumerate(phase)]))
wall = time.perf_counter() - t0

statuses = {}
for s, _ in results:
    statuses[s] = statuses.get(s, 0) + 1
lat = sorted(l for _, l in results)
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
_, orders = call(ports[1], "GET", "/api/v1/orders?page_size=1", token=admin)
import subprocess
def sql(q):
    return int(subprocess.run(["psql", "postgres://postgres@127.0.0.1:5432/merx_bench_webhooks", "-tAc", q],
                              capture_output=True, text=True, check=True).stdout.strip())
paid = sql("SELECT count(*) FROM orders WHERE payment_status IN ('paid', 'partially_refunded')")
refunds = sql("SELECT count(*) FROM refunds WHERE status = 'succeeded'")
recorded = sql("SELECT count(*) FROM payment_events")
eps = len(plan) / wall
print(f"sessions={sessions} events={len(plan)} (unique {len(unique)}, repeats {len(plan) - len(unique)}) in_flight={in_flight} instances={len(ports)}")
print(f"orders: {orders['total']} (must be {sessions}); paid: {paid}; refunds: {refunds} (must be {refunded}); events recorded: {recorded}")
print(f"answers: {json.dumps(statuses, sort_keys=True)}")
print(f"webhook latency: p50 {q(0.50):.1f} ms  p99 {q(0.99):.1f} ms  max {lat[-1]*1000:.1f} ms")
print(f"throughput: {eps:.0f} events/s ({wall:.2f} s); pgbench TPC-B {pgbench_tps} tps; ratio {eps / max(pgbench_tps, 1):.3f}x")
ok = orders["total"] == sessions and paid == sessions and refunds == refunded and statuses.get(200, 0) == len(plan)
sys.exit(0 if ok else 1)
PY
echo "report: $REPORT"
