#!/usr/bin/env bash
# Load benchmark of `pactum serve` on the Doha example, from the same machine, on loopback,
# with wrk: requests per second and p50/p99 latency for the status endpoint, the agreement
# page's two API calls and the dashboard page itself; and, in the same run with the same wrk
# settings, nginx serving the very same bytes pre-rendered as static files (what a user would
# do instead of running a server that evaluates). See docs/benchmarks-server.md.
#
#   scripts/bench-server.sh [DURATION=20] [DIR=target/bench-server]
#
# Environment:
#   CONNS            connection counts to measure (default "16 64"); wrk runs 2 threads
#   CASES            which cases (default: all; names as in the table)
#   CARGO_TARGET_DIR where cargo builds (default target/); pactum is run from there
#   WAIT_QUIET=0     do not wait for other processes before each step (by default it waits, at
#                    most WAIT_MAX=600 s in all, until no other process uses 30% of a CPU)
#   SUMMARY_ONLY=1   print the table of the last run in DIR again, and nothing else
# Everything printed is also written to DIR/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${1:-20}
DIR=${2:-target/bench-server}
CONNS=${CONNS:-"16 64"}
THREADS=2
WAIT_MAX=${WAIT_MAX:-600}
PW=bench-password-1
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
OUT="$DIR/wrk"

# name | pactum path | static file (same bytes) | wrk script (blank: plain)
CASE_LIST='status|/api/v1/status?as_of=2020-09-30|status.json|
agreement|/api/v1/agreements/doha_2020?as_of=2020-09-30|agreement.json|
charts|/api/v1/agreements/doha_2020/charts?as_of=2021-08-31|charts.json|
page|/|index.html|
status-uncached|/api/v1/status?as_of=|status.json|dates
agreement-uncached|/api/v1/agreements/doha_2020?as_of=|agreement.json|dates'

summary() {
    python3 - "$OUT" "$CONNS" "$CASE_LIST" <<'EOF'
import os, re, sys
out, conns, cases = sys.argv[1], sys.argv[2].split(), [l.split("|") for l in sys.argv[3].splitlines()]

def ms(s):
    m = re.match(r"([\d.]+)(us|ms|s)$", s)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else None

def parse(path):
    if not os.path.exists(path):
        return None
    t = open(path).read()
    r = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))}
    for p in ("50", "99"):
        m = re.search(rf"^\s+{p}%\s+(\S+)", t, re.M)
        r["p" + p] = ms(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    r["bad"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", t)
    r["sock"] = m.group(1).strip() if m else ""
    m = re.search(r"(\d+) requests in", t)
    r["n"] = int(m.group(1)) if m else 0
    m = re.search(r"others_cpu_pct: (\d+)", t)
    r["others"] = int(m.group(1)) if m else None
    return r

def f(x, d=1):
    return "-" if x is None else f"{x:.{d}f}"

print(f"{'case':<20} {'conns':>5} | {'pactum rps':>10} {'p50 ms':>7} {'p99 ms':>7} | {'static rps':>10} {'p50 ms':>7} {'p99 ms':>7} | {'pactum/static':>13} | {'others %':>8}")
notes = []
for name, _path, _file, script in cases:
    for c in conns:
        p = parse(f"{out}/pactum-{name}-c{c}.txt")
        s = parse(f"{out}/static-{name.replace('-uncached', '')}-c{c}.txt")
        if p is None:
            continue
        ratio = f"{p['rps'] / s['rps']:.2f}" if s else "-"
        print(f"{name:<20} {c:>5} | {p['rps']:>10.0f} {f(p['p50'], 2):>7} {f(p['p99'], 2):>7} | "
              f"{f(s and s['rps'], 0):>10} {f(s and s['p50'], 2):>7} {f(s and s['p99'], 2):>7} | {ratio:>13} | {'/'.join(str(r['others']) for r in (p, s) if r and r['others'] is not None):>8}")
        for who, r in (("pactum", p), ("static", s)):
            if r and (r["bad"] or r["sock"]):
                notes.append(f"  {who} {name} c{c}: {r['bad']} non-2xx answers of {r['n']}; socket errors: {r['sock'] or 'none'}")
print("(uncached: a different as_of on each request, cycling over 2,000 days, against the static file of the same endpoint)")
print("(others %: CPU that other processes on the machine used during the pactum/static run, in % of one CPU)")
print("\n".join(notes) if notes else "every answer was 2xx; no socket errors")
EOF
}

if [ "${SUMMARY_ONLY:-0}" = 1 ]; then
    summary
    exit 0
fi

exec > >(tee "$DIR/results.txt") 2>&1
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== tools"
if ! command -v wrk >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if ! command -v nginx >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
echo "wrk: $(wrk -v 2>&1 | head -1)"
echo "nginx: $(nginx -v 2>&1)"

echo "== machine"
echo "nproc $(nproc); $(grep MemTotal /proc/meminfo | sed 's/\s\+/ /g'); $(grep -m1 'model name' /proc/cpuinfo | sed 's/\s\+/ /g')"
echo "kernel $(uname -r); $(rustc --version); date $(date -u +%Y-%m-%dT%H:%M:%SZ); commit $(git rev-parse --short HEAD 2>/dev/null || echo none), $(git status --short 2>/dev/null | wc -l) files changed in the work tree; crates/pactum-server/src sha256 $(cat crates/pactum-server/src/*.rs crates/pactum-server/assets/* | sha256sum | cut -c1-12)"

echo "== build (release)"
cargo build --release -p pactum-cli
PACTUM=${CARGO_TARGET_DIR:-target}/release/pactum

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

echo "== pactum serve"
rm -f "$DIR/bench.db" "$DIR/bench.db-wal" "$DIR/bench.db-shm"
PORT=$(free_port)
PACTUM_ADMIN_PASSWORD=$PW "$PACTUM" serve --store "sqlite:$DIR/bench.db" --listen "127.0.0.1:$PORT" >"$DIR/pactum.log" 2>&1 &
PIDS+=($!)
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 300); do curl -sf "$BASE/api/v1/health" >/dev/null && break; sleep 0.1; done
curl -sf "$BASE/api/v1/health"
echo
# Log in, then make an API token with the session (a write: it needs the CSRF token).
CSRF=$(curl -sf -c "$DIR/cookies" -H 'Content-Type: application/json' -d "{\"name\":\"admin\",\"password\":\"$PW\"}" "$BASE/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
TOKEN=$(curl -sf -b "$DIR/cookies" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"label":"bench"}' "$BASE/api/v1/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
AUTH="Authorization: Bearer $TOKEN"
echo "token made; server log: $DIR/pactum.log"

echo "== the same bytes, pre-rendered, served by nginx"
STATIC="$DIR/static"
rm -rf "$STATIC" "$DIR/nginx"
mkdir -p "$STATIC" "$DIR/nginx/logs"
while IFS='|' read -r name path file script; do
    [ -n "$script" ] && continue
    curl -sf -H "$AUTH" "$BASE$path" -o "$STATIC/$file"
    printf '%-10s %-55s %7d bytes -> %s\n' "$name" "$path" "$(stat -c %s "$STATIC/$file")" "$file"
done <<<"$CASE_LIST"
SPORT=$(free_port)
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root;"
cat >"$DIR/nginx/nginx.conf" <<EOF
$USER_LINE
worker_processes auto;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    types { text/html html; application/json json; }
    server {
        listen 127.0.0.1:$SPORT;
        root $STATIC;
        location / { index index.html; }
    }
}
EOF
nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
SBASE="http://127.0.0.1:$SPORT"
for _ in $(seq 100); do curl -sf "$SBASE/status.json" >/dev/null && break; sleep 0.1; done
cmp <(curl -sf "$SBASE/status.json") "$STATIC/status.json" && echo "nginx on $SBASE serves $STATIC"

# The uncached cases: a different as_of on each request, so the evaluation cache (256 dates)
# always misses.
cat >"$DIR/dates.lua" <<'EOF'
-- wrk -s dates.lua URL -- PATH_PREFIX: requests PATH_PREFIX followed by a date, a different
-- one each time, cycling over 2,000 days from 2020-01-01 (each thread from its own start).
local prefix, i, n = "/", 0, 2000
local base = os.time({year = 2020, month = 1, day = 1, hour = 12})
local counter = 0
function setup(thread)
    counter = counter + 1
    thread:set("start", counter * 997)
end
function init(args)
    prefix = args[1] or prefix
    i = start or 0
end
function request()
    i = i + 1
    local day = os.date("!%Y-%m-%d", base + (i % n) * 86400)
    return wrk.format("GET", prefix .. day)
end
EOF

# Other work on the machine skews the figures: wait for it (at most WAIT_MAX s in all), and
# say what the load was.
busy_others() {
    top -b -n 2 -d 0.5 -o %CPU 2>/dev/null | awk -v min="$1" '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= min && $12 != "top" { printf "%s %s%%; ", $12, $9 }'
}
WAITED=0
quiet() {
    if [ "${WAIT_QUIET:-1}" = 1 ]; then
        local w=0
        while [ -n "$(busy_others 30)" ] && [ $WAITED -lt "$WAIT_MAX" ]; do
            sleep 10
            w=$((w + 10))
            WAITED=$((WAITED + 10))
        done
        [ $w -gt 0 ] && echo "   [waited ${w} s for other processes]"
    fi
    local busy
    busy=$(busy_others 10)
    echo "   [uptime:$(uptime | sed 's/.*load average/ load average/'); other processes over 10% CPU: ${busy:-none}]"
}

# CPU time, in clock ticks: the whole machine's busy time, and that of some processes.
HZ=$(getconf CLK_TCK)
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
proc_cpu() {
    local t=0 p
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
    done
    echo $t
}

bench() { # bench WHO NAME CONNS URL [SCRIPT PREFIX]
    local who=$1 name=$2 c=$3 url=$4 f="$OUT/$1-$2-c$3.txt" try
    echo "-- $who $name, $c connections: $url${6:+ (path: ${6}DATE)}"
    for try in 1 2 3; do
        quiet
        # What other processes use during the run: the machine's busy time less pactum's,
        # nginx's and wrk's.
        local ours b0 o0 b1 o1 others
        ours="${PIDS[*]} $(pgrep -P "${PIDS[1]}" | tr '\n' ' ')"
        b0=$(cpu_busy)
        # shellcheck disable=SC2086
        o0=$(proc_cpu $ours)
        if [ -n "${5:-}" ]; then
            /usr/bin/time -o "$f.time" -f "%U %S" wrk -t$THREADS -c"$c" -d"${DURATION}s" --latency -H "$AUTH" -s "$5" "$url" -- "$6" >"$f"
        else
            /usr/bin/time -o "$f.time" -f "%U %S" wrk -t$THREADS -c"$c" -d"${DURATION}s" --latency -H "$AUTH" "$url" >"$f"
        fi
        b1=$(cpu_busy)
        # shellcheck disable=SC2086
        o1=$(proc_cpu $ours)
        others=$(awk -v b=$((b1 - b0)) -v o=$((o1 - o0)) -v hz="$HZ" -v d="$DURATION" '{ w = ($1 + $2) * hz; x = (b - o - w) / hz / d * 100; printf "%.0f", x < 0 ? 0 : x }' "$f.time")
        echo "others_cpu_pct: $others" >>"$f"
        grep -E 'Requests/sec|^ +(50|99)%|Non-2xx|Socket errors' "$f" | sed 's/^ */   /'
        echo "   [other processes during the run: ${others}% of one CPU]"
        if [ "$others" -le 25 ] || [ $try = 3 ] || [ $WAITED -ge "$WAIT_MAX" ] || [ "${WAIT_QUIET:-1}" != 1 ]; then
            break
        fi
        echo "   [disturbed by other processes: measuring again]"
    done
}

echo "== wrk: $THREADS threads, ${DURATION} s each, connections: $CONNS"
# A short warm-up of both servers (the first request builds pactum's snapshot).
wrk -t1 -c4 -d2s -H "$AUTH" "$BASE/api/v1/status?as_of=2020-09-30" >/dev/null
wrk -t1 -c4 -d2s "$SBASE/status.json" >/dev/null
while IFS='|' read -r name path file script; do
    if [ -n "${CASES:-}" ] && ! grep -qw -- "$name" <<<"$CASES"; then continue; fi
    for c in $CONNS; do
        if [ -n "$script" ]; then
            bench pactum "$name" "$c" "$BASE" "$DIR/$script.lua" "$path"
        else
            bench pactum "$name" "$c" "$BASE$path"
            bench static "$name" "$c" "$SBASE/$file"
        fi
    done
done <<<"$CASE_LIST"

# What a user without the server does for a date nobody pre-rendered: run the CLI.
echo "== the CLI instead, one process per date: pactum status examples/doha-2020 --as-of DATE --format json"
quiet
N=50
T0=$(date +%s%N)
for i in $(seq $N); do
    "$PACTUM" status examples/doha-2020 --as-of "$(date -u -d "2020-01-01 + $((i * 37)) days" +%F)" --format json >/dev/null 2>&1
done
T1=$(date +%s%N)
echo "   $N runs: $(((T1 - T0) / 1000000)) ms in all, $(((T1 - T0) / N / 1000)) us per date, one at a time" | tee "$OUT/cli.txt"

echo "== pactum's memory after the run: $(grep VmHWM "/proc/${PIDS[0]}/status" | sed 's/\s\+/ /g')"
echo "== summary (waited ${WAITED} s in all for other processes)"
summary
