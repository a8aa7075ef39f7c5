# Sourced by the benchmarks: the database's own speed, measured in the same run as the figure
# it is the reference of. Each prints tps on stdout. Needs $PG (the server's URL without a
# database).

# pgbench TPC-B (scale 10, 20 clients, 10 s) on its own database.
pgbench_tpcb() {
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS merx_bench_tpcb WITH (FORCE)" -c "CREATE DATABASE merx_bench_tpcb"
    pgbench -q -i -s 10 "$PG/merx_bench_tpcb" >/dev/null 2>&1
    pgbench -c 20 -j 2 -T 10 "$PG/merx_bench_tpcb" 2>/dev/null | awk '/^tps/ {print int($3); exit}'
}

# pgbench select-only, prepared (scale 10, 50 clients) for $1 seconds, on its own database.
pgbench_select_only() {
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS merx_bench_pgbench WITH (FORCE)" -c "CREATE DATABASE merx_bench_pgbench"
    pgbench -q -i -s 10 "$PG/merx_bench_pgbench" >/dev/null 2>&1
    pgbench -S -M prepared -c 50 -j 2 -T "$1" "$PG/merx_bench_pgbench" 2>/dev/null \
        | awk '/^tps/ {print int($3); exit}'
}
