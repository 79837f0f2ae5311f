//! Credentials this server checked lately, and who they stand for: every
//! authenticated request would otherwise read the session or key, the
//! user, its memberships and its permissions again. What is kept is
//! dropped at any sign of change (`changes`): a disabled, locked or reset
//! account, an ended session, a revoked key, a membership or a permission
//! taken away is refused at the very next request on the server that made
//! the change, and on every other within the delivery of a notification
//! (PostgreSQL) or at its next request (SQLite).

use chrono::{DateTime, Utc};

use crate::Gatehouse;
use crate::changes::{Follows, Kept, Lookup};
use crate::error::Result;
use crate::viewer::Principal;

/// Credentials kept at most; past that the memory starts again empty.
pub(crate) const CAPACITY: usize = 20_000;

/// A credential, by the digest it is looked up with (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Credential {
    Session(String),
    ApiKey(String),
    Storefront(String),
    /// An OAuth access token, by its `jti` (its signature is checked on
    /// every request).
    AccessToken(String),
}

/// Who a credential stands for, until when.
pub(crate) struct Known {
    principal: Principal,
    /// When the credential stops working by itself (a session's or a
    /// token's expiry).
    until: Option<DateTime<Utc>>,
}

pub(crate) type KnownCredentials = Kept<Credential, Known>;

pub(crate) fn new() -> KnownCredentials {
    Kept::new(CAPACITY, Follows::Everything)
}

/// The principal `credential` stands for: from memory when this server
/// checked it lately and nothing changed since, else from `check`, which
/// answers the principal and until when the credential works. The request's
/// own address is set on the answer.
pub(crate) async fn principal<F>(
    app: &Gatehouse,
    credential: Credential,
    source_ip: Option<String>,
    check: F,
) -> Result<Option<Principal>>
where
    F: AsyncFnOnce() -> Result<Option<(Principal, Option<DateTime<Utc>>)>>,
{
    let (kept, changes) = (app.known_credentials(), app.changes());
    let ticket = match kept.get(changes, &credential) {
        Lookup::Hit(known) => {
            if known.until.is_some_and(|until| until <= app.now()) {
                return Ok(None);
            }
            return Ok(Some(with_address(known.principal.clone(), source_ip)));
        }
        Lookup::Miss(ticket) => ticket,
    };
    let Some((principal, until)) = check().await? else {
        return Ok(None);
    };
    let known = Known {
        principal: with_address(principal.clone(), None),
        until,
    };
    kept.keep(changes, ticket, credential, known);
    Ok(Some(with_address(principal, source_ip)))
}

fn with_address(principal: Principal, source_ip: Option<String>) -> Principal {
    match principal {
        Principal::Staff(mut viewer) => {
            viewer.source_ip = source_ip;
            Principal::Staff(viewer)
        }
        Principal::Customer(mut viewer) => {
            viewer.source_ip = source_ip;
            Principal::Customer(viewer)
        }
    }
}
