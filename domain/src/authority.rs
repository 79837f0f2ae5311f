//! The rule "acting through an account is changing it" (DESIGN §6), in one
//! place: whoever creates, reveals, rotates, widens or removes a credential
//! or a capability of another account must hold everything that account
//! holds there. Services that change an account take a `Changeable`, which
//! only this module makes, so no write path can skip the check.
//!
//! `GUARDED` lists every API operation that acts on or through another
//! account and `UNGUARDED` every other mutation, with the reason; a test
//! fails when a mutation of the schema is in neither.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Deref;

use entity::{
    customer_user, organization, role, role_permission, user, user_organization, user_role,
};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};

use crate::Gatehouse;
use crate::customers::AccountPermission;
use crate::customers::users::Manager;
use crate::error::{Error, Result};
use crate::permissions::{Permission, PermissionSet};
use crate::viewer::{Credential, Viewer};

/// An account the viewer was found allowed to change. Made only by the
/// functions of this module.
#[derive(Debug, Clone)]
pub struct Changeable<T>(T);

impl<T> Changeable<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Changeable<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Where a change to a back-office user reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A credential that acts in one organization only: an API key, an
    /// OAuth application. What the user holds there counts.
    Organization(i64),
    /// The account itself — password, sessions, status, profile (its email
    /// receives reset links), roles, deletion — in every organization it
    /// belongs to. What the user holds in each of them counts.
    Everywhere,
}

/// What is done to a customer user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerAct {
    /// Managing it: from the back office with this permission; on the
    /// storefront by an account manager of its customer holding every
    /// storefront permission it holds.
    Manage(Permission),
    /// Acting as it (impersonation, its OAuth applications): from the back
    /// office with `customer_users.impersonate` besides the operation's own
    /// permission.
    ActAs,
}

/// Why one account of a batch may not be changed.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub account_id: i64,
    /// What the account holds beyond the viewer, e.g. `users.delete,
    /// roles.manage in Other`.
    pub beyond: String,
    pub message: String,
}

impl Refusal {
    pub fn into_error(self) -> Error {
        Error::forbidden(self.message)
    }
}

/// The back-office user, when `viewer` may change it within `reach`.
pub async fn user(
    app: &Gatehouse,
    viewer: &Viewer,
    user: user::Model,
    reach: Reach,
) -> Result<Changeable<user::Model>> {
    users(app, viewer, vec![user], reach)
        .await?
        .pop()
        .ok_or_else(|| Error::internal("the verdict of one user is missing"))?
        .map_err(Refusal::into_error)
}

/// `user` for many users at once (mass actions): one verdict per user, in
/// order, each the changeable user or why not.
pub async fn users(
    app: &Gatehouse,
    viewer: &Viewer,
    users: Vec<user::Model>,
    reach: Reach,
) -> Result<Vec<std::result::Result<Changeable<user::Model>, Refusal>>> {
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut refusals = refusals(app, viewer, &ids, reach).await?;
    Ok(users
        .into_iter()
        .map(|user| match refusals.remove(&user.id) {
            Some(refusal) => Err(refusal),
            None => Ok(Changeable(user)),
        })
        .collect())
}

/// Why the viewer may not change each of the users `ids` within `reach`;
/// the users it may change are absent.
pub async fn refusals(
    app: &Gatehouse,
    viewer: &Viewer,
    ids: &[i64],
    reach: Reach,
) -> Result<HashMap<i64, Refusal>> {
    let held = held_by_users(app, ids, reach).await?;
    let mut standing = Standing::new(app, viewer);
    let mut refusals = HashMap::new();
    for (user_id, by_organization) in held {
        let mut beyond: Vec<(i64, Permission)> = Vec::new();
        for (organization_id, permissions) in by_organization {
            let own = standing.in_organization(organization_id).await?;
            beyond.extend(
                permissions
                    .iter()
                    .filter(|p| !own.contains(*p))
                    .map(|p| (organization_id, p)),
            );
        }
        if !beyond.is_empty() {
            let beyond = standing.describe(&beyond).await?;
            refusals.insert(
                user_id,
                Refusal {
                    account_id: user_id,
                    message: format!(
                        "the user holds permissions you do not ({beyond}); only someone holding them can change this user"
                    ),
                    beyond,
                },
            );
        }
    }
    Ok(refusals)
}

/// The customer user, when `by` may do `act` to it. The customer user must
/// be in `by`'s scope already (the caller found it through
/// `Manager::scope`).
pub async fn customer_user(
    app: &Gatehouse,
    by: Manager<'_>,
    user: customer_user::Model,
    act: CustomerAct,
) -> Result<Changeable<customer_user::Model>> {
    match (by, act) {
        (Manager::Staff(viewer), act) => {
            if user.organization_id != viewer.organization_id {
                return Err(Error::forbidden(
                    "the customer user belongs to another organization; act from that organization",
                ));
            }
            match act {
                CustomerAct::Manage(permission) => viewer.require(permission)?,
                CustomerAct::ActAs => {
                    if !viewer.can(Permission::CustomerUsersImpersonate) {
                        return Err(Error::forbidden(format!(
                            "this acts as the customer user, which needs the permission {}",
                            Permission::CustomerUsersImpersonate
                        )));
                    }
                }
            }
            Ok(Changeable(user))
        }
        (Manager::Account(_), CustomerAct::ActAs) => Err(Error::forbidden(
            "only back-office users may act as a customer user",
        )),
        (Manager::Account(viewer), CustomerAct::Manage(_)) => {
            viewer.require(AccountPermission::UsersManage)?;
            if user.customer_id != viewer.customer_id {
                return Err(Error::not_found("customer user"));
            }
            let held = app.customer_users().permissions_of(user.id).await?;
            let mut beyond: Vec<&str> = held
                .iter()
                .filter(|p| !viewer.can(**p))
                .map(|p| p.as_str())
                .collect();
            if !beyond.is_empty() {
                beyond.sort_unstable();
                return Err(Error::forbidden(format!(
                    "the user holds storefront permissions you do not ({}); only someone holding them can change this user",
                    beyond.join(", ")
                )));
            }
            Ok(Changeable(user))
        }
    }
}

/// Whose credential something is: an OAuth application's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    User(i64),
    CustomerUser(i64),
}

/// `credential` of `owner`, acting in `organization_id`, when the viewer
/// may change it: for a back-office owner, the viewer holds there every
/// permission the owner holds; for a customer user, the viewer may act as
/// it. The refusal names what the owner holds beyond the viewer.
pub async fn credential<T>(
    app: &Gatehouse,
    viewer: &Viewer,
    credential: T,
    owner: Owner,
    organization_id: i64,
) -> Result<Changeable<T>> {
    match owner {
        Owner::User(user_id) => {
            let refusals = refusals(
                app,
                viewer,
                &[user_id],
                Reach::Organization(organization_id),
            )
            .await?;
            if let Some(refusal) = refusals.into_values().next() {
                return Err(Error::forbidden(format!(
                    "the owner holds permissions you do not ({}); only someone holding them can change their credentials",
                    refusal.beyond
                )));
            }
        }
        Owner::CustomerUser(customer_user_id) => {
            let user = customer_user::Entity::find_by_id(customer_user_id)
                .one(app.db())
                .await?
                .ok_or(Error::not_found("customer user"))?;
            customer_user(app, Manager::Staff(viewer), user, CustomerAct::ActAs).await?;
        }
    }
    Ok(Changeable(credential))
}

/// `customer_user` for many customer users of the back office at once
/// (mass actions and imports).
pub fn customer_users(
    viewer: &Viewer,
    users: Vec<customer_user::Model>,
    act: CustomerAct,
) -> Vec<std::result::Result<Changeable<customer_user::Model>, Refusal>> {
    let allowed = match act {
        CustomerAct::Manage(permission) => viewer.require(permission),
        CustomerAct::ActAs => viewer.require(Permission::CustomerUsersImpersonate),
    };
    users
        .into_iter()
        .map(|user| match &allowed {
            Ok(()) if user.organization_id == viewer.organization_id => Ok(Changeable(user)),
            Ok(()) => Err(Refusal {
                account_id: user.id,
                beyond: String::new(),
                message: "the customer user belongs to another organization".into(),
            }),
            Err(error) => Err(Refusal {
                account_id: user.id,
                beyond: String::new(),
                message: error.to_string(),
            }),
        })
        .collect()
}

/// Checks that `viewer` may hand out `granted` (the permissions of roles
/// given to an account) in each organization they apply in: nobody grants
/// what they do not hold there. Answers the problems, one per role.
pub async fn check_grants(
    app: &Gatehouse,
    viewer: &Viewer,
    granted: &[(i64, Vec<i64>, Vec<Permission>)],
) -> Result<Vec<String>> {
    let mut standing = Standing::new(app, viewer);
    let mut problems = Vec::new();
    for (role_id, organizations, permissions) in granted {
        let mut missing: Vec<(i64, Permission)> = Vec::new();
        for organization_id in organizations {
            let own = standing.in_organization(*organization_id).await?;
            missing.extend(
                permissions
                    .iter()
                    .filter(|p| !own.contains(**p))
                    .map(|p| (*organization_id, *p)),
            );
        }
        if !missing.is_empty() {
            let described = standing.describe(&missing).await?;
            problems.push(format!(
                "role {role_id} grants permissions you do not hold: {described}"
            ));
        }
    }
    Ok(problems)
}

/// What the viewer holds in each organization, read once per organization.
struct Standing<'a> {
    app: &'a Gatehouse,
    viewer: &'a Viewer,
    known: HashMap<i64, PermissionSet>,
}

impl<'a> Standing<'a> {
    fn new(app: &'a Gatehouse, viewer: &'a Viewer) -> Self {
        Self {
            app,
            viewer,
            known: HashMap::new(),
        }
    }

    /// The viewer's permissions in `organization_id`. In its current
    /// organization, those of its credential (a token's scopes narrow
    /// them). Elsewhere, what the user holds there when the credential
    /// lets the user act anywhere it belongs (a login, the job board, a
    /// job acting for its requester), and nothing for credentials bound to
    /// one organization (API keys, OAuth tokens).
    async fn in_organization(&mut self, organization_id: i64) -> Result<PermissionSet> {
        if organization_id == self.viewer.organization_id {
            return Ok(self.viewer.permissions.clone());
        }
        if let Some(known) = self.known.get(&organization_id) {
            return Ok(known.clone());
        }
        let permissions = match self.viewer.credential {
            Credential::System => PermissionSet::all(),
            Credential::Session { .. } | Credential::Basic | Credential::Job { .. }
                if self.viewer.organization_ids.contains(&organization_id) =>
            {
                crate::auth::permissions_of(self.app.db(), self.viewer.user_id, organization_id)
                    .await?
            }
            _ => PermissionSet::default(),
        };
        self.known.insert(organization_id, permissions.clone());
        Ok(permissions)
    }

    /// `a, b in Other` for permissions in organizations, the current
    /// organization's unnamed.
    async fn describe(&self, permissions: &[(i64, Permission)]) -> Result<String> {
        let others: BTreeSet<i64> = permissions
            .iter()
            .map(|(organization, _)| *organization)
            .filter(|organization| *organization != self.viewer.organization_id)
            .collect();
        let names: HashMap<i64, String> = if others.is_empty() {
            HashMap::new()
        } else {
            organization::Entity::find()
                .filter(organization::Column::Id.is_in(others.iter().copied()))
                .all(self.app.db())
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect()
        };
        let mut parts: BTreeSet<String> = BTreeSet::new();
        for (organization, permission) in permissions {
            if *organization == self.viewer.organization_id {
                parts.insert(permission.as_str().to_owned());
            } else {
                let name = names
                    .get(organization)
                    .cloned()
                    .unwrap_or_else(|| organization.to_string());
                parts.insert(format!("{permission} in {name}"));
            }
        }
        Ok(parts.into_iter().collect::<Vec<_>>().join(", "))
    }
}

/// What each user holds, by organization, within `reach`: the permissions
/// of its roles of that organization and of its system-wide roles, in the
/// organizations it belongs to.
async fn held_by_users(
    app: &Gatehouse,
    ids: &[i64],
    reach: Reach,
) -> Result<HashMap<i64, HashMap<i64, PermissionSet>>> {
    let db = app.db();
    let mut held: HashMap<i64, HashMap<i64, PermissionSet>> = HashMap::new();
    if ids.is_empty() {
        return Ok(held);
    }
    if let Reach::Organization(organization_id) = reach {
        let sets = crate::auth::permissions_of_users(db, ids, organization_id).await?;
        for (user_id, set) in sets {
            held.entry(user_id)
                .or_default()
                .insert(organization_id, set);
        }
        return Ok(held);
    }
    let memberships: Vec<(i64, i64)> = user_organization::Entity::find()
        .select_only()
        .column(user_organization::Column::UserId)
        .column(user_organization::Column::OrganizationId)
        .filter(user_organization::Column::UserId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut member_of: HashMap<i64, HashSet<i64>> = HashMap::new();
    for (user_id, organization_id) in memberships {
        member_of
            .entry(user_id)
            .or_default()
            .insert(organization_id);
    }
    let grants: Vec<(i64, Option<i64>, String)> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .column(role::Column::OrganizationId)
        .column(role_permission::Column::Permission)
        .join(JoinType::InnerJoin, user_role::Relation::Target.def())
        .join(JoinType::InnerJoin, role::Relation::Permissions.def())
        .filter(user_role::Column::UserId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut names: HashMap<(i64, i64), Vec<String>> = HashMap::new();
    for (user_id, role_organization, permission) in grants {
        let Some(organizations) = member_of.get(&user_id) else {
            continue;
        };
        match role_organization {
            // A system-wide role applies in every organization of the user.
            None => {
                for organization_id in organizations {
                    names
                        .entry((user_id, *organization_id))
                        .or_default()
                        .push(permission.clone());
                }
            }
            // An organization's role counts where the user can act with it.
            Some(organization_id) if organizations.contains(&organization_id) => {
                names
                    .entry((user_id, organization_id))
                    .or_default()
                    .push(permission);
            }
            Some(_) => {}
        }
    }
    for ((user_id, organization_id), names) in names {
        held.entry(user_id).or_default().insert(
            organization_id,
            PermissionSet::from_names(names.iter().map(String::as_str)),
        );
    }
    Ok(held)
}

/// How an operation reaches another account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Through {
    /// A back-office user, in every organization it belongs to.
    User,
    /// A back-office user's credential in one organization (API keys, and
    /// OAuth applications of back-office users).
    UserIn,
    /// Acts as a customer user: `customer_users.impersonate` (OAuth
    /// applications of customer users, impersonation).
    CustomerUserAs,
    /// Manages a customer user: from the back office the operation's
    /// permission; on the storefront every storefront permission the user
    /// holds.
    CustomerUser,
    /// Runs a job again with its requester's authority.
    Requester,
    /// Changes what every holder of a role may do.
    RoleHolders,
}

/// An operation of the API that acts on or through another account.
#[derive(Debug, Clone, Copy)]
pub struct Guarded {
    /// The GraphQL mutation.
    pub operation: &'static str,
    pub through: Through,
}

const fn guarded(operation: &'static str, through: Through) -> Guarded {
    Guarded { operation, through }
}

/// Every mutation that acts on or through another account, and how.
pub const GUARDED: &[Guarded] = &[
    guarded("createUser", Through::User),
    guarded("updateUser", Through::User),
    guarded("enableUser", Through::User),
    guarded("disableUser", Through::User),
    guarded("activateUser", Through::User),
    guarded("changeUserPassword", Through::User),
    guarded("resetUserPassword", Through::User),
    guarded("deleteUser", Through::User),
    guarded("massUpdateUsers", Through::User),
    guarded("generateApiKey", Through::UserIn),
    guarded("revokeApiKey", Through::UserIn),
    guarded("updateRole", Through::RoleHolders),
    guarded("retryJob", Through::Requester),
    guarded("createOAuthApplication", Through::UserIn),
    guarded("updateOAuthApplication", Through::UserIn),
    guarded("rotateOAuthApplicationSecret", Through::UserIn),
    guarded("deleteOAuthApplication", Through::UserIn),
    guarded("impersonateCustomerUser", Through::CustomerUserAs),
    guarded("createCustomerUser", Through::CustomerUser),
    guarded("updateCustomerUser", Through::CustomerUser),
    guarded("deleteCustomerUser", Through::CustomerUser),
    guarded("enableCustomerUser", Through::CustomerUser),
    guarded("disableCustomerUser", Through::CustomerUser),
    guarded("unlockCustomerUser", Through::CustomerUser),
    guarded("confirmCustomerUser", Through::CustomerUser),
    guarded("resetCustomerUserPassword", Through::CustomerUser),
    guarded("massUpdateCustomerUsers", Through::CustomerUser),
    guarded("importCustomerUsers", Through::CustomerUser),
    guarded("createAccountUser", Through::CustomerUser),
    guarded("updateAccountUser", Through::CustomerUser),
    guarded("enableAccountUser", Through::CustomerUser),
    guarded("disableAccountUser", Through::CustomerUser),
];

/// Every other mutation, with why it reaches no other account.
pub const UNGUARDED: &[(&str, &str)] = &[
    ("login", "opens a session of the caller's own account"),
    (
        "customerLogin",
        "opens a session of the caller's own account",
    ),
    (
        "completePasswordReset",
        "spends a link sent to the account's own address",
    ),
    (
        "requestPasswordReset",
        "sends a link to the account's own address",
    ),
    (
        "registerCustomerUser",
        "creates the caller's own storefront account",
    ),
    (
        "confirmCustomerUserEmail",
        "spends a link sent to the account's own address",
    ),
    ("customerLogout", "ends the caller's own session"),
    ("logout", "ends the caller's own session"),
    (
        "createOrganization",
        "organization records; memberships change through users",
    ),
    (
        "updateOrganization",
        "organization records; memberships change through users",
    ),
    (
        "deleteOrganization",
        "refused while the organization has users",
    ),
    ("createBusinessUnit", "business units grant no permission"),
    ("updateBusinessUnit", "business units grant no permission"),
    ("deleteBusinessUnit", "business units grant no permission"),
    (
        "createRole",
        "a new role is held by nobody; its permissions are the caller's",
    ),
    ("deleteRole", "refused while anyone holds the role"),
    ("createGroup", "groups grant no permission"),
    ("updateGroup", "groups grant no permission"),
    ("deleteGroup", "groups grant no permission"),
    ("exportUsers", "reads users; the export goes to the caller"),
    (
        "exportCustomerUsers",
        "reads customer users; the export goes to the caller",
    ),
    (
        "cancelJob",
        "stops work; the requester keeps every permission",
    ),
    (
        "updateEmailTemplate",
        "templates of the caller's organization, or system defaults with email_templates.manage_system",
    ),
    (
        "resetEmailTemplate",
        "templates of the caller's organization",
    ),
    (
        "createCustomer",
        "customer records; customer users change through their own operations",
    ),
    (
        "updateCustomer",
        "customer records; customer users change through their own operations",
    ),
    (
        "deleteCustomer",
        "refused while the customer has customer users",
    ),
    (
        "createCustomerRole",
        "storefront permissions of customer users, which the back office manages",
    ),
    (
        "updateCustomerRole",
        "storefront permissions of customer users, which the back office manages",
    ),
    ("deleteCustomerRole", "refused while anyone holds the role"),
    ("createWebsite", "websites grant no permission"),
    ("updateWebsite", "websites grant no permission"),
    ("deleteWebsite", "websites grant no permission"),
    ("createConsent", "consents grant no permission"),
    ("updateConsent", "consents grant no permission"),
    ("deleteConsent", "consents grant no permission"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_operation_is_listed_twice() {
        let mut seen = HashSet::new();
        for name in GUARDED
            .iter()
            .map(|g| g.operation)
            .chain(UNGUARDED.iter().map(|(name, _)| *name))
        {
            assert!(seen.insert(name), "{name} is listed twice");
        }
    }
}
