//! The audit log.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Json, Object, Result};
use chrono::{DateTime, Utc};
use domain::audit::AuditFilter as DomainFilter;
use domain::entity::audit_log;
use domain::permissions::Permission;

use super::connection::{Total, connection, total};
use super::context::{app, id, page, viewer};
use super::guard::needs;

/// One state-changing action: who did what to which record, when, from where.
pub struct AuditEntry(pub audit_log::Model);

/// One state-changing action: who did what to which record, when, from where.
#[Object]
impl AuditEntry {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// The user who acted; none when Gatehouse itself acted.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_user_id.map(ID::from)
    }

    /// The actor's username at the time (`system` for Gatehouse itself; a
    /// customer user's email for storefront actions).
    async fn actor_name(&self) -> Option<&str> {
        self.0.actor_name.as_deref()
    }

    /// The customer user who acted on the storefront; none for back-office
    /// actions.
    async fn actor_customer_user_id(&self) -> Option<ID> {
        self.0.actor_customer_user_id.map(ID::from)
    }

    /// The back-office user who acted as that customer user
    /// (impersonation); none otherwise.
    async fn impersonator_id(&self) -> Option<ID> {
        self.0.impersonator_id.map(ID::from)
    }

    /// The OAuth application (its client id) whose access token the request
    /// came with; the actor is the application's owner. None for sessions
    /// and API keys.
    async fn actor_client_id(&self) -> Option<&str> {
        self.0.actor_client_id.as_deref()
    }

    /// What happened, e.g. `user.create`, `auth.login`, `role.update`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The kind of record acted on, e.g. `user`.
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }

    /// Id of the record acted on.
    async fn target_id(&self) -> Option<&str> {
        self.0.target_id.as_deref()
    }

    /// The organization the actor worked in.
    async fn organization_id(&self) -> Option<ID> {
        self.0.organization_id.map(ID::from)
    }

    /// The client address the request came from.
    async fn source_ip(&self) -> Option<&str> {
        self.0.source_ip.as_deref()
    }

    /// Action-specific details (never secrets).
    async fn details(&self) -> Option<Json<serde_json::Value>> {
        self.0.details.clone().map(Json)
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Which audit entries to list.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Exact action, e.g. `user.create`.
    pub action: Option<String>,
    /// Actions starting with this, e.g. `user.`.
    pub action_prefix: Option<String>,
    /// Entries of this actor.
    pub actor_id: Option<ID>,
    /// Entries about this kind of record, e.g. `user`.
    pub target_type: Option<String>,
    /// Entries about this record (with `targetType`).
    pub target_id: Option<String>,
    /// Entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Audit entries of the viewer's organization, newest first.
    #[graphql(guard = "needs(Permission::AuditView)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(desc = "Narrows the list; every entry when absent.")] filter: Option<AuditFilter>,
    ) -> Result<Connection<String, AuditEntry, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let filter = filter.unwrap_or_default();
        let filter = DomainFilter {
            action: filter.action,
            action_prefix: filter.action_prefix,
            actor_user_id: filter
                .actor_id
                .map(|a| id(&a, "filter.actorId"))
                .transpose()?,
            target_type: filter.target_type,
            target_id: filter.target_id,
            from: filter.from,
            to: filter.to,
        };
        let page = app
            .audit()
            .list(viewer, &filter, &page(ctx, first, after)?)
            .await?;
        let total = total(ctx, app.audit().count(viewer, &filter)).await?;
        Ok(connection(page, AuditEntry, total))
    }
}
