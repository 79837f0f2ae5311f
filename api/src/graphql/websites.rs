//! Websites (storefronts), the localizations they offer, and consents.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use domain::customers::consents::ConsentInput;
use domain::customers::websites::WebsiteInput;
use domain::entity::{consent, localization, website};
use domain::permissions::Permission;

use super::connection::{Total, connection, total};
use super::context::{app, id, ids, page, viewer};
use super::guard::needs;
use super::loaders::{LocalizationById, LocalizationsOfWebsite, RequestLoader};

/// A language and regional format a website can offer, e.g. `en_US`.
pub struct Localization(pub localization::Model);

/// A language and regional format a website can offer, e.g. `en_US`.
#[Object]
impl Localization {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// Unique code, e.g. `en_US`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Name in English, e.g. `English (United States)`.
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// A storefront of the organization, where customer users sign in.
pub struct Website(pub website::Model);

/// A storefront of the organization, where customer users sign in.
#[Object]
impl Website {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// Unique within the organization.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Where the storefront is served.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// The localizations customer users of this website may prefer.
    async fn localizations(&self, ctx: &Context<'_>) -> Result<Vec<Localization>> {
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(LocalizationsOfWebsite(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Localization)
            .collect())
    }

    /// The localization used when a customer user prefers none.
    async fn default_localization(&self, ctx: &Context<'_>) -> Result<Option<Localization>> {
        let Some(id) = self.0.default_localization_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(LocalizationById(id))
            .await?
            .map(Localization))
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Terms a customer user can accept; mandatory ones must be accepted to
/// register.
pub struct Consent(pub consent::Model);

/// Terms a customer user can accept; mandatory ones must be accepted to
/// register.
#[Object]
impl Consent {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// Unique within the organization.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The terms.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Whether registering requires accepting it.
    async fn mandatory(&self) -> bool {
        self.0.mandatory
    }
}

/// A website's fields.
#[derive(InputObject)]
pub struct CreateWebsiteInput {
    /// Unique within the organization.
    pub name: String,
    /// Where the storefront is served.
    pub url: Option<String>,
    /// The localizations the website offers.
    #[graphql(default)]
    pub localization_ids: Vec<ID>,
    /// One of them; the first when absent.
    pub default_localization_id: Option<ID>,
}

/// Changes to a website; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWebsiteInput {
    /// Unique within the organization.
    pub name: Option<String>,
    /// Where the storefront is served; null clears it.
    pub url: MaybeUndefined<String>,
    /// Replaces the localizations the website offers.
    pub localization_ids: Option<Vec<ID>>,
    /// One of the website's localizations; null clears it.
    pub default_localization_id: MaybeUndefined<ID>,
}

/// A consent's fields; on update, absent fields stay as they are.
#[derive(InputObject)]
pub struct ConsentFields {
    /// Unique within the organization; required on create.
    pub name: Option<String>,
    /// The terms.
    pub description: Option<String>,
    /// Whether registering requires accepting it (false when absent on create).
    pub mandatory: Option<bool>,
}

impl From<ConsentFields> for ConsentInput {
    fn from(input: ConsentFields) -> Self {
        ConsentInput {
            name: input.name,
            description: input.description.map(Some),
            mandatory: input.mandatory,
        }
    }
}

#[derive(Default)]
pub struct WebsiteQuery;

#[Object]
impl WebsiteQuery {
    /// Websites of the viewer's organization, by name.
    #[graphql(guard = "needs(Permission::WebsitesView)")]
    async fn websites(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> Result<Connection<String, Website, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let page = app
            .websites()
            .list(viewer, &page(ctx, first, after)?)
            .await?;
        let total = total(ctx, app.websites().count(viewer)).await?;
        Ok(connection(page, Website, total))
    }

    /// A website of the viewer's organization; null when there is none.
    #[graphql(guard = "needs(Permission::WebsitesView)")]
    async fn website(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the website.")] id: ID,
    ) -> Result<Option<Website>> {
        Ok(app(ctx)?
            .websites()
            .get(viewer(ctx)?, self::id(&id, "id")?)
            .await?
            .map(Website))
    }

    /// Every localization there is, by code.
    #[graphql(guard = "needs(Permission::WebsitesView)")]
    async fn localizations(&self, ctx: &Context<'_>) -> Result<Vec<Localization>> {
        Ok(app(ctx)?
            .websites()
            .localizations()
            .await?
            .into_iter()
            .map(Localization)
            .collect())
    }

    /// Consents of the viewer's organization, by name.
    #[graphql(guard = "needs(Permission::WebsitesView)")]
    async fn consents(&self, ctx: &Context<'_>) -> Result<Vec<Consent>> {
        Ok(app(ctx)?
            .consents()
            .list(viewer(ctx)?)
            .await?
            .into_iter()
            .map(Consent)
            .collect())
    }
}

#[derive(Default)]
pub struct WebsiteMutation;

#[Object]
impl WebsiteMutation {
    /// Creates a website in the viewer's organization.
    #[graphql(guard = "needs(Permission::WebsitesManage)")]
    async fn create_website(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: CreateWebsiteInput,
    ) -> Result<Website> {
        let input = WebsiteInput {
            name: Some(input.name),
            url: Some(input.url),
            localization_ids: Some(ids(&input.localization_ids, "localizationIds")?),
            default_localization_id: Some(
                input
                    .default_localization_id
                    .map(|l| id(&l, "defaultLocalizationId"))
                    .transpose()?,
            ),
        };
        Ok(Website(
            app(ctx)?.websites().create(viewer(ctx)?, input).await?,
        ))
    }

    /// Edits a website.
    #[graphql(guard = "needs(Permission::WebsitesManage)")]
    async fn update_website(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the website.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateWebsiteInput,
    ) -> Result<Website> {
        let default_localization_id = match input.default_localization_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(l) => Some(Some(self::id(&l, "defaultLocalizationId")?)),
        };
        let changes = WebsiteInput {
            name: input.name,
            url: match input.url {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(url) => Some(Some(url)),
            },
            localization_ids: input
                .localization_ids
                .map(|list| ids(&list, "localizationIds"))
                .transpose()?,
            default_localization_id,
        };
        Ok(Website(
            app(ctx)?
                .websites()
                .update(viewer(ctx)?, self::id(&id, "id")?, changes)
                .await?,
        ))
    }

    /// Deletes a website no customer user belongs to. Answers the id.
    #[graphql(guard = "needs(Permission::WebsitesManage)")]
    async fn delete_website(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the website.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .websites()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }

    /// Creates a consent in the viewer's organization.
    #[graphql(guard = "needs(Permission::WebsitesManage)")]
    async fn create_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: ConsentFields,
    ) -> Result<Consent> {
        Ok(Consent(
            app(ctx)?
                .consents()
                .create(viewer(ctx)?, input.into())
                .await?,
        ))
    }

    /// Edits a consent.
    #[graphql(guard = "needs(Permission::WebsitesManage)")]
    async fn update_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the consent.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: ConsentFields,
    ) -> Result<Consent> {
        Ok(Consent(
            app(ctx)?
                .consents()
                .update(viewer(ctx)?, self::id(&id, "id")?, input.into())
                .await?,
        ))
    }

    /// Deletes a consent and every acceptance of it. Answers the id.
    #[graphql(guard = "needs(Permission::WebsitesManage)")]
    async fn delete_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the consent.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .consents()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }
}
