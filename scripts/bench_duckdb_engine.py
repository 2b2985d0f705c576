#!/usr/bin/env python3
"""What an analyst would do without pactum: load the evidence CSV into DuckDB and compute, in SQL,
the per-provision quantities that decide each verdict on the evaluation date.

Usage:
    bench_duckdb_engine.py CASE_DIR [--threads N] [--engine-states FILE] [--json-only]

CASE_DIR is a folder written by `pactum-gen` (agreement.pactum, evidence.csv, spec.json). The
script reads the structured description of the agreement from spec.json (the same measures and
provisions as agreement.pactum), so it does not parse the pactum language.

Stages, each timed:
  load      read_csv of the whole file into a table (all columns as text)
  prepare   parse dates (day, month, year, ranges) and quantities (numbers, ranges), resolve
            actor/target names and aliases to parties, apply denials/corrections/retractions,
            and validate (unique ids, refs that resolve, known kinds, required fields, dates)
  series    for every distinct (aggregate, kind, filter) that a measure, a perform, a forbid or a
            first(...) reads: per-day aggregates and their running totals / latest values, under
            both readings of ranged dates (last day, and first day for the benefit of the doubt)
  probes    per provision: the first day its threshold holds (or fails, for maintain), the value
            on the evaluation date, on each instalment due date, and over reduce windows
  verdicts  (Python, tiny) turns those quantities into a state per provision for the provisions
            whose meaning needs no other provision's state; with --engine-states it compares them
            with the engine's states.

See docs/benchmarks.md for what is and is not the same work as the engine.
"""

import argparse
import calendar
import datetime as dt
import json
import os
import sys
import time

import duckdb

KINDS = [
    "troop_level", "base_withdrawal", "prisoners_released_total", "prisoner_release", "attack",
    "airstrike", "incidents_per_day", "talks_started", "talks_suspended", "ceasefire", "decision",
    "unsc_endorsement", "sanctions_lifted", "terrorist_ties", "statement",
]


class OutOfScope(Exception):
    """A provision whose meaning depends on other provisions' states (met/due/breached, provided,
    consequences): computing it needs the engine's day-by-day semantics, not a query."""


def add_months(d, n):
    total = d.year * 12 + (d.month - 1) + n
    y, m = divmod(total, 12)
    m += 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def offset(d, amount, unit, direction):
    sign = 1 if direction == "after" else -1
    if unit == "days":
        return d + dt.timedelta(days=sign * amount)
    if unit == "weeks":
        return d + dt.timedelta(days=sign * 7 * amount)
    if unit == "months":
        return add_months(d, sign * amount)
    return add_months(d, sign * 12 * amount)


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def filter_sql(f):
    """The WHERE clause of a filter from spec.json (a conjunction of `in` lists)."""
    parts = [f"kind = {sql_str(f['kind'])}"]
    for field in ("actor", "target"):
        atoms = f.get(field)
        if atoms is None:
            continue
        parties = [a["party"] for a in atoms if "party" in a]
        texts = [a["text"].lower() for a in atoms if "text" in a]
        ors = []
        if parties:
            ors.append(f"{field}_party IN ({', '.join(sql_str(p) for p in parties)})")
        if texts:
            ors.append(f"{field}_l IN ({', '.join(sql_str(t) for t in texts)})")
        parts.append("coalesce(" + " OR ".join(ors) + ", false)")
    if f.get("place") is not None:
        cond = f"coalesce(place_l IN ({', '.join(sql_str(p.lower()) for p in f['place'])}), false)"
        parts.append(f"NOT {cond}" if f.get("not_place") else cond)
    return " AND ".join(parts)


class Bench:
    def __init__(self, case_dir, threads):
        self.case_dir = case_dir
        self.spec = json.load(open(os.path.join(case_dir, "spec.json")))
        self.con = duckdb.connect()
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.threads = self.con.execute("SELECT current_setting('threads')").fetchone()[0]
        self.times = {}
        self.series = {}  # key -> (sid, agg, filter)
        self.measures = {m["id"]: m for m in self.spec["measures"]}
        self.as_of = dt.date.fromisoformat(self.spec["as_of"])
        self.signing = dt.date.fromisoformat(self.spec["signing"])

    def timed(self, name, fn):
        t = time.perf_counter()
        out = fn()
        self.times[name] = time.perf_counter() - t
        return out

    # -- load and prepare --------------------------------------------------------------------

    def load(self):
        cols = ["id", "date", "kind", "actor", "target", "quantity", "place", "rel", "ref", "source_outlet",
                "source_date", "source_title", "source_url", "note"]
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
        path = os.path.join(self.case_dir, "evidence.csv")
        self.con.execute(
            f"CREATE TABLE raw AS SELECT * FROM read_csv({sql_str(path)}, header = true, delim = ',', quote = '\"', "
            f"escape = '\"', columns = {columns}, auto_detect = false)"
        )
        return self.con.execute("SELECT count(*) FROM raw").fetchone()[0]

    def prepare(self):
        c = self.con
        names = []
        for p in self.spec["parties"]:
            for n in [p["id"], p["name"], *p["aliases"]]:
                names.append(f"({sql_str(n.lower())}, {sql_str(p['id'])})")
        c.execute(f"CREATE TABLE alias AS SELECT DISTINCT * FROM (VALUES {', '.join(names)}) t(name, party)")
        c.execute("""
            CREATE MACRO d_first(s) AS CASE length(s)
                WHEN 10 THEN TRY_CAST(s AS DATE)
                WHEN 7 THEN TRY_CAST(s || '-01' AS DATE)
                WHEN 4 THEN TRY_CAST(s || '-01-01' AS DATE) END;
            CREATE MACRO d_last(s) AS CASE length(s)
                WHEN 10 THEN TRY_CAST(s AS DATE)
                WHEN 7 THEN last_day(TRY_CAST(s || '-01' AS DATE))
                WHEN 4 THEN TRY_CAST(s || '-12-31' AS DATE) END;
        """)
        c.execute("""
            CREATE TABLE ev AS
            WITH r AS (
                SELECT *, trim(date) AS ds, nullif(trim(quantity), '') AS qs FROM raw
            ), x AS (
                SELECT r.*,
                    trim(CASE WHEN strpos(ds, '..') > 0 THEN split_part(ds, '..', 1) ELSE ds END) AS ds1,
                    trim(CASE WHEN strpos(ds, '..') > 0 THEN split_part(ds, '..', 2) ELSE ds END) AS ds2,
                    regexp_replace(CASE WHEN strpos(qs, '..') > 0 THEN split_part(qs, '..', 1) ELSE qs END, '[,_]', '', 'g') AS q1,
                    regexp_replace(CASE WHEN strpos(qs, '..') > 0 THEN split_part(qs, '..', 2) ELSE qs END, '[,_]', '', 'g') AS q2
                FROM r
            )
            SELECT trim(x.id) AS id, trim(x.kind) AS kind, d_first(ds1) AS dfirst, d_last(ds2) AS dlast,
                a.party AS actor_party, lower(trim(x.actor)) AS actor_l,
                t.party AS target_party, lower(trim(x.target)) AS target_l,
                lower(nullif(trim(x.place), '')) AS place_l,
                qs, TRY_CAST(q1 AS DOUBLE) AS qlo, TRY_CAST(q2 AS DOUBLE) AS qhi,
                coalesce(nullif(trim(x.rel), ''), 'asserts') AS rel, nullif(trim(x.ref), '') AS ref,
                nullif(trim(x.source_outlet), '') AS outlet, nullif(trim(x.source_date), '') AS sdate,
                coalesce(nullif(trim(x.source_title), ''), nullif(trim(x.source_url), '')) AS title_or_url
            FROM x
            LEFT JOIN alias a ON a.name = lower(trim(x.actor))
            LEFT JOIN alias t ON t.name = lower(trim(x.target))
        """)
        kinds = ", ".join(sql_str(k) for k in KINDS)
        bad = c.execute(f"""
            SELECT
                (SELECT count(*) FROM ev WHERE id IS NULL OR NOT regexp_full_match(id, '[A-Za-z0-9_.:-]+')),
                (SELECT count(*) FROM ev WHERE dfirst IS NULL OR dlast IS NULL OR dlast < dfirst),
                (SELECT count(*) FROM ev WHERE kind NOT IN ({kinds})),
                (SELECT count(*) FROM ev WHERE qs IS NOT NULL AND (qlo IS NULL OR qhi IS NULL OR qhi < qlo)),
                (SELECT count(*) FROM ev WHERE rel NOT IN ('asserts', 'denies', 'corrects', 'retracts')
                    OR (rel <> 'asserts') <> (ref IS NOT NULL)),
                (SELECT count(*) FROM ev WHERE outlet IS NULL OR sdate IS NULL OR d_first(sdate) IS NULL OR title_or_url IS NULL),
                (SELECT count(*) - count(DISTINCT id) FROM ev),
                (SELECT count(*) FROM ev e WHERE ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ev f WHERE f.id = e.ref))
        """).fetchone()
        if any(bad):
            raise SystemExit(f"invalid evidence (ids, dates, kinds, quantities, rel/ref, sources, duplicate ids, refs): {bad}")
        c.execute("""
            CREATE TABLE items AS
            SELECT e.id, e.kind, e.dfirst, e.dlast, e.actor_party, e.actor_l, e.target_party, e.target_l, e.place_l,
                   e.qlo, e.qhi, (d.ref IS NOT NULL) AS contested
            FROM ev e
            LEFT JOIN (SELECT DISTINCT ref FROM ev WHERE rel = 'denies') d ON d.ref = e.id
            LEFT JOIN (SELECT DISTINCT ref FROM ev WHERE rel IN ('corrects', 'retracts')) x ON x.ref = e.id
            WHERE x.ref IS NULL AND e.rel <> 'retracts'
              -- a denial is evidence of a statement, never of the kind of thing it denies
              AND NOT (e.rel = 'denies' AND e.kind <> 'statement')
            -- Stored by kind, so that a series' scan skips the row groups of other kinds (the
            -- engine likewise groups items by kind before filtering each series).
            ORDER BY e.kind, e.dlast
        """)
        return c.execute("SELECT count(*), count(*) FILTER (WHERE contested) FROM items").fetchone()

    # -- series ------------------------------------------------------------------------------

    def sid(self, agg, f):
        key = json.dumps([agg, f], sort_keys=True)
        if key not in self.series:
            self.series[key] = (len(self.series), agg, f)
        return self.series[key][0]

    def measure_sid(self, mid):
        m = self.measures[mid]
        return self.sid(m["agg"], m["filter"])

    def collect_series(self):
        for m in self.spec["measures"]:
            self.measure_sid(m["id"])

        def times(t):
            if t is None:
                return
            if "first" in t:
                self.sid("count", t["first"])
            if "offset" in t:
                times(t["offset"]["base"])

        for p in self.spec["provisions"]:
            d = p.get("duty")
            if not d:
                continue
            if d["type"] in ("perform", "forbid"):
                self.sid("count", d["filter"])
            for k in ("deadline", "from", "until"):
                times(d.get(k))
            times(p.get("trigger"))

    def build_series(self):
        """Per series, reading and day: the aggregate of the matching items dated that day, then
        running totals (count, sum), running extremes (min, max) and the latest group (latest)."""
        c = self.con
        selects = []
        for sid, agg, f in self.series.values():
            where = filter_sql(f)
            if agg == "count":
                lo = "CASE WHEN contested THEN 0 ELSE coalesce(qlo, 1) END"
                hi = "coalesce(qhi, 1)"
            elif agg == "sum":
                lo, hi = "CASE WHEN contested THEN 0 ELSE qlo END", "qhi"
                where += " AND qlo IS NOT NULL"
            else:
                lo, hi = "qlo", "qhi"
                where += " AND qlo IS NOT NULL"
            selects.append(f"SELECT {sid} AS sid, dlast, dfirst, {lo} AS lo, {hi} AS hi, contested FROM items WHERE {where}")
        c.execute("CREATE TABLE matched AS " + "\nUNION ALL\n".join(selects))
        c.execute("""
            CREATE TABLE daily AS
            SELECT sid, reading, d, sum(lo) AS lo, sum(hi) AS hi, bool_or(contested) AS contested,
                   min(lo) AS min_lo, max(hi) AS max_hi, max(lo) AS max_lo, min(hi) AS min_hi,
                   min(hi) FILTER (WHERE NOT contested) AS sure_min_hi, max(lo) FILTER (WHERE NOT contested) AS sure_max_lo,
                   bool_or(NOT contested) AS any_sure,
                   min(d) FILTER (WHERE NOT contested) AS first_definite
            FROM (SELECT sid, 'last' AS reading, dlast AS d, lo, hi, contested FROM matched
                  UNION ALL
                  SELECT sid, 'first' AS reading, dfirst AS d, lo, hi, contested FROM matched)
            GROUP BY sid, reading, d
        """)
        aggs = {sid: agg for sid, agg, _ in self.series.values()}
        kind_of = "CASE sid " + " ".join(f"WHEN {s} THEN {sql_str(a)}" for s, a in aggs.items()) + " END"
        # count, sum: running totals. min, max: running extremes; a denied reading may be false,
        # so the bound it would set is taken only from undenied readings. latest: the last day's
        # group; when every report of that day is denied, any reading back to the last day with
        # an undenied one may be the real latest (and with none undenied, maybe none at all).
        c.execute(f"""
            CREATE TABLE cum AS
            WITH w AS (
                SELECT sid, reading, d, {kind_of} AS agg,
                    sum(lo) OVER run AS c_lo, sum(hi) OVER run AS c_hi, sum(contested::INT) OVER run AS c_cont,
                    min(min_lo) OVER run AS r_min_lo, max(max_hi) OVER run AS r_max_hi,
                    min(sure_min_hi) OVER run AS r_sure_min_hi, max(sure_max_lo) OVER run AS r_sure_max_lo,
                    bool_or(any_sure) OVER run AS r_any_sure,
                    max(CASE WHEN any_sure THEN d END) OVER run AS seg,
                    min_lo, max_hi, max_lo, min_hi, contested, any_sure
                FROM daily
                WINDOW run AS (PARTITION BY sid, reading ORDER BY d ROWS UNBOUNDED PRECEDING)
            ), s AS (
                SELECT *, min(min_lo) OVER seg_w AS s_min_lo, max(max_hi) OVER seg_w AS s_max_hi
                FROM w
                WINDOW seg_w AS (PARTITION BY sid, reading, seg ORDER BY d ROWS UNBOUNDED PRECEDING)
            )
            SELECT sid, reading, d, agg, c_lo, c_hi, c_cont,
                CASE WHEN agg IN ('count', 'sum') THEN c_lo
                     WHEN agg = 'min' THEN r_min_lo
                     WHEN agg = 'max' THEN CASE WHEN r_any_sure THEN r_sure_max_lo ELSE r_min_lo END
                     ELSE CASE WHEN any_sure THEN min_lo ELSE s_min_lo END END AS lo,
                CASE WHEN agg IN ('count', 'sum') THEN c_hi
                     WHEN agg = 'min' THEN CASE WHEN r_any_sure THEN r_sure_min_hi ELSE r_max_hi END
                     WHEN agg = 'max' THEN r_max_hi
                     ELSE CASE WHEN any_sure THEN max_hi ELSE s_max_hi END END AS hi,
                CASE WHEN agg IN ('count', 'sum', 'min', 'max') THEN c_cont > 0
                     ELSE CASE WHEN any_sure THEN contested OR max_lo > min_hi ELSE true END END AS disputed,
                CASE WHEN agg IN ('min', 'max') THEN NOT r_any_sure
                     WHEN agg = 'latest' THEN NOT any_sure AND seg IS NULL
                     ELSE false END AS maybe_empty
            FROM s
        """)
        firsts = c.execute("SELECT sid, reading, min(first_definite) FROM daily GROUP BY sid, reading").fetchall()
        self.first_dates = {(s, r): d for s, r, d in firsts}
        return c.execute("SELECT count(*) FROM cum").fetchone()[0]

    # -- times -------------------------------------------------------------------------------

    def resolve(self, t, reading):
        """(date or None, date from which it is known or None). Raises OutOfScope for times that
        depend on other provisions."""
        if t is None:
            return None, None
        if "date" in t:
            d = dt.date.fromisoformat(t["date"])
            return d, dt.date.min
        if "first" in t:
            d = self.first_dates.get((self.sid("count", t["first"]), reading))
            return d, d
        if "offset" in t:
            o = t["offset"]
            b, known = self.resolve(o["base"], reading)
            if b is None:
                return None, None
            return offset(b, o["amount"], o["unit"], o["direction"]), known
        raise OutOfScope("depends on another provision")

    # -- probes ------------------------------------------------------------------------------

    def run_probes(self):
        """Builds one probe per quantity a verdict needs and answers them all in SQL."""
        rows = []
        self.plans = {}
        self.out_of_scope = {}
        targeted = set()
        for p in self.spec["provisions"]:
            for c in p.get("consequences") or []:
                targeted.add(c["target"])
        for p in self.spec["provisions"]:
            pid = p["id"]
            try:
                if p.get("unmonitorable"):
                    self.plans[pid] = ("unmonitorable",)
                    continue
                if p.get("provided") is not None:
                    raise OutOfScope("has a `provided` condition")
                if pid in targeted:
                    raise OutOfScope("is the target of another provision's consequence")
                plan = {}
                for reading in ("last", "first"):
                    plan[reading] = self.plan(p, reading, rows)
                self.plans[pid] = ("plan", p, plan)
            except OutOfScope as e:
                self.out_of_scope[pid] = str(e)
        c = self.con
        c.execute("CREATE OR REPLACE TABLE probes (pno INT, sid INT, reading VARCHAR, cmp VARCHAR, t DOUBLE, "
                  "lo_d DATE, hi_d DATE, wa DATE, wb DATE, agg VARCHAR)")
        aggs = {sid: agg for sid, agg, _ in self.series.values()}
        rows = [r + (aggs[r[1]],) for r in rows]
        if rows:
            c.executemany("INSERT INTO probes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        c.execute("""
            CREATE OR REPLACE MACRO tri3(all_, none_, maybe_empty) AS CASE
                WHEN all_ AND maybe_empty THEN 'U' WHEN all_ THEN 'T' WHEN none_ THEN 'F' ELSE 'U' END;
            CREATE OR REPLACE MACRO tri(lo, hi, empty, maybe_empty, cmp, t) AS CASE
                WHEN empty THEN 'F'
                WHEN cmp IN ('>=', 'at least', 'up to') THEN tri3(lo >= t, hi < t, maybe_empty)
                WHEN cmp = '>' THEN tri3(lo > t, hi <= t, maybe_empty)
                WHEN cmp IN ('<=', 'at most') THEN tri3(hi <= t, lo > t, maybe_empty)
                WHEN cmp = '<' THEN tri3(hi < t, lo >= t, maybe_empty)
                WHEN cmp = '==' THEN tri3(lo = t AND hi = t, t < lo OR t > hi, maybe_empty)
            END
        """)
        # The window base: for a windowed series, the running total the day before the window.
        c.execute("""
            CREATE OR REPLACE TABLE pb AS
            SELECT p.*, coalesce(b.c_lo, 0) AS b_lo, coalesce(b.c_hi, 0) AS b_hi, coalesce(b.c_cont, 0) AS b_cont
            FROM probes p ASOF LEFT JOIN cum b
              ON p.sid = b.sid AND p.reading = b.reading AND (p.wa - INTERVAL 1 DAY)::DATE >= b.d
        """)
        # Candidate days: the first day of the probe, and every day in it on which the series changes.
        c.execute("""
            CREATE OR REPLACE TABLE cand AS
            WITH starts AS (
                SELECT pb.pno, pb.lo_d AS d, v.lo, v.hi, v.disputed, v.maybe_empty, v.c_lo, v.c_hi, v.c_cont, (v.sid IS NULL) AS empty
                FROM pb ASOF LEFT JOIN cum v ON pb.sid = v.sid AND pb.reading = v.reading
                    AND least(pb.lo_d, coalesce(pb.wb, pb.lo_d)) >= v.d
            ), changes AS (
                SELECT pb.pno, v.d, v.lo, v.hi, v.disputed, v.maybe_empty, v.c_lo, v.c_hi, v.c_cont, false AS empty
                FROM pb JOIN cum v ON pb.sid = v.sid AND pb.reading = v.reading
                    AND v.d > pb.lo_d AND v.d <= least(pb.hi_d, coalesce(pb.wb, pb.hi_d))
            ), ends AS (
                SELECT pb.pno, pb.hi_d AS d, v.lo, v.hi, v.disputed, v.maybe_empty, v.c_lo, v.c_hi, v.c_cont, (v.sid IS NULL) AS empty
                FROM pb ASOF LEFT JOIN cum v ON pb.sid = v.sid AND pb.reading = v.reading
                    AND least(pb.hi_d, coalesce(pb.wb, pb.hi_d)) >= v.d
            )
            SELECT pno, d, lo, hi, disputed, maybe_empty, c_lo, c_hi, c_cont, empty, false AS is_end FROM starts
            UNION ALL SELECT pno, d, lo, hi, disputed, maybe_empty, c_lo, c_hi, c_cont, empty, false FROM changes
            UNION ALL SELECT pno, d, lo, hi, disputed, maybe_empty, c_lo, c_hi, c_cont, empty, true FROM ends
        """)
        res = c.execute("""
            WITH v AS (
                SELECT c.pno, c.d, c.is_end, pb.cmp, pb.t,
                    -- a count or sum of nothing is zero, not "no reading"
                    CASE WHEN pb.wa IS NULL THEN coalesce(c.lo, 0) ELSE coalesce(c.c_lo, 0) - pb.b_lo END AS lo,
                    CASE WHEN pb.wa IS NULL THEN coalesce(c.hi, 0) ELSE coalesce(c.c_hi, 0) - pb.b_hi END AS hi,
                    CASE WHEN pb.wa IS NOT NULL THEN c.d < pb.wa WHEN pb.agg IN ('count', 'sum') THEN false
                         ELSE c.empty END AS empty,
                    CASE WHEN pb.wa IS NULL THEN coalesce(c.disputed, false) ELSE coalesce(c.c_cont, 0) - pb.b_cont > 0 END AS disputed,
                    CASE WHEN pb.wa IS NULL THEN coalesce(c.maybe_empty, false) ELSE false END AS maybe_empty
                FROM cand c JOIN pb USING (pno)
                WHERE c.d >= pb.lo_d AND c.d <= pb.hi_d
            )
            SELECT pno,
                min(d) FILTER (WHERE NOT is_end AND tri(lo, hi, empty, maybe_empty, cmp, t) = 'T') AS first_t,
                min(d) FILTER (WHERE NOT is_end AND NOT empty AND tri(lo, hi, empty, maybe_empty, cmp, t) = 'F') AS first_f,
                any_value(tri(lo, hi, empty, maybe_empty, cmp, t)) FILTER (WHERE is_end) AS end_tri,
                any_value(lo) FILTER (WHERE is_end) AS end_lo,
                any_value(hi) FILTER (WHERE is_end) AS end_hi,
                any_value(empty) FILTER (WHERE is_end) AS end_empty,
                any_value(disputed) FILTER (WHERE is_end) AS end_disputed
            FROM v GROUP BY pno
        """).fetchall()
        self.answers = {r[0]: r[1:] for r in res}
        return len(rows)

    def probe(self, rows, sid, reading, cmp, t, lo_d, hi_d, wa=None, wb=None):
        """Registers a probe and returns its number. Candidate days run from lo_d to hi_d (both
        included); the series is read up to min(day, wb), from wa when windowed."""
        pno = len(rows)
        rows.append((pno, sid, reading, cmp, float(t), lo_d, max(lo_d, hi_d), wa, wb))
        return pno

    def plan(self, p, reading, rows):
        d = p["duty"]
        start = self.signing
        trig = p.get("trigger")
        trigger_known = None
        if trig is not None:
            td, known = self.resolve(trig, reading)
            if td is None or (known is not None and known > self.as_of) or td > self.as_of:
                return {"pending": True}
            trigger_known = max(td, known or td)
            start = max(start, td, trigger_known)
        ty = d["type"]
        if ty in ("achieve", "perform"):
            if ty == "achieve":
                m = self.measures[d["measure"]]
                sid, cmp, t = self.measure_sid(m["id"]), d["cmp"], d["value"]
                win = [dt.date.fromisoformat(x) for x in m["window"]] if m["window"] else None
            else:
                # Events count from the day the duty starts (signing or trigger), not before.
                sid, cmp, t, win = self.sid("count", d["filter"]), ">=", 1.0, (start, None)
            dl, dl_known = self.resolve(d.get("deadline"), reading)
            wa, wb = (win[0], win[1]) if win else (None, None)
            plan = {"type": ty, "start": start, "deadline": dl, "deadline_known": dl_known}
            if d.get("then"):
                inst = d["then"]
                plan["cap"] = self.probe(rows, sid, reading, ">=", inst["cap"], start, self.as_of, wa, wb)
                dues = []
                k, need = 0, min(d["value"], inst["cap"])
                while True:
                    amount = inst["every"]["amount"] * k
                    due = offset(dl, amount, inst["every"]["unit"], "after")
                    if due >= self.as_of:
                        break
                    dues.append((due, self.probe(rows, sid, reading, ">=", need, due, due, wa, wb)))
                    if need >= inst["cap"]:
                        break
                    k += 1
                    need = min(d["value"] + inst["step"] * k, inst["cap"])
                plan["dues"] = dues
                return plan
            plan["probe"] = self.probe(rows, sid, reading, cmp, t, start, self.as_of, wa, wb)
            return plan
        if ty in ("forbid", "maintain"):
            a, _ = self.resolve(d["from"], reading)
            b, _ = self.resolve(d.get("until"), reading)
            # The period counts from `a`; the provision is looked at from its start (signing, trigger).
            first_day = max(a, start)
            if first_day > self.as_of:
                return {"pending": True}
            end = min(b, self.as_of) if b else self.as_of
            plan = {"type": ty, "a": a, "b": b}
            if ty == "forbid":
                sid = self.sid("count", d["filter"])
                plan["probe"] = self.probe(rows, sid, reading, ">=", 1.0, first_day, end, a, end)
            else:
                # The level is read on min(day, until): once the period is over, on its last day.
                sid = self.measure_sid(d["measure"])
                plan["probe"] = self.probe(rows, sid, reading, d["cmp"], d["value"], min(first_day, end), end)
            return plan
        if ty == "reduce":
            sid = self.measure_sid(d["measure"])
            a, b = (dt.date.fromisoformat(x["date"]) for x in d["during"])
            c, e = (dt.date.fromisoformat(x["date"]) for x in d["against"])
            if self.as_of < a or start > self.as_of:
                return {"pending": True}
            plan = {"type": ty, "a": a, "b": b, "c": c, "e": e, "percent": d["percent"]}
            plan["during"] = self.probe(rows, sid, reading, ">=", 0.0, b, b, a, b)
            plan["against"] = self.probe(rows, sid, reading, ">=", 0.0, e, e, c, e)
            return plan
        raise OutOfScope(f"duty {ty}")

    # -- verdicts ----------------------------------------------------------------------------

    def verdict(self, plan):
        """The state on the evaluation date, with the engine's rules, from the probe answers."""
        if plan.get("pending"):
            return "pending"
        ty = plan["type"]
        A = self.answers
        if ty in ("achieve", "perform") and "cap" in plan:
            first_t, _, end_tri, *_ = A[plan["cap"]]
            def missed_before(day):
                miss, unknown = None, False
                for due, pno in plan["dues"]:
                    if due >= day:
                        break
                    tri = A[pno][2]
                    if tri == "F" and miss is None:
                        miss = due
                    elif tri == "U":
                        unknown = True
                return miss, unknown
            if first_t is not None:
                miss, _ = missed_before(first_t)
                return "met late" if miss else "met"
            miss, unknown = missed_before(self.as_of)
            if end_tri == "U":
                return "disputed"
            if miss:
                return "breached"
            return "disputed" if unknown else "active"
        if ty in ("achieve", "perform"):
            first_t, _, end_tri, *_ = A[plan["probe"]]
            dl, known = plan["deadline"], plan["deadline_known"]
            if first_t is not None:
                if dl is None or known is None or known > first_t:
                    return "met"
                return "met late" if first_t > dl else "met"
            if end_tri == "U":
                return "disputed"
            if dl is not None and known is not None and known <= self.as_of and self.as_of > dl:
                return "breached"
            return "active"
        if ty == "forbid":
            first_t, _, end_tri, *_ = A[plan["probe"]]
            if first_t is not None:
                return "breached"
            if end_tri == "U":
                return "disputed"
            return "met" if plan["b"] is not None and self.as_of > plan["b"] else "active"
        if ty == "maintain":
            _, first_f, end_tri, _, _, end_empty, _ = A[plan["probe"]]
            if first_f is not None:
                return "breached"
            if end_empty:
                return "active"
            if end_tri == "U":
                return "disputed"
            return "met" if plan["b"] is not None and self.as_of > plan["b"] else "active"
        if ty == "reduce":
            if self.as_of < plan["b"]:
                return "active"
            _, _, _, dlo, dhi, _, _ = A[plan["during"]]
            _, _, _, blo, bhi, _, _ = A[plan["against"]]
            if dhi == 0 and bhi == 0:
                return "pending"
            nd = (plan["b"] - plan["a"]).days + 1
            nb = (plan["e"] - plan["c"]).days + 1
            dlo, dhi, blo, bhi = dlo / nd, dhi / nd, blo / nb, bhi / nb
            red_lo = 1 - dhi / blo if blo > 0 else (1.0 if dhi == 0 else float("-inf"))
            red_hi = 1 - dlo / bhi if bhi > 0 else (1.0 if dlo == 0 else float("-inf"))
            need = plan["percent"] / 100
            return "met" if red_lo >= need else "breached" if red_hi < need else "disputed"
        raise ValueError(ty)

    def verdicts(self):
        out = {}
        for pid, entry in self.plans.items():
            if entry[0] == "unmonitorable":
                out[pid] = "not monitorable"
                continue
            _, p, plan = entry
            late = self.verdict(plan["last"])
            if late == "met late" and self.verdict(plan["first"]) == "met":
                late = "met"
            out[pid] = late
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case")
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (default: DuckDB's own, all cores)")
    ap.add_argument("--engine-states", help="JSON written by `pactum-bench-engine --states`, to compare verdicts")
    ap.add_argument("--json-only", action="store_true")
    args = ap.parse_args()

    b = Bench(args.case, args.threads)
    t0 = time.perf_counter()
    rows = b.timed("load", b.load)
    n_items, n_contested = b.timed("prepare", b.prepare)

    def series():
        b.collect_series()
        return b.build_series()

    cum_rows = b.timed("series", series)
    n_probes = b.timed("probes", b.run_probes)
    verdicts = b.timed("verdicts", b.verdicts)
    total = time.perf_counter() - t0

    compared = agree = 0
    mismatches = []
    if args.engine_states:
        engine = {s["provision"]: s["state"] for s in json.load(open(args.engine_states))["states"]}
        for pid, v in verdicts.items():
            if pid in engine:
                compared += 1
                if engine[pid] == v:
                    agree += 1
                else:
                    mismatches.append((pid, engine[pid], v))

    peak_mb = None
    try:
        import resource
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except Exception:
        pass
    stats = {
        "duckdb_version": duckdb.__version__,
        "threads": int(b.threads),
        "rows": rows,
        "items_after_relations": n_items,
        "contested": n_contested,
        "series": len(b.series),
        "series_day_rows": cum_rows,
        "probes": n_probes,
        "provisions": len(b.spec["provisions"]),
        "provisions_computed": len(verdicts),
        "provisions_out_of_scope": len(b.out_of_scope),
        "load_s": b.times["load"],
        "prepare_s": b.times["prepare"],
        "series_s": b.times["series"],
        "probes_s": b.times["probes"],
        "verdicts_s": b.times["verdicts"],
        "total_s": total,
        "rows_per_s": rows / total if total else 0,
        "peak_rss_mb": peak_mb,
        "compared_with_engine": compared,
        "agree_with_engine": agree,
    }
    if not args.json_only:
        print(f"DuckDB {duckdb.__version__}, {b.threads} thread(s): {rows} rows, {len(b.series)} series, "
              f"{n_probes} probes, {len(verdicts)} of {len(b.spec['provisions'])} provisions computed "
              f"({len(b.out_of_scope)} need other provisions' states)")
        print(f"{'stage':<46} {'seconds':>10}")
        for k in ("load", "prepare", "series", "probes", "verdicts"):
            print(f"{k:<46} {b.times[k]:>10.3f}")
        print(f"{'total':<46} {total:>10.3f}")
        if peak_mb:
            print(f"peak RSS (ru_maxrss): {peak_mb:.0f} MB")
        if args.engine_states:
            print(f"verdicts equal to the engine's: {agree} of {compared}")
            for pid, e, v in mismatches[:15]:
                print(f"  {pid}: engine {e}, duckdb {v}")
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
