//! Opaque secrets handed to clients (session tokens, API keys): 256 random
//! bits, base64url, with a short prefix telling what they are. Only their
//! SHA-256 is stored; with full entropy a fast hash is as safe as a slow one
//! and keeps every authenticated request cheap.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Prefix of back-office session tokens.
pub const SESSION_PREFIX: &str = "ghs_";
/// Prefix of API keys.
pub const API_KEY_PREFIX: &str = "ghk_";
/// Prefix of password reset tokens.
pub const RESET_PREFIX: &str = "ghr_";
/// Prefix of customer users' set-password and reset links.
pub const CUSTOMER_PASSWORD_PREFIX: &str = "ghp_";
/// Prefix of customer users' email confirmation links.
pub const CUSTOMER_CONFIRM_PREFIX: &str = "ghe_";

/// A new random secret with `prefix`.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a secret: lower-case hex SHA-256.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_prefixed() {
        let a = generate(SESSION_PREFIX);
        let b = generate(SESSION_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("ghs_"));
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(digest(&a).len(), 64);
        assert_eq!(digest(&a), digest(&a));
    }
}
