//! The client rows the token endpoint needs on every request. The API
//! server keeps them in memory (`Gatehouse::oauth_clients`), dropped at
//! any sign of change (`changes`), which spares the database one statement
//! per token (docs/OAUTH.md).

use sea_orm::{DatabaseConnection, DbBackend, FromQueryResult, Statement};

use super::Audience;
use crate::error::Result;

/// Rows kept at most; past that the memory starts again empty.
pub(crate) const CAPACITY: usize = 10_000;

/// An application as the token endpoint and token checks need it, read in
/// one statement with whether its owner may sign in and whether a token id
/// is revoked: each token request and each request with a token costs one
/// round trip, not four.
#[derive(Debug, FromQueryResult)]
pub(crate) struct Client {
    pub id: i64,
    pub organization_id: i64,
    pub user_id: Option<i64>,
    pub customer_user_id: Option<i64>,
    pub client_id: String,
    pub secret_hash: String,
    pub active: bool,
    pub scopes: String,
    pub token_generation: i32,
    /// The owner is enabled and `ACTIVE`, and its organization (for a
    /// back-office user: one it belongs to) is enabled.
    pub owner_may_sign_in: bool,
    /// The token id asked about is revoked.
    pub revoked: bool,
}

impl Client {
    pub(crate) fn audience(&self) -> Audience {
        Audience::of_owner(self.user_id)
    }

    /// The `sub` of its tokens: the owner.
    pub(crate) fn subject(&self) -> String {
        match (self.user_id, self.customer_user_id) {
            (Some(id), _) => format!("user:{id}"),
            (None, Some(id)) => format!("customer_user:{id}"),
            (None, None) => String::new(),
        }
    }
}

/// `$1`: the client id; `$2`: a token id (empty when none is asked about).
const CLIENT: &str = "\
SELECT a.id, a.organization_id, a.user_id, a.customer_user_id, a.client_id, a.secret_hash,
       a.active, a.scopes, a.token_generation,
       COALESCE(o.enabled AND CASE WHEN a.user_id IS NOT NULL
            THEN u.enabled AND u.auth_status = 'ACTIVE' AND m.user_id IS NOT NULL
            ELSE c.enabled AND c.auth_status = 'ACTIVE' END, FALSE) AS owner_may_sign_in,
       EXISTS (SELECT 1 FROM oauth_revoked_tokens r WHERE r.jti = $2) AS revoked
FROM oauth_applications a
JOIN organizations o ON o.id = a.organization_id
LEFT JOIN users u ON u.id = a.user_id
LEFT JOIN user_organizations m ON m.user_id = a.user_id AND m.organization_id = a.organization_id
LEFT JOIN customer_users c ON c.id = a.customer_user_id
WHERE a.client_id = $1";

/// The application with client id `client_id`, and whether `jti` is
/// revoked, from the database.
pub(crate) async fn read(
    db: &DatabaseConnection,
    client_id: &str,
    jti: &str,
) -> Result<Option<Client>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => CLIENT.to_owned(),
        _ => CLIENT.replace('$', "?"),
    };
    let statement = Statement::from_sql_and_values(backend, sql, [client_id.into(), jti.into()]);
    Ok(Client::find_by_statement(statement).one(db).await?)
}
