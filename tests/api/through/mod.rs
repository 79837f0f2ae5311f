//! Acting through an account is changing it (DESIGN §6): every operation
//! that acts on or through another account, tried by a caller of the same
//! organization who holds the operation's own permission but less than the
//! account, is refused; the same call by a caller holding enough succeeds.
//! The attack paths found in review are kept here as tests, one module per
//! area.

mod accounts;
mod credentials;
mod sessions;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use support::{Auth, Backend, TestApp, spawn_app_with};

use crate::customers::{PASSWORD, customer_user, shop, storefront_token};

on_every_database!(every_guarded_operation_refuses_a_weaker_caller);

/// Every mutation of the schema is either guarded by the rule or listed
/// with the reason it reaches no other account: a new operation cannot be
/// forgotten.
#[test]
fn every_mutation_is_classified() {
    let sdl = gatehouse_api::graphql::sdl();
    let start = sdl.find("type Mutation {").expect("a Mutation type");
    let end = start + sdl[start..].find("\n}").expect("end of Mutation");
    let mut in_description = false;
    let mut mutations: BTreeSet<String> = BTreeSet::new();
    for line in sdl[start..end].lines().skip(1) {
        if line.matches("\"\"\"").count() % 2 == 1 {
            in_description = !in_description;
            continue;
        }
        if in_description {
            continue;
        }
        // A field: one tab, its name, then its arguments or its type.
        let Some(field) = line.strip_prefix('\t') else {
            continue;
        };
        let name: String = field
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !name.is_empty() && field[name.len()..].starts_with(['(', ':']) {
            mutations.insert(name);
        }
    }
    let guarded: BTreeSet<String> = domain::authority::GUARDED
        .iter()
        .map(|g| g.operation.to_owned())
        .collect();
    let unguarded: BTreeSet<String> = domain::authority::UNGUARDED
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let unclassified: Vec<&String> = mutations
        .iter()
        .filter(|m| !guarded.contains(*m) && !unguarded.contains(*m))
        .collect();
    assert!(
        unclassified.is_empty(),
        "add these mutations to domain::authority::GUARDED or UNGUARDED: {unclassified:?}"
    );
    let gone: Vec<&String> = guarded
        .union(&unguarded)
        .filter(|name| !mutations.contains(*name))
        .collect();
    assert!(gone.is_empty(), "listed but not in the schema: {gone:?}");
    assert!(mutations.len() > 60, "found only {mutations:?}");
}

const DEPUTY_PERMISSIONS: &[&str] = &[
    "USERS_VIEW",
    "USERS_CREATE",
    "USERS_UPDATE",
    "USERS_DELETE",
    "USERS_MANAGE_PASSWORDS",
    "USERS_MANAGE_API_KEYS",
    "ROLES_VIEW",
    "ROLES_MANAGE",
    "JOBS_VIEW",
    "JOBS_MANAGE",
    "OAUTH_APPLICATIONS_VIEW",
    "OAUTH_APPLICATIONS_MANAGE",
    "CUSTOMERS_VIEW",
    "CUSTOMER_USERS_VIEW",
    "CUSTOMER_USERS_CREATE",
    "CUSTOMER_USERS_UPDATE",
    "CUSTOMER_USERS_DELETE",
    "CUSTOMER_USERS_MANAGE_PASSWORDS",
    "CUSTOMER_USERS_IMPORT",
    "CUSTOMER_ROLES_VIEW",
    "WEBSITES_VIEW",
];

/// The callers of the matrix.
struct Callers {
    admin: Auth,
    /// Holds every permission the operations below need, but less than the
    /// administrator and `chief`.
    deputy: Auth,
    /// A storefront account manager holding every storefront permission.
    manager: Auth,
    /// A storefront account manager holding `USERS_MANAGE` only.
    limited: Auth,
}

/// Who makes a call.
#[derive(Clone, Copy)]
enum Who {
    Admin,
    Deputy,
    Manager,
    Limited,
}

impl Callers {
    fn get(&self, who: Who) -> &Auth {
        match who {
            Who::Admin => &self.admin,
            Who::Deputy => &self.deputy,
            Who::Manager => &self.manager,
            Who::Limited => &self.limited,
        }
    }
}

/// One guarded operation: the weaker caller is refused with `code`, the
/// stronger one succeeds with the same call.
struct Case {
    operation: &'static str,
    query: String,
    variables: Value,
    weaker: Who,
    code: &'static str,
    stronger: Who,
}

fn case(
    operation: &'static str,
    query: &str,
    variables: Value,
    weaker: Who,
    code: &'static str,
    stronger: Who,
) -> Case {
    Case {
        operation,
        query: query.to_owned(),
        variables,
        weaker,
        code,
        stronger,
    }
}

async fn every_guarded_operation_refuses_a_weaker_caller(backend: Backend) {
    // No worker: the jobs the operations start wait, and this test runs
    // them itself when it wants their outcome.
    let app = spawn_app_with(backend, |s| s.jobs.in_process_worker = false).await;
    let admin = app.admin().await;
    let administrator = app.role_id(&admin, "Administrator").await;
    let deputy_role = app.create_role(&admin, "Deputy", DEPUTY_PERMISSIONS).await;
    let auditor = app.create_role(&admin, "Auditor", &["AUDIT_VIEW"]).await;
    let chief = app
        .create_user(
            &admin,
            "chief",
            PASSWORD,
            &[administrator.clone(), auditor.clone()],
        )
        .await;
    app.create_user(&admin, "deputy", PASSWORD, &[deputy_role])
        .await;
    let deputy = Auth::Bearer(app.login("deputy", PASSWORD).await);
    let chief_app = app
        .create_oauth_application(&admin, json!({ "name": "Chief's", "userId": chief }))
        .await;
    let export = app
        .gql(&admin, "mutation { exportUsers { id } }", json!({}))
        .await
        .id("exportUsers");
    app.gql(
        &admin,
        "mutation($id: ID!) { cancelJob(id: $id) { status } }",
        json!({ "id": export }),
    )
    .await
    .data();

    let shop = shop(&app, &admin).await;
    let limited_role = app
        .gql(
            &admin,
            "mutation { createCustomerRole(input: { name: \"Manages\", permissions: [USERS_MANAGE] }) { id } }",
            json!({}),
        )
        .await
        .id("createCustomerRole");
    let buyer = customer_user(
        &app,
        &admin,
        &shop.customer,
        "buyer@acme.example",
        &shop.buyer,
    )
    .await;
    let peer = customer_user(
        &app,
        &admin,
        &shop.customer,
        "peer@acme.example",
        &shop.manager,
    )
    .await;
    customer_user(
        &app,
        &admin,
        &shop.customer,
        "manager@acme.example",
        &shop.manager,
    )
    .await;
    customer_user(
        &app,
        &admin,
        &shop.customer,
        "limited@acme.example",
        &limited_role,
    )
    .await;
    let callers = Callers {
        manager: storefront_token(&app, &shop.website, "manager@acme.example").await,
        limited: storefront_token(&app, &shop.website, "limited@acme.example").await,
        admin,
        deputy,
    };
    let chief_id = json!({ "id": chief });
    let cu = json!({ "id": buyer });
    use Who::*;
    let cases = vec![
        case(
            "createUser",
            "mutation($r: ID!, $n: String!, $e: String!) { createUser(input: { username: $n, password: \"Str0ng-Password\",
                passwordConfirmation: \"Str0ng-Password\", firstName: \"N\", email: $e, roleIds: [$r] }) { id } }",
            json!({ "r": administrator, "n": "second", "e": "second@example.com" }),
            Deputy,
            "BAD_USER_INPUT",
            Admin,
        ),
        case(
            "updateUser",
            "mutation($id: ID!) { updateUser(id: $id, input: { email: \"taken@example.com\" }) { id } }",
            chief_id.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "changeUserPassword",
            "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"Taken-0ver!\") { id } }",
            chief_id.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "generateApiKey",
            "mutation($id: ID!) { generateApiKey(userId: $id) { key } }",
            chief_id.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "revokeApiKey",
            "mutation($id: ID!) { revokeApiKey(userId: $id) }",
            chief_id.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "createOAuthApplication",
            "mutation($id: ID!) { createOAuthApplication(input: { name: \"Mine\", userId: $id }) { clientSecret } }",
            chief_id.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "updateOAuthApplication",
            "mutation($id: ID!) { updateOAuthApplication(id: $id, input: { scopes: [\"users.view\"] }) { id } }",
            json!({ "id": chief_app.id }),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "rotateOAuthApplicationSecret",
            "mutation($id: ID!) { rotateOAuthApplicationSecret(id: $id) { clientSecret } }",
            json!({ "id": chief_app.id }),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "updateRole",
            "mutation($id: ID!) { updateRole(id: $id, input: { permissions: [USERS_VIEW] }) { id } }",
            json!({ "id": auditor }),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "retryJob",
            "mutation($id: ID!) { retryJob(id: $id) { id } }",
            json!({ "id": export }),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "impersonateCustomerUser",
            "mutation($id: ID!) { impersonateCustomerUser(id: $id) { token } }",
            cu.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "createAccountUser",
            "mutation($c: ID!, $r: ID!) { createAccountUser(input: { customerId: $c, firstName: \"A\", lastName: \"B\",
                email: \"hire@acme.example\", generatePassword: true, roleIds: [$r] }) { id } }",
            json!({ "c": shop.customer, "r": shop.manager }),
            Limited,
            "BAD_USER_INPUT",
            Manager,
        ),
        case(
            "updateAccountUser",
            "mutation($id: ID!) { updateAccountUser(id: $id, input: { email: \"mine@acme.example\" }) { id } }",
            json!({ "id": peer }),
            Limited,
            "FORBIDDEN",
            Manager,
        ),
        case(
            "disableAccountUser",
            "mutation($id: ID!) { disableAccountUser(id: $id) { id } }",
            json!({ "id": peer }),
            Limited,
            "FORBIDDEN",
            Manager,
        ),
        case(
            "enableAccountUser",
            "mutation($id: ID!) { enableAccountUser(id: $id) { id } }",
            json!({ "id": peer }),
            Limited,
            "FORBIDDEN",
            Manager,
        ),
        case(
            "resetUserPassword",
            "mutation($id: ID!) { resetUserPassword(id: $id) { id } }",
            chief_id.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "activateUser",
            "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"Back-t0-work\") { id } activateUser(id: $id) { id } }",
            chief_id.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "disableUser",
            "mutation($id: ID!) { disableUser(id: $id) { id } }",
            chief_id.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "enableUser",
            "mutation($id: ID!) { enableUser(id: $id) { id } }",
            chief_id.clone(),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
        case(
            "deleteOAuthApplication",
            "mutation($id: ID!) { deleteOAuthApplication(id: $id) }",
            json!({ "id": chief_app.id }),
            Deputy,
            "FORBIDDEN",
            Admin,
        ),
    ];
    // Last, once chief owns nothing any more.
    let last = vec![case(
        "deleteUser",
        "mutation($id: ID!) { deleteUser(id: $id) }",
        chief_id.clone(),
        Deputy,
        "FORBIDDEN",
        Admin,
    )];
    for (index, case) in cases.iter().chain(&last).enumerate() {
        if index == cases.len() {
            let owned = app
                .gql(
                    &callers.admin,
                    "query($u: ID!) { oauthApplications(filter: { userId: $u }) { edges { node { id } } } }",
                    json!({ "u": chief }),
                )
                .await;
            for edge in owned.data()["oauthApplications"]["edges"]
                .as_array()
                .expect("applications")
            {
                app.gql(
                    &callers.admin,
                    "mutation($id: ID!) { deleteOAuthApplication(id: $id) }",
                    json!({ "id": edge["node"]["id"] }),
                )
                .await
                .data();
            }
        }
        let weaker = app
            .gql(
                callers.get(case.weaker),
                &case.query,
                case.variables.clone(),
            )
            .await;
        assert_eq!(
            weaker.code(),
            case.code,
            "{} by the weaker caller: {}",
            case.operation,
            weaker.body
        );
        let stronger = app
            .gql(
                callers.get(case.stronger),
                &case.query,
                case.variables.clone(),
            )
            .await;
        assert!(
            stronger.body.get("errors").is_none(),
            "{} by the stronger caller: {}",
            case.operation,
            stronger.body
        );
    }

    // Operations on customer users from the back office need the
    // operation's permission (and acting as one, the impersonation
    // permission): the deputy manages them, the weaker storefront manager
    // does not manage a customer user holding more.
    let managed = [
        (
            "updateCustomerUser",
            "mutation($id: ID!) { updateCustomerUser(id: $id, input: { firstName: \"Edited\" }) { id } }",
        ),
        (
            "disableCustomerUser",
            "mutation($id: ID!) { disableCustomerUser(id: $id) { id } }",
        ),
        (
            "enableCustomerUser",
            "mutation($id: ID!) { enableCustomerUser(id: $id) { id } }",
        ),
        (
            "unlockCustomerUser",
            "mutation($id: ID!) { unlockCustomerUser(id: $id) { id } }",
        ),
        (
            "confirmCustomerUser",
            "mutation($id: ID!) { confirmCustomerUser(id: $id) { id } }",
        ),
        (
            "resetCustomerUserPassword",
            "mutation($id: ID!) { resetCustomerUserPassword(id: $id) { id } }",
        ),
        (
            "deleteCustomerUser",
            "mutation($id: ID!) { deleteCustomerUser(id: $id) }",
        ),
    ];
    let nobody_role = app
        .create_role(&callers.admin, "Viewer", &["CUSTOMER_USERS_VIEW"])
        .await;
    app.create_user(&callers.admin, "viewer", PASSWORD, &[nobody_role])
        .await;
    let viewer = Auth::Bearer(app.login("viewer", PASSWORD).await);
    for (operation, query) in managed {
        let refused = app.gql(&viewer, query, cu.clone()).await;
        assert_eq!(
            refused.code(),
            "FORBIDDEN",
            "{operation} without its permission"
        );
        let done = app.gql(&callers.deputy, query, cu.clone()).await;
        assert!(
            done.body.get("errors").is_none(),
            "{operation} by a holder of its permission: {}",
            done.body
        );
    }
    let created = app
        .gql(
            &callers.deputy,
            "mutation($c: ID!, $r: ID!) { createCustomerUser(input: { customerId: $c, firstName: \"A\", lastName: \"B\",
                email: \"made@acme.example\", generatePassword: true, roleIds: [$r] }) { id } }",
            json!({ "c": shop.customer, "r": shop.manager }),
        )
        .await;
    created.data();
    let refused = app
        .gql(
            &viewer,
            "mutation($c: ID!, $r: ID!) { createCustomerUser(input: { customerId: $c, firstName: \"A\", lastName: \"B\",
                email: \"made2@acme.example\", generatePassword: true, roleIds: [$r] }) { id } }",
            json!({ "c": shop.customer, "r": shop.manager }),
        )
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");

    // The jobs: each item is checked when the job runs.
    let mass = "mutation($ids: [ID!]!) { massUpdateCustomerUsers(selection: { ids: $ids }, action: DISABLE) { id } }";
    let refused = app.gql(&viewer, mass, json!({ "ids": [peer] })).await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let job = app
        .gql(&callers.deputy, mass, json!({ "ids": [peer] }))
        .await
        .id("massUpdateCustomerUsers");
    run_job(&app, &job).await;
    let job = app.wait_job(&callers.deputy, &job, WAIT).await;
    assert_eq!(job["succeeded"], 1, "{job}");

    let covered: BTreeSet<&str> = cases
        .iter()
        .chain(&last)
        .map(|c| c.operation)
        .chain(managed.iter().map(|(name, _)| *name))
        .chain([
            "createCustomerUser",
            "massUpdateCustomerUsers",
            // Covered by their own tests below and in customers.rs: the
            // mass actions' items, and imports through updateCustomerUser.
            "massUpdateUsers",
            "importCustomerUsers",
        ])
        .collect();
    let missing: Vec<&str> = domain::authority::GUARDED
        .iter()
        .map(|g| g.operation)
        .filter(|op| !covered.contains(op))
        .collect();
    assert!(
        missing.is_empty(),
        "guarded operations without a case: {missing:?}"
    );
}

pub(super) const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs a queued job in this process, as a worker would.
pub(super) async fn run_job(app: &TestApp, id: &str) {
    let id: i64 = id.parse().expect("a job id");
    domain::jobs::runner::run(&app.app, id)
        .await
        .expect("the job runs");
}
