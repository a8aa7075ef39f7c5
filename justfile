# Merx tasks. README's two commands work without just; these are shortcuts.

# Serve on :8080 (in-memory store unless DATABASE_URL is set)
run:
    cargo run --release -p merx

# The whole test suite (needs PostgreSQL and Redis on their default local ports)
test:
    cargo nextest run --workspace && cargo test --workspace --doc

# Format the code
fmt:
    cargo fmt --all

# Formatting check and clippy with warnings as errors
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Licenses, bans and sources (offline: advisories need the network)
deny:
    cargo deny --offline check licenses bans sources

# The OpenAPI document tried by schemathesis against the debug binary (after `just test`)
contract seconds="120":
    bash scripts/api-contract.sh {{seconds}}

# What CI runs
ci:
    bash .ci/run

# Every benchmark with its reference (catalog cached and uncached, checkout throughput, flash
# sale); writes the summary into docs/benchmarks.md. Needs wrk and pgbench.
bench products="100000":
    bash scripts/bench.sh {{products}}

# Checkout throughput: 40 buyers looping over 200 products on two instances, beside pgbench TPC-B
bench-checkout products="200" clients="40" seconds="30":
    bash scripts/bench-checkout.sh {{products}} {{clients}} {{seconds}}

# Catalog benchmark: 100,000 products, wrk at 50 connections, beside pgbench (see docs/benchmarks.md)
bench-catalog products="100000" seconds="15":
    bash scripts/bench-catalog.sh {{products}} {{seconds}}

# Reports: 100,000 products, 200,000 orders over 90 days, each report at 10 connections, and a
# product read by slug with and without 1,000 reviews, beside pgbench (see docs/benchmarks.md)
bench-reports products="100000" orders="200000" seconds="15":
    bash scripts/bench-reports.sh {{products}} {{orders}} {{seconds}}

# Flash sale: 1,000 buyers, 50 units, two instances on one database (see docs/benchmarks.md)
bench-flash-sale buyers="1000" units="50":
    bash scripts/bench-flash-sale.sh {{buyers}} {{units}}

# Webhooks: 2,000 signed Stripe events (a third repeats) to two instances (see docs/benchmarks.md)
bench-webhooks sessions="1000" events="2000":
    bash scripts/bench-webhooks.sh {{sessions}} {{events}}

# The history test at a large size: 40 clients x 200 random steps over two instances
bench-history clients="40" steps="200":
    MERX_HISTORY_CLIENTS={{clients}} MERX_HISTORY_STEPS={{steps}} cargo nextest run -p merx --test api history --no-capture

# Rate-limit checks/s through Redis beside redis-benchmark (see docs/benchmarks.md)
bench-limits checks="100000" concurrency="50":
    bash scripts/bench-limits.sh {{checks}} {{concurrency}}

# Every benchmark
bench: bench-catalog bench-flash-sale bench-webhooks bench-history bench-limits
