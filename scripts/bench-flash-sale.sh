#!/usr/bin/env bash
# Flash-sale benchmark: two release instances on one fresh Postgres database, one product with
# 50 units, 1,000 guest buyers at once (100 in flight), spread over both instances. Each buyer
# adds the product to a cart, opens a checkout session (cash on delivery) and confirms it.
# Prints orders created (must be 50), units oversold (must be 0), p50/p99 latency of a
# buyer's whole checkout, and throughput. Not a test: figures go to docs/benchmarks.md.
# Usage: scripts/bench-flash-sale.sh [buyers] [units] [in_flight]
set -euo pipefail
cd "$(dirname "$0")/.."

BUYERS="${1:-1000}"
UNITS="${2:-50}"
IN_FLIGHT="${3:-100}"
PG="postgres://postgres@127.0.0.1:5432"
DB=merx_bench_flash
PORTS=(18101 18102)
OUT=bench-results
mkdir -p "$OUT"

cargo build --release -p merx
BIN="${CARGO_TARGET_DIR:-target}/release/merx"
export JWT_SECRET="bench-secret-that-is-at-least-32-bytes-long" BCRYPT_COST=4 LOG_FORMAT=json RUST_LOG=warn
# One client address sends everything here: rate limits would measure themselves.
export MERX_RATE_LIMITS=off
echo "rate limits: off (MERX_RATE_LIMITS=off)"
export DATABASE_URL="$PG/$DB" MERX_DEMO_DATA=false MERX_ADMIN_EMAIL=bench@merx.test MERX_ADMIN_PASSWORD=bench-password-1
export MERX_DB_POOL_SIZE=32

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
for port in "${PORTS[@]}"; do
    PORT=$port "$BIN" serve 2> "$OUT/flash-$port.log" &
    PIDS+=($!)
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
done

REPORT="$OUT/flash-sale-$(date -u +%Y%m%dT%H%M%SZ).txt"
python3 - "$BUYERS" "$UNITS" "$IN_FLIGHT" "${PORTS[@]}" <<'PY' | tee "$REPORT"
import json, sys, time, http.client, statistics
from concurrent.futures import ThreadPoolExecutor

buyers, units, in_flight = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ports = [int(p) for p in sys.argv[4:]]

def call(port, method, path, body=None, session=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"content-type": "application/json"}
    if session: headers["X-Session-ID"] = session
    if token: headers["Authorization"] = f"Bearer {token}"
    c.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, (json.loads(data) if data else None)

_, login = call(ports[0], "POST", "/api/v1/auth/login", {"email": "bench@merx.test", "password": "bench-password-1"})
admin = login["access_token"]
status, product = call(ports[0], "POST", "/api/v1/products", {
    "name": "Flash Sale Sneaker", "status": "active", "currency": "USD",
    "variants": [{"sku": "FLASH-SNKR", "name": "Default", "price": 12000, "inventory_count": units}]}, token=admin)
assert status == 201, product
pid, vid = product["id"], product["variants"][0]["id"]
address = {"name": "Buyer", "line1": "1 Market St", "city": "San Francisco", "state": "CA",
           "postal_code": "94105", "country": "US"}

def buyer(i):
    port, session = ports[i % len(ports)], f"sess-flash-{i:06d}"
    start = time.perf_counter()
    s, cart = call(port, "POST", "/api/v1/cart/items", {"variant_id": vid, "quantity": 1}, session)
    if s != 201:
        return ("sold_out_at_cart", time.perf_counter() - start)
    s, chk = call(port, "POST", "/api/v1/checkout/sessions", {
        "cart_id": cart["id"], "email": f"buyer{i}@example.com", "shipping_address": address,
        "shipping_method": "standard", "payment_method": "cash_on_delivery"}, session)
    if s != 201:
        return ("sold_out_at_checkout" if s == 409 else f"session_{s}", time.perf_counter() - start)
    s, done = call(port, "POST", f"/api/v1/checkout/sessions/{chk['checkout_id']}/confirm", None, session)
    return ("ordered" if s == 201 else f"confirm_{s}", time.perf_counter() - start)

t0 = time.perf_counter()
with ThreadPoolExecutor(max_workers=in_flight) as pool:
    results = list(pool.map(buyer, range(buyers)))
wall = time.perf_counter() - t0

outcomes = {}
for o, _ in results:
    outcomes[o] = outcomes.get(o, 0) + 1
lat = sorted(l for _, l in results)
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
_, orders = call(ports[1], "GET", "/api/v1/orders?page_size=1", token=admin)
_, level = call(ports[1], "GET", f"/api/v1/inventory/{pid}/variants/{vid}")
created = orders["total"]
oversold = max(0, created - units) + max(0, -level["inventory_count"])
print(f"buyers={buyers} units={units} in_flight={in_flight} instances={len(ports)}")
print(f"orders created: {created} (must be {units})")
print(f"oversold: {oversold} (must be 0); stock left: {level['inventory_count']}, reserved: {level['reserved']}")
print(f"outcomes: {json.dumps(outcomes, sort_keys=True)}")
print(f"buyer checkout latency: p50 {q(0.50):.1f} ms  p99 {q(0.99):.1f} ms  max {lat[-1]*1000:.1f} ms")
print(f"throughput: {buyers / wall:.0f} buyers/s ({wall:.2f} s for {buyers} buyers, 1-3 requests each)")
sys.exit(0 if created == units and oversold == 0 else 1)
PY
echo "report: $REPORT"
