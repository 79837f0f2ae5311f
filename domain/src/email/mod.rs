//! Email: stored, editable templates; the outbox emails wait in; and their
//! delivery through lettre, which only workers do.

pub mod catalog;
mod deliver;
pub mod outbox;
mod render;
pub mod transport;

use chrono::Utc;
use entity::email_template;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;

pub use deliver::DeliveryReport;
pub use render::{Parts, Rendered, render};

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::error::{Error, Result};
use crate::permissions::Permission;
use crate::viewer::Viewer;

/// New parts of a template; `None` keeps a part.
#[derive(Debug, Default)]
pub struct TemplateChanges {
    pub subject: Option<String>,
    pub html: Option<String>,
    pub text: Option<String>,
}

pub struct EmailService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl EmailService<'_> {
    /// Inserts the default of every template that is not stored yet.
    pub async fn seed_templates(&self) -> Result<()> {
        let stored: Vec<String> = email_template::Entity::find()
            .all(self.app.db())
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect();
        let now = Utc::now();
        for kind in catalog::KINDS
            .iter()
            .filter(|k| !stored.iter().any(|name| name == k.name))
        {
            email_template::ActiveModel {
                name: Set(kind.name.to_owned()),
                description: Set(kind.description.to_owned()),
                subject: Set(kind.subject.to_owned()),
                html: Set(kind.html.to_owned()),
                text: Set(kind.text.to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(self.app.db())
            .await?;
        }
        Ok(())
    }

    pub async fn templates(&self, viewer: &Viewer) -> Result<Vec<email_template::Model>> {
        viewer.require(Permission::EmailTemplatesView)?;
        Ok(email_template::Entity::find()
            .order_by_asc(email_template::Column::Name)
            .all(self.app.db())
            .await?)
    }

    async fn template(&self, name: &str) -> Result<email_template::Model> {
        email_template::Entity::find()
            .filter(email_template::Column::Name.eq(name))
            .one(self.app.db())
            .await?
            .ok_or(Error::not_found("email template"))
    }

    /// Saves new parts of a template after rendering them with the
    /// template's sample values: a template that does not render is refused.
    pub async fn update_template(
        &self,
        viewer: &Viewer,
        name: &str,
        changes: TemplateChanges,
    ) -> Result<email_template::Model> {
        viewer.require(Permission::EmailTemplatesManage)?;
        let current = self.template(name).await?;
        let subject = changes.subject.unwrap_or_else(|| current.subject.clone());
        let html = changes.html.unwrap_or_else(|| current.html.clone());
        let text = changes.text.unwrap_or_else(|| current.text.clone());
        render(
            &Parts {
                subject: &subject,
                html: &html,
                text: &text,
            },
            &sample(name)?,
        )?;
        let mut model: email_template::ActiveModel = current.into();
        model.subject = Set(subject);
        model.html = Set(html);
        model.text = Set(text);
        model.updated_at = Set(Utc::now());
        let txn = crate::db::write(self.app.db()).await?;
        let template = model.update(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "email_template.update",
            Target::new("email_template", name),
            None,
            None,
        )
        .await?;
        txn.commit().await?;
        Ok(template)
    }

    /// Renders a template — as stored, or with the given parts instead —
    /// with its sample values, those in `context` taking their place.
    pub async fn preview(
        &self,
        viewer: &Viewer,
        name: &str,
        changes: TemplateChanges,
        context: Option<Value>,
    ) -> Result<Rendered> {
        viewer.require(Permission::EmailTemplatesView)?;
        let current = self.template(name).await?;
        let subject = changes.subject.unwrap_or(current.subject);
        let html = changes.html.unwrap_or(current.html);
        let text = changes.text.unwrap_or(current.text);
        // Given values override the samples; the rest keep their samples.
        let mut values = sample(name)?;
        if let (Some(Value::Object(given)), Value::Object(values)) = (context, &mut values) {
            values.extend(given);
        }
        let context = values;
        render(
            &Parts {
                subject: &subject,
                html: &html,
                text: &text,
            },
            &context,
        )
    }

    /// Outbox emails by status, for metrics.
    pub async fn counts(&self) -> Result<Vec<(entity::email::EmailStatus, u64)>> {
        use entity::email;
        use sea_orm::QuerySelect;
        let rows: Vec<(email::EmailStatus, i64)> = email::Entity::find()
            .select_only()
            .column(email::Column::Status)
            .column_as(email::Column::Id.count(), "count")
            .group_by(email::Column::Status)
            .into_tuple()
            .all(self.app.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(status, count)| (status, count.max(0) as u64))
            .collect())
    }

    /// Sends the emails of `ids` that are still due (called by workers).
    pub async fn deliver(&self, ids: &[i64]) -> Result<DeliveryReport> {
        deliver::deliver(self.app, ids).await
    }

    /// Reserves up to `limit` due emails nobody is delivering; the caller
    /// pushes delivery tasks for them.
    pub async fn reserve_due(&self, limit: u64) -> Result<Vec<i64>> {
        outbox::reserve_due(self.app.db(), limit, self.app.settings().email.lease()).await
    }
}

/// The sample values of template `name`.
pub fn sample(name: &str) -> Result<Value> {
    catalog::kind(name)
        .map(|kind| (kind.sample)())
        .ok_or(Error::not_found("email template"))
}
