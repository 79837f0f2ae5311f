//! Websites (storefronts) of an organization and the localizations each one
//! offers. Localizations are reference data shared by every organization,
//! seeded on start; websites choose which of them they enable.

use std::collections::HashMap;

use chrono::Utc;
use entity::{customer_user, localization, website, website_localization};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Select, Set,
};

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::db::conflict_on;
use crate::error::{Error, Result, Violations};
use crate::pagination::{Keyset, Page, PageRequest, SortValue};
use crate::permissions::Permission;
use crate::validate;
use crate::viewer::Viewer;

/// The localizations every installation has: code and name.
pub const LOCALIZATIONS: &[(&str, &str)] = &[
    ("en_US", "English (United States)"),
    ("en_GB", "English (United Kingdom)"),
    ("de_DE", "German (Germany)"),
    ("fr_FR", "French (France)"),
    ("es_ES", "Spanish (Spain)"),
    ("it_IT", "Italian (Italy)"),
    ("nl_NL", "Dutch (Netherlands)"),
    ("pl_PL", "Polish (Poland)"),
    ("pt_BR", "Portuguese (Brazil)"),
    ("ja_JP", "Japanese (Japan)"),
    ("zh_CN", "Chinese (China)"),
];

const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("ux_websites_organization_name", "name"),
    ("websites.organization_id", "name"),
];

/// Fields of a website; `None` leaves a field as it is on update.
#[derive(Debug, Default)]
pub struct WebsiteInput {
    pub name: Option<String>,
    pub url: Option<Option<String>>,
    /// The localizations the website enables.
    pub localization_ids: Option<Vec<i64>>,
    /// One of the enabled localizations; the first of them when absent.
    pub default_localization_id: Option<Option<i64>>,
}

pub struct WebsiteService<'a> {
    pub(crate) app: &'a Gatehouse,
}

/// Adds the missing reference localizations.
pub(crate) async fn seed_localizations(db: &impl ConnectionTrait) -> Result<()> {
    let now = Utc::now();
    let rows = LOCALIZATIONS
        .iter()
        .map(|(code, name)| localization::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            code: Set((*code).to_owned()),
            name: Set((*name).to_owned()),
            ..Default::default()
        });
    localization::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(localization::Column::Code)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

impl WebsiteService<'_> {
    fn scoped(&self, viewer_organization: i64) -> Select<website::Entity> {
        website::Entity::find().filter(website::Column::OrganizationId.eq(viewer_organization))
    }

    /// Every localization, by code.
    pub async fn localizations(&self) -> Result<Vec<localization::Model>> {
        Ok(localization::Entity::find()
            .order_by_asc(localization::Column::Code)
            .all(self.app.db())
            .await?)
    }

    /// Localizations by id (DataLoaders).
    pub async fn localizations_by_ids(&self, ids: &[i64]) -> Result<Vec<localization::Model>> {
        Ok(localization::Entity::find()
            .filter(localization::Column::Id.is_in(ids.iter().copied()))
            .all(self.app.db())
            .await?)
    }

    /// Websites by id, whatever their organization (DataLoaders).
    pub async fn by_ids(&self, ids: &[i64]) -> Result<Vec<website::Model>> {
        Ok(website::Entity::find()
            .filter(website::Column::Id.is_in(ids.iter().copied()))
            .all(self.app.db())
            .await?)
    }

    /// The localizations each website enables.
    pub async fn localizations_of(
        &self,
        website_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<localization::Model>>> {
        crate::links::linked::<website_localization::Entity, localization::Entity>(
            self.app.db(),
            website_localization::Column::WebsiteId,
            website_ids,
            |l| l.website_id,
        )
        .await
    }

    pub async fn list(&self, viewer: &Viewer, page: &PageRequest) -> Result<Page<website::Model>> {
        Keyset::new(website::Column::Name, website::Column::Id, false, false)
            .fetch(
                self.app.db(),
                self.scoped(viewer.organization_id),
                page,
                |w| SortValue::Text(w.name.clone()),
            )
            .await
    }

    pub async fn count(&self, viewer: &Viewer) -> Result<u64> {
        Ok(self
            .scoped(viewer.organization_id)
            .count(self.app.db())
            .await?)
    }

    /// A website of `organization_id`.
    pub async fn of_organization(
        &self,
        organization_id: i64,
        id: i64,
    ) -> Result<Option<website::Model>> {
        Ok(self
            .scoped(organization_id)
            .filter(website::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<website::Model>> {
        self.of_organization(viewer.organization_id, id).await
    }

    /// Whether `localization_id` is enabled for `website_id`.
    pub async fn offers(&self, website_id: i64, localization_id: i64) -> Result<bool> {
        Ok(website_localization::Entity::find()
            .filter(website_localization::Column::WebsiteId.eq(website_id))
            .filter(website_localization::Column::LocalizationId.eq(localization_id))
            .count(self.app.db())
            .await?
            > 0)
    }

    /// Checks the localizations and the default among them.
    async fn check_localizations(
        &self,
        ids: &[i64],
        default: Option<i64>,
        violations: &mut Violations,
    ) -> Result<()> {
        let found = self.localizations_by_ids(ids).await?;
        for id in ids {
            if !found.iter().any(|l| l.id == *id) {
                violations.add(
                    "localizationIds",
                    format!("localization {id} does not exist"),
                );
            }
        }
        if let Some(default) = default
            && !ids.contains(&default)
        {
            violations.add(
                "defaultLocalizationId",
                "must be one of the website's localizations",
            );
        }
        Ok(())
    }

    pub async fn create(&self, viewer: &Viewer, input: WebsiteInput) -> Result<website::Model> {
        viewer.require(Permission::WebsitesManage)?;
        let mut violations = Violations::new();
        let name = violations.absorb(validate::required(
            "name",
            input.name.as_deref().unwrap_or(""),
            255,
        ))?;
        let url = violations.absorb(validate::url("url", input.url.flatten().as_deref()))?;
        let localizations = super::dedup(&input.localization_ids.unwrap_or_default());
        let default = input
            .default_localization_id
            .flatten()
            .or_else(|| localizations.first().copied());
        self.check_localizations(&localizations, default, &mut violations)
            .await?;
        violations.finish()?;
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let website = website::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(viewer.organization_id),
            name: Set(name.unwrap_or_default()),
            url: Set(url.flatten()),
            default_localization_id: Set(default),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        set_localizations(&txn, website.id, &localizations).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "website.create",
            Target::new("website", website.id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(website)
    }

    pub async fn update(
        &self,
        viewer: &Viewer,
        id: i64,
        input: WebsiteInput,
    ) -> Result<website::Model> {
        viewer.require(Permission::WebsitesManage)?;
        let current = self
            .get(viewer, id)
            .await?
            .ok_or(Error::not_found("website"))?;
        let mut violations = Violations::new();
        let mut model: website::ActiveModel = current.clone().into();
        if let Some(name) = &input.name
            && let Some(name) = violations.absorb(validate::required("name", name, 255))?
        {
            model.name = Set(name);
        }
        if let Some(url) = &input.url
            && let Some(url) = violations.absorb(validate::url("url", url.as_deref()))?
        {
            model.url = Set(url);
        }
        let localizations = match &input.localization_ids {
            Some(ids) => super::dedup(ids),
            None => self
                .localizations_of(&[id])
                .await?
                .remove(&id)
                .unwrap_or_default()
                .iter()
                .map(|l| l.id)
                .collect(),
        };
        let default = match input.default_localization_id {
            Some(default) => default,
            None => current
                .default_localization_id
                .filter(|d| localizations.contains(d))
                .or_else(|| localizations.first().copied()),
        };
        self.check_localizations(&localizations, default, &mut violations)
            .await?;
        violations.finish()?;
        model.default_localization_id = Set(default);
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let website = model
            .update(&txn)
            .await
            .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        if input.localization_ids.is_some() {
            set_localizations(&txn, id, &localizations).await?;
        }
        audit::record(
            &txn,
            &viewer.actor(),
            "website.update",
            Target::new("website", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(website)
    }

    /// Deletes a website no customer user belongs to.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        viewer.require(Permission::WebsitesManage)?;
        self.get(viewer, id)
            .await?
            .ok_or(Error::not_found("website"))?;
        let users = customer_user::Entity::find()
            .filter(customer_user::Column::WebsiteId.eq(id))
            .count(self.app.db())
            .await?;
        if users > 0 {
            return Err(Error::Conflict {
                field: None,
                message: format!(
                    "{users} customer users belong to the website; move or delete them first"
                ),
            });
        }
        let txn = crate::db::write(self.app.db()).await?;
        website::Entity::delete_by_id(id).exec(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "website.delete",
            Target::new("website", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }
}

/// Replaces the localizations a website enables.
pub(crate) async fn set_localizations(
    conn: &impl ConnectionTrait,
    website_id: i64,
    localization_ids: &[i64],
) -> Result<()> {
    website_localization::Entity::delete_many()
        .filter(website_localization::Column::WebsiteId.eq(website_id))
        .exec(conn)
        .await?;
    if localization_ids.is_empty() {
        return Ok(());
    }
    let rows = localization_ids
        .iter()
        .map(|localization_id| website_localization::ActiveModel {
            website_id: Set(website_id),
            localization_id: Set(*localization_id),
        });
    website_localization::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
