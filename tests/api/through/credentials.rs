//! Credentials of stronger accounts: OAuth applications of back-office
//! users and of customer users, and what the audit log says of requests
//! made with their tokens.

use serde_json::{Value, json};
use support::{Auth, Backend, OAuthClient, spawn_app};

use crate::customers::{PASSWORD, customer_user, shop};

on_every_database!(
    nobody_mints_a_token_through_a_stronger_users_application,
    customer_user_applications_need_the_impersonation_permission,
    audit_entries_name_the_oauth_client_and_the_changes,
);

async fn nobody_mints_a_token_through_a_stronger_users_application(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (_, appman) = app
        .staff(
            &admin,
            "appman",
            &[
                "OAUTH_APPLICATIONS_MANAGE",
                "OAUTH_APPLICATIONS_VIEW",
                "USERS_VIEW",
            ],
        )
        .await;
    let (admin_id, _) = app.me_ids(&admin).await;
    let admins: OAuthClient = app
        .create_oauth_application(&admin, json!({ "name": "Admin's", "userId": admin_id }))
        .await;

    let rotate = "mutation($id: ID!) { rotateOAuthApplicationSecret(id: $id) { clientSecret } }";
    let refused = app.gql(&appman, rotate, json!({ "id": admins.id })).await;
    assert_eq!(refused.code(), "FORBIDDEN", "{}", refused.body);
    let message = refused.error()["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("users.delete") && message.contains("roles.manage"),
        "the refusal names what the owner holds beyond the caller: {message}"
    );
    for (mutation, variables) in [
        (
            "mutation($id: ID!) { updateOAuthApplication(id: $id, input: { scopes: [\"users.view\"] }) { id } }",
            json!({ "id": admins.id }),
        ),
        (
            "mutation($id: ID!) { updateOAuthApplication(id: $id, input: { active: false }) { id } }",
            json!({ "id": admins.id }),
        ),
        (
            "mutation($id: ID!) { updateOAuthApplication(id: $id, input: { name: \"Mine now\" }) { id } }",
            json!({ "id": admins.id }),
        ),
        (
            "mutation($id: ID!) { deleteOAuthApplication(id: $id) }",
            json!({ "id": admins.id }),
        ),
        (
            "mutation($u: ID!) { createOAuthApplication(input: { name: \"Backdoor\", userId: $u }) { clientSecret } }",
            json!({ "u": admin_id }),
        ),
    ] {
        let refused = app.gql(&appman, mutation, variables).await;
        assert_eq!(refused.code(), "FORBIDDEN", "{mutation}: {}", refused.body);
    }
    // Listing stays open: it is an administrative need.
    let listed = app
        .gql(
            &appman,
            "{ oauthApplications { edges { node { id name active scopes } } } }",
            json!({}),
        )
        .await;
    let node = &listed.data()["oauthApplications"]["edges"][0]["node"];
    assert_eq!(node["name"], "Admin's");
    assert_eq!(node["active"], true);
    // Nothing changed: the old secret still mints a token with every
    // permission, and only the administrator's own.
    let token = Auth::Bearer(app.oauth_token(&admins).await);
    let permissions = app.gql(&token, "{ me { permissions } }", json!({})).await;
    assert!(
        permissions.data()["me"]["permissions"]
            .as_array()
            .is_some_and(|p| p.len() > 30),
        "{}",
        permissions.body
    );

    // The administrator may: the rotated secret works, the old one not.
    let rotated = app.gql(&admin, rotate, json!({ "id": admins.id })).await;
    let secret = rotated.data()["rotateOAuthApplicationSecret"]["clientSecret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_eq!(app.try_oauth_token(&admins).await.status, 401);
    let renewed = OAuthClient {
        secret,
        ..admins.clone()
    };
    app.oauth_token(&renewed).await;

    // appman manages the applications of users holding no more than it.
    let clerk_role = app.create_role(&admin, "Clerk", &["USERS_VIEW"]).await;
    let clerk = app
        .create_user(&admin, "clerk", PASSWORD, &[clerk_role])
        .await;
    let clerks = app
        .create_oauth_application(&appman, json!({ "name": "Clerk's", "userId": clerk }))
        .await;
    app.gql(&appman, rotate, json!({ "id": clerks.id }))
        .await
        .data();
}

async fn customer_user_applications_need_the_impersonation_permission(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let buyer = customer_user(
        &app,
        &admin,
        &shop.customer,
        "buyer@acme.example",
        &shop.manager,
    )
    .await;
    const APPS: [&str; 3] = [
        "OAUTH_APPLICATIONS_MANAGE",
        "OAUTH_APPLICATIONS_VIEW",
        "CUSTOMER_USERS_VIEW",
    ];
    let (_, plain) = app.staff(&admin, "plain", &APPS).await;
    let mut more = APPS.to_vec();
    more.push("CUSTOMER_USERS_IMPERSONATE");
    let (_, trusted) = app.staff(&admin, "trusted", &more).await;
    let input = json!({ "name": "Storefront app", "customerUserId": buyer });
    let refused = app
        .try_create_oauth_application(&plain, input.clone())
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");
    assert!(
        refused.error()["message"]
            .as_str()
            .is_some_and(|m| m.contains("customer_users.impersonate")),
        "{}",
        refused.body
    );
    let client = app.create_oauth_application(&trusted, input).await;
    let rotate = "mutation($id: ID!) { rotateOAuthApplicationSecret(id: $id) { clientSecret } }";
    let refused = app.gql(&plain, rotate, json!({ "id": client.id })).await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let refused = app
        .gql(
            &plain,
            "mutation($id: ID!) { updateOAuthApplication(id: $id, input: { active: false }) { id } }",
            json!({ "id": client.id }),
        )
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let rotated = app.gql(&trusted, rotate, json!({ "id": client.id })).await;
    let client = OAuthClient {
        secret: rotated.data()["rotateOAuthApplicationSecret"]["clientSecret"]
            .as_str()
            .expect("secret")
            .to_owned(),
        ..client
    };
    // What the frontend token does is audited as the application's.
    let token = Auth::Bearer(app.oauth_token(&client).await);
    let updated = app
        .gql(
            &token,
            "mutation($id: ID!) { updateAccountUser(id: $id, input: { firstName: \"Via app\" }) { id } }",
            json!({ "id": buyer }),
        )
        .await;
    updated.data();
    let entries = app
        .gql(
            &admin,
            "{ auditLog(filter: { action: \"customer_user.update\" }) { edges { node { actorCustomerUserId actorClientId } } } }",
            json!({}),
        )
        .await;
    let edges = entries.data()["auditLog"]["edges"].clone();
    assert!(
        edges
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["node"]["actorClientId"] == client.client_id.as_str()
                && e["node"]["actorCustomerUserId"] == buyer.as_str()),
        "{edges}"
    );
}

async fn audit_entries_name_the_oauth_client_and_the_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (admin_id, _) = app.me_ids(&admin).await;
    let client = app
        .create_oauth_application(&admin, json!({ "name": "Integration", "userId": admin_id }))
        .await;
    let token = Auth::Bearer(app.oauth_token(&client).await);
    let clerk_role = app.create_role(&admin, "Clerk", &["USERS_VIEW"]).await;
    let clerk = app
        .create_user(&token, "clerk", PASSWORD, &[clerk_role])
        .await;
    app.gql(
        &token,
        "mutation($id: ID!) { updateUser(id: $id, input: { firstName: \"Clara\", phone: \"+1 555\" }) { id } }",
        json!({ "id": clerk }),
    )
    .await
    .data();
    let entries = app
        .gql(
            &admin,
            "query($id: String!) { auditLog(filter: { targetType: \"user\", targetId: $id }) { edges { node { action actorId actorClientId details } } } }",
            json!({ "id": clerk }),
        )
        .await;
    let edges = entries.data()["auditLog"]["edges"]
        .as_array()
        .expect("entries")
        .clone();
    let update = edges
        .iter()
        .find(|e| e["node"]["action"] == "user.update")
        .expect("an update entry");
    assert_eq!(update["node"]["actorClientId"], client.client_id.as_str());
    assert_eq!(update["node"]["actorId"], admin_id.as_str());
    let changes = &update["node"]["details"]["changes"];
    assert_eq!(
        changes["firstName"],
        json!({ "from": "clerk", "to": "Clara" })
    );
    assert_eq!(changes["phone"], json!({ "from": null, "to": "+1 555" }));
    assert!(changes.get("username").is_none(), "{changes}");
    let create = edges
        .iter()
        .find(|e| e["node"]["action"] == "user.create")
        .expect("a create entry");
    assert_eq!(create["node"]["actorClientId"], client.client_id.as_str());
    // A session's entries name no client.
    app.gql(
        &admin,
        "mutation($id: ID!) { updateUser(id: $id, input: { lastName: \"Kent\" }) { id } }",
        json!({ "id": clerk }),
    )
    .await
    .data();
    let entries = app
        .gql(
            &admin,
            "query($id: String!) { auditLog(filter: { action: \"user.update\", targetId: $id }) { edges { node { actorClientId details } } } }",
            json!({ "id": clerk }),
        )
        .await;
    let by_session = entries.data()["auditLog"]["edges"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["node"]["details"]["changes"]["lastName"].is_object())
        .cloned()
        .expect("the session's update");
    assert_eq!(by_session["node"]["actorClientId"], Value::Null);
}
