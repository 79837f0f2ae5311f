//! The first start: a default organization with its root business unit, an
//! administrator role holding every permission, a read-only role, and an
//! administrator. Also `gatehouse admin create`.

use entity::{business_unit, organization, role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use secrecy::{ExposeSecret, SecretString};

use crate::Gatehouse;
use crate::error::{Error, Result};
use crate::permissions::Permission;
use crate::roles::create_system_role;
use crate::users::NewUser;
use crate::viewer::Viewer;

/// Name of the bootstrap role holding every permission.
pub const ADMINISTRATOR_ROLE: &str = "Administrator";
/// Name of the bootstrap role holding every `*.view` permission.
pub const READ_ONLY_ROLE: &str = "Read-only";
/// Name of the website the first start creates.
pub const DEFAULT_WEBSITE: &str = "Storefront";

/// An administrator account to create.
pub struct AdminSpec {
    pub username: String,
    pub email: String,
    pub first_name: String,
    /// Generated (and reported) when absent.
    pub password: Option<SecretString>,
}

/// The administrator that was created.
pub struct CreatedAdmin {
    pub username: String,
    /// The password, when Gatehouse generated it: shown once, never stored.
    pub generated_password: Option<String>,
}

/// Sets up an empty database; does nothing (and returns `None`) when an
/// organization exists already.
pub async fn first_start(app: &Gatehouse) -> Result<Option<CreatedAdmin>> {
    let db = app.db();
    if organization::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let settings = &app.settings().bootstrap;
    let now = app.now();
    let txn = crate::db::write(db).await?;
    let organization = organization::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        name: Set(settings.organization.clone()),
        enabled: Set(true),
        impersonation_enabled: Set(true),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    business_unit::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        organization_id: Set(organization.id),
        parent_id: Set(None),
        name: Set(settings.business_unit.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // A storefront, so customer users can be set up at once.
    let english: Option<i64> = entity::localization::Entity::find()
        .select_only()
        .column(entity::localization::Column::Id)
        .filter(entity::localization::Column::Code.eq("en_US"))
        .into_tuple()
        .one(&txn)
        .await?;
    let website = entity::website::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        organization_id: Set(organization.id),
        name: Set(DEFAULT_WEBSITE.to_owned()),
        url: Set(Some(app.settings().public_url())),
        default_localization_id: Set(english),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::customers::websites::set_localizations(&txn, website.id, &Vec::from_iter(english))
        .await?;
    create_system_role(
        &txn,
        ADMINISTRATOR_ROLE,
        "Every permission.",
        Permission::ALL,
    )
    .await?;
    let read_only: Vec<Permission> = Permission::ALL
        .iter()
        .copied()
        .filter(|p| p.is_read_only())
        .collect();
    create_system_role(
        &txn,
        READ_ONLY_ROLE,
        "Sees everything, changes nothing.",
        &read_only,
    )
    .await?;
    app.commit(txn).await?;

    let admin = AdminSpec {
        username: settings.admin_username.clone(),
        email: settings.admin_email.clone(),
        first_name: "Administrator".into(),
        password: settings.admin_password.clone(),
    };
    create_admin(app, admin).await.map(Some)
}

/// Gives the bootstrap roles the permissions this version has (a new
/// version may bring new ones): Administrator every permission, Read-only
/// every `*.view` one. Nobody could grant them otherwise.
pub async fn update_system_roles(app: &Gatehouse) -> Result<()> {
    let read_only: Vec<Permission> = Permission::ALL
        .iter()
        .copied()
        .filter(|p| p.is_read_only())
        .collect();
    for (name, permissions) in [
        (ADMINISTRATOR_ROLE, Permission::ALL),
        (READ_ONLY_ROLE, read_only.as_slice()),
    ] {
        let Some(role) = role::Entity::find()
            .filter(role::Column::Name.eq(name))
            .filter(role::Column::OrganizationId.is_null())
            .one(app.db())
            .await?
        else {
            continue;
        };
        let held = crate::roles::permissions_of_roles(app.db(), &[role.id])
            .await?
            .remove(&role.id)
            .unwrap_or_default();
        let missing: Vec<Permission> = permissions
            .iter()
            .copied()
            .filter(|p| !held.contains(p))
            .collect();
        if !missing.is_empty() {
            crate::roles::add_permissions(app.db(), role.id, &missing).await?;
            tracing::info!(
                role = name,
                added = missing.len(),
                "bootstrap role given this version's permissions"
            );
        }
    }
    Ok(())
}

/// Creates a user holding the administrator role in the first organization.
pub async fn create_admin(app: &Gatehouse, spec: AdminSpec) -> Result<CreatedAdmin> {
    let db = app.db();
    let organization = organization::Entity::find()
        .order_by_asc(organization::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| Error::internal("no organization exists; start the server once first"))?;
    let role = role::Entity::find()
        .filter(role::Column::Name.eq(ADMINISTRATOR_ROLE))
        .filter(role::Column::OrganizationId.is_null())
        .one(db)
        .await?
        .ok_or_else(|| {
            Error::internal(format!("the system role {ADMINISTRATOR_ROLE} is missing"))
        })?;
    let (password, generated_password) = match spec.password {
        Some(password) => (password, None),
        None => {
            let generated = app.settings().password_policy.suggest();
            (SecretString::from(generated.clone()), Some(generated))
        }
    };
    let input = NewUser {
        username: spec.username,
        password_confirmation: SecretString::from(password.expose_secret().to_owned()),
        password,
        first_name: spec.first_name,
        email: spec.email,
        enabled: true,
        role_ids: vec![role.id],
        ..NewUser::default()
    };
    let user = app
        .users()
        .create(&Viewer::system(organization.id), input)
        .await?;
    Ok(CreatedAdmin {
        username: user.username,
        generated_password,
    })
}
