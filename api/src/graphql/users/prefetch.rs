//! Loading what a page of users will show, before the fields ask: one
//! statement for the links of the roles, organizations and business units
//! shown (their rows mostly from memory), one per other selected relation,
//! whatever the page size. Fields then read the request's DataLoader cache. Without this, the DataLoaders' short
//! batching window splits a page into several batches whenever the
//! resolvers of its rows run apart.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_graphql::{Context, Lookahead, Result};
use domain::Error;
use domain::entity::user;
use domain::users::relations::{Links, Shown};

use crate::graphql::context::app;

use crate::graphql::loaders::{
    BusinessUnitById, BusinessUnitsOfUser, EmailsOfUser, GroupsOfUser, OrganizationById,
    OrganizationsOfUser, PermissionsOfRole, RequestLoader, RolesOfUser, listed,
};

type Loaded = std::result::Result<(), Arc<Error>>;

/// Prefetches what `node` (the selection on each `User`) uses for `users`.
pub async fn prefetch(
    ctx: &Context<'_>,
    node: Lookahead<'_>,
    users: &[&user::Model],
) -> Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let loader = ctx.data::<RequestLoader>()?;
    let app = app(ctx)?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();

    // The links of every relation shown, in one statement; their rows
    // mostly from memory.
    let shown = Shown {
        roles: node.field("roles").exists(),
        organizations: node.field("organizations").exists(),
        business_units: node.field("businessUnits").exists(),
    };
    let links = async {
        let Links {
            roles,
            organizations,
            business_units,
        } = app.users().links_of(&ids, shown).await.map_err(Arc::new)?;
        let role_ids: BTreeSet<i64> = roles.values().flatten().map(|r| r.id).collect();
        let role_organizations: BTreeSet<i64> = roles
            .values()
            .flatten()
            .filter_map(|r| r.organization_id)
            .collect();
        if shown.roles {
            let keys: Vec<RolesOfUser> = ids.iter().map(|&id| RolesOfUser(id)).collect();
            loader.feed_many(listed(&keys, |k| k.0, roles)).await;
        }
        if shown.organizations {
            let keys: Vec<OrganizationsOfUser> =
                ids.iter().map(|&id| OrganizationsOfUser(id)).collect();
            loader
                .feed_many(listed(&keys, |k| k.0, organizations))
                .await;
        }
        if shown.business_units {
            let keys: Vec<BusinessUnitsOfUser> =
                ids.iter().map(|&id| BusinessUnitsOfUser(id)).collect();
            loader
                .feed_many(listed(&keys, |k| k.0, business_units))
                .await;
        }
        let selection = node.field("roles");
        if selection.field("permissions").exists() {
            loader
                .load_many(role_ids.into_iter().map(PermissionsOfRole))
                .await?;
        }
        if selection.field("organization").exists() {
            loader
                .load_many(role_organizations.into_iter().map(OrganizationById))
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
    futures_util::try_join!(links, owners, groups, emails)?;
    Ok(())
}
