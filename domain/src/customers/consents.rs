//! Consents of an organization (terms customer users accept, mandatory or
//! not) and the ones each customer user accepted.

use std::collections::HashMap;

use chrono::Utc;
use entity::{consent, customer_user_consent};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::db::conflict_on;
use crate::error::{Error, Result, Violations};
use crate::permissions::Permission;
use crate::validate;
use crate::viewer::Viewer;

const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("ux_consents_organization_name", "name"),
    ("consents.organization_id", "name"),
];

/// Fields of a consent; `None` leaves a field as it is on update.
#[derive(Debug, Default)]
pub struct ConsentInput {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub mandatory: Option<bool>,
}

/// A consent a customer user accepted, and when.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub consent: consent::Model,
    pub accepted_at: chrono::DateTime<Utc>,
}

pub struct ConsentService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl ConsentService<'_> {
    /// The consents of `organization_id`, by name.
    pub async fn of_organization(&self, organization_id: i64) -> Result<Vec<consent::Model>> {
        Ok(consent::Entity::find()
            .filter(consent::Column::OrganizationId.eq(organization_id))
            .order_by_asc(consent::Column::Name)
            .order_by_asc(consent::Column::Id)
            .all(self.app.db())
            .await?)
    }

    pub async fn list(&self, viewer: &Viewer) -> Result<Vec<consent::Model>> {
        self.of_organization(viewer.organization_id).await
    }

    async fn get(&self, viewer: &Viewer, id: i64) -> Result<consent::Model> {
        consent::Entity::find_by_id(id)
            .filter(consent::Column::OrganizationId.eq(viewer.organization_id))
            .one(self.app.db())
            .await?
            .ok_or(Error::not_found("consent"))
    }

    /// The consents each customer user accepted.
    pub async fn accepted_by(
        &self,
        customer_user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<Accepted>>> {
        let rows = customer_user_consent::Entity::find()
            .find_also_related(consent::Entity)
            .filter(customer_user_consent::Column::CustomerUserId.is_in(customer_user_ids.to_vec()))
            .order_by_asc(customer_user_consent::Column::ConsentId)
            .all(self.app.db())
            .await?;
        let mut map: HashMap<i64, Vec<Accepted>> = HashMap::new();
        for (link, consent) in rows {
            if let Some(consent) = consent {
                map.entry(link.customer_user_id)
                    .or_default()
                    .push(Accepted {
                        consent,
                        accepted_at: link.accepted_at,
                    });
            }
        }
        Ok(map)
    }

    pub async fn create(&self, viewer: &Viewer, input: ConsentInput) -> Result<consent::Model> {
        viewer.require(Permission::WebsitesManage)?;
        let mut violations = Violations::new();
        let name = violations.absorb(validate::required(
            "name",
            input.name.as_deref().unwrap_or(""),
            255,
        ))?;
        let description = violations.absorb(validate::optional(
            "description",
            input.description.flatten().as_deref(),
            10_000,
        ))?;
        violations.finish()?;
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let consent = consent::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(viewer.organization_id),
            name: Set(name.unwrap_or_default()),
            description: Set(description.flatten()),
            mandatory: Set(input.mandatory.unwrap_or(false)),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        audit::record(
            &txn,
            &viewer.actor(),
            "consent.create",
            Target::new("consent", consent.id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(consent)
    }

    pub async fn update(
        &self,
        viewer: &Viewer,
        id: i64,
        input: ConsentInput,
    ) -> Result<consent::Model> {
        viewer.require(Permission::WebsitesManage)?;
        let mut model: consent::ActiveModel = self.get(viewer, id).await?.into();
        let mut violations = Violations::new();
        if let Some(name) = &input.name
            && let Some(name) = violations.absorb(validate::required("name", name, 255))?
        {
            model.name = Set(name);
        }
        if let Some(description) = &input.description
            && let Some(description) = violations.absorb(validate::optional(
                "description",
                description.as_deref(),
                10_000,
            ))?
        {
            model.description = Set(description);
        }
        if let Some(mandatory) = input.mandatory {
            model.mandatory = Set(mandatory);
        }
        violations.finish()?;
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let consent = model
            .update(&txn)
            .await
            .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        audit::record(
            &txn,
            &viewer.actor(),
            "consent.update",
            Target::new("consent", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(consent)
    }

    /// Deletes a consent; the acceptances of it go with it.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        viewer.require(Permission::WebsitesManage)?;
        self.get(viewer, id).await?;
        let txn = crate::db::write(self.app.db()).await?;
        consent::Entity::delete_by_id(id).exec(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "consent.delete",
            Target::new("consent", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }
}

/// Checks that each of `ids` is a consent of `organization_id`.
pub(crate) async fn check_consents(
    db: &impl ConnectionTrait,
    organization_id: i64,
    ids: &[i64],
    violations: &mut Violations,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = consent::Entity::find()
        .filter(consent::Column::OrganizationId.eq(organization_id))
        .filter(consent::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    for id in ids {
        if !found.iter().any(|c| c.id == *id) {
            violations.add(
                "consentIds",
                format!("consent {id} is not a consent of the organization"),
            );
        }
    }
    Ok(())
}

/// The ids of the consents a customer user accepted, in order.
pub(crate) async fn accepted_ids(
    conn: &impl ConnectionTrait,
    customer_user_id: i64,
) -> Result<Vec<i64>> {
    use sea_orm::QuerySelect;
    Ok(customer_user_consent::Entity::find()
        .select_only()
        .column(customer_user_consent::Column::ConsentId)
        .filter(customer_user_consent::Column::CustomerUserId.eq(customer_user_id))
        .order_by_asc(customer_user_consent::Column::ConsentId)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Records what a customer user accepts now: newly accepted consents get
/// the time, ones no longer accepted are withdrawn.
pub(crate) async fn set_accepted(
    conn: &impl ConnectionTrait,
    customer_user_id: i64,
    consent_ids: &[i64],
) -> Result<()> {
    customer_user_consent::Entity::delete_many()
        .filter(customer_user_consent::Column::CustomerUserId.eq(customer_user_id))
        .filter(customer_user_consent::Column::ConsentId.is_not_in(consent_ids.iter().copied()))
        .exec(conn)
        .await?;
    if consent_ids.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = consent_ids
        .iter()
        .map(|consent_id| customer_user_consent::ActiveModel {
            customer_user_id: Set(customer_user_id),
            consent_id: Set(*consent_id),
            accepted_at: Set(now),
        });
    customer_user_consent::Entity::insert_many(rows)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                customer_user_consent::Column::CustomerUserId,
                customer_user_consent::Column::ConsentId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
