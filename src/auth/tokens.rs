//! Random tokens, and the hashes under which they are stored.

use sha2::{Digest, Sha256};

use super::{db, session};
use crate::db::Db;

/// 256 random bits, hex-encoded: for CSRF, password-reset and set-up tokens.
pub fn random_token() -> String {
    hex(&rand::random::<[u8; 32]>())
}

/// Tokens are stored as SHA-256 hashes: a leaked table does not leak usable links. (A slow
/// hash is not needed: the tokens are random, not guessable like passwords.)
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A new single-use token of `purpose` for `user_id`, valid for `valid_seconds`; older live
/// ones of the same purpose die with it (a newer mail replaces older ones). Returns the token,
/// which is stored only as its hash.
pub async fn issue(
    db: &Db,
    user_id: &str,
    purpose: &str,
    valid_seconds: i64,
) -> sqlx::Result<String> {
    let token = random_token();
    let now = session::now();
    let mut tx = db.pool().begin().await?;
    db::retire_tokens(&mut *tx, user_id, purpose, now).await?;
    db::insert_token(
        &mut *tx,
        &hash(&token),
        purpose,
        Some(user_id),
        now,
        now + valid_seconds,
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Lower-case hex of `bytes` (hashes, ETags).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 64);
        assert_eq!(hash("abc"), hash("abc"));
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
