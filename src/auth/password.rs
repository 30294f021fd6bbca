//! Password hashing (argon2id) and strength rules.

use std::sync::LazyLock;

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};

use crate::{error::AppError, workers::Workers};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// OWASP's argon2id baseline: 19 MiB of memory, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash to verify against when the account does not exist, so that "no such user" takes
/// as long as "wrong password" and timing does not reveal which emails are registered.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_blocking("not a real password"));

fn hash_blocking(password: &str) -> String {
    argon2()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing does not fail for valid parameters")
        .to_string()
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Hashes on the bounded hashing pool: argon2 is deliberately slow and takes 19 MiB a run,
/// so a burst of logins is refused with 503 instead of exhausting memory.
pub async fn hash(workers: &Workers, password: String) -> Result<String, AppError> {
    Ok(workers.run(move || hash_blocking(&password)).await?)
}

/// Checks `password` against `hash`, or against a dummy hash when there is no account.
pub async fn verify(
    workers: &Workers,
    password: String,
    hash: Option<String>,
) -> Result<bool, AppError> {
    let verified = workers.run(move || match hash {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            verify_blocking(&password, &DUMMY_HASH);
            false
        }
    });
    Ok(verified.await?)
}

/// Why a new password is not acceptable, in words a user can act on; `None` if it is fine.
/// `related` holds the user's own details (email, name), which make weak passwords.
pub fn problem(password: &str, related: &[&str]) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some(format!("Use at least {MIN_LENGTH} characters."));
    }
    if length > MAX_LENGTH {
        return Some(format!("Use at most {MAX_LENGTH} characters."));
    }
    let estimate = zxcvbn::zxcvbn(password, related);
    if estimate.score() >= zxcvbn::Score::Three {
        return None;
    }
    let mut message = String::from("This password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message = format!("{message} {warning}.");
        }
        for suggestion in feedback.suggestions() {
            message = format!("{message} {suggestion}");
        }
    }
    if !message.contains("words") {
        message.push_str(
            " A few unrelated words together make a strong password that is easy to remember.",
        );
    }
    Some(message.replace("..", "."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_blocking("correct horse battery staple");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking("correct horse battery staple", &hash));
        assert!(!verify_blocking("wrong", &hash));
        assert!(!verify_blocking("x", "not a hash"));
    }

    #[test]
    fn weak_and_common_passwords_are_refused_with_advice() {
        assert!(problem("short", &[]).unwrap().contains("at least 8"));
        assert!(
            problem(&"x".repeat(129), &[])
                .unwrap()
                .contains("at most 128")
        );
        for weak in [
            "password",
            "password1",
            "qwertyuiop",
            "12345678",
            "ada@example.com1",
        ] {
            assert!(
                problem(weak, &["ada@example.com"]).is_some(),
                "{weak} accepted"
            );
        }
        assert_eq!(problem("plum tractor lantern 42", &[]), None);
    }
}
