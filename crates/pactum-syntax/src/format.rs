//! The canonical layout of agreement files: two-space indents, one item per line, comments
//! and paragraph breaks kept where they were.

use crate::ast::*;
use std::fmt::Write;

/// Prints a tree in canonical style. Formatting the result's parse gives the same text.
pub fn format(file: &File) -> String {
    let mut out = String::new();
    for (i, item) in file.items.iter().enumerate() {
        if i > 0 && (item.blank_before || matches!(item.node, TopItem::Agreement(_))) {
            out.push('\n');
        }
        comments(&mut out, &item.comments, 0);
        match &item.node {
            TopItem::Agreement(a) => agreement(&mut out, a),
            TopItem::Kind(k) => {
                kind_decl(&mut out, k);
                out.push('\n');
            }
            TopItem::Measure(m) => {
                measure(&mut out, m);
                out.push('\n');
            }
        }
    }
    if !file.trailing.is_empty() {
        if !file.items.is_empty() {
            out.push('\n');
        }
        comments(&mut out, &file.trailing, 0);
    }
    out
}

fn comments(out: &mut String, cs: &[String], indent: usize) {
    for c in cs {
        let _ = writeln!(out, "{:indent$}//{c}", "");
    }
}

fn string(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn agreement(out: &mut String, a: &Agreement) {
    let _ = writeln!(out, "agreement {} {} {{", a.id.name, string(&a.title.value));
    for (i, item) in a.items.iter().enumerate() {
        let is_prov = matches!(item.node, AgreementItem::Provision(_));
        let prev_prov = i > 0 && matches!(a.items[i - 1].node, AgreementItem::Provision(_));
        if i > 0 && (item.blank_before || is_prov || prev_prov) {
            out.push('\n');
        }
        comments(out, &item.comments, 2);
        match &item.node {
            AgreementItem::Signed { date, place } => {
                let _ = write!(out, "  signed {}", date.value);
                if let Some(p) = place {
                    let _ = write!(out, " at {}", string(&p.value));
                }
                out.push('\n');
            }
            AgreementItem::Pax(n) => {
                let _ = writeln!(out, "  pax {}", n.value.text);
            }
            AgreementItem::Source(s) => {
                let _ = writeln!(out, "  source {}", string(&s.value));
            }
            AgreementItem::Party(p) => {
                let _ = write!(out, "  party {} {} {}", p.id.name, string(&p.name.value), p.role.value.as_str());
                if !p.aliases.is_empty() {
                    let al: Vec<String> = p.aliases.iter().map(|a| string(&a.value)).collect();
                    let _ = write!(out, " aka {}", al.join(", "));
                }
                out.push('\n');
            }
            AgreementItem::Kind(k) => {
                out.push_str("  ");
                kind_decl(out, k);
                out.push('\n');
            }
            AgreementItem::Measure(m) => {
                out.push_str("  ");
                measure(out, m);
                out.push('\n');
            }
            AgreementItem::Provision(p) => provision(out, p),
        }
    }
    if !a.trailing.is_empty() {
        if !a.items.is_empty() {
            out.push('\n');
        }
        comments(out, &a.trailing, 2);
    }
    out.push_str("}\n");
}

fn kind_decl(out: &mut String, k: &KindDecl) {
    let _ = write!(out, "kind {} {}", k.id.name, k.shape.value.as_str());
    if let Some(d) = &k.description {
        let _ = write!(out, " {}", string(&d.value));
    }
}

fn measure(out: &mut String, m: &MeasureDecl) {
    let _ = write!(out, "measure {} = {}({}", m.id.name, m.agg.value.as_str(), m.kind.name);
    if let Some(f) = &m.filter {
        let _ = write!(out, " where {}", filter(f, 0));
    }
    if let Some(w) = &m.window {
        let _ = write!(out, " during {}", window(w));
    }
    out.push(')');
}

/// Precedence: `or` 1, `and` 2, atoms 3. Parentheses only where the tree needs them.
pub fn filter(f: &Filter, min_prec: u8) -> String {
    let (s, prec) = match f {
        Filter::Eq(field, v) => (format!("{} = {}", field.value.as_str(), value(v)), 3),
        Filter::In(field, vs) => {
            let vs: Vec<String> = vs.iter().map(value).collect();
            (format!("{} in [{}]", field.value.as_str(), vs.join(", ")), 3)
        }
        Filter::Not(x) => (format!("not {}", filter(x, 3)), 3),
        Filter::And(a, b) => (format!("{} and {}", filter(a, 2), filter(b, 3)), 2),
        Filter::Or(a, b) => (format!("{} or {}", filter(a, 1), filter(b, 2)), 1),
    };
    if prec < min_prec {
        format!("({s})")
    } else {
        s
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::Name(i) => i.name.clone(),
        Value::Text(t) => string(&t.value),
    }
}

fn window(w: &Window) -> String {
    format!("{} .. {}", time(&w.from), time(&w.until))
}

fn duration(d: &DurationLit) -> String {
    let singular = d.amount.value.value == 1.0;
    let unit = match (d.unit.value, singular) {
        (pactum_base::DurationUnit::Days, true) => "day",
        (pactum_base::DurationUnit::Days, false) => "days",
        (pactum_base::DurationUnit::Weeks, true) => "week",
        (pactum_base::DurationUnit::Weeks, false) => "weeks",
        (pactum_base::DurationUnit::Months, true) => "month",
        (pactum_base::DurationUnit::Months, false) => "months",
        (pactum_base::DurationUnit::Years, true) => "year",
        (pactum_base::DurationUnit::Years, false) => "years",
    };
    format!("{} {unit}", d.amount.value.text)
}

pub fn time(t: &TimeExpr) -> String {
    match t {
        TimeExpr::Date(d) => d.value.clone(),
        TimeExpr::Signing(_) => "signing".into(),
        TimeExpr::Met(r) => format!("met({})", r.display()),
        TimeExpr::Breached(r) => format!("breached({})", r.display()),
        TimeExpr::Due(r) => format!("due({})", r.display()),
        TimeExpr::First { kind, filter: f, .. } => match f {
            Some(f) => format!("first({} where {})", kind.name, filter(f, 0)),
            None => format!("first({})", kind.name),
        },
        TimeExpr::Offset { amount, direction, base } => {
            let dir = match direction {
                Direction::After => "after",
                Direction::Before => "before",
            };
            format!("{} {dir} {}", duration(amount), time(base))
        }
    }
}

fn target(t: &Target) -> String {
    format!("{} {} {}", t.measure.name, t.cmp.value.as_str(), t.value.value.text)
}

pub fn cond(c: &Cond, min_prec: u8) -> String {
    let (s, prec) = match c {
        Cond::Met(r) => (format!("met({})", r.display()), 3),
        Cond::Breached(r) => (format!("breached({})", r.display()), 3),
        Cond::Compare(t) => (target(t), 3),
        Cond::Not(x) => (format!("not {}", cond(x, 3)), 3),
        Cond::And(a, b) => (format!("{} and {}", cond(a, 2), cond(b, 3)), 2),
        Cond::Or(a, b) => (format!("{} or {}", cond(a, 1), cond(b, 2)), 1),
    };
    if prec < min_prec {
        format!("({s})")
    } else {
        s
    }
}

fn deadline(d: &Deadline) -> String {
    match d {
        Deadline::By(t) => format!("by {}", time(t)),
        Deadline::Within(dur, t) => format!("within {} of {}", duration(dur), time(t)),
    }
}

fn period(p: &Period) -> String {
    match &p.until {
        Some(u) => format!("from {} until {}", time(&p.from), time(u)),
        None => format!("from {}", time(&p.from)),
    }
}

fn with_filter(kind: &Ident, f: &Option<Filter>) -> String {
    match f {
        Some(f) => format!("{} where {}", kind.name, filter(f, 0)),
        None => kind.name.clone(),
    }
}

fn provision(out: &mut String, p: &Provision) {
    let _ = write!(out, "  provision {} {}", p.id.name, string(&p.title.value));
    if let Some(c) = &p.cites {
        let _ = write!(out, " cites {}", string(&c.value));
    }
    out.push_str(" {\n");
    for (i, item) in p.items.iter().enumerate() {
        if i > 0 && item.blank_before {
            out.push('\n');
        }
        comments(out, &item.comments, 4);
        let _ = writeln!(out, "    {}", provision_item(&item.node));
    }
    if !p.trailing.is_empty() {
        comments(out, &p.trailing, 4);
    }
    out.push_str("  }\n");
}

/// One provision item in canonical form, as written on its line (used to quote rules).
pub fn provision_item(item: &ProvisionItem) -> String {
    match item {
        ProvisionItem::Text(s) => format!("text {}", string(&s.value)),
        ProvisionItem::Obligor(ps) => format!("obligor {}", names(ps)),
        ProvisionItem::Beneficiary(ps) => format!("beneficiary {}", names(ps)),
        ProvisionItem::Scope(s) => format!("scope {}", string(&s.value)),
        ProvisionItem::Trigger(t) => format!("trigger {}", time(t)),
        ProvisionItem::Provided(c) => format!("provided {}", cond(c, 0)),
        ProvisionItem::Unmonitorable(s) => format!("unmonitorable {}", string(&s.value)),
        ProvisionItem::Source(s) => format!("source {}", string(&s.value)),
        ProvisionItem::Restates(r) => format!("restates {}", r.display()),
        ProvisionItem::On { event, action, target } => {
            let e = match event.value {
                OnEvent::Breach => "breach",
                OnEvent::Met => "met",
            };
            format!("on {e} {} {}", action.value.as_str(), target.display())
        }
        ProvisionItem::Duty(d) => duty(d),
    }
}

fn names(ps: &[Ident]) -> String {
    ps.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn duty(d: &Duty) -> String {
    match d {
        Duty::Achieve { target: t, deadline: dl, then } => {
            let mut s = format!("achieve {}", target(t));
            if let Some(dl) = dl {
                let _ = write!(s, " {}", deadline(dl));
            }
            if let Some(i) = then {
                let _ = write!(s, " then +{} every {} up to {}", i.step.value.text, duration(&i.every), i.cap.value.text);
            }
            s
        }
        Duty::Perform { kind, filter: f, deadline: dl } => {
            let mut s = format!("perform {}", with_filter(kind, f));
            if let Some(dl) = dl {
                let _ = write!(s, " {}", deadline(dl));
            }
            s
        }
        Duty::Forbid { kind, filter: f, period: p } => format!("forbid {} {}", with_filter(kind, f), period(p)),
        Duty::Maintain { target: t, period: p } => format!("maintain {} {}", target(t), period(p)),
        Duty::Reduce { measure, percent, during, against } => {
            format!("reduce {} by at least {}% during {} against {}", measure.name, percent.value.text, window(during), window(against))
        }
    }
}
