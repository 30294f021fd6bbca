//! Static files, embedded in the binary and served with content-hashed URLs.
//!
//! Templates link `/static/<name>?v=<hash>`; a request carrying the current hash is cached for
//! a year (`immutable`), anything else must revalidate with its ETag. A new build with a changed
//! file changes the hash, so browsers never keep a stale stylesheet.

use std::{collections::HashMap, sync::LazyLock};

use axum::{
    extract::RawQuery,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::Path;
use crate::error::AppError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/static/", $name)),
        }
    };
}

static ASSETS: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("vendor/pico.min.css", "text/css; charset=utf-8"),
    asset!("vendor/htmx.min.js", "text/javascript; charset=utf-8"),
];

/// name → (asset, hash), built on first use.
static INDEX: LazyLock<HashMap<&'static str, (&'static Asset, String)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| (asset.name, (asset, content_hash(asset.bytes))))
        .collect()
});

/// 64-bit FNV-1a: stable across builds and instances, which is all a cache key needs.
fn content_hash(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The versioned URL of an embedded file. Unknown names are a programming error, caught by a
/// test that renders every page, so they fall back to the bare path rather than panic.
pub fn url(name: &str) -> String {
    match INDEX.get(name) {
        Some((_, hash)) => format!("/static/{name}?v={hash}"),
        None => format!("/static/{name}"),
    }
}

pub async fn serve(
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (asset, hash) = INDEX.get(name.as_str()).ok_or(AppError::NotFound)?;
    let etag = format!("\"{hash}\"");
    let versioned = query.as_deref() == Some(&format!("v={hash}"));
    let cache_control = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    let response_headers = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, cache_control.to_owned()),
    ];

    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
    }
    let content_type = HeaderValue::from_static(asset.content_type);
    Ok((
        response_headers,
        [(header::CONTENT_TYPE, content_type)],
        asset.bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_versioned_url() {
        for asset in ASSETS {
            let url = url(asset.name);
            assert!(
                url.starts_with(&format!("/static/{}?v=", asset.name)),
                "{url}"
            );
        }
    }

    #[test]
    fn the_hash_changes_with_the_content() {
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
        assert_eq!(content_hash(b"same"), content_hash(b"same"));
    }
}
