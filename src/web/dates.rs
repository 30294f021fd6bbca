//! Dates as pages show them, in UTC: one format for the whole site.

use time::{OffsetDateTime, macros::format_description};

/// "24 November 2026"
pub fn date(unix: i64) -> String {
    let format = format_description!("[day padding:none] [month repr:long] [year]");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// "24 November 2026, 14:05 UTC"
pub fn date_time(unix: i64) -> String {
    let format =
        format_description!("[day padding:none] [month repr:long] [year], [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_words() {
        assert_eq!(date(1_795_530_300), "24 November 2026");
        assert_eq!(date_time(1_795_530_300), "24 November 2026, 14:25 UTC");
    }
}
