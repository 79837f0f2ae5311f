//! Accounts as a whole: mass actions, other organizations, imports.

use serde_json::json;
use support::{ADMIN_PASSWORD, Auth, Backend, TestApp, spawn_app};

use super::WAIT;
use crate::customers::{PASSWORD, customer_user, shop, upload};

on_every_database!(
    mass_actions_skip_stronger_users_with_the_reason,
    other_organizations_count,
    imports_change_existing_accounts_only_with_the_update_permission,
);

async fn mass_actions_skip_stronger_users_with_the_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let administrator = app.role_id(&admin, "Administrator").await;
    let (_, helper) = app
        .staff(
            &admin,
            "helper",
            &["USERS_VIEW", "USERS_UPDATE", "USERS_MANAGE_PASSWORDS"],
        )
        .await;
    let clerk_role = app.create_role(&admin, "Clerk", &["USERS_VIEW"]).await;
    let chief = app
        .create_user(&admin, "chief", PASSWORD, &[administrator])
        .await;
    let clerk = app
        .create_user(&admin, "clerk", PASSWORD, &[clerk_role])
        .await;
    let mass = "mutation($ids: [ID!]!) { massUpdateUsers(selection: { ids: $ids }, action: DISABLE) { id } }";
    let job = app
        .gql(&helper, mass, json!({ "ids": [chief, clerk] }))
        .await
        .id("massUpdateUsers");
    let job = app.wait_job(&helper, &job, WAIT).await;
    let items = job["items"]["edges"].as_array().expect("items").clone();
    let outcome = |id: &str| {
        items
            .iter()
            .find(|e| e["node"]["itemId"] == id)
            .map(|e| e["node"].clone())
            .unwrap_or_else(|| panic!("no item {id}: {job}"))
    };
    assert_eq!(outcome(&chief)["outcome"], "SKIPPED");
    assert!(
        outcome(&chief)["reason"]
            .as_str()
            .is_some_and(|r| r.contains("users.delete")),
        "{}",
        outcome(&chief)
    );
    assert_eq!(outcome(&clerk)["outcome"], "DONE");
    // The administrator's job disables both.
    let job = app
        .gql(&admin, mass, json!({ "ids": [chief, clerk] }))
        .await
        .id("massUpdateUsers");
    let job = app.wait_job(&admin, &job, WAIT).await;
    assert_eq!(job["succeeded"], 2, "{job}");
    assert_eq!(
        app.try_login("chief", PASSWORD, None).await.code(),
        "ACCOUNT_DISABLED"
    );
}

/// Creates a user in `organizations` holding `roles`; its id.
async fn member_of(
    app: &TestApp,
    admin: &Auth,
    username: &str,
    organizations: &[&str],
    roles: &[&str],
) -> String {
    let input = json!({ "username": username, "password": PASSWORD, "passwordConfirmation": PASSWORD,
        "firstName": username, "email": format!("{username}@example.com"),
        "organizationIds": organizations, "roleIds": roles });
    app.try_create_user(admin, input).await.id("createUser")
}

/// What an account holds in its other organizations counts too, and roles
/// are granted only by someone holding them where they apply.
async fn other_organizations_count(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let other = app.create_organization(&admin, "Other").await;
    let (_, home) = app.me_ids(&admin).await;
    let clerk_role = app.create_role(&admin, "Clerk", &["USERS_VIEW"]).await;
    let helpdesk = app
        .create_role(
            &admin,
            "Helpdesk",
            &[
                "USERS_VIEW",
                "USERS_UPDATE",
                "USERS_MANAGE_PASSWORDS",
                "ROLES_VIEW",
            ],
        )
        .await;
    let admin_in_other = app.login_in("admin", ADMIN_PASSWORD, &other).await;
    let boss = app
        .create_role(
            &admin_in_other,
            "Boss",
            &["USERS_VIEW", "USERS_DELETE", "ROLES_MANAGE"],
        )
        .await;
    let none_in_other = app.create_role(&admin_in_other, "Nothing", &[]).await;
    // multi: a clerk here, a boss in Other.
    let both = [home.as_str(), other.as_str()];
    let multi = member_of(&app, &admin, "multi", &both, &[&clerk_role, &boss]).await;
    // helper: helpdesk here, a member of Other without permissions there.
    let helper_id = member_of(&app, &admin, "helper", &both, &[&helpdesk, &none_in_other]).await;
    let helper = Auth::Bearer(app.login("helper", PASSWORD).await);

    // Setting multi's password would hand its powers in Other to the helper.
    let change =
        "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"Taken-0ver!\") { id } }";
    let refused = app.gql(&helper, change, json!({ "id": multi })).await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let message = refused.error()["message"].as_str().unwrap_or_default();
    assert!(message.contains("users.delete in Other"), "{message}");
    app.gql(&admin, change, json!({ "id": multi })).await.data();

    // Nor may the helper give itself Other's boss role.
    let widen = "mutation($id: ID!, $roles: [ID!]!) { updateUser(id: $id, input: { roleIds: $roles }) { id } }";
    let roles = json!([helpdesk, none_in_other, boss]);
    let refused = app
        .gql(
            &helper,
            widen,
            json!({ "id": helper_id, "roles": roles.clone() }),
        )
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT", "{}", refused.body);
    assert!(
        refused.body.to_string().contains("in Other"),
        "{}",
        refused.body
    );
    app.gql(&admin, widen, json!({ "id": helper_id, "roles": roles }))
        .await
        .data();
}

async fn imports_change_existing_accounts_only_with_the_update_permission(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    customer_user(
        &app,
        &admin,
        &shop.customer,
        "kept@acme.example",
        &shop.buyer,
    )
    .await;
    let (_, importer) = app
        .staff(
            &admin,
            "importer",
            &[
                "CUSTOMER_USERS_VIEW",
                "CUSTOMER_USERS_CREATE",
                "CUSTOMER_USERS_IMPORT",
            ],
        )
        .await;
    let import = "mutation($file: Upload!) { importCustomerUsers(file: $file) { id } }";
    let customer = &shop.customer;
    let csv = format!(
        "email,first_name,last_name,customer_id,enabled\n\
         kept@acme.example,Renamed,User,{customer},true\n\
         fresh@acme.example,Fresh,Hire,{customer},false\n"
    );
    let run = |auth: Auth, csv: String| {
        let app = &app;
        async move {
            let id = upload(app, &auth, import, &csv)
                .await
                .id("importCustomerUsers");
            app.wait_job(&auth, &id, WAIT).await
        }
    };
    let job = run(importer.clone(), csv.clone()).await;
    assert_eq!(job["succeeded"], 1, "{job}");
    let failed = job["items"]["edges"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["node"]["outcome"] == "FAILED")
        .cloned()
        .unwrap_or_else(|| panic!("the existing account's row fails: {job}"));
    assert!(
        failed["node"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("customer_users.update")),
        "{failed}"
    );
    let first_name = || async {
        let kept = app
            .gql(
                &admin,
                "{ customerUsers(filter: { search: \"kept\" }) { edges { node { firstName } } } }",
                json!({}),
            )
            .await;
        kept.data()["customerUsers"]["edges"][0]["node"]["firstName"].clone()
    };
    assert_eq!(first_name().await, "Cy");
    // The administrator's import updates it.
    let csv = csv.replace("fresh@", "fresher@");
    let job = run(admin.clone(), csv).await;
    assert_eq!(job["succeeded"], 2, "{job}");
    assert_eq!(first_name().await, "Renamed");
}
