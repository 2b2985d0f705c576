#!/usr/bin/env python3
"""DuckDB side of the import benchmark (scripts/bench-import.sh, docs/benchmarks-import.md).

Loads an ACLED-format CSV (31 columns) into a table, typed, and computes the counts that the
reduction-in-violence provision `riv_attacks` of examples/doha-2020/riv.pactum computes: Taliban
attacks on the Afghan army or police (event_type Battles or Explosions/Remote violence, actor1
Taliban, actor2 Military or Police Forces of Afghanistan (2014-2021)) in the week measured
(2020-02-22..2020-02-28), the baseline week (2020-02-15..2020-02-21) and the week after
(2020-02-29..2020-03-06), overall and per admin1 (province). Then inserts a day's new rows and
runs the same query again.

Dates are read as pactum reads them: an event known to the week (time_precision 2) counts on the
Sunday of its Monday-Sunday week, one known to the month (3) on the last day of the month (the
last day it could have happened, which is the date pactum's count uses).

Names: pactum's mapping compares them in any case, after trimming. The timed query compares them
exactly, as an analyst would write it for this file, because that is DuckDB's fastest correct
query here (the file writes every name one way); the same query with lower(trim(...)), pactum's
rule, is run once too, reported as `query_ci_s`, and must give the same counts.

    .bench-venv/bin/python scripts/bench_duckdb_import.py BIG.csv --day DAY.csv \
        [--threads N] [--db PATH] [--compare-status status.json ...] [--label NAME]

Prints the timings and the counts, then one JSON line with every figure.
"""

import argparse
import json
import os
import resource
import sys
import time

import duckdb

COLUMNS = {
    "event_id_cnty": "VARCHAR",
    "event_date": "DATE",
    "year": "INTEGER",
    "time_precision": "TINYINT",
    "disorder_type": "VARCHAR",
    "event_type": "VARCHAR",
    "sub_event_type": "VARCHAR",
    "actor1": "VARCHAR",
    "assoc_actor_1": "VARCHAR",
    "inter1": "VARCHAR",
    "actor2": "VARCHAR",
    "assoc_actor_2": "VARCHAR",
    "inter2": "VARCHAR",
    "interaction": "VARCHAR",
    "civilian_targeting": "VARCHAR",
    "iso": "INTEGER",
    "region": "VARCHAR",
    "country": "VARCHAR",
    "admin1": "VARCHAR",
    "admin2": "VARCHAR",
    "admin3": "VARCHAR",
    "location": "VARCHAR",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "geo_precision": "TINYINT",
    "source": "VARCHAR",
    "source_scale": "VARCHAR",
    "notes": "VARCHAR",
    "fatalities": "INTEGER",
    "tags": "VARCHAR",
    "timestamp": "BIGINT",
}

WINDOWS = {
    "during": ("2020-02-22", "2020-02-28"),
    "against": ("2020-02-15", "2020-02-21"),
    "after": ("2020-02-29", "2020-03-06"),
}


def read_csv(path):
    cols = ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items())
    p = path.replace("'", "''")
    return f"read_csv('{p}', header = true, delim = ',', quote = '\"', escape = '\"', columns = {{{cols}}})"


def count_query(any_case=False):
    filters = ", ".join(
        f"count(*) FILTER (WHERE d BETWEEN DATE '{a}' AND DATE '{b}') AS {name}" for name, (a, b) in WINDOWS.items()
    )
    if any_case:
        where = """lower(trim(event_type)) IN ('battles', 'explosions/remote violence')
              AND lower(trim(actor1)) = 'taliban'
              AND lower(trim(actor2)) IN ('military forces of afghanistan (2014-2021)',
                                          'police forces of afghanistan (2014-2021)')"""
    else:
        where = """event_type IN ('Battles', 'Explosions/Remote violence')
              AND actor1 = 'Taliban'
              AND actor2 IN ('Military Forces of Afghanistan (2014-2021)', 'Police Forces of Afghanistan (2014-2021)')"""
    return f"""
        WITH attacks AS (
            SELECT admin1,
                   CASE time_precision
                       WHEN 2 THEN event_date + CAST(7 - isodow(event_date) AS INTEGER)
                       WHEN 3 THEN last_day(event_date)
                       ELSE event_date
                   END AS d
            FROM acled
            WHERE {where}
        )
        SELECT admin1, {filters}
        FROM attacks
        GROUP BY ROLLUP (admin1)
        ORDER BY admin1 NULLS FIRST
    """


def timed(label, f):
    t = time.perf_counter()
    out = f()
    s = time.perf_counter() - t
    print(f"{label:<52} {s:9.3f} s   peak RSS so far {peak_mb():8.0f} MB", flush=True)
    return out, s


def peak_mb():
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def counts(rows):
    """{place or None (all): {window: count}}"""
    out = {}
    for r in rows:
        out[r[0]] = dict(zip(WINDOWS.keys(), r[1:]))
    return out


def show(c):
    total = c.get(None, {})
    per_day = {k: v / 7 for k, v in total.items()}
    print(
        f"  all provinces: during {total.get('during')} ({per_day.get('during', 0):.2f} a day), "
        f"against {total.get('against')} ({per_day.get('against', 0):.2f} a day), "
        f"after {total.get('after')} ({per_day.get('after', 0):.2f} a day)"
    )
    for place in sorted((p for p in c if p is not None), key=lambda p: (-c[p]["against"], p)):
        w = c[place]
        print(f"  {place:<12} during {w['during']:6d}  against {w['against']:6d}  after {w['after']:6d}")


def compare_status(path, c):
    """Checks pactum's figures for riv_attacks (from `pactum status --format json`) against DuckDB's.

    pactum gives rates per day (count / 7) overall in the reason and per place in by_place. The
    `during` and `against` weeks must agree exactly. The week after may differ by what the case's
    own evidence.csv adds (e.g. a report of 43 attacks in Helmand on 2020-03-03): those
    differences are listed, not counted as failures.
    """
    import re

    with open(path) as f:
        status = json.load(f)
    p = next(x for x in status["provisions"] if x["id"] == "riv_attacks")
    m = re.search(r"([0-9.]+) a day from \S+ to \S+ against ([0-9.]+) a day", p["reason"])
    problems, notes = [], []
    if m:
        for name, got in (("during", float(m.group(1))), ("against", float(m.group(2)))):
            want = c.get(None, {}).get(name, 0) / 7
            if abs(got - want) > 0.006:
                problems.append(f"overall {name}: pactum {got:.2f} a day, DuckDB {want:.2f}")
    else:
        problems.append(f"cannot read the rates in pactum's reason: {p['reason']}")
    seen = set()
    for r in p.get("by_place", []):
        place = r["place"]
        seen.add(place)
        for name in WINDOWS:
            if r.get(name) is None:
                continue
            got = round(r[name] * 7, 6)
            want = c.get(place, {}).get(name, 0)
            if abs(got - want) > 1e-6:
                msg = f"{place} {name}: pactum {got:g}, DuckDB {want}"
                (notes if name == "after" or place not in c else problems).append(msg)
    for place in c:
        if place is not None and place not in seen and any(c[place].values()):
            problems.append(f"{place}: DuckDB counts {c[place]}, pactum lists no rate")
    print(f"== cross-check against pactum ({path}), provision riv_attacks: state {p['state']}")
    print(f"  pactum: {p['reason']}")
    for n in notes:
        print(f"  differs, from the case's own evidence.csv rather than ACLED rows: {n}")
    for pr in problems:
        print(f"  MISMATCH {pr}")
    print(f"  during and against weeks, overall and per province: {'equal' if not problems else 'NOT EQUAL'}")
    return not problems, notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("big")
    ap.add_argument("--day", required=True)
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: DuckDB's default)")
    ap.add_argument("--db", default=":memory:", help="a database file, or :memory:")
    ap.add_argument("--compare-status", action="append", default=[], help="pactum status JSON to cross-check the counts against (repeatable)")
    ap.add_argument("--label", default="duckdb")
    a = ap.parse_args()

    if a.db != ":memory:":
        for suffix in ("", ".wal"):
            if os.path.exists(a.db + suffix):
                os.remove(a.db + suffix)
    con, connect_s = timed(f"connect ({a.db})", lambda: duckdb.connect(a.db))
    if a.threads:
        con.execute(f"SET threads = {a.threads}")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"duckdb {duckdb.__version__}, threads {threads}, database {a.db}", flush=True)

    def load():
        con.execute(f"CREATE TABLE acled AS SELECT * FROM {read_csv(a.big)}")
        if a.db != ":memory:":
            con.execute("CHECKPOINT")

    _, load_s = timed("load the CSV into a table (read_csv, typed)", load)
    rows = con.execute("SELECT count(*) FROM acled").fetchone()[0]
    print(f"  {rows} rows")
    q = count_query()
    res, query_s = timed("count (3 windows, overall and per admin1)", lambda: con.execute(q).fetchall())
    c = counts(res)
    show(c)
    res_ci, query_ci_s = timed("  the same, names in any case (lower(trim(...)))", lambda: con.execute(count_query(True)).fetchall())
    if counts(res_ci) != c:
        print("  MISMATCH: comparing names in any case gives other counts")
        sys.exit(1)
    load_peak = peak_mb()

    def insert():
        con.execute(f"INSERT INTO acled SELECT * FROM {read_csv(a.day)}")
        if a.db != ":memory:":
            con.execute("CHECKPOINT")

    _, insert_s = timed("insert the day's rows", insert)
    rows2 = con.execute("SELECT count(*) FROM acled").fetchone()[0]
    print(f"  {rows2 - rows} rows added, {rows2} in all")
    res2, requery_s = timed("count again", lambda: con.execute(q).fetchall())
    c2 = counts(res2)
    changed = c2 != c
    print(f"  counts changed by the day's rows: {changed}")

    agree = None
    for path in a.compare_status:
        if os.path.exists(path):
            ok, _ = compare_status(path, c)
            agree = ok if agree is None else (agree and ok)

    out = {
        "label": a.label,
        "duckdb": duckdb.__version__,
        "threads": int(threads),
        "db": a.db,
        "rows": rows,
        "day_rows": rows2 - rows,
        "connect_s": connect_s,
        "load_s": load_s,
        "query_s": query_s,
        "query_ci_s": query_ci_s,
        "end_to_end_s": load_s + query_s,
        "insert_s": insert_s,
        "requery_s": requery_s,
        "incremental_s": insert_s + requery_s,
        "load_peak_rss_mb": load_peak,
        "peak_rss_mb": peak_mb(),
        "total": c.get(None),
        "agree_with_pactum": agree,
    }
    print(json.dumps(out))
    if agree is False:
        sys.exit(1)


if __name__ == "__main__":
    main()
