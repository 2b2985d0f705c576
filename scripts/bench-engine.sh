#!/usr/bin/env bash
# Benchmarks the pactum engine on a large synthetic case, and DuckDB doing the comparable SQL
# work on the same CSV, in one run. See docs/benchmarks.md.
#
#   scripts/bench-engine.sh [CASE_DIR]
#
# CASE_DIR defaults to target/bench-case. Sizes come from the environment:
#   PROVISIONS (1000)  EVENTS (10000000)  SEED (1)  YEARS (10)
#   DUCKDB_THREADS ("1 2": run the DuckDB script once per thread count)
# The DuckDB package is installed into .bench-venv/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

CASE=${1:-target/bench-case}
PROVISIONS=${PROVISIONS:-1000}
EVENTS=${EVENTS:-10000000}
SEED=${SEED:-1}
YEARS=${YEARS:-10}
DUCKDB_THREADS=${DUCKDB_THREADS:-"1 2"}

echo "== build (release)"
cargo build --release -p pactum-bench

echo "== DuckDB in .bench-venv"
if [ ! -x .bench-venv/bin/python ]; then
    python3 -m venv .bench-venv
fi
if ! .bench-venv/bin/python -c 'import duckdb' 2>/dev/null; then
    .bench-venv/bin/pip install --quiet duckdb
fi
.bench-venv/bin/python -c 'import duckdb; print("duckdb", duckdb.__version__)'

echo "== generate $PROVISIONS provisions, $EVENTS rows, seed $SEED, $YEARS years into $CASE"
./target/release/pactum-gen --provisions "$PROVISIONS" --events "$EVENTS" --seed "$SEED" --years "$YEARS" --out "$CASE"

echo
echo "== pactum engine"
./target/release/pactum-bench-engine "$CASE" --states "$CASE/engine-states.json" | tee "$CASE/engine.out"
ENGINE_JSON=$(grep '^{' "$CASE/engine.out" | tail -n 1)

DUCK_JSONS=()
for t in $DUCKDB_THREADS; do
    echo
    echo "== DuckDB, $t thread(s)"
    .bench-venv/bin/python scripts/bench_duckdb_engine.py "$CASE" --threads "$t" --engine-states "$CASE/engine-states.json" \
        | tee "$CASE/duckdb-$t.out"
    DUCK_JSONS+=("$(grep '^{' "$CASE/duckdb-$t.out" | tail -n 1)")
done

echo
echo "== comparison"
.bench-venv/bin/python - "$ENGINE_JSON" "${DUCK_JSONS[@]}" <<'EOF'
import json, sys
e = json.loads(sys.argv[1])
print(f"engine: read_file {e['read_csv_s']:.1f} s + prepare {e['prepare_s']:.1f} s + run {e['run_s']:.1f} s "
      f"= {e['pipeline_s']:.1f} s single-threaded; evaluate {e['evaluate_s']:.1f} s; peak RSS {e['peak_rss_mb']:.0f} MB")
for raw in sys.argv[2:]:
    d = json.loads(raw)
    work = d["series_s"] + d["probes_s"]
    print(f"duckdb {d['threads']} thread(s): load {d['load_s']:.1f} s + prepare {d['prepare_s']:.1f} s + series {d['series_s']:.1f} s "
          f"+ probes {d['probes_s']:.1f} s = {d['total_s']:.1f} s; peak RSS {d['peak_rss_mb']:.0f} MB; "
          f"verdicts equal to the engine's: {d['agree_with_engine']} of {d['compared_with_engine']}")
    print(f"  ratios duckdb/engine: end to end {d['total_s'] / e['pipeline_s']:.2f}, "
          f"load/read_file {d['load_s'] / e['read_csv_s']:.2f}, prepare/prepare {d['prepare_s'] / e['prepare_s']:.2f}, "
          f"(series+probes)/run {work / e['run_s']:.2f}")
EOF
