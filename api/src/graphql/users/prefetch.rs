//! Loading what a page of users will show, before the fields ask: one
//! statement per selected relation whatever the page size. Fields then read
//! the request's DataLoader cache. Without this, the DataLoaders' short
//! batching window splits a page into several batches whenever the
//! resolvers of its rows run apart.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_graphql::{Context, Lookahead, Result};
use domain::Error;
use domain::entity::user;

use crate::graphql::loaders::{
    BusinessUnitById, BusinessUnitsOfUser, EmailsOfUser, GroupsOfUser, OrganizationById,
    OrganizationsOfUser, PermissionsOfRole, RequestLoader, RolesOfUser,
};

type Loaded = std::result::Result<(), Arc<Error>>;

/// Prefetches what `node` (the selection on each `User`) uses for `users`.
pub async fn prefetch(ctx: &Context<'_>, node: Lookahead<'_>, users: &[user::Model]) -> Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let loader = ctx.data::<RequestLoader>()?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();

    let roles = async {
        let selection = node.field("roles");
        if !selection.exists() {
            return Ok(());
        }
        let loaded = loader
            .load_many(ids.iter().map(|&id| RolesOfUser(id)))
            .await?;
        let roles: Vec<_> = loaded.values().flatten().collect();
        if selection.field("permissions").exists() {
            let role_ids: BTreeSet<i64> = roles.iter().map(|r| r.id).collect();
            loader
                .load_many(role_ids.into_iter().map(PermissionsOfRole))
                .await?;
        }
        if selection.field("organization").exists() {
            let organizations: BTreeSet<i64> =
                roles.iter().filter_map(|r| r.organization_id).collect();
            loader
                .load_many(organizations.into_iter().map(OrganizationById))
                .await?;
        }
        Loaded::Ok(())
    };
    let owners = async {
        let selection = node.field("ownerBusinessUnit");
        if !selection.exists() {
            return Ok(());
        }
        let units: BTreeSet<i64> = users.iter().map(|u| u.owner_business_unit_id).collect();
        let loaded = loader
            .load_many(units.into_iter().map(BusinessUnitById))
            .await?;
        if selection.field("parent").exists() {
            let parents: BTreeSet<i64> = loaded.values().filter_map(|u| u.parent_id).collect();
            loader
                .load_many(parents.into_iter().map(BusinessUnitById))
                .await?;
        }
        Loaded::Ok(())
    };
    let organizations = async {
        if node.field("organizations").exists() {
            loader
                .load_many(ids.iter().map(|&id| OrganizationsOfUser(id)))
                .await?;
        }
        Loaded::Ok(())
    };
    let units = async {
        if node.field("businessUnits").exists() {
            loader
                .load_many(ids.iter().map(|&id| BusinessUnitsOfUser(id)))
                .await?;
        }
        Loaded::Ok(())
    };
    let groups = async {
        if node.field("groups").exists() {
            loader
                .load_many(ids.iter().map(|&id| GroupsOfUser(id)))
                .await?;
        }
        Loaded::Ok(())
    };
    let emails = async {
        if node.field("additionalEmails").exists() {
            loader
                .load_many(ids.iter().map(|&id| EmailsOfUser(id)))
                .await?;
        }
        Loaded::Ok(())
    };
    futures_util::try_join!(roles, owners, organizations, units, groups, emails)?;
    Ok(())
}
