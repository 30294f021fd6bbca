//! The dashboard's calendar of active days, drawn on the server as SVG (no script, no
//! inline style: colours come from classes in app.css).

use std::{collections::HashMap, fmt::Write};

/// A year of weeks, like the calendars learners know from code hosts.
pub const WEEKS: i64 = 53;
const CELL: i64 = 14;
/// Room for the weekday names on the left and the month names on top.
const LEFT: i64 = 28;
const TOP: i64 = 16;
const DAY: i64 = 86_400;

/// Counts per day (days since the epoch) → an SVG of the last [`WEEKS`] weeks ending today,
/// one column per week (Monday at the top) under the names of the months, plus how many days
/// were active.
pub fn render(counts: &HashMap<i64, usize>, today: i64) -> (String, usize) {
    // 1970-01-01 was a Thursday: day 0 is weekday 3 when Monday is 0.
    let weekday = |day: i64| (day + 3).rem_euclid(7);
    let date = |day: i64| {
        time::OffsetDateTime::from_unix_timestamp(day * DAY)
            .map(|d| d.date())
            .unwrap_or(time::Date::MIN)
    };
    let first = today - weekday(today) - (WEEKS - 1) * 7;
    let mut svg = String::new();
    let width = LEFT + WEEKS * CELL;
    let height = TOP + 7 * CELL;
    let _ = write!(
        svg,
        "<svg class=\"heatmap\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         role=\"img\" aria-labelledby=\"heatmap-title\"><title id=\"heatmap-title\">Active days in the last {WEEKS} weeks</title>"
    );
    for (row, name) in [(0, "Mon"), (2, "Wed"), (4, "Fri")] {
        let y = TOP + row * CELL + CELL - 4;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{y}\" class=\"heat-label\">{name}</text>"
        );
    }
    // A month's name over the first week that starts in it; not over the partial first
    // column (it would collide with the next name) nor the last (it would run off the edge).
    let short_month = time::macros::format_description!("[month repr:short]");
    for week in 1..WEEKS - 1 {
        let monday = date(first + week * 7);
        if monday.day() <= 7 {
            let x = LEFT + week * CELL;
            let name = monday.format(&short_month).unwrap_or_default();
            let _ = write!(
                svg,
                "<text x=\"{x}\" y=\"{}\" class=\"heat-label\">{name}</text>",
                TOP - 5
            );
        }
    }
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
        let x = LEFT + (day - first) / 7 * CELL;
        let y = TOP + weekday(day) * CELL;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{w}\" rx=\"2\" class=\"heat-{level}\"><title>{on}: {count} activit{plural}</title></rect>",
            w = CELL - 2,
            on = date(day),
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
        assert_eq!(
            svg.matches("<rect").count() as i64,
            (WEEKS - 1) * 7 + 1 + (today + 3) % 7
        );
    }

    #[test]
    fn months_are_named_over_their_first_week() {
        // 2026-12-03 is a Thursday; its year of weeks starts on Monday 2025-12-01.
        let today = time::macros::datetime!(2026-12-03 0:00 UTC).unix_timestamp() / DAY;
        let (svg, _) = render(&HashMap::new(), today);
        let months: Vec<&str> = svg
            .split("class=\"heat-label\">")
            .skip(4)
            .map(|t| &t[..3])
            .collect();
        assert_eq!(
            months,
            [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov"
            ],
            "December 2025 is the partial first column and December 2026 the last"
        );
        assert!(svg.contains("<title>2026-12-03: 0 activities</title>"));
    }
}
