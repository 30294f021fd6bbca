//! Password hashing (argon2id) and strength rules.

use std::{cell::RefCell, sync::LazyLock};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::phc::{Output, PasswordHash, Salt},
};
use subtle::ConstantTimeEq;

use crate::{error::AppError, workers::Workers};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// OWASP's argon2id baseline: 19 MiB of memory, 2 passes, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

/// A hash to verify against when the account does not exist, so that "no such user" takes
/// as long as "wrong password" and timing does not reveal which emails are registered.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_blocking("not a real password"));

thread_local! {
    /// argon2's working memory, kept by each hashing thread. Allocating 19 MiB (64-byte
    /// aligned) per hash, as `PasswordHasher::hash_password` does, leaves glibc's heap a
    /// hole slightly too small for the next one, and memory grows by 19 MiB a hash.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// argon2 of `password` and `salt` with `params` into `out`, in this thread's memory.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    let needed = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
    })
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) for `password`.
fn hash_blocking(password: &str) -> String {
    let params = params();
    let salt = Salt::generate();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password.as_bytes(),
        &salt,
        &mut out,
    )
    .expect("argon2 hashing does not fail for valid parameters");
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.into(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().expect("argon2 parameters as PHC"),
        salt: Some(salt),
        hash: Some(Output::new(&out).expect("a 32-byte output")),
    };
    hash.to_string()
}

/// Whether `password` matches the PHC string `hash` (any argon2 variant and parameters).
fn verify_blocking(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let Ok(version) = version else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    compute(
        algorithm,
        version,
        params,
        password.as_bytes(),
        &salt,
        &mut out,
    )
    .is_ok()
        && bool::from(out.ct_eq(expected.as_bytes()))
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
    // An empty hash is an account without a password (made through a sign-in provider): it
    // takes the same time to refuse as a missing account.
    let hash = hash.filter(|hash| !hash.is_empty());
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
    fn hashes_match_the_argon2_crates_own_in_both_directions() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let library = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let theirs = library.hash_password(b"plum tractor").unwrap().to_string();
        assert!(verify_blocking("plum tractor", &theirs));
        assert!(!verify_blocking("plum tractors", &theirs));
        let ours = hash_blocking("plum tractor");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(library.verify_password(b"plum tractor", &parsed).is_ok());
    }

    #[test]
    fn repeated_hashing_on_one_thread_reuses_its_memory() {
        hash_blocking("warm up");
        let capacity = BLOCKS.with_borrow(Vec::capacity);
        for _ in 0..3 {
            hash_blocking("again");
        }
        assert_eq!(BLOCKS.with_borrow(Vec::capacity), capacity);
        assert_eq!(capacity, params().block_count());
    }

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
