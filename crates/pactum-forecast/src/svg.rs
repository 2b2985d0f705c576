//! Fan charts as standalone SVG, written by hand: the readings up to the forecast date, then
//! the 10–90% band and the median of the simulated values every week, with the targets of
//! the provisions that read the measure and their deadlines.

use crate::{Fan, Forecast};
use pactum_base::Date;
use std::fmt::Write;

const W: f64 = 760.0;
const H: f64 = 380.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn nice_step(range: f64, ticks: f64) -> f64 {
    if range.is_nan() || range <= 0.0 {
        return 1.0;
    }
    let raw = range / ticks;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

fn num(v: f64) -> String {
    if v.abs() >= 1000.0 && v.fract() == 0.0 {
        let s = format!("{}", v as i64);
        let neg = s.starts_with('-');
        let digits: Vec<char> = s.trim_start_matches('-').chars().collect();
        let mut out = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(*c);
        }
        if neg {
            format!("-{out}")
        } else {
            out
        }
    } else if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// The fan chart of a level measure, or `None` when the forecast has no fan for it.
pub fn fan_chart_svg(f: &Forecast, measure: &str) -> Option<String> {
    let fan = f.fans.iter().find(|x| x.measure == measure)?;
    Some(draw(f, fan))
}

fn draw(f: &Forecast, fan: &Fan) -> String {
    let first_obs = fan.observed.iter().map(|r| r.date).min();
    let x0 = first_obs.map_or(f.as_of.add_days(-90), |d| d.min(f.as_of.add_days(-30))).add_days(-7);
    let x1 = f.horizon;
    let mut ymax: f64 = 0.0;
    let mut ymin: f64 = 0.0;
    for r in &fan.observed {
        ymax = ymax.max(r.high);
        ymin = ymin.min(r.low);
    }
    for w in &fan.weeks {
        ymax = ymax.max(w.p90);
        ymin = ymin.min(w.p10);
    }
    for t in &fan.targets {
        ymax = ymax.max(t.value);
        ymin = ymin.min(t.value);
    }
    if ymax <= ymin {
        ymax = ymin + 1.0;
    }
    let step = nice_step(ymax - ymin, 5.0);
    let ymax = (ymax / step).ceil() * step;
    let ymin = (ymin / step).floor() * step;
    let span = x0.days_until(x1).max(1) as f64;
    let px = |d: Date| LEFT + (W - LEFT - RIGHT) * x0.days_until(d) as f64 / span;
    let py = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v - ymin) / (ymax - ymin));
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<title>{} — forecast as of {}</title>"#, esc(&fan.measure), f.as_of);
    let _ = writeln!(s, r##"<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{}</text><text x="{}" y="22" text-anchor="end" fill="#555">as of {} · {} runs · band 10–90%, line median</text>"##,
        esc(&fan.measure),
        W - RIGHT,
        f.as_of,
        fan.runs
    );
    // Grid and axes.
    let mut v = ymin;
    while v <= ymax + step / 2.0 {
        let y = py(v);
        let _ = writeln!(s, r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e5e5"/>"##, W - RIGHT);
        let _ = writeln!(s, r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#333">{}</text>"##, LEFT - 6.0, y + 4.0, num(v));
        v += step;
    }
    let months = (span / 30.0).max(1.0);
    let every = if months <= 8.0 {
        1
    } else if months <= 18.0 {
        2
    } else if months <= 36.0 {
        3
    } else {
        6
    };
    let (y0, m0, _) = x0.ymd();
    let mut k = 1;
    loop {
        let total = (y0 * 12 + m0 as i32 - 1) + k;
        let (yy, mm) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
        k += 1;
        let Some(d) = Date::from_ymd(yy, mm, 1) else { break };
        if d > x1 {
            break;
        }
        if (mm - 1) % every != 0 {
            continue;
        }
        let x = px(d);
        let _ = writeln!(s, r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#f0f0f0"/>"##, H - BOTTOM);
        let _ = writeln!(s, r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#333">{yy}-{mm:02}</text>"##, H - BOTTOM + 16.0);
    }
    let _ = writeln!(s, r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##, H - BOTTOM, W - RIGHT, H - BOTTOM);
    let _ = writeln!(s, r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{:.1}" stroke="#333"/>"##, H - BOTTOM);
    // Band and median.
    if !fan.weeks.is_empty() {
        let mut pts: Vec<String> = fan.weeks.iter().map(|w| format!("{:.1},{:.1}", px(w.date), py(w.p90))).collect();
        pts.extend(fan.weeks.iter().rev().map(|w| format!("{:.1},{:.1}", px(w.date), py(w.p10))));
        let _ = writeln!(s, r##"<polygon points="{}" fill="#9ecae1" fill-opacity="0.55" stroke="none"/>"##, pts.join(" "));
        let med: Vec<String> = fan.weeks.iter().map(|w| format!("{:.1},{:.1}", px(w.date), py(w.p50))).collect();
        let _ = writeln!(s, r##"<polyline points="{}" fill="none" stroke="#08519c" stroke-width="2"/>"##, med.join(" "));
    }
    // Targets and deadlines (one marker per day).
    let mut marked: Vec<Date> = Vec::new();
    for (i, t) in fan.targets.iter().enumerate() {
        let y = py(t.value);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#d62728" stroke-dasharray="6 4" stroke-width="1.2"/>"##,
            W - RIGHT
        );
        let same_value = fan.targets[..i].iter().filter(|u| (u.value - t.value).abs() < (ymax - ymin) / 40.0).count();
        let label_y = y - 4.0 - 12.0 * same_value as f64;
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{label_y:.1}" text-anchor="end" fill="#d62728">{}: {}</text>"##,
            W - RIGHT - 4.0,
            esc(&t.provision),
            esc(&t.rule)
        );
        if let Some(d) = t.deadline.filter(|d| *d >= x0 && *d <= x1) {
            let x = px(d);
            let _ = writeln!(
                s,
                r##"<path d="M{:.1},{:.1} l5,-9 l-10,0 z" fill="#d62728"><title>{} due {d}</title></path>"##,
                x,
                y,
                esc(&t.provision)
            );
            if marked.contains(&d) {
                continue;
            }
            marked.push(d);
            let _ = writeln!(
                s,
                r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#d62728" stroke-width="1" stroke-opacity="0.5"/>"##,
                H - BOTTOM
            );
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{:.1}" fill="#d62728">due {d}</text>"##,
                x + 3.0,
                TOP + 12.0 + 12.0 * (marked.len() % 2) as f64
            );
        }
    }
    // The forecast date.
    let xa = px(f.as_of);
    let _ = writeln!(s, r##"<line x1="{xa:.1}" y1="{TOP}" x2="{xa:.1}" y2="{:.1}" stroke="#555" stroke-dasharray="3 3"/>"##, H - BOTTOM);
    let (lx, anchor) = if xa - LEFT > 110.0 { (xa - 4.0, "end") } else { (xa + 4.0, "start") };
    let _ = writeln!(s, r##"<text x="{lx:.1}" y="{:.1}" text-anchor="{anchor}" fill="#555">as of {}</text>"##, TOP + 12.0, f.as_of);
    // Readings.
    let mut obs: Vec<_> = fan.observed.iter().filter(|r| r.date >= x0).collect();
    obs.sort_by_key(|r| r.date);
    if obs.len() > 1 {
        let line: Vec<String> = obs.iter().map(|r| format!("{:.1},{:.1}", px(r.date), py((r.low + r.high) / 2.0))).collect();
        let _ = writeln!(s, r##"<polyline points="{}" fill="none" stroke="#222" stroke-width="1.5"/>"##, line.join(" "));
    }
    for r in obs {
        let x = px(r.date);
        let color = if r.contested { "#ff7f0e" } else { "#222" };
        if r.high > r.low {
            let _ = writeln!(
                s,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{color}" stroke-width="2"/>"##,
                py(r.low),
                py(r.high)
            );
        }
        let _ = writeln!(
            s,
            r##"<circle cx="{x:.1}" cy="{:.1}" r="3.5" fill="{color}"><title>{}: {}{}</title></circle>"##,
            py((r.low + r.high) / 2.0),
            r.date,
            if r.high > r.low { format!("{}..{}", num(r.low), num(r.high)) } else { num(r.low) },
            if r.contested { " (contested)" } else { "" }
        );
    }
    s.push_str("</svg>\n");
    s
}
