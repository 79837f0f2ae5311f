//! The audit log: every state-changing action writes one entry, in the same
//! transaction as the change, and `list` reads them back for an organization.

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;

use crate::Gatehouse;
use crate::error::Result;
use crate::pagination::{Keyset, Page, PageRequest, SortValue};
use crate::viewer::{Actor, Viewer};

/// What an entry is about.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: Option<String>,
}

impl<'a> Target<'a> {
    pub fn new(kind: &'a str, id: impl ToString) -> Self {
        Self {
            kind,
            id: Some(id.to_string()),
        }
    }
}

/// Writes one entry with `conn` (a transaction, usually).
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    target: Target<'_>,
    organization_id: Option<i64>,
    details: Option<Value>,
) -> Result<()> {
    audit_log::ActiveModel {
        actor_user_id: Set(actor.user_id),
        actor_name: Set(actor.name.clone()),
        actor_customer_user_id: Set(actor.customer_user_id),
        impersonator_id: Set(actor.impersonator_id),
        actor_client_id: Set(actor.client_id.clone()),
        action: Set(action.to_owned()),
        target_type: Set(target.kind.to_owned()),
        target_id: Set(target.id),
        organization_id: Set(organization_id.or(actor.organization_id)),
        source_ip: Set(actor.source_ip.clone()),
        details: Set(details),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// What changed between two snapshots of a record (JSON objects with the
/// same keys): `{ "changes": { field: { "from": old, "to": new } } }`, for
/// the details of an update's entry. Snapshots hold no secrets or hashes.
pub fn changes(before: &Value, after: &Value) -> Value {
    let mut changed = serde_json::Map::new();
    if let (Value::Object(before), Value::Object(after)) = (before, after) {
        for (field, new) in after {
            let old = before.get(field).unwrap_or(&Value::Null);
            if old != new {
                changed.insert(field.clone(), serde_json::json!({ "from": old, "to": new }));
            }
        }
    }
    serde_json::json!({ "changes": changed })
}

/// Writes one entry per target (a mass action), in one statement.
pub async fn record_many(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    kind: &str,
    target_ids: &[i64],
    details: Option<Value>,
) -> Result<()> {
    if target_ids.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = target_ids.iter().map(|id| audit_log::ActiveModel {
        actor_user_id: Set(actor.user_id),
        actor_name: Set(actor.name.clone()),
        actor_customer_user_id: Set(actor.customer_user_id),
        impersonator_id: Set(actor.impersonator_id),
        actor_client_id: Set(actor.client_id.clone()),
        action: Set(action.to_owned()),
        target_type: Set(kind.to_owned()),
        target_id: Set(Some(id.to_string())),
        organization_id: Set(actor.organization_id),
        source_ip: Set(actor.source_ip.clone()),
        details: Set(details.clone()),
        created_at: Set(now),
        ..Default::default()
    });
    audit_log::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact action name, e.g. `user.create`.
    pub action: Option<String>,
    /// Actions starting with this, e.g. `user.`.
    pub action_prefix: Option<String>,
    pub actor_user_id: Option<i64>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub struct AuditService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl AuditService<'_> {
    /// Entries of the viewer's organization, newest first.
    pub async fn list(
        &self,
        viewer: &Viewer,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<audit_log::Model>> {
        let keyset = Keyset::new(audit_log::Column::Id, audit_log::Column::Id, true, false);
        let select = self.filtered(viewer, filter);
        keyset
            .fetch(self.app.db(), select, page, |entry| {
                SortValue::Int(entry.id)
            })
            .await
    }

    pub async fn count(&self, viewer: &Viewer, filter: &AuditFilter) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(self.filtered(viewer, filter).count(self.app.db()).await?)
    }

    fn filtered(
        &self,
        viewer: &Viewer,
        filter: &AuditFilter,
    ) -> sea_orm::Select<audit_log::Entity> {
        let mut select = audit_log::Entity::find()
            .filter(audit_log::Column::OrganizationId.eq(viewer.organization_id));
        if let Some(action) = &filter.action {
            select = select.filter(audit_log::Column::Action.eq(action.as_str()));
        }
        if let Some(prefix) = &filter.action_prefix {
            select = select.filter(audit_log::Column::Action.starts_with(prefix.as_str()));
        }
        if let Some(actor) = filter.actor_user_id {
            select = select.filter(audit_log::Column::ActorUserId.eq(actor));
        }
        if let Some(kind) = &filter.target_type {
            select = select.filter(audit_log::Column::TargetType.eq(kind.as_str()));
        }
        if let Some(id) = &filter.target_id {
            select = select.filter(audit_log::Column::TargetId.eq(id.as_str()));
        }
        if let Some(from) = filter.from {
            select = select.filter(audit_log::Column::CreatedAt.gte(from));
        }
        if let Some(to) = filter.to {
            select = select.filter(audit_log::Column::CreatedAt.lt(to));
        }
        select
    }
}
