//! Lists a page at a time, newest first, by (time, id) cursors: `<unix seconds>.<id>`.
//! Clients take a cursor from a page's `next` and never build one; every string of the
//! documented pattern decodes, so a cursor is either usable or refused for its shape.

use axum::{http::header, response::Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::Problem;

/// The query of a list: how many, and where the previous page ended.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// How many to answer; 20 when left out.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Where the previous page ended: take it from that page's `next`.
    #[param(pattern = r"^[0-9]{1,18}\.[0-9a-f-]{1,64}$")]
    pub cursor: Option<String>,
}

impl Page {
    /// The limit and where to start, or a 422 naming the parameter.
    pub fn read(&self) -> Result<(i64, Option<(i64, String)>), Problem> {
        let limit = self.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(Problem::invalid_parameter(
                "limit",
                "Ask for 1 to 100 items.",
            ));
        }
        let after = match &self.cursor {
            Some(cursor) => Some(decode(cursor).ok_or_else(|| {
                Problem::invalid_parameter("cursor", "Use the `next` link of the previous page.")
            })?),
            None => None,
        };
        Ok((limit, after))
    }
}

/// Trims `rows` (read with one more than `limit`) to the page, and gives the address of the
/// next page when there is one; `key` says where a row is in the order.
pub fn next_page<T>(
    rows: &mut Vec<T>,
    limit: i64,
    address: &str,
    key: impl Fn(&T) -> (i64, &str),
) -> Option<String> {
    if rows.len() as i64 <= limit {
        return None;
    }
    rows.truncate(limit as usize);
    let (at, id) = key(rows.last()?);
    Some(format!("{address}?limit={limit}&cursor={}", encode(at, id)))
}

/// Adds `Link: <next>; rel="next"` to a page's answer.
pub fn link_next(mut response: Response, next: Option<&str>) -> Response {
    if let Some(next) = next
        && let Ok(value) = format!("<{next}>; rel=\"next\"").parse()
    {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// The cursor after the row at (`at`, `id`).
pub fn encode(at: i64, id: &str) -> String {
    format!("{at}.{id}")
}

/// The (time, id) a cursor stands for; `None` unless it has the pattern
/// `^[0-9]{1,18}\.[0-9a-f-]{1,64}$`.
pub fn decode(cursor: &str) -> Option<(i64, String)> {
    let (at, id) = cursor.split_once('.')?;
    let digits = (1..=18).contains(&at.len()) && at.bytes().all(|b| b.is_ascii_digit());
    let id_ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-');
    if !(digits && id_ok) {
        return None;
    }
    Some((at.parse().ok()?, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_other_shapes_are_refused() {
        let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(
            decode(&encode(1_700_000_000, id)),
            Some((1_700_000_000, id.into()))
        );
        for junk in [
            "",
            "zz",
            "1.",
            ".abc",
            "1.XYZ",
            "1234567890123456789.ab",
            "-1.ab",
        ] {
            assert_eq!(decode(junk), None, "{junk}");
        }
    }
}
