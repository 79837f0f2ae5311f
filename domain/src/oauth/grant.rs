//! The client-credentials grant (RFC 6749 §4.4), the access tokens it
//! issues (RFC 9068 JWTs), their introspection (RFC 7662) and revocation
//! (RFC 7009), and turning a token sent to `/graphql` into the principal
//! it acts for.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::oauth_revoked_token;
use jsonwebtoken::{Algorithm, Validation};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::clients::{self, Client};
use super::keys::KeySet;
use super::{BACKEND_AUDIENCE, FRONTEND_AUDIENCE, scope_set, scope_string};
use crate::Gatehouse;
use crate::auth::known;
use crate::changes::Lookup;
use crate::error::{Error, Result};
use crate::viewer::{Credential, CustomerCredential, Principal};

/// Client authentication, from HTTP Basic or the request body.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
    /// Whether they came by HTTP Basic (a refusal then carries
    /// `WWW-Authenticate`).
    pub basic: bool,
}

/// A refusal of the token, introspection or revocation endpoint, in the
/// terms of RFC 6749 §5.2.
#[derive(Debug)]
pub enum GrantError {
    InvalidRequest(String),
    InvalidClient(String),
    UnsupportedGrantType(String),
    InvalidScope(String),
    /// Too many requests; try again after this long.
    SlowDown(Duration),
    /// OAuth is off: the signing keys are missing.
    Unavailable,
    Internal(Error),
}

impl From<Error> for GrantError {
    fn from(error: Error) -> Self {
        match error {
            Error::OauthKeysMissing => Self::Unavailable,
            error => Self::Internal(error),
        }
    }
}

/// A token handed out by the token endpoint.
#[derive(Debug)]
pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
    pub scope: String,
}

/// The claims of an access token (RFC 9068, plus the organization and the
/// application's token generation).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub scope: String,
    pub organization_id: String,
    pub generation: i32,
}

pub struct TokenService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl TokenService<'_> {
    /// The client-credentials grant: authenticates the client and signs a
    /// token with the scopes asked for (all of the application's when none
    /// are).
    pub async fn issue(
        &self,
        client: &ClientCredentials,
        scope: Option<&str>,
        source_ip: Option<&str>,
    ) -> Result<Issued, GrantError> {
        let keys = self.app.oauth_keys()?;
        let application = self.authenticate_client(keys, client, source_ip).await?;
        let allowed = scope_set(&application.scopes);
        let scopes = match scope.filter(|s| !s.trim().is_empty()) {
            None => allowed,
            Some(asked) => {
                let asked = scope_set(asked);
                if let Some(unknown) = asked.difference(&allowed).next() {
                    return Err(GrantError::InvalidScope(format!(
                        "the application may not have the scope {unknown:?}"
                    )));
                }
                asked
            }
        };
        let ttl = self.app.settings().oauth.token_ttl_secs;
        let now = self.app.now().timestamp();
        let claims = Claims {
            iss: self.app.settings().oauth_issuer(),
            sub: application.subject(),
            aud: application.audience().claim().to_owned(),
            client_id: application.client_id.clone(),
            iat: now,
            exp: now + ttl as i64,
            jti: crate::tokens::generate(""),
            scope: scope_string(&scopes),
            organization_id: application.organization_id.to_string(),
            generation: application.token_generation,
        };
        Ok(Issued {
            access_token: keys.sign(&claims)?,
            expires_in: ttl,
            scope: claims.scope,
        })
    }

    /// RFC 7662: what the calling client may know of `token`.
    pub async fn introspect(
        &self,
        client: &ClientCredentials,
        token: &str,
        source_ip: Option<&str>,
    ) -> Result<Value, GrantError> {
        let keys = self.app.oauth_keys()?;
        let caller = self.authenticate_client(keys, client, source_ip).await?;
        let Some(claims) = self.verify(keys, token) else {
            return Ok(json!({ "active": false }));
        };
        if claims.client_id != caller.client_id || self.live(&claims).await?.is_none() {
            return Ok(json!({ "active": false }));
        }
        Ok(json!({
            "active": true, "scope": claims.scope, "client_id": claims.client_id,
            "token_type": "Bearer", "exp": claims.exp, "iat": claims.iat, "sub": claims.sub,
            "aud": claims.aud, "iss": claims.iss, "jti": claims.jti,
            "organization_id": claims.organization_id,
        }))
    }

    /// RFC 7009: ends a token of the calling client. Tokens that are not
    /// its own, or not tokens at all, are left alone without complaint.
    pub async fn revoke(
        &self,
        client: &ClientCredentials,
        token: &str,
        source_ip: Option<&str>,
    ) -> Result<(), GrantError> {
        let keys = self.app.oauth_keys()?;
        let caller = self.authenticate_client(keys, client, source_ip).await?;
        let Some(claims) = self.verify(keys, token) else {
            return Ok(());
        };
        if claims.client_id != caller.client_id {
            return Ok(());
        }
        let expires_at = DateTime::<Utc>::from_timestamp(claims.exp, 0).unwrap_or_else(Utc::now);
        // Committed like every change, so that the very next request to
        // this server refuses the token (the client rows it keeps say
        // whether a token is revoked).
        let txn = self.app.write().await?;
        oauth_revoked_token::Entity::insert(oauth_revoked_token::ActiveModel {
            jti: sea_orm::Set(claims.jti),
            application_id: sea_orm::Set(caller.id),
            expires_at: sea_orm::Set(expires_at),
        })
        .on_conflict(
            OnConflict::column(oauth_revoked_token::Column::Jti)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .map_err(Error::from)?;
        self.app.commit(txn).await?;
        Ok(())
    }

    /// The principal a bearer JWT stands for on `/graphql`: `None` when it
    /// is no live token (bad signature, expired, revoked, its application
    /// inactive, rotated or gone, its owner unable to sign in). A backend
    /// token's viewer holds the owner's permissions narrowed to the token's
    /// and the application's scopes; a frontend token's, the customer
    /// user's, narrowed the same way.
    pub async fn authenticate(
        &self,
        token: &str,
        source_ip: Option<String>,
    ) -> Result<Option<Principal>> {
        let Ok(keys) = self.app.oauth_keys() else {
            return Ok(None);
        };
        let Some(claims) = self.verify(keys, token) else {
            return Ok(None);
        };
        let credential = known::Credential::AccessToken(claims.jti.clone());
        let until = DateTime::from_timestamp(claims.exp, 0);
        known::principal(self.app, credential, source_ip, async || {
            let principal = self.principal_of(&claims).await?;
            Ok(principal.map(|p| (p, until)))
        })
        .await
    }

    /// Who the live token of `claims` acts for.
    async fn principal_of(&self, claims: &Claims) -> Result<Option<Principal>> {
        let Some(application) = self.live(claims).await? else {
            return Ok(None);
        };
        let scopes: BTreeSet<String> = scope_set(&claims.scope)
            .intersection(&scope_set(&application.scopes))
            .cloned()
            .collect();
        if let Some(user_id) = application.user_id {
            let credential = Credential::OAuth {
                application_id: application.id,
                client_id: claims.client_id.clone(),
            };
            let viewer = self
                .app
                .auth()
                .viewer(user_id, application.organization_id, credential, None)
                .await?;
            return Ok(viewer.map(|mut viewer| {
                viewer.permissions.retain(|p| scopes.contains(p.as_str()));
                Principal::Staff(viewer)
            }));
        }
        let Some(customer_user_id) = application.customer_user_id else {
            return Ok(None);
        };
        let credential = CustomerCredential::OAuth {
            application_id: application.id,
            client_id: claims.client_id.clone(),
        };
        let viewer = self
            .app
            .storefront()
            .viewer(customer_user_id, credential, None, None)
            .await?;
        Ok(viewer.map(|mut viewer| {
            viewer.permissions.retain(|p| scopes.contains(p.as_str()));
            Principal::Customer(viewer)
        }))
    }

    /// The application of `client`, when the secret is right, it is active
    /// and its owner may sign in; rate limited per address and per client.
    async fn authenticate_client(
        &self,
        keys: &KeySet,
        client: &ClientCredentials,
        source_ip: Option<&str>,
    ) -> Result<Arc<Client>, GrantError> {
        let limits = self.app.token_limits();
        if let Some(ip) = source_ip {
            limits.check_ip(ip).map_err(GrantError::SlowDown)?;
        }
        let refused = || GrantError::InvalidClient("client authentication failed".into());
        if !client.client_id.starts_with(super::CLIENT_ID_PREFIX) || client.client_id.len() > 64 {
            return Err(refused());
        }
        let Some(application) = self.kept_client(&client.client_id).await? else {
            return Err(refused());
        };
        limits
            .check_client(application.id)
            .map_err(GrantError::SlowDown)?;
        if !keys.secret_matches(&client.client_secret, &application.secret_hash) {
            return Err(refused());
        }
        if !application.active {
            return Err(GrantError::InvalidClient(
                "the application is not active".into(),
            ));
        }
        if !application.owner_may_sign_in {
            return Err(GrantError::InvalidClient(
                "the application's owner cannot sign in".into(),
            ));
        }
        Ok(application)
    }

    /// The application with client id `client_id`, and whether `jti` is
    /// revoked.
    async fn client(&self, client_id: &str, jti: &str) -> Result<Option<Client>> {
        clients::read(self.app.db(), client_id, jti).await
    }

    /// The application with client id `client_id`, from memory when it is
    /// kept there (`clients`).
    async fn kept_client(&self, client_id: &str) -> Result<Option<Arc<Client>>> {
        let (kept, changes) = (self.app.oauth_clients(), self.app.changes());
        let key = client_id.to_owned();
        match kept.get(changes, &key) {
            Lookup::Hit(row) => Ok(Some(row)),
            Lookup::Miss(ticket) => Ok(self
                .client(client_id, "")
                .await?
                .map(|row| kept.keep(changes, ticket, key, row))),
        }
    }

    /// The claims of `token` when it is an access token of ours: the
    /// header says `at+jwt` with a published `kid`, the signature verifies,
    /// the issuer is ours, it has not expired.
    fn verify(&self, keys: &KeySet, token: &str) -> Option<Claims> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::RS256 || header.typ.as_deref() != Some("at+jwt") {
            return None;
        }
        let key = keys.find(header.kid.as_deref()?)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.set_issuer(&[self.app.settings().oauth_issuer()]);
        validation.set_audience(&[BACKEND_AUDIENCE, FRONTEND_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<Claims>(token, key.decoding(), &validation)
            .ok()
            .map(|data| data.claims)
    }

    /// The application of verified `claims` when the token is still live:
    /// the application exists and is active, the token's generation is
    /// current, its subject, audience and organization are the
    /// application's, and its id is not revoked. Whether the owner may
    /// still act is the viewer's to decide.
    async fn live(&self, claims: &Claims) -> Result<Option<Client>> {
        let Some(application) = self.client(&claims.client_id, &claims.jti).await? else {
            return Ok(None);
        };
        let live = application.active
            && !application.revoked
            && application.token_generation == claims.generation
            && application.subject() == claims.sub
            && application.organization_id.to_string() == claims.organization_id
            && application.audience().claim() == claims.aud;
        Ok(live.then_some(application))
    }
}

/// Forgets revoked token ids whose tokens have expired anyway (the
/// sweeper).
pub async fn prune_revoked(db: &impl sea_orm::ConnectionTrait, now: DateTime<Utc>) -> Result<()> {
    oauth_revoked_token::Entity::delete_many()
        .filter(oauth_revoked_token::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    Ok(())
}
