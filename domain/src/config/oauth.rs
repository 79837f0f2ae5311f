//! OAuth settings: the signing keys, the issuer, token lifetime and the
//! token endpoint's rate limits (docs/OAUTH.md).

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthSettings {
    /// RSA private key (PKCS#8 or PKCS#1 PEM) that signs access tokens.
    pub private_key_path: PathBuf,
    /// Its public key (SPKI PEM).
    pub public_key_path: PathBuf,
    /// Public keys of earlier pairs, still published and accepted until the
    /// tokens they signed expire.
    pub retired_public_key_paths: Vec<PathBuf>,
    /// 32 random bytes keying the hash of client secrets.
    pub hash_key_path: PathBuf,
    /// Create missing key files at start. Unset: on with SQLite (the
    /// embedded default), off otherwise.
    pub generate_keys: Option<bool>,
    /// The `iss` of tokens; the public URL when unset.
    pub issuer: Option<String>,
    /// Lifetime of access tokens.
    pub token_ttl_secs: u64,
    /// Token requests allowed per client id and minute.
    pub token_requests_per_client_per_minute: u32,
    /// Token, introspection and revocation requests allowed per IP address
    /// and minute.
    pub token_requests_per_ip_per_minute: u32,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            private_key_path: "var/oauth/private.pem".into(),
            public_key_path: "var/oauth/public.pem".into(),
            retired_public_key_paths: Vec::new(),
            hash_key_path: "var/oauth/client-secret.key".into(),
            generate_keys: None,
            issuer: None,
            token_ttl_secs: 3600,
            token_requests_per_client_per_minute: 600,
            token_requests_per_ip_per_minute: 1200,
        }
    }
}
