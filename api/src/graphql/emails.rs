//! Email templates: listing, editing, previewing.

use async_graphql::{Context, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::email::TemplateChanges;
use domain::entity::email_template;
use domain::permissions::Permission;

use super::context::{app, viewer};
use super::guard::needs;

/// An email Gatehouse sends, as stored and editable.
pub struct EmailTemplate(email_template::Model);

/// An email template: subject, HTML and text, rendered with minijinja.
#[Object]
impl EmailTemplate {
    /// The email's name, e.g. `force_reset_password`.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// When Gatehouse sends it.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Subject template (one line).
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// HTML body template; values are HTML-escaped.
    async fn html(&self) -> &str {
        &self.0.html
    }

    /// Plain-text body template.
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// The organization whose own copy this is; null for the system
    /// default, which organizations without a copy send.
    async fn organization_id(&self) -> Option<async_graphql::ID> {
        self.0.organization_id.map(Into::into)
    }

    /// Whether this is the organization's own copy rather than the system
    /// default (`resetEmailTemplate` goes back to the default).
    async fn overridden(&self) -> bool {
        self.0.organization_id.is_some()
    }

    /// The values the template can use, with example values.
    async fn sample_values(&self) -> Result<Json<serde_json::Value>> {
        Ok(Json(domain::email::sample(&self.0.name)?))
    }

    /// When the template last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// New parts of a template; absent parts stay.
#[derive(InputObject, Default)]
pub struct EmailTemplateInput {
    /// Subject template (one line).
    pub subject: Option<String>,
    /// HTML body template.
    pub html: Option<String>,
    /// Plain-text body template.
    pub text: Option<String>,
}

impl From<EmailTemplateInput> for TemplateChanges {
    fn from(input: EmailTemplateInput) -> Self {
        TemplateChanges {
            subject: input.subject,
            html: input.html,
            text: input.text,
        }
    }
}

/// A rendered email.
#[derive(SimpleObject)]
pub struct EmailPreview {
    /// The subject.
    pub subject: String,
    /// The HTML body.
    pub html: String,
    /// The plain-text body.
    pub text: String,
}

#[derive(Default)]
pub struct EmailQuery;

#[Object]
impl EmailQuery {
    /// Every email Gatehouse sends, as the viewer's organization sends it:
    /// its own copy where it keeps one, else the system default.
    #[graphql(guard = "needs(Permission::EmailTemplatesView)")]
    async fn email_templates(&self, ctx: &Context<'_>) -> Result<Vec<EmailTemplate>> {
        let templates = app(ctx)?.emails().templates(viewer(ctx)?).await?;
        Ok(templates.into_iter().map(EmailTemplate).collect())
    }

    /// The system default of a template, which organizations without their
    /// own copy send.
    #[graphql(guard = "needs(Permission::EmailTemplatesView)")]
    async fn system_email_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The template's name.")] name: String,
    ) -> Result<EmailTemplate> {
        let template = app(ctx)?
            .emails()
            .system_template(viewer(ctx)?, &name)
            .await?;
        Ok(EmailTemplate(template))
    }

    /// Renders a template — as stored, or with the given parts — with its
    /// sample values, those in `values` taking their place.
    #[graphql(guard = "needs(Permission::EmailTemplatesView)")]
    async fn preview_email_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The template's name.")] name: String,
        #[graphql(desc = "Parts to render instead of the stored ones.")] input: Option<
            EmailTemplateInput,
        >,
        #[graphql(desc = "Values to render with in place of the samples of the same name.")] values: Option<
            Json<serde_json::Value>,
        >,
    ) -> Result<EmailPreview> {
        let changes = input.map(Into::into).unwrap_or_default();
        let rendered = app(ctx)?
            .emails()
            .preview(
                viewer(ctx)?,
                &name,
                changes,
                values.map(|v| v.0).filter(|v| !v.is_null()),
            )
            .await?;
        Ok(EmailPreview {
            subject: rendered.subject,
            html: rendered.html,
            text: rendered.text,
        })
    }
}

#[derive(Default)]
pub struct EmailMutation;

#[Object]
impl EmailMutation {
    /// Saves new parts of a template in the viewer's organization's own
    /// copy (made from the default the first time), which only that
    /// organization's emails use. With `systemDefault: true` the system
    /// default changes instead, which needs
    /// `EMAIL_TEMPLATES_MANAGE_SYSTEM`. A template that does not render with
    /// its sample values (syntax, unknown values) is refused with
    /// `BAD_USER_INPUT` naming the part.
    #[graphql(guard = "needs(Permission::EmailTemplatesManage)")]
    async fn update_email_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The template's name.")] name: String,
        #[graphql(desc = "The parts to change.")] input: EmailTemplateInput,
        #[graphql(
            desc = "Change the system default rather than the organization's copy.",
            default = false
        )]
        system_default: bool,
    ) -> Result<EmailTemplate> {
        let template = app(ctx)?
            .emails()
            .update_template(viewer(ctx)?, &name, input.into(), system_default)
            .await?;
        Ok(EmailTemplate(template))
    }

    /// Drops the viewer's organization's own copy of a template: its emails
    /// use the system default again, which is answered.
    #[graphql(guard = "needs(Permission::EmailTemplatesManage)")]
    async fn reset_email_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The template's name.")] name: String,
    ) -> Result<EmailTemplate> {
        let template = app(ctx)?
            .emails()
            .reset_template(viewer(ctx)?, &name)
            .await?;
        Ok(EmailTemplate(template))
    }
}
