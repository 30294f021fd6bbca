//! The dashboard's calendar of active days, drawn on the server as SVG (no script, no
//! inline style: colours come from classes in app.css).

use std::{collections::HashMap, fmt::Write};

pub const WEEKS: i64 = 20;
const CELL: i64 = 14;
const DAY: i64 = 86_400;

/// Counts per day (days since the epoch) → an SVG of the last [`WEEKS`] weeks ending today,
/// one column per week (Monday at the top), plus how many days were active.
pub fn render(counts: &HashMap<i64, usize>, today: i64) -> (String, usize) {
    // 1970-01-01 was a Thursday: day 0 is weekday 3 when Monday is 0.
    let weekday = |day: i64| (day + 3).rem_euclid(7);
    let first = today - weekday(today) - (WEEKS - 1) * 7;
    let mut svg = String::new();
    let width = WEEKS * CELL;
    let height = 7 * CELL;
    let _ = write!(
        svg,
        "<svg class=\"heatmap\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         role=\"img\" aria-labelledby=\"heatmap-title\"><title id=\"heatmap-title\">Active days in the last {WEEKS} weeks</title>"
    );
    let mut active = 0;
    for day in first..=today {
        let count = counts.get(&day).copied().unwrap_or(0);
        active += usize::from(count > 0);
        let level = match count {
            0 => 0,
            1 => 1,
            2..=3 => 2,
            _ => 3,
        };
        let x = (day - first) / 7 * CELL;
        let y = weekday(day) * CELL;
        let date = time::OffsetDateTime::from_unix_timestamp(day * DAY)
            .map(|d| d.date().to_string())
            .unwrap_or_default();
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{w}\" rx=\"2\" class=\"heat-{level}\"><title>{date}: {count} activit{plural}</title></rect>",
            w = CELL - 2,
            plural = if count == 1 { "y" } else { "ies" },
        );
    }
    svg.push_str("</svg>");
    (svg, active)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_days_are_counted_and_drawn() {
        let today = 20_000;
        let counts = HashMap::from([(today, 2), (today - 1, 1), (today - 400, 9)]);
        let (svg, active) = render(&counts, today);
        assert_eq!(active, 2, "days outside the window do not count");
        assert!(svg.contains("class=\"heat-2\""));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("style"), "no inline styles (CSP)");
    }
}
