//! Cursors for lists that page by (time, id): `<unix seconds>.<id>`. Clients take them from
//! a page's `next` and never build them; every string of the documented pattern decodes, so a
//! cursor is either usable or refused for its shape.

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
