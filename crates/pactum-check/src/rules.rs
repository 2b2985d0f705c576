//! The static rules: findings about an agreement that need no evidence, and the evaluation order.

use crate::model::*;
use crate::resolve::{signed, Info};
use pactum_base::Date;
use pactum_syntax::ast::{Agg, Cmp, Direction, KindShape};
use pactum_syntax::Diagnostic;

pub fn run(case: &mut Case, info: &Info, diags: &mut Vec<Diagnostic>) {
    non_signatory_duties(case, info, diags);
    measure_shapes(case, info, diags);
    let sccs = cycles(case, info, diags);
    deadlines(case, info, diags);
    contradictions(case, info, diags);
    restatements(case, info, diags);
    order(case, &sccs);
}

fn non_signatory_duties(case: &Case, info: &Info, diags: &mut Vec<Diagnostic>) {
    for (pi, p) in case.provisions.iter().enumerate() {
        if p.duty.is_none() {
            continue;
        }
        let a = &case.agreements[p.agreement];
        // A text nobody signed (a draft, a statement of positions) binds all its parties
        // equally; the finding is about a text some signed and others did not.
        if !a.parties.iter().any(|(_, r)| signed(*r)) {
            continue;
        }
        for &(party, span) in &info.prov[pi].obligors {
            let Some(&(_, role)) = a.parties.iter().find(|(q, _)| *q == party) else { continue };
            if signed(role) {
                continue;
            }
            let mut d = Diagnostic::warning(
                "duty-on-non-signatory",
                span,
                format!("`{}` owes this duty but did not sign agreement `{}`", case.parties[party].id, a.id),
            )
            .with_help("a party is not bound by a text it did not sign: get its consent in a document it signs, or make a signatory answer for the result");
            if let Some(rs) = info.role_spans.get(&(p.agreement, party)) {
                d = d.with_label(*rs, format!("declared `{}` here", role.as_str()));
            }
            diags.push(d);
        }
    }
}

fn measure_shapes(case: &Case, info: &Info, diags: &mut Vec<Diagnostic>) {
    for (mi, m) in case.measures.iter().enumerate() {
        let kind = &case.kinds[m.kind];
        let problem = match (m.agg, kind.shape) {
            (Agg::Sum | Agg::Latest | Agg::Min | Agg::Max, KindShape::Event) => {
                Some(format!("`{}` reads a quantity, but `{}` evidence has none", m.agg.as_str(), kind.name))
            }
            (Agg::Sum | Agg::Count, KindShape::Level) => {
                Some(format!("adding up readings of a level: `{}` is a level, not a number of things", kind.name))
            }
            _ => None,
        };
        if let Some(msg) = problem {
            let help = match kind.shape {
                KindShape::Event => "use `count(...)` to count events",
                _ => "use `latest(...)`, `min(...)` or `max(...)` for a level",
            };
            diags.push(Diagnostic::warning("measure-shape", info.measure_kind_spans[mi], msg).with_help(help));
        }
    }
}

fn time_refs(t: &Time, out: &mut Vec<ProvisionId>) {
    match t {
        Time::Met(p) | Time::Breached(p) | Time::Due(p) => out.push(*p),
        Time::Offset(_, _, b) => time_refs(b, out),
        Time::Date(_) | Time::First(..) => {}
    }
}

fn cond_refs(c: &Cond, out: &mut Vec<ProvisionId>) {
    match c {
        Cond::Met(p) | Cond::Breached(p) => out.push(*p),
        Cond::Compare(..) => {}
        Cond::Not(x) => cond_refs(x, out),
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond_refs(a, out);
            cond_refs(b, out);
        }
    }
}

/// Provisions a condition needs to be met or breached (not those it needs not to be).
fn required_refs(c: &Cond, positive: bool, out: &mut Vec<ProvisionId>) {
    match c {
        Cond::Met(p) | Cond::Breached(p) if positive => out.push(*p),
        Cond::Met(_) | Cond::Breached(_) | Cond::Compare(..) => {}
        Cond::Not(x) => required_refs(x, !positive, out),
        Cond::And(a, b) | Cond::Or(a, b) => {
            required_refs(a, positive, out);
            required_refs(b, positive, out);
        }
    }
}

fn duty_times(d: &Duty) -> Vec<&Time> {
    match d {
        Duty::Achieve { deadline, .. } | Duty::Perform { deadline, .. } => deadline.iter().collect(),
        Duty::Forbid { from, until, .. } | Duty::Maintain { from, until, .. } => std::iter::once(from).chain(until.iter()).collect(),
        Duty::Reduce { during, against, .. } => vec![&during.0, &during.1, &against.0, &against.1],
    }
}

/// What a provision waits for before it can start or fall due (its preconditions).
fn preconditions(p: &Provision) -> Vec<ProvisionId> {
    let mut out = Vec::new();
    if let Some(t) = &p.trigger {
        time_refs(t, &mut out);
    }
    if let Some(c) = &p.provided {
        cond_refs(c, &mut out);
    }
    if let Some(d) = &p.duty {
        for t in duty_times(d) {
            time_refs(t, &mut out);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Everything a provision's state reads: its preconditions, plus the provisions whose
/// consequences act on it.
fn reads(case: &Case) -> Vec<Vec<ProvisionId>> {
    let mut deps: Vec<Vec<ProvisionId>> = case.provisions.iter().map(preconditions).collect();
    for (pi, p) in case.provisions.iter().enumerate() {
        for c in &p.consequences {
            deps[c.target].push(pi);
        }
    }
    for d in &mut deps {
        d.sort_unstable();
        d.dedup();
    }
    deps
}

/// Tarjan's strongly connected components over the precondition graph; reports each cycle.
fn cycles(case: &Case, info: &Info, diags: &mut Vec<Diagnostic>) -> Vec<Vec<ProvisionId>> {
    let graph: Vec<Vec<ProvisionId>> = case.provisions.iter().map(preconditions).collect();
    let sccs = tarjan(&graph);
    for scc in &sccs {
        let is_cycle = scc.len() > 1 || graph[scc[0]].contains(&scc[0]);
        if !is_cycle {
            continue;
        }
        // Walk the cycle in order, starting from the first provision in the source.
        let start = *scc.iter().min().unwrap_or(&scc[0]);
        let mut path = vec![start];
        let mut cur = start;
        loop {
            let next = graph[cur].iter().copied().filter(|n| scc.contains(n)).find(|n| *n == start || !path.contains(n));
            match next {
                Some(n) if n == start => break,
                Some(n) => {
                    path.push(n);
                    cur = n;
                }
                None => break,
            }
        }
        let names: Vec<String> = path.iter().map(|i| format!("`{}`", case.provisions[*i].key)).collect();
        let shown = format!("{} → {}", names.join(" → "), names[0]);
        let span_of =
            |i: usize| info.prov[i].trigger_span.or(info.prov[i].provided_span).or(info.prov[i].duty_span).unwrap_or(info.prov[i].id_span);
        let mut d = Diagnostic::warning("circular-precondition", span_of(start), format!("circular precondition: {shown}"))
            .with_help("each waits for another to go first, so none can start: give one of them a date of its own or drop its condition");
        for &i in path.iter().skip(1) {
            d = d.with_label(span_of(i), format!("`{}` waits here", case.provisions[i].key));
        }
        diags.push(d);
    }
    sccs
}

fn tarjan(graph: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct St<'g> {
        g: &'g [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut St, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on[v] = true;
        for &w in &s.g[v] {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            comp.sort_unstable();
            s.out.push(comp);
        }
    }
    let n = graph.len();
    let mut s = St { g: graph, index: vec![None; n], low: vec![0; n], on: vec![false; n], stack: vec![], next: 0, out: vec![] };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out
}

/// A time that is known without evidence: a date, or an offset from one.
pub fn static_date(t: &Time) -> Option<Date> {
    match t {
        Time::Date(d) => Some(*d),
        Time::Offset(dur, dir, b) => {
            let base = static_date(b)?;
            Some(match dir {
                Direction::After => base.plus(*dur),
                Direction::Before => base.plus(pactum_base::Duration { amount: -dur.amount, unit: dur.unit }),
            })
        }
        _ => None,
    }
}

fn deadline_of(d: &Duty) -> Option<&Time> {
    match d {
        Duty::Achieve { deadline, .. } | Duty::Perform { deadline, .. } => deadline.as_ref(),
        Duty::Forbid { until, .. } | Duty::Maintain { until, .. } => until.as_ref(),
        Duty::Reduce { during, .. } => Some(&during.1),
    }
}

fn deadlines(case: &Case, info: &Info, diags: &mut Vec<Diagnostic>) {
    for (pi, p) in case.provisions.iter().enumerate() {
        let Some(duty) = &p.duty else { continue };
        let span = info.prov[pi].duty_span.unwrap_or(info.prov[pi].id_span);
        let signed = case.agreements[p.agreement].signed;
        let deadline = deadline_of(duty).and_then(static_date);
        if let (Some(dl), Some(s)) = (deadline, signed) {
            if dl < s {
                diags.push(
                    Diagnostic::warning(
                        "deadline-before-signing",
                        span,
                        format!("the deadline {dl} falls before the agreement was signed on {s}"),
                    )
                    .with_help("check the date: a duty cannot fall due before it exists"),
                );
            }
        }
        if let (Some(dl), Some(t)) = (deadline, p.trigger.as_ref().and_then(static_date)) {
            if t > dl {
                diags.push(
                    Diagnostic::warning(
                        "never-due",
                        info.prov[pi].trigger_span.unwrap_or(span),
                        format!("this starts on {t}, after its own deadline {dl}"),
                    )
                    .with_help("it can only ever be breached or met late: move the deadline or the start"),
                );
            }
        }
        let mut waits = Vec::new();
        if let Some(t) = &p.trigger {
            time_refs(t, &mut waits);
        }
        if let Some(c) = &p.provided {
            required_refs(c, true, &mut waits);
        }
        if let Some(t) = deadline_of(duty) {
            time_refs(t, &mut waits);
        }
        for q in waits {
            if let Some(why) = &case.provisions[q].unmonitorable {
                diags.push(
                    Diagnostic::warning(
                        "never-due",
                        info.prov[pi].trigger_span.or(info.prov[pi].provided_span).unwrap_or(span),
                        format!("this waits for `{}`, which no evidence can show ({why})", case.provisions[q].key),
                    )
                    .with_help("pactum will report it pending for ever: tie it to something observable"),
                );
            }
        }
    }
}

/// Bounds a target puts on a measure: (lower, upper).
fn bounds(cmp: Cmp, v: f64) -> (f64, f64) {
    match cmp {
        Cmp::Le | Cmp::AtMost => (f64::NEG_INFINITY, v),
        Cmp::Lt => (f64::NEG_INFINITY, v - f64::EPSILON),
        Cmp::Ge | Cmp::AtLeast | Cmp::UpTo => (v, f64::INFINITY),
        Cmp::Gt => (v + f64::EPSILON, f64::INFINITY),
        Cmp::Eq => (v, v),
    }
}

fn contradictions(case: &Case, info: &Info, diags: &mut Vec<Diagnostic>) {
    let ps = &case.provisions;
    for i in 0..ps.len() {
        for j in (i + 1)..ps.len() {
            let (Some(a), Some(b)) = (&ps[i].duty, &ps[j].duty) else { continue };
            let span_j = info.prov[j].duty_span.unwrap_or(info.prov[j].id_span);
            let span_i = info.prov[i].duty_span.unwrap_or(info.prov[i].id_span);
            match (a, b) {
                (
                    Duty::Achieve { measure: ma, cmp: ca, value: va, deadline: da, .. },
                    Duty::Achieve { measure: mb, cmp: cb, value: vb, deadline: db, .. },
                ) if ma == mb && ca == cb && va == vb && ps[i].obligors == ps[j].obligors => {
                    let (Some(x), Some(y)) = (da.as_ref().and_then(static_date), db.as_ref().and_then(static_date)) else { continue };
                    if x != y {
                        diags.push(
                            Diagnostic::warning(
                                "contradictory-deadlines",
                                span_j,
                                format!("the same commitment is due on {y} here and on {x} in `{}`", ps[i].key),
                            )
                            .with_label(span_i, "due on a different date here")
                            .with_help("say which deadline governs: keep one, or give them different conditions"),
                        );
                    }
                }
                (Duty::Maintain { measure: ma, cmp: ca, value: va, .. }, Duty::Maintain { measure: mb, cmp: cb, value: vb, .. })
                | (Duty::Maintain { measure: ma, cmp: ca, value: va, .. }, Duty::Achieve { measure: mb, cmp: cb, value: vb, .. })
                | (Duty::Achieve { measure: ma, cmp: ca, value: va, .. }, Duty::Maintain { measure: mb, cmp: cb, value: vb, .. })
                    if ma == mb && always_together(case, &ps[i], a, &ps[j], b) =>
                {
                    let (la, ua) = bounds(*ca, *va);
                    let (lb, ub) = bounds(*cb, *vb);
                    if la.max(lb) > ua.min(ub) {
                        diags.push(
                            Diagnostic::warning(
                                "contradictory-terms",
                                span_j,
                                format!("`{}` cannot satisfy both this and `{}`", case.measures[*ma].id, ps[i].key),
                            )
                            .with_label(span_i, "the other term")
                            .with_help("no value meets both bounds while both apply: check the numbers or the periods"),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// The days a duty's bound must hold, when known without evidence: a level kept over
/// `[from, until]`, or a state reached by its deadline.
fn holds_during(d: &Duty) -> Option<(Date, Option<Date>)> {
    match d {
        Duty::Maintain { from, until, .. } => {
            let end = match until {
                Some(u) => Some(static_date(u)?),
                None => None,
            };
            Some((static_date(from)?, end))
        }
        Duty::Achieve { deadline, .. } => {
            let dl = deadline.as_ref().and_then(static_date)?;
            Some((dl, Some(dl)))
        }
        _ => None,
    }
}

/// Whether two bounded duties certainly apply on a common day. When a period depends on
/// evidence, they may never overlap, so no contradiction is claimed.
fn always_together(case: &Case, pa: &Provision, a: &Duty, pb: &Provision, b: &Duty) -> bool {
    if pa.trigger.is_some() || pb.trigger.is_some() || pa.provided.is_some() || pb.provided.is_some() {
        return false;
    }
    let (Some((a0, a1)), Some((b0, b1))) = (holds_during(a), holds_during(b)) else { return false };
    // An achieve duty is reached at some point up to its deadline, not on every day: it only
    // clashes with a level that must hold over the whole of the time it has.
    let achieve_a = matches!(a, Duty::Achieve { .. });
    let achieve_b = matches!(b, Duty::Achieve { .. });
    let start_a = if achieve_a { case.agreements[pa.agreement].signed.unwrap_or(a0) } else { a0 };
    let start_b = if achieve_b { case.agreements[pb.agreement].signed.unwrap_or(b0) } else { b0 };
    let covers = |outer0: Date, outer1: Option<Date>, inner0: Date, inner1: Option<Date>| {
        outer0 <= inner0
            && match (outer1, inner1) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(o), Some(i)) => o >= i,
            }
    };
    match (achieve_a, achieve_b) {
        (true, true) => false,
        (true, false) => covers(b0, b1, start_a, a1),
        (false, true) => covers(a0, a1, start_b, b1),
        (false, false) => {
            let end = |x: Option<Date>| x.unwrap_or(Date::MAX);
            a0.max(b0) <= end(a1).min(end(b1))
        }
    }
}

fn restatements(case: &Case, info: &Info, diags: &mut Vec<Diagnostic>) {
    let ps = &case.provisions;
    let mut pairs: Vec<(usize, usize, bool)> = Vec::new();
    for (i, inf) in info.prov.iter().enumerate() {
        if let Some((t, _)) = inf.restates {
            pairs.push((i, t, true));
        }
    }
    for i in 0..ps.len() {
        for j in (i + 1)..ps.len() {
            let both_signed = case.agreements[ps[i].agreement].signed.is_some() && case.agreements[ps[j].agreement].signed.is_some();
            if both_signed
                && ps[i].agreement != ps[j].agreement
                && ps[i].duty.is_some()
                && ps[i].duty == ps[j].duty
                && !pairs.iter().any(|(a, b, _)| (*a, *b) == (j, i) || (*a, *b) == (i, j))
            {
                pairs.push((j, i, false));
            }
        }
    }
    for (here, there, explicit) in pairs {
        let (a, b) = (&ps[here], &ps[there]);
        let mut diffs = Vec::new();
        let line = |p: &Provision, key: &str| p.rules.iter().find(|r| r.starts_with(key)).cloned();
        let same = [a.provided == b.provided, a.trigger == b.trigger, a.scope == b.scope];
        for (key, same) in ["provided", "trigger", "scope"].into_iter().zip(same) {
            let (x, y) = (line(a, key), line(b, key));
            if !same {
                diffs.push(format!(
                    "{}: {} here, {} in `{}`",
                    key,
                    x.map_or("none".into(), |s| format!("`{s}`")),
                    y.map_or("none".into(), |s| format!("`{s}`")),
                    b.key
                ));
            }
        }
        if explicit && a.duty != b.duty {
            diffs.push(format!(
                "duty: `{}` here, `{}` in `{}`",
                a.rules.first().cloned().unwrap_or_default(),
                b.rules.first().cloned().unwrap_or_default(),
                b.key
            ));
        }
        if a.obligors != b.obligors {
            diffs.push(format!("obligors differ from `{}`", b.key));
        }
        if diffs.is_empty() {
            continue;
        }
        let span = if explicit { info.prov[here].restates.map_or(info.prov[here].id_span, |(_, s)| s) } else { info.prov[here].id_span };
        diags.push(
            Diagnostic::warning(
                "restated-differently",
                span,
                format!("`{}` states the commitment of `{}` with different conditions", a.key, b.key),
            )
            .with_label(info.prov[there].id_span, "the other statement")
            .with_help(diffs.join("; ")),
        );
    }
}

/// Puts provisions in evaluation order (each after what it reads; source order otherwise)
/// and rewrites every provision index.
fn order(case: &mut Case, _sccs: &[Vec<ProvisionId>]) {
    let deps = reads(case);
    let n = case.provisions.len();
    let mut state = vec![0u8; n]; // 0 new, 1 on the path, 2 done
    let mut out = Vec::with_capacity(n);
    fn dfs(v: usize, deps: &[Vec<usize>], state: &mut [u8], out: &mut Vec<usize>) {
        state[v] = 1;
        for &w in &deps[v] {
            if state[w] == 0 {
                dfs(w, deps, state, out);
            }
        }
        state[v] = 2;
        out.push(v);
    }
    for v in 0..n {
        if state[v] == 0 {
            dfs(v, &deps, &mut state, &mut out);
        }
    }
    let mut new_index = vec![0; n];
    for (new, &old) in out.iter().enumerate() {
        new_index[old] = new;
    }
    let mut old: Vec<Option<Provision>> = std::mem::take(&mut case.provisions).into_iter().map(Some).collect();
    for &o in &out {
        if let Some(mut p) = old[o].take() {
            remap_provision(&mut p, &new_index);
            case.provisions.push(p);
        }
    }
}

fn remap_time(t: &mut Time, m: &[usize]) {
    match t {
        Time::Met(p) | Time::Breached(p) | Time::Due(p) => *p = m[*p],
        Time::Offset(_, _, b) => remap_time(b, m),
        Time::Date(_) | Time::First(..) => {}
    }
}

fn remap_cond(c: &mut Cond, m: &[usize]) {
    match c {
        Cond::Met(p) | Cond::Breached(p) => *p = m[*p],
        Cond::Compare(..) => {}
        Cond::Not(x) => remap_cond(x, m),
        Cond::And(a, b) | Cond::Or(a, b) => {
            remap_cond(a, m);
            remap_cond(b, m);
        }
    }
}

fn remap_provision(p: &mut Provision, m: &[usize]) {
    if let Some(t) = &mut p.trigger {
        remap_time(t, m);
    }
    if let Some(c) = &mut p.provided {
        remap_cond(c, m);
    }
    for c in &mut p.consequences {
        c.target = m[c.target];
    }
    if let Some(d) = &mut p.duty {
        match d {
            Duty::Achieve { deadline, .. } | Duty::Perform { deadline, .. } => {
                if let Some(t) = deadline {
                    remap_time(t, m);
                }
            }
            Duty::Forbid { from, until, .. } | Duty::Maintain { from, until, .. } => {
                remap_time(from, m);
                if let Some(t) = until {
                    remap_time(t, m);
                }
            }
            Duty::Reduce { during, against, .. } => {
                for t in [&mut during.0, &mut during.1, &mut against.0, &mut against.1] {
                    remap_time(t, m);
                }
            }
        }
    }
}
