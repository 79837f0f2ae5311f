//! Signed links: URLs that carry their own proof, so that a browser opens
//! them from an email without credentials. The signature is HMAC-SHA-256,
//! under the link key, of what the link is for (its purpose), the record it
//! opens, the account it was made for and when it expires: changing any of
//! them, or taking it to another record, breaks it.
//!
//! The key is `server.link_secret` when set, else 32 random bytes that the
//! first process to need them made and keeps in the database
//! (`server_keys`), so every server and worker on the database signs and
//! checks alike.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::server_key;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};
use secrecy::ExposeSecret;

use crate::Gatehouse;
use crate::error::{Error, Result};

/// The name of the link key in `server_keys`.
const STORED: &str = "links";

/// What a signed link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `GET /exports/{id}`: the file of an export, for its requester.
    ExportDownload,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Self::ExportDownload => "export-download",
        }
    }
}

/// What one link is signed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub purpose: Purpose,
    /// The record the link opens (the export's job).
    pub record_id: i64,
    /// The account the link was made for (the export's requester).
    pub account_id: i64,
    /// Unix time after which the link no longer works.
    pub expires: i64,
}

impl Claim {
    fn message(&self) -> String {
        format!(
            "gatehouse-link\n{}\n{}\n{}\n{}",
            self.purpose.label(),
            self.record_id,
            self.account_id,
            self.expires
        )
    }
}

/// The key that signs and checks links.
pub struct LinkKey(hmac::Key);

impl LinkKey {
    pub fn new(secret: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    /// The signature of `claim`, base64url.
    pub fn sign(&self, claim: &Claim) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.0, claim.message().as_bytes()))
    }

    /// Whether `signature` is this key's signature of `claim`, compared in
    /// constant time.
    pub fn verify(&self, claim: &Claim, signature: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(signature) {
            Ok(tag) => hmac::verify(&self.0, claim.message().as_bytes(), &tag).is_ok(),
            Err(_) => false,
        }
    }
}

/// The address of export `job_id`'s file, without a signature: it opens
/// with credentials (`Authorization` or `X-API-Key`).
pub fn export_url(base: &str, job_id: i64) -> String {
    format!("{base}/exports/{job_id}")
}

/// The address of export `job_id`'s file, signed for `requester_id` until
/// `expires` (Unix time): it opens without credentials.
pub fn signed_export_url(
    base: &str,
    key: &LinkKey,
    job_id: i64,
    requester_id: i64,
    expires: i64,
) -> String {
    let claim = Claim {
        purpose: Purpose::ExportDownload,
        record_id: job_id,
        account_id: requester_id,
        expires,
    };
    format!(
        "{}?expires={expires}&signature={}",
        export_url(base, job_id),
        key.sign(&claim)
    )
}

/// The link key: the configured secret, else the one kept in the
/// database, made by whichever process asks first.
pub(crate) async fn load(app: &Gatehouse) -> Result<LinkKey> {
    if let Some(secret) = &app.settings().server.link_secret {
        return Ok(LinkKey::new(secret.expose_secret().as_bytes()));
    }
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::internal("no system randomness"))?;
    // Two processes starting at once: the first insert wins, both read it.
    server_key::Entity::insert(server_key::ActiveModel {
        name: Set(STORED.to_owned()),
        secret: Set(URL_SAFE_NO_PAD.encode(bytes)),
        created_at: Set(app.now()),
    })
    .on_conflict(
        OnConflict::column(server_key::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(app.db())
    .await?;
    let stored = server_key::Entity::find_by_id(STORED.to_owned())
        .one(app.db())
        .await?
        .ok_or_else(|| Error::internal("the link key was not stored"))?;
    let secret = URL_SAFE_NO_PAD
        .decode(&stored.secret)
        .map_err(|e| Error::internal(format!("the stored link key is not base64url: {e}")))?;
    if secret.len() < 32 {
        return Err(Error::internal(
            "the stored link key is shorter than 32 bytes",
        ));
    }
    Ok(LinkKey::new(&secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim() -> Claim {
        Claim {
            purpose: Purpose::ExportDownload,
            record_id: 42,
            account_id: 7,
            expires: 1_767_348_000,
        }
    }

    #[test]
    fn a_signature_holds_only_for_its_claim_and_key() {
        let key = LinkKey::new(&[1; 32]);
        let signature = key.sign(&claim());
        assert!(key.verify(&claim(), &signature));
        assert_eq!(signature.len(), 43);
        for other in [
            Claim {
                record_id: 43,
                ..claim()
            },
            Claim {
                account_id: 8,
                ..claim()
            },
            Claim {
                expires: claim().expires + 1,
                ..claim()
            },
        ] {
            assert!(!key.verify(&other, &signature), "{other:?}");
        }
        assert!(!LinkKey::new(&[2; 32]).verify(&claim(), &signature));
        assert!(!key.verify(&claim(), "not base64!"));
        assert!(!key.verify(&claim(), ""));
    }
}
