//! Creating, editing and deleting back-office users, and the status and
//! password actions. Every change runs in one transaction with its audit
//! entry.

use std::collections::HashMap;

use entity::user::{self, AuthStatus};
use entity::{user_business_unit, user_email, user_group, user_organization, user_role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use secrecy::SecretString;
use serde_json::json;

use super::input::{Placement, Profile, check_new_password};
use super::{NewUser, UserChanges, UserService, ownership};
use crate::audit::{self, Target};
use crate::auth::{Revoke, revoke};
use crate::authority::Changeable;
use crate::db::conflict_on;
use crate::email::catalog::INVITATION;
use crate::email::outbox::{self, Outgoing};
use crate::error::{Error, Result};
use crate::jobs::runner;
use crate::resets::password_changed_email;
use crate::viewer::Viewer;

const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("ux_users_username", "username"),
    ("users.username_canonical", "username"),
    ("ux_users_email", "email"),
    ("users.email_canonical", "email"),
];

impl UserService<'_> {
    pub async fn create(&self, viewer: &Viewer, input: NewUser) -> Result<user::Model> {
        let profile = Profile {
            username: input.username,
            name_prefix: input.name_prefix,
            first_name: input.first_name,
            middle_name: input.middle_name,
            last_name: input.last_name,
            name_suffix: input.name_suffix,
            birthday: input.birthday,
            avatar: input.avatar,
            email: input.email,
            additional_emails: input.additional_emails,
            phone: input.phone,
        };
        // Every problem is reported at once: fields, password, then placement.
        let mut problems = crate::error::Violations::new();
        let profile = problems.absorb(profile.clean())?;
        problems.absorb(check_new_password(
            &self.app.settings().password_policy,
            "password",
            &input.password,
            Some(&input.password_confirmation),
        ))?;
        let organizations = input
            .organization_ids
            .unwrap_or_else(|| vec![viewer.organization_id]);
        let placement = Placement::new(
            &organizations,
            input.owner_business_unit_id,
            &input.business_unit_ids,
            &input.group_ids,
            &input.role_ids,
        );
        let placement = problems.absorb(placement.check(self.app, viewer).await)?;
        problems.finish()?;
        let (Some(profile), Some(placement)) = (profile, placement) else {
            return Err(Error::internal("validated user input is missing"));
        };
        self.check_unique(&profile, None).await?;

        let password_hash = self.app.passwords().hash(&input.password).await?;
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let user = user::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            username_canonical: Set(profile.username.to_lowercase()),
            username: Set(profile.username.clone()),
            password_hash: Set(password_hash),
            name_prefix: Set(profile.name_prefix.clone()),
            first_name: Set(profile.first_name.clone()),
            middle_name: Set(profile.middle_name.clone()),
            last_name: Set(profile.last_name.clone()),
            name_suffix: Set(profile.name_suffix.clone()),
            birthday: Set(profile.birthday),
            avatar: Set(profile.avatar.clone()),
            email_canonical: Set(profile.email.to_lowercase()),
            email: Set(profile.email.clone()),
            phone: Set(profile.phone.clone()),
            enabled: Set(input.enabled),
            auth_status: Set(AuthStatus::Active),
            failed_login_count: Set(0),
            owner_business_unit_id: Set(placement.owner_business_unit_id),
            last_login_at: Set(None),
            password_changed_at: Set(Some(now)),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        replace_emails(&txn, user.id, &profile.additional_emails).await?;
        replace_links(&txn, user.id, &placement).await?;
        let details =
            json!({ "username": user.username, "email": user.email, "roles": placement.role_ids });
        audit::record(
            &txn,
            &viewer.actor(),
            "user.create",
            Target::new("user", user.id),
            None,
            Some(details),
        )
        .await?;
        let mut emails = Vec::new();
        if input.send_invitation {
            let organization = entity::organization::Entity::find_by_id(viewer.organization_id)
                .one(&txn)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            let invitation = Outgoing {
                template: INVITATION,
                recipient: user.email.clone(),
                user_id: Some(user.id),
                customer_user_id: None,
                organization_id: Some(viewer.organization_id),
                job_id: None,
                context: json!({
                    "first_name": user.first_name, "last_name": user.last_name, "username": user.username,
                    "email": user.email, "organization": organization,
                    "login_url": self.app.settings().public_url(),
                }),
                dedupe_key: format!("invitation:{}", user.id),
            };
            emails = outbox::queue(&txn, &[invitation]).await?;
        }
        self.app.commit(txn).await?;
        runner::push_emails(self.app, &emails).await;
        Ok(user)
    }

    pub async fn update(
        &self,
        viewer: &Viewer,
        id: i64,
        changes: UserChanges,
    ) -> Result<user::Model> {
        let current = self.changeable(viewer, id).await?;
        if changes.enabled == Some(false) && id == viewer.user_id {
            return Err(Error::invalid(
                "enabled",
                "you cannot disable your own account",
            ));
        }
        let emails = self
            .additional_emails_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let profile = Profile {
            username: changes.username.unwrap_or_else(|| current.username.clone()),
            name_prefix: changes
                .name_prefix
                .unwrap_or_else(|| current.name_prefix.clone()),
            first_name: changes
                .first_name
                .unwrap_or_else(|| current.first_name.clone()),
            middle_name: changes
                .middle_name
                .unwrap_or_else(|| current.middle_name.clone()),
            last_name: changes
                .last_name
                .unwrap_or_else(|| current.last_name.clone()),
            name_suffix: changes
                .name_suffix
                .unwrap_or_else(|| current.name_suffix.clone()),
            birthday: changes.birthday.unwrap_or(current.birthday),
            avatar: changes.avatar.unwrap_or_else(|| current.avatar.clone()),
            email: changes.email.unwrap_or_else(|| current.email.clone()),
            additional_emails: changes
                .additional_emails
                .clone()
                .unwrap_or_else(|| emails.clone()),
            phone: changes.phone.unwrap_or_else(|| current.phone.clone()),
        };
        let mut problems = crate::error::Violations::new();
        let profile = problems.absorb(profile.clean())?;

        let placement_changed = changes.organization_ids.is_some()
            || changes.owner_business_unit_id.is_some()
            || changes.business_unit_ids.is_some()
            || changes.group_ids.is_some()
            || changes.role_ids.is_some();
        let mut placed_before = None;
        let placement = if placement_changed {
            let now = self
                .placement_of(id, current.owner_business_unit_id)
                .await?;
            placed_before = Some(placement_snapshot(&now));
            let placement = Placement::new(
                &changes.organization_ids.unwrap_or(now.organization_ids),
                Some(
                    changes
                        .owner_business_unit_id
                        .unwrap_or(now.owner_business_unit_id),
                ),
                &changes.business_unit_ids.unwrap_or(now.business_unit_ids),
                &changes.group_ids.unwrap_or(now.group_ids),
                &changes.role_ids.unwrap_or(now.role_ids),
            );
            problems.absorb(placement.check(self.app, viewer).await)?
        } else {
            None
        };
        problems.finish()?;
        let Some(profile) = profile else {
            return Err(Error::internal("validated user input is missing"));
        };
        self.check_unique(&profile, Some(id)).await?;

        let enabled = changes.enabled.unwrap_or(current.enabled);
        let txn = crate::db::write(self.app.db()).await?;
        let mut model: user::ActiveModel = user::Model::clone(&current).into();
        model.username_canonical = Set(profile.username.to_lowercase());
        model.username = Set(profile.username.clone());
        model.name_prefix = Set(profile.name_prefix.clone());
        model.first_name = Set(profile.first_name.clone());
        model.middle_name = Set(profile.middle_name.clone());
        model.last_name = Set(profile.last_name.clone());
        model.name_suffix = Set(profile.name_suffix.clone());
        model.birthday = Set(profile.birthday);
        model.avatar = Set(profile.avatar.clone());
        model.email_canonical = Set(profile.email.to_lowercase());
        model.email = Set(profile.email.clone());
        model.phone = Set(profile.phone.clone());
        model.enabled = Set(enabled);
        if let Some(placement) = &placement {
            model.owner_business_unit_id = Set(placement.owner_business_unit_id);
        }
        model.updated_at = Set(self.app.now());
        let user = model
            .update(&txn)
            .await
            .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        if changes.additional_emails.is_some() {
            replace_emails(&txn, id, &profile.additional_emails).await?;
        }
        if let Some(placement) = &placement {
            replace_links(&txn, id, placement).await?;
        }
        if current.enabled && !enabled {
            revoke(&txn, id, Revoke::SessionsAndKeys).await?;
        }
        let mut before = snapshot(&current, &emails);
        let mut after = snapshot(&user, &profile.additional_emails);
        if let (Some(old), Some(new)) = (placed_before, &placement) {
            merge(&mut before, old);
            merge(&mut after, placement_snapshot(new));
        }
        audit::record(
            &txn,
            &viewer.actor(),
            "user.update",
            Target::new("user", id),
            None,
            Some(audit::changes(&before, &after)),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(user)
    }

    async fn check_unique(&self, profile: &Profile, except: Option<i64>) -> Result<()> {
        let taken = |column: user::Column, value: String| {
            let mut query = user::Entity::find().filter(column.eq(value));
            if let Some(id) = except {
                query = query.filter(user::Column::Id.ne(id));
            }
            query
        };
        let db = self.app.db();
        if taken(
            user::Column::UsernameCanonical,
            profile.username.to_lowercase(),
        )
        .one(db)
        .await?
        .is_some()
        {
            return Err(Error::conflict("username", "username is already taken"));
        }
        if taken(user::Column::EmailCanonical, profile.email.to_lowercase())
            .one(db)
            .await?
            .is_some()
        {
            return Err(Error::conflict("email", "email is already taken"));
        }
        Ok(())
    }

    /// Where the user is now.
    async fn placement_of(&self, id: i64, owner: i64) -> Result<Placement> {
        use crate::pagination::HasId;
        fn ids<T: HasId>(mut map: HashMap<i64, Vec<T>>, id: i64) -> Vec<i64> {
            map.remove(&id)
                .unwrap_or_default()
                .iter()
                .map(HasId::id)
                .collect()
        }
        Ok(Placement::new(
            &ids(self.organizations_of(&[id]).await?, id),
            Some(owner),
            &ids(self.business_units_of(&[id]).await?, id),
            &ids(self.groups_of(&[id]).await?, id),
            &ids(self.roles_of(&[id]).await?, id),
        ))
    }

    pub async fn enable(&self, viewer: &Viewer, id: i64) -> Result<user::Model> {
        self.set_enabled(viewer, id, true).await
    }

    /// Disables the user and ends its sessions at once.
    pub async fn disable(&self, viewer: &Viewer, id: i64) -> Result<user::Model> {
        if id == viewer.user_id {
            return Err(Error::invalid("id", "you cannot disable your own account"));
        }
        self.set_enabled(viewer, id, false).await
    }

    async fn set_enabled(&self, viewer: &Viewer, id: i64, enabled: bool) -> Result<user::Model> {
        let user = self.changeable(viewer, id).await?;
        let (action, ends) = match enabled {
            true => ("user.enable", Revoke::Nothing),
            false => ("user.disable", Revoke::SessionsAndKeys),
        };
        self.save(
            viewer,
            user,
            |m| m.enabled = Set(enabled),
            action,
            ends,
            None,
        )
        .await
    }

    /// Unlocks a locked user: status back to `ACTIVE`, failure count cleared.
    pub async fn activate(&self, viewer: &Viewer, id: i64) -> Result<user::Model> {
        let user = self.changeable(viewer, id).await?;
        if user.auth_status == AuthStatus::PasswordReset {
            return Err(Error::invalid(
                "id",
                "the user must set a new password through the reset first",
            ));
        }
        let change = |m: &mut user::ActiveModel| {
            m.auth_status = Set(AuthStatus::Active);
            m.failed_login_count = Set(0);
        };
        self.save(viewer, user, change, "user.activate", Revoke::Nothing, None)
            .await
    }

    /// Sets a new password chosen by an administrator. The user's sessions
    /// end; a pending password reset is resolved by it.
    pub async fn change_password(
        &self,
        viewer: &Viewer,
        id: i64,
        password: SecretString,
    ) -> Result<user::Model> {
        let user = self.changeable(viewer, id).await?;
        check_new_password(
            &self.app.settings().password_policy,
            "newPassword",
            &password,
            None,
        )?;
        let hash = self.app.passwords().hash(&password).await?;
        let status = match user.auth_status {
            AuthStatus::PasswordReset => AuthStatus::Active,
            other => other,
        };
        let change = |m: &mut user::ActiveModel| {
            m.password_hash = Set(hash);
            m.password_changed_at = Set(Some(self.app.now()));
            m.auth_status = Set(status);
        };
        self.save(
            viewer,
            user,
            change,
            "user.change_password",
            Revoke::Sessions,
            Some(password_changed_email),
        )
        .await
    }

    /// Stores what `change` sets on the changeable `user` (stamping
    /// `updated_at`), ends what `ends` names, queues `notice`, and writes
    /// the audit entry `action`, in one transaction.
    async fn save(
        &self,
        viewer: &Viewer,
        user: Changeable<user::Model>,
        change: impl FnOnce(&mut user::ActiveModel),
        action: &str,
        ends: Revoke,
        notice: Option<fn(&user::Model, &str) -> Outgoing>,
    ) -> Result<user::Model> {
        let mut model: user::ActiveModel = user.into_inner().into();
        change(&mut model);
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let user = model.update(&txn).await?;
        revoke(&txn, user.id, ends).await?;
        let emails = match notice {
            Some(notice) => {
                let organization =
                    crate::organizations::name_of(&txn, viewer.organization_id).await?;
                let mut email = notice(&user, &organization);
                email.organization_id = Some(viewer.organization_id);
                outbox::queue(&txn, &[email]).await?
            }
            None => Vec::new(),
        };
        audit::record(
            &txn,
            &viewer.actor(),
            action,
            Target::new("user", user.id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        runner::push_emails(self.app, &emails).await;
        Ok(user)
    }

    /// Deletes the user, unless it is the viewer or owns records.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        let user = self.changeable(viewer, id).await?;
        if id == viewer.user_id {
            return Err(Error::invalid("id", "you cannot delete your own account"));
        }
        let owned = ownership::owned_records(self.app.db(), id).await?;
        if !owned.is_empty() {
            return Err(Error::conflict("id", ownership::refusal(&owned)));
        }
        let txn = crate::db::write(self.app.db()).await?;
        user::Entity::delete_by_id(id).exec(&txn).await?;
        let details = json!({ "username": user.username, "email": user.email });
        audit::record(
            &txn,
            &viewer.actor(),
            "user.delete",
            Target::new("user", id),
            None,
            Some(details),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }

    /// A password satisfying the current policy.
    pub fn suggest_password(&self) -> String {
        self.app.settings().password_policy.suggest()
    }
}

/// The audited fields of a user (never its password hash).
fn snapshot(user: &user::Model, additional_emails: &[String]) -> serde_json::Value {
    json!({
        "username": user.username, "namePrefix": user.name_prefix, "firstName": user.first_name,
        "middleName": user.middle_name, "lastName": user.last_name, "nameSuffix": user.name_suffix,
        "birthday": user.birthday, "avatar": user.avatar, "email": user.email,
        "additionalEmails": additional_emails, "phone": user.phone, "enabled": user.enabled,
    })
}

fn placement_snapshot(placement: &Placement) -> serde_json::Value {
    json!({
        "organizationIds": placement.organization_ids,
        "ownerBusinessUnitId": placement.owner_business_unit_id,
        "businessUnitIds": placement.business_unit_ids,
        "groupIds": placement.group_ids,
        "roleIds": placement.role_ids,
    })
}

fn merge(into: &mut serde_json::Value, more: serde_json::Value) {
    if let (serde_json::Value::Object(into), serde_json::Value::Object(more)) = (into, more) {
        into.extend(more);
    }
}

async fn replace_emails(txn: &DatabaseTransaction, user_id: i64, emails: &[String]) -> Result<()> {
    user_email::Entity::delete_many()
        .filter(user_email::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    if emails.is_empty() {
        return Ok(());
    }
    let rows = emails.iter().map(|email| user_email::ActiveModel {
        user_id: Set(user_id),
        email: Set(email.clone()),
        email_canonical: Set(email.to_lowercase()),
        ..Default::default()
    });
    user_email::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

/// Replaces the organizations, units, groups and roles of a user.
async fn replace_links(
    txn: &DatabaseTransaction,
    user_id: i64,
    placement: &Placement,
) -> Result<()> {
    user_organization::Entity::delete_many()
        .filter(user_organization::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    user_business_unit::Entity::delete_many()
        .filter(user_business_unit::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    user_group::Entity::delete_many()
        .filter(user_group::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    insert_links(
        txn,
        user_organization::Entity,
        placement
            .organization_ids
            .iter()
            .map(|&id| user_organization::ActiveModel {
                user_id: Set(user_id),
                organization_id: Set(id),
            }),
    )
    .await?;
    insert_links(
        txn,
        user_business_unit::Entity,
        placement
            .business_unit_ids
            .iter()
            .map(|&id| user_business_unit::ActiveModel {
                user_id: Set(user_id),
                business_unit_id: Set(id),
            }),
    )
    .await?;
    insert_links(
        txn,
        user_group::Entity,
        placement
            .group_ids
            .iter()
            .map(|&id| user_group::ActiveModel {
                user_id: Set(user_id),
                group_id: Set(id),
            }),
    )
    .await?;
    insert_links(
        txn,
        user_role::Entity,
        placement.role_ids.iter().map(|&id| user_role::ActiveModel {
            user_id: Set(user_id),
            role_id: Set(id),
        }),
    )
    .await?;
    Ok(())
}

async fn insert_links<E, A>(
    txn: &impl ConnectionTrait,
    _entity: E,
    rows: impl Iterator<Item = A>,
) -> Result<()>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let rows: Vec<A> = rows.collect();
    if !rows.is_empty() {
        E::insert_many(rows).exec_without_returning(txn).await?;
    }
    Ok(())
}
