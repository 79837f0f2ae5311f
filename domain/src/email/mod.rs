//! Email: stored, editable templates; the outbox emails wait in; and their
//! delivery through lettre, which only workers do.

pub mod catalog;
mod deliver;
pub mod outbox;
mod render;
pub mod transport;

use entity::email_template;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};
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
    /// Inserts the system default of every template that is not stored yet,
    /// and brings each stored default an earlier version shipped and nobody
    /// edited up to the current one (`catalog::SUPERSEDED`).
    pub async fn seed_templates(&self) -> Result<()> {
        let stored = email_template::Entity::find()
            .filter(email_template::Column::OrganizationId.is_null())
            .all(self.app.db())
            .await?;
        let now = self.app.now();
        for template in &stored {
            let untouched = catalog::SUPERSEDED.iter().any(|old| {
                (old.name, old.subject, old.html, old.text)
                    == (
                        template.name.as_str(),
                        template.subject.as_str(),
                        template.html.as_str(),
                        template.text.as_str(),
                    )
            });
            let current = catalog::KINDS.iter().find(|k| k.name == template.name);
            if let (true, Some(kind)) = (untouched, current) {
                email_template::ActiveModel {
                    id: Set(template.id),
                    description: Set(kind.description.to_owned()),
                    subject: Set(kind.subject.to_owned()),
                    html: Set(kind.html.to_owned()),
                    text: Set(kind.text.to_owned()),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .update(self.app.db())
                .await?;
            }
        }
        for kind in catalog::KINDS
            .iter()
            .filter(|k| !stored.iter().any(|t| t.name == k.name))
        {
            email_template::ActiveModel {
                organization_id: Set(None),
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

    /// The templates the viewer's organization sends: its own copy of each
    /// where it keeps one, else the system default.
    pub async fn templates(&self, viewer: &Viewer) -> Result<Vec<email_template::Model>> {
        viewer.require(Permission::EmailTemplatesView)?;
        let stored = email_template::Entity::find()
            .filter(
                Condition::any()
                    .add(email_template::Column::OrganizationId.is_null())
                    .add(email_template::Column::OrganizationId.eq(viewer.organization_id)),
            )
            .order_by_asc(email_template::Column::Name)
            .all(self.app.db())
            .await?;
        let mut effective: Vec<email_template::Model> = Vec::new();
        for template in stored {
            match effective.iter_mut().find(|t| t.name == template.name) {
                Some(seen) if template.organization_id.is_some() => *seen = template,
                Some(_) => {}
                None => effective.push(template),
            }
        }
        Ok(effective)
    }

    /// The system default of template `name`.
    pub async fn system_template(
        &self,
        viewer: &Viewer,
        name: &str,
    ) -> Result<email_template::Model> {
        viewer.require(Permission::EmailTemplatesView)?;
        self.stored(None, name)
            .await?
            .ok_or(Error::not_found("email template"))
    }

    async fn stored(
        &self,
        organization_id: Option<i64>,
        name: &str,
    ) -> Result<Option<email_template::Model>> {
        let owner = match organization_id {
            Some(id) => email_template::Column::OrganizationId.eq(id),
            None => email_template::Column::OrganizationId.is_null(),
        };
        Ok(email_template::Entity::find()
            .filter(email_template::Column::Name.eq(name))
            .filter(owner)
            .one(self.app.db())
            .await?)
    }

    /// Template `name` as `organization_id` sends it.
    async fn effective(&self, organization_id: i64, name: &str) -> Result<email_template::Model> {
        match self.stored(Some(organization_id), name).await? {
            Some(own) => Ok(own),
            None => self
                .stored(None, name)
                .await?
                .ok_or(Error::not_found("email template")),
        }
    }

    /// Saves new parts of a template after rendering them with the
    /// template's sample values: a template that does not render is refused.
    /// The viewer's organization's copy changes (made from the default the
    /// first time), which only its emails use; with `system_default`, the
    /// default every organization without a copy uses, which needs
    /// `email_templates.manage_system`.
    pub async fn update_template(
        &self,
        viewer: &Viewer,
        name: &str,
        changes: TemplateChanges,
        system_default: bool,
    ) -> Result<email_template::Model> {
        let organization_id = if system_default {
            viewer.require(Permission::EmailTemplatesManageSystem)?;
            None
        } else {
            viewer.require(Permission::EmailTemplatesManage)?;
            Some(viewer.organization_id)
        };
        let current = match organization_id {
            Some(id) => self.effective(id, name).await?,
            None => self
                .stored(None, name)
                .await?
                .ok_or(Error::not_found("email template"))?,
        };
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
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let template = if current.organization_id == organization_id {
            let mut model: email_template::ActiveModel = current.into();
            model.subject = Set(subject);
            model.html = Set(html);
            model.text = Set(text);
            model.updated_at = Set(now);
            model.update(&txn).await?
        } else {
            email_template::ActiveModel {
                organization_id: Set(organization_id),
                name: Set(current.name.clone()),
                description: Set(current.description.clone()),
                subject: Set(subject),
                html: Set(html),
                text: Set(text),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        };
        let action = match organization_id {
            Some(_) => "email_template.update",
            None => "email_template.update_system",
        };
        audit::record(
            &txn,
            &viewer.actor(),
            action,
            Target::new("email_template", name),
            None,
            None,
        )
        .await?;
        self.app.commit_quiet(txn).await?;
        Ok(template)
    }

    /// Drops the viewer's organization's copy of template `name`; its
    /// emails use the system default again, which is answered.
    pub async fn reset_template(
        &self,
        viewer: &Viewer,
        name: &str,
    ) -> Result<email_template::Model> {
        viewer.require(Permission::EmailTemplatesManage)?;
        let default = self
            .stored(None, name)
            .await?
            .ok_or(Error::not_found("email template"))?;
        let txn = crate::db::write(self.app.db()).await?;
        let dropped = email_template::Entity::delete_many()
            .filter(email_template::Column::Name.eq(name))
            .filter(email_template::Column::OrganizationId.eq(viewer.organization_id))
            .exec(&txn)
            .await?
            .rows_affected;
        if dropped > 0 {
            audit::record(
                &txn,
                &viewer.actor(),
                "email_template.reset",
                Target::new("email_template", name),
                None,
                None,
            )
            .await?;
        }
        self.app.commit_quiet(txn).await?;
        Ok(default)
    }

    /// Renders a template — as the viewer's organization sends it, or with
    /// the given parts instead — with its sample values, those in `context`
    /// taking their place.
    pub async fn preview(
        &self,
        viewer: &Viewer,
        name: &str,
        changes: TemplateChanges,
        context: Option<Value>,
    ) -> Result<Rendered> {
        viewer.require(Permission::EmailTemplatesView)?;
        let current = self.effective(viewer.organization_id, name).await?;
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
        outbox::reserve_due(
            self.app.db(),
            limit,
            self.app.now(),
            self.app.settings().email.reservation(),
        )
        .await
    }
}

/// The sample values of template `name`.
pub fn sample(name: &str) -> Result<Value> {
    catalog::kind(name)
        .map(|kind| (kind.sample)())
        .ok_or(Error::not_found("email template"))
}
