//! Time-based one-time passwords (RFC 6238) and recovery codes.

use qrcode::{QrCode, render::svg};
use totp_rs::{Builder, Secret, Totp};

use super::tokens;

pub const RECOVERY_CODES: usize = 10;

/// A new random secret, base32-encoded as authenticator apps expect.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn totp(secret: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some("Groundwork"))
        .with_account_name(account)
        .build()
        .ok()
}

/// The time step `code` belongs to, if it is valid now (one step of clock skew either way).
/// The caller must accept each step only once.
pub fn check(secret: &str, account: &str, code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let step = totp(secret, account)?.check_current(&code)?;
    i64::try_from(step).ok()
}

/// The enrolment QR code as an SVG document (no scripts, no styles: fits the CSP).
pub fn qr_svg(secret: &str, account: &str) -> Option<String> {
    let url = totp(secret, account)?.to_url().ok()?;
    let code = QrCode::new(url.as_bytes()).ok()?;
    let document = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline in HTML: drop the XML declaration, keep the <svg> element.
    let start = document.find("<svg")?;
    Some(document[start..].to_owned())
}

/// Ten fresh recovery codes like `k7m2-9xqa`, and the hashes to store.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    // No 0/o, 1/l: codes are read off paper.
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let bytes = rand::random::<[u8; 8]>();
            let chars: String = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            format!("{}-{}", &chars[..4], &chars[4..])
        })
        .collect();
    let hashes = codes.iter().map(|code| hash_recovery_code(code)).collect();
    (codes, hashes)
}

/// Recovery codes are compared case- and space-insensitively, with or without the dash.
pub fn hash_recovery_code(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    tokens::hash(&normal)
}

pub fn looks_like_recovery_code(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 8
        && !code.trim().chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_current_code_checks_and_a_wrong_one_does_not() {
        let secret = new_secret();
        let now = totp(&secret, "a@b.c").unwrap().generate_current();
        assert!(check(&secret, "a@b.c", &now.to_string()).is_some());
        assert!(check(&secret, "a@b.c", "000000x").is_none());
        assert!(qr_svg(&secret, "a@b.c").unwrap().starts_with("<svg"));
    }

    #[test]
    fn recovery_codes_are_unique_and_forgiving_to_type() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(
            hash_recovery_code(&codes[0].to_uppercase().replace('-', " ")),
            hashes[0]
        );
        assert!(looks_like_recovery_code(&codes[0]));
        assert!(!looks_like_recovery_code("123456"));
    }
}
