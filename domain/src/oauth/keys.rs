//! The signing keys of access tokens and the key hashing client secrets.
//!
//! Tokens are signed with ring (constant-time RSA) from a key pair parsed
//! once at start: jsonwebtoken's `encode` parses the private key again for
//! every signature, which the token endpoint cannot afford. jsonwebtoken
//! verifies tokens. The `rsa` crate only generates key pairs and reads PEM
//! files (no secret-dependent arithmetic on a request path).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::OAuthSettings;
use crate::error::{Error, Result};

/// Bits of generated RSA keys.
pub const KEY_BITS: usize = 2048;

/// A public key published in the JWKS and accepted for verification.
pub struct PublishedKey {
    pub kid: String,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
    decoding: DecodingKey,
}

impl PublishedKey {
    fn new(modulus: Vec<u8>, exponent: Vec<u8>) -> Self {
        let decoding = DecodingKey::from_rsa_raw_components(&modulus, &exponent);
        Self {
            kid: thumbprint(&modulus, &exponent),
            modulus,
            exponent,
            decoding,
        }
    }

    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The key as an RFC 7517 JWK.
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&self.modulus),
            "e": URL_SAFE_NO_PAD.encode(&self.exponent),
        })
    }
}

/// Everything OAuth needs that is secret or published: the signing key,
/// the published public keys, the client-secret hash key.
pub struct KeySet {
    signing: RsaKeyPair,
    /// `base64url(header) + "."` of every token: the header never changes.
    header: String,
    /// The signing key's public half first, then the retired ones.
    published: Vec<PublishedKey>,
    hash_key: hmac::Key,
    random: SystemRandom,
}

impl KeySet {
    /// Reads the configured key files; an error names what is missing or
    /// wrong.
    pub fn load(settings: &OAuthSettings) -> Result<Self> {
        let private = read_private_key(&settings.private_key_path)?;
        let der = private
            .to_pkcs8_der()
            .map_err(|e| key_error(&settings.private_key_path, e))?;
        let signing = RsaKeyPair::from_pkcs8(der.as_bytes())
            .map_err(|e| key_error(&settings.private_key_path, e))?;
        let public = read_public_key(&settings.public_key_path)?;
        if public != private.to_public_key() {
            return Err(Error::internal(format!(
                "{} is not the public key of {}",
                settings.public_key_path.display(),
                settings.private_key_path.display()
            )));
        }
        let mut published = vec![published_key(&public)];
        for path in &settings.retired_public_key_paths {
            let key = published_key(&read_public_key(path)?);
            if published.iter().all(|k| k.kid != key.kid) {
                published.push(key);
            }
        }
        let hash_key =
            fs::read(&settings.hash_key_path).map_err(|e| key_error(&settings.hash_key_path, e))?;
        if hash_key.len() < 32 {
            return Err(Error::internal(format!(
                "{} must hold at least 32 bytes",
                settings.hash_key_path.display()
            )));
        }
        let header = json!({ "alg": "RS256", "typ": "at+jwt", "kid": published[0].kid });
        Ok(Self {
            signing,
            header: format!("{}.", URL_SAFE_NO_PAD.encode(header.to_string())),
            published,
            hash_key: hmac::Key::new(hmac::HMAC_SHA256, &hash_key),
            random: SystemRandom::new(),
        })
    }

    /// The `kid` of the signing key.
    pub fn kid(&self) -> &str {
        &self.published[0].kid
    }

    /// Every published key, the signing key's first.
    pub fn published(&self) -> &[PublishedKey] {
        &self.published
    }

    /// The published key named `kid`.
    pub fn find(&self, kid: &str) -> Option<&PublishedKey> {
        self.published.iter().find(|key| key.kid == kid)
    }

    /// The JWK Set document.
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.published.iter().map(PublishedKey::jwk).collect::<Vec<_>>() })
    }

    /// A JWT of `claims`, signed RS256 with header `typ: at+jwt` and `kid`.
    pub fn sign(&self, claims: &impl Serialize) -> Result<String> {
        let payload = serde_json::to_vec(claims).map_err(|e| Error::internal(e.to_string()))?;
        let mut token = String::with_capacity(self.header.len() + payload.len() * 4 / 3 + 350);
        token.push_str(&self.header);
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let mut signature = vec![0; self.signing.public().modulus_len()];
        self.signing
            .sign(
                &RSA_PKCS1_SHA256,
                &self.random,
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| Error::internal("RSA signing failed"))?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    /// The stored form of a client secret: hex HMAC-SHA-256 under the hash
    /// key.
    pub fn hash_secret(&self, secret: &str) -> String {
        crate::tokens::hex(hmac::sign(&self.hash_key, secret.as_bytes()).as_ref())
    }

    /// Whether `secret` hashes to `stored`, compared in constant time.
    pub fn secret_matches(&self, secret: &str, stored: &str) -> bool {
        match unhex(stored) {
            Some(tag) => hmac::verify(&self.hash_key, secret.as_bytes(), &tag).is_ok(),
            None => false,
        }
    }
}

/// What `ensure` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Ensured {
    Present,
    Generated,
}

/// Loads the key set, generating missing files first when the settings say
/// so (the embedded default).
pub fn ensure(settings: &crate::config::Settings) -> Result<(KeySet, Ensured)> {
    let oauth = &settings.oauth;
    let mut ensured = Ensured::Present;
    if settings.generates_oauth_keys()
        && (!oauth.private_key_path.exists()
            || !oauth.public_key_path.exists()
            || !oauth.hash_key_path.exists())
    {
        generate_files(
            &oauth.private_key_path,
            &oauth.public_key_path,
            &oauth.hash_key_path,
            false,
        )?;
        ensured = Ensured::Generated;
    }
    Ok((KeySet::load(oauth)?, ensured))
}

/// Files written by `generate_files`.
#[derive(Debug, Default)]
pub struct Generated {
    pub written: Vec<PathBuf>,
    pub kid: Option<String>,
}

/// Writes a new RSA pair to `private_key` (PKCS#8 PEM, mode 0600) and
/// `public_key` (SPKI PEM) unless the pair exists (or `force`), and 32
/// random bytes to `hash_key` unless it exists: a new hash key would
/// invalidate every client secret, so it is never replaced.
pub fn generate_files(
    private_key: &Path,
    public_key: &Path,
    hash_key: &Path,
    force: bool,
) -> Result<Generated> {
    let mut generated = Generated::default();
    let pair_exists = private_key.exists() || public_key.exists();
    if pair_exists && !force {
        if !(private_key.exists() && public_key.exists()) {
            return Err(Error::invalid(
                "private_key",
                format!(
                    "only one of {} and {} exists; pass --force to write a new pair",
                    private_key.display(),
                    public_key.display()
                ),
            ));
        }
    } else {
        let mut rng = rsa::rand_core::OsRng;
        let key = RsaPrivateKey::new(&mut rng, KEY_BITS)
            .map_err(|e| Error::internal(format!("cannot generate an RSA key: {e}")))?;
        let private_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| Error::internal(e.to_string()))?;
        let public = key.to_public_key();
        let public_pem = public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| Error::internal(e.to_string()))?;
        write_file(private_key, private_pem.as_bytes(), 0o600, true)?;
        write_file(public_key, public_pem.as_bytes(), 0o644, true)?;
        generated.written.push(private_key.to_owned());
        generated.written.push(public_key.to_owned());
        generated.kid = Some(published_key(&public).kid);
    }
    if !hash_key.exists() {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| Error::internal("no system randomness"))?;
        write_file(hash_key, &bytes, 0o600, false)?;
        generated.written.push(hash_key.to_owned());
    }
    Ok(generated)
}

fn write_file(path: &Path, contents: &[u8], mode: u32, replace: bool) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| key_error(parent, e))?;
    }
    let mut options = OpenOptions::new();
    options.write(true).mode(mode);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| key_error(path, e))?;
    file.write_all(contents).map_err(|e| key_error(path, e))?;
    file.sync_all().map_err(|e| key_error(path, e))
}

fn read_private_key(path: &Path) -> Result<RsaPrivateKey> {
    let pem = fs::read_to_string(path).map_err(|e| key_error(path, e))?;
    RsaPrivateKey::from_pkcs8_pem(&pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(&pem))
        .map_err(|e| key_error(path, e))
}

fn read_public_key(path: &Path) -> Result<RsaPublicKey> {
    let pem = fs::read_to_string(path).map_err(|e| key_error(path, e))?;
    RsaPublicKey::from_public_key_pem(&pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(&pem))
        .map_err(|e| key_error(path, e))
}

fn published_key(public: &RsaPublicKey) -> PublishedKey {
    PublishedKey::new(public.n().to_bytes_be(), public.e().to_bytes_be())
}

/// RFC 7638 JWK thumbprint: SHA-256 of the canonical JSON of `e`, `kty`,
/// `n`, base64url.
fn thumbprint(modulus: &[u8], exponent: &[u8]) -> String {
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(exponent),
        URL_SAFE_NO_PAD.encode(modulus)
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn key_error(path: &Path, error: impl std::fmt::Display) -> Error {
    Error::internal(format!("{}: {error}", path.display()))
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// ring's view of a public key, to check tokens in unit tests.
#[cfg(test)]
fn components(keys: &KeySet) -> ring::signature::RsaPublicKeyComponents<Vec<u8>> {
    ring::signature::RsaPublicKeyComponents::from(keys.signing.public())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &Path) -> OAuthSettings {
        OAuthSettings {
            private_key_path: dir.join("private.pem"),
            public_key_path: dir.join("public.pem"),
            hash_key_path: dir.join("hash.key"),
            ..OAuthSettings::default()
        }
    }

    /// Settings of key files generated in `dir`.
    fn generated(dir: &Path) -> OAuthSettings {
        let s = settings(dir);
        generate_files(
            &s.private_key_path,
            &s.public_key_path,
            &s.hash_key_path,
            false,
        )
        .expect("generate");
        s
    }

    #[test]
    fn generated_keys_sign_tokens_their_jwk_verifies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = settings(dir.path());
        let generated = generate_files(
            &s.private_key_path,
            &s.public_key_path,
            &s.hash_key_path,
            false,
        )
        .expect("generate");
        assert_eq!(generated.written.len(), 3);
        let keys = KeySet::load(&s).expect("load");
        assert_eq!(generated.kid.as_deref(), Some(keys.kid()));
        let token = keys.sign(&json!({ "sub": "user:1" })).expect("sign");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("json");
        assert_eq!(header["typ"], "at+jwt");
        assert_eq!(header["kid"], keys.kid());
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).expect("b64");
        let message = format!("{}.{}", parts[0], parts[1]);
        components(&keys)
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                message.as_bytes(),
                &signature,
            )
            .expect("signature verifies");
        // The JWK's n and e are ring's.
        let jwk = keys.jwks()["keys"][0].clone();
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(jwk["n"].as_str().expect("n"))
                .expect("n"),
            components(&keys).n
        );
    }

    #[test]
    fn existing_files_are_kept_and_the_hash_key_is_never_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = generated(dir.path());
        let hash_key = fs::read(&s.hash_key_path).expect("read");
        let first = KeySet::load(&s).expect("load").kid().to_owned();
        let again = generate_files(
            &s.private_key_path,
            &s.public_key_path,
            &s.hash_key_path,
            false,
        )
        .expect("again");
        assert!(again.written.is_empty());
        let forced = generate_files(
            &s.private_key_path,
            &s.public_key_path,
            &s.hash_key_path,
            true,
        )
        .expect("forced");
        assert_eq!(forced.written.len(), 2);
        assert_ne!(KeySet::load(&s).expect("load").kid(), first);
        assert_eq!(fs::read(&s.hash_key_path).expect("read"), hash_key);
    }

    #[test]
    fn secrets_hash_under_the_key_and_compare() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = generated(dir.path());
        let keys = KeySet::load(&s).expect("load");
        let stored = keys.hash_secret("ghx_secret");
        assert_eq!(stored.len(), 64);
        assert!(keys.secret_matches("ghx_secret", &stored));
        assert!(!keys.secret_matches("ghx_other", &stored));
        assert!(!keys.secret_matches("ghx_secret", "zz"));
        assert_ne!(stored, crate::tokens::digest("ghx_secret"));
    }

    #[test]
    fn a_mismatched_public_key_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = generated(dir.path());
        let other = generated(&dir.path().join("other"));
        let mixed = OAuthSettings {
            public_key_path: other.public_key_path,
            ..s
        };
        let error = KeySet::load(&mixed).err().expect("refused").to_string();
        assert!(error.contains("is not the public key"), "{error}");
    }
}
