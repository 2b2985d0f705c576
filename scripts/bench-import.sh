#!/usr/bin/env bash
# Benchmarks pactum's ACLED import, store and evaluation on a generated ACLED-format file of
# ROWS rows, against DuckDB doing the same load and the same counts in SQL, in one run; then a
# day's new rows on top: pactum adding them without re-reading what it holds, against DuckDB
# inserting them and re-running its query. See docs/benchmarks-import.md.
#
#   scripts/bench-import.sh [ROWS=5000000] [DIR=target/bench-import]
#
# Environment:
#   DAY_ROWS         rows in the "next day" file (default ROWS/1340: the generator spreads its rows
#                    over 1340 days, so this is one average day)
#   DUCKDB_RUNS      which DuckDB runs, as DB:THREADS (default "memory:2 memory:1 disk:2")
#   SKIP_ALL=1       skip the variant that stores every row
#   PHASES=0         skip step (d), the import done step by step (it imports the file twice more)
#   SUMMARY_ONLY=1   print the summary of the last run in DIR again, and nothing else
#   REGEN=1          generate the CSV again even if it exists
#   CARGO_TARGET_DIR where cargo builds (default target/); the binaries are run from there
#   WAIT_QUIET=1     before each timed step, wait (up to 15 minutes) until no other process uses
#                    30% of a CPU: on a shared machine, other work skews the figures
# Everything printed is also written to DIR/results.txt. DuckDB is installed into .bench-venv/.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${1:-5000000}
DIR=${2:-target/bench-import}
DAY_ROWS=${DAY_ROWS:-$((ROWS / 1340 > 0 ? ROWS / 1340 : 1))}
DUCKDB_RUNS=${DUCKDB_RUNS:-"memory:2 memory:1 disk:2"}
AS_OF=2020-03-10
mkdir -p "$DIR"

BIG="$DIR/acled-$ROWS.csv"
DAY="$DIR/acled-day.csv"
DOHA_MAP=examples/doha-2020/mappings/acled.toml
ALL_MAP="$DIR/acled-all.toml"
ALL_CASE="$DIR/case-all"
TIMES="$DIR/times"

# The summary table, from the files the steps leave in $DIR (SUMMARY_ONLY=1 prints it again).
summary() {
    python3 - "$DIR" "$(stat -c %s "$BIG")" "$ROWS" "$DUCKDB_RUNS" <<'EOF'
import json, os, re, sys
d, big_bytes, rows, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
T = os.path.join(d, "times")

def t(name):
    p = os.path.join(T, name)
    if not os.path.exists(p):
        return None
    e, m, u, s = open(p).read().split()
    return {"s": float(e), "mb": int(m) / 1024, "cpu": float(u) + float(s)}

def last_json(path):
    if not os.path.exists(path):
        return None
    lines = [l for l in open(path) if l.startswith("{")]
    return json.loads(lines[-1]) if lines else None

def items(v):
    p = os.path.join(d, f"import-{v}.out")
    if not os.path.exists(p):
        return None
    m = re.search(r"added (\d+) item", open(p).read())
    return int(m.group(1)) if m else None

big_mb = big_bytes / 2**20
print(f"input: {rows} rows, {big_bytes} bytes ({big_mb:.0f} MiB); memory bound 2x = {2 * big_mb:.0f} MiB")
duck = {r: last_json(os.path.join(d, f"duckdb-{r.replace(':', '-')}.out")) for r in runs}
duck_t = {r: t(f"duckdb-{r.replace(':', '-')}") for r in runs}
print()
print("end to end (wall seconds; CPU = user + sys of the process(es), from /usr/bin/time)")
print(f"{'':<40} {'import/load':>11} {'status/query':>12} {'total':>8} {'CPU':>8} {'peak RSS':>9} {'RSS/input':>9}")
pt = {}
for v in ("doha", "all"):
    i, s = t(f"pactum-import-{v}"), t(f"pactum-status-{v}")
    if not i or not s:
        continue
    n = items(v)
    pt[v] = i["s"] + s["s"]
    peak = max(i["mb"], s["mb"])
    print(f"{'pactum, ' + v + f' mapping ({n} items)':<40} {i['s']:>9.2f} s {s['s']:>10.2f} s {pt[v]:>6.2f} s {i['cpu'] + s['cpu']:>6.2f} s {peak:>6.0f} MB {peak / big_mb:>8.2f}x")
    print(f"{'   peak RSS of import, of status':<40} {i['mb']:>8.0f} MB {s['mb']:>9.0f} MB {'':>8} {'':>8}   ({i['mb'] / big_mb:.2f}x, {s['mb'] / big_mb:.2f}x)")
for r, j in duck.items():
    if not j:
        continue
    tt = duck_t[r]
    peak = tt["mb"] if tt else j["peak_rss_mb"]
    cpu = f"{tt['cpu']:>6.2f} s" if tt else f"{'':>8}"
    print(f"{'DuckDB ' + r + ' (load + count)':<40} {j['load_s']:>9.2f} s {j['query_s']:>10.3f} s {j['end_to_end_s']:>6.2f} s {cpu} {peak:>6.0f} MB {peak / big_mb:>8.2f}x")
print("  (DuckDB's CPU and peak RSS are the whole Python process's: load, count, count in any case, insert, count again)")
for r, j in duck.items():
    if j and "query_ci_s" in j:
        print(f"  DuckDB {r}: the count with names compared in any case, as pactum's mapping does, took {j['query_ci_s']:.3f} s (not in the total)")
print()
print("ratios, pactum wall time / DuckDB wall time (above 1: pactum slower):")
for v, p in pt.items():
    for r, j in duck.items():
        if j:
            print(f"  end to end, {v} mapping vs DuckDB {r}: {p:.2f} / {j['end_to_end_s']:.2f} = {p / j['end_to_end_s']:.2f}")
print()
print("a day on top (wall seconds)")
for v in ("doha", "all"):
    j = last_json(os.path.join(d, f"inc-{v}.out"))
    if not j:
        continue
    print(f"pactum, {v} mapping: {int(j['items_held'])} items held, {int(j['day_rows'])} new rows -> {int(j['new_items'])} new items")
    print(f"  {'new evidence to new verdict':<42} {j['latency_new_evidence_to_verdict_s']:>10.3f} s")
    print(f"    {'read + parse the day':<40} {j['day_read_file_s'] + j['day_parse_s']:>10.3f} s")
    print(f"    {'Store::import_stream (transaction, full sync)':<40} {j['day_store_s']:>10.3f} s")
    print(f"    {'read the new items (items_since...)':<40} {j['since_s']:>10.3f} s")
    print(f"    {'Prepared::extend':<40} {j['extend_s']:>10.3f} s")
    print(f"    {'evaluate':<40} {j['reevaluate_s']:>10.3f} s")
    if "full_total_s" in j:
        print(f"  {'full re-read + prepare + evaluate':<42} {j['full_total_s']:>10.3f} s  (read {j['full_reread_s']:.3f} s, prepare {j['full_prepare_s']:.3f} s, evaluate {j['full_evaluate_s']:.3f} s)")
    print(f"  {'first load: read all + prepare + evaluate':<42} {j['load_all_s'] + j['prepare_s'] + j['evaluate_s']:>10.3f} s")
    if "bd_earliest_order_s" in j:
        print(f"    of that evaluate ({j['evaluate_s']:.3f} s): run alone {j['bd_run_s']:.3f} s, of which Prepared::earliest_order {j['bd_earliest_order_s']:.3f} s"
              f" ({int(j['bd_ranged_items'])} items with a date range); the copy Prepared::earliest_reading would make {j['bd_earliest_reading_s']:.3f} s,"
              f" same order: {bool(j['bd_same_order'])}")
    elif "bd_run_s" in j:
        print(f"    of that evaluate ({j['evaluate_s']:.3f} s): run alone {j['bd_run_s']:.3f} s, of which Prepared::earliest_reading {j['bd_earliest_reading_s']:.3f} s"
              f" ({int(j['bd_ranged_items'])} items with a date range)")
    if "same_prepared" in j:
        print(f"  extended evidence identical to a fresh prepare of everything: {bool(j['same_prepared'])}; same verdict: {bool(j.get('same_verdict', 0))}")
    print(f"  peak RSS {j['peak_rss_mb']:.0f} MB ({j['peak_rss_mb'] / big_mb:.2f}x input)")
    for r, dj in duck.items():
        if dj:
            print(f"  vs DuckDB {r}: insert {dj['insert_s']:.3f} s + count {dj['requery_s']:.3f} s = {dj['incremental_s']:.3f} s;"
                  f" ratio pactum/DuckDB {j['latency_new_evidence_to_verdict_s'] / dj['incremental_s']:.2f}")
for v in ("doha", "all"):
    j = last_json(os.path.join(d, f"phases-{v}.out"))
    if not j:
        continue
    if v == "doha":
        print()
        print("where an import's time goes (the CLI's steps one by one, wall seconds, peak RSS of each step)")
    print(f"  {v} mapping, {int(j['imp_items'])} items: read the file {j['imp_read_file_s']:.2f} s ({j['imp_read_file_peak_mb']:.0f} MB),"
          f" SHA-256 {j['imp_hash_s']:.2f} s, parse alone {j['imp_parse_s']:.2f} s;"
          f" streamed import (hash + parse + store) {j['imp_stream_s']:.2f} s ({j['imp_stream_peak_mb']:.0f} MB),"
          f" so the store's share is {j['imp_store_only_s']:.2f} s")
print()
for r, j in duck.items():
    if j:
        print(f"DuckDB {r} counts agree with pactum's riv_attacks (during and against weeks, overall and per province): {j['agree_with_pactum']}")
EOF
}

if [ "${SUMMARY_ONLY:-0}" = 1 ]; then
    summary
    exit 0
fi

exec > >(tee "$DIR/results.txt") 2>&1
rm -rf "$TIMES"
mkdir -p "$TIMES"

# Processes other than this script's using at least $1 % of a CPU, over half a second.
busy_others() {
    top -b -n 2 -d 0.5 -o %CPU 2>/dev/null | awk -v min="$1" '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= min && $12 != "top" { printf "%s %s%%; ", $12, $9 }'
}

# timed NAME CMD...: runs CMD under /usr/bin/time; writes "elapsed_s peak_rss_kb user_s sys_s"
# to $TIMES/NAME and prints it.
timed() {
    local name=$1
    shift
    # Other work on the machine skews the figures: wait for it if asked, and say what else ran.
    local busy waited=0
    if [ "${WAIT_QUIET:-0}" = 1 ]; then
        while [ -n "$(busy_others 30)" ] && [ $waited -lt 900 ]; do
            sleep 15
            waited=$((waited + 15))
        done
        [ $waited -gt 0 ] && echo "   [waited ${waited} s for other processes to finish]"
    fi
    busy=$(busy_others 10)
    echo "   [before $name: load average $(cut -d' ' -f1-3 /proc/loadavg); other processes over 10% CPU: ${busy:-none}]"
    /usr/bin/time -o "$TIMES/$name" -f "%e %M %U %S" "$@"
    read -r e m u s <"$TIMES/$name"
    printf '   [%s: %s s wall, %s s user, %s s sys, peak RSS %d MB]\n' "$name" "$e" "$u" "$s" $((m / 1024))
}

echo "== machine"
echo "nproc $(nproc); $(grep MemTotal /proc/meminfo); $(grep -m1 'model name' /proc/cpuinfo | sed 's/\s\+/ /g')"
echo "kernel $(uname -r); $(rustc --version); date $(date -u +%Y-%m-%dT%H:%M:%SZ); commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"

echo "== build (release)"
cargo build --release -p pactum-cli
cargo build --release -p pactum-import --example gen_acled --example bench_incremental
TARGET=${CARGO_TARGET_DIR:-target}
PACTUM=$TARGET/release/pactum
BENCH_INC=$TARGET/release/examples/bench_incremental

echo "== DuckDB in .bench-venv"
if [ ! -x .bench-venv/bin/python ]; then
    python3 -m venv .bench-venv
fi
if ! .bench-venv/bin/python -c 'import duckdb' 2>/dev/null; then
    .bench-venv/bin/pip install --quiet duckdb
fi
.bench-venv/bin/python -c 'import duckdb; print("duckdb", duckdb.__version__)'

echo "== generate $ROWS rows: $BIG"
if [ "${REGEN:-0}" = 1 ] || [ ! -s "$BIG" ]; then
    timed generate sh -c "'$TARGET/release/examples/gen_acled' bulk $ROWS > '$BIG.tmp'"
    mv "$BIG.tmp" "$BIG"
else
    echo "   (exists; REGEN=1 to write it again)"
fi
BIG_BYTES=$(stat -c %s "$BIG")
echo "   $BIG_BYTES bytes"

# The next day: the first DAY_ROWS rows of the big file again, as new events (new ids), all dated
# the day after the file's last event_date, known to the day.
LAST=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m }' "$BIG")
NEXT=$(date -u -d "$LAST + 1 day" +%F)
echo "== next-day file: $DAY_ROWS rows dated $NEXT (the big file's last event_date is $LAST): $DAY"
python3 - "$BIG" "$DAY" "$DAY_ROWS" "$NEXT" <<'EOF'
import csv, datetime, itertools, sys
big, day, n, next_day = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
stamp = int(datetime.datetime.fromisoformat(next_day + "T18:00:00+00:00").timestamp())
with open(big, newline="") as f, open(day, "w", newline="") as out:
    r, w = csv.reader(f), csv.writer(out)
    head = next(r)
    w.writerow(head)
    col = {c: i for i, c in enumerate(head)}
    for i, row in enumerate(itertools.islice(r, n), 1):
        row[col["event_id_cnty"]] = f"AFGDAY{i:06d}"
        row[col["event_date"]] = next_day
        row[col["year"]] = next_day[:4]
        row[col["time_precision"]] = "1"
        row[col["timestamp"]] = str(stamp + i)
        w.writerow(row)
EOF
echo "   $(($(wc -l <"$DAY") - 1)) rows, $(stat -c %s "$DAY") bytes"

# The variant that stores every row: Battles and Explosions/Remote violence, whoever the actors,
# become `attack` items (the case's measure then selects actor = taliban and target = gov, as
# DuckDB's WHERE does); every other row becomes an `acled_other` item, a kind declared in an
# extra file of a copy of the case.
cat >"$ALL_MAP" <<'EOF'
# Benchmark mapping: every ACLED row becomes an item (written by scripts/bench-import.sh).
dataset = "acled"

[actors]
"Taliban" = "taliban"
"Military Forces of Afghanistan (2014-2021)" = "gov"
"Police Forces of Afghanistan (2014-2021)" = "gov"

[[rule]]
kind = "attack"
event_type = ["Battles", "Explosions/Remote violence"]
quantity = 1

[[rule]]
kind = "acled_other"
quantity = 1
EOF
rm -rf "$ALL_CASE"
mkdir -p "$ALL_CASE"
cp examples/doha-2020/*.pactum examples/doha-2020/evidence.csv "$ALL_CASE/"
cat >"$ALL_CASE/zz-bench-kinds.pactum" <<'EOF'
// Benchmark only (written by scripts/bench-import.sh): the ACLED rows that are not battles or
// explosions, stored so that the store holds every row of the file.
kind acled_other count "an ACLED event other than a battle or an explosion"
EOF

run_pactum() { # VARIANT MAPPING CASE
    local v=$1 map=$2 case=$3 store="$DIR/store-$1.db"
    rm -f "$store" "$store-wal" "$store-shm"
    echo "-- pactum import ($v): $map"
    timed "pactum-import-$v" "$PACTUM" import "$BIG" --dataset acled --mapping "$map" --store "sqlite:$store" --recorded-on source \
        | tee "$DIR/import-$v.out"
    echo "   store $(stat -c %s "$store") bytes"
    echo "-- pactum status ($v): $case --as-of $AS_OF"
    timed "pactum-status-$v" sh -c "'$PACTUM' status '$case' --store 'sqlite:$store' --as-of $AS_OF --format json --color never > '$DIR/status-$v.json' 2> '$DIR/status-$v.err'"
}

echo
echo "== (a) pactum end to end: import into SQLite, then status"
run_pactum doha "$DOHA_MAP" examples/doha-2020
if [ "${SKIP_ALL:-0}" != 1 ]; then
    run_pactum all "$ALL_MAP" "$ALL_CASE"
fi

echo
echo "== (b) DuckDB: load the same CSV, count the same attacks, then insert the day and count again"
for run in $DUCKDB_RUNS; do
    db=${run%%:*}
    th=${run##*:}
    if [ "$db" = memory ]; then dbarg=":memory:"; else dbarg="$DIR/duck.duckdb"; fi
    echo "-- DuckDB $db, $th thread(s)"
    timed "duckdb-$db-$th" .bench-venv/bin/python scripts/bench_duckdb_import.py "$BIG" --day "$DAY" --threads "$th" --db "$dbarg" \
        --compare-status "$DIR/status-doha.json" --compare-status "$DIR/status-all.json" --label "duckdb-$db-$th" | tee "$DIR/duckdb-$db-$th.out"
    if [ -f "$DIR/duck.duckdb" ]; then
        echo "   DuckDB database file $(stat -c %s "$DIR/duck.duckdb") bytes"
    fi
    rm -f "$DIR/duck.duckdb" "$DIR/duck.duckdb.wal"
done

echo
echo "== (c) a day's new evidence on top: pactum incremental (as of $NEXT)"
echo "-- doha mapping"
timed inc-doha "$BENCH_INC" --store "sqlite:$DIR/store-doha.db" --case examples/doha-2020 --day "$DAY" --mapping "$DOHA_MAP" --as-of "$NEXT" \
    --breakdown | tee "$DIR/inc-doha.out"
if [ "${SKIP_ALL:-0}" != 1 ]; then
    echo "-- every row stored"
    timed inc-all "$BENCH_INC" --store "sqlite:$DIR/store-all.db" --case "$ALL_CASE" --day "$DAY" --mapping "$ALL_MAP" --as-of "$NEXT" \
        --breakdown | tee "$DIR/inc-all.out"
fi

if [ "${PHASES:-1}" = 1 ]; then
    echo
    echo "== (d) where an import's time goes: the CLI's steps done one by one, into a fresh store"
    for v in doha all; do
        [ $v = all ] && [ "${SKIP_ALL:-0}" = 1 ] && continue
        if [ $v = doha ]; then map=$DOHA_MAP; else map=$ALL_MAP; fi
        rm -f "$DIR/store-phases.db" "$DIR/store-phases.db-wal" "$DIR/store-phases.db-shm"
        timed "phases-$v" "$BENCH_INC" --store "sqlite:$DIR/store-phases.db" --mapping "$map" --import-phases "$BIG" | tee "$DIR/phases-$v.out"
        rm -f "$DIR/store-phases.db" "$DIR/store-phases.db-wal" "$DIR/store-phases.db-shm"
    done
fi
echo "(bench_incremental resets the kernel's peak-RSS mark before each phase to measure it per phase, so the"
echo " peak /usr/bin/time reports for it is its last phase's; the process's peak is the largest phase peak above)"

echo
echo "== summary"
summary
echo
echo "raw output: $DIR/results.txt"
