//! Borrowed authority: impersonation sessions, the job board's Basic
//! credentials, and each organization's email templates.

use serde_json::{Value, json};
use support::{ADMIN_PASSWORD, Auth, Backend, TestApp, spawn_app};

use crate::customers::{PASSWORD, customer_user, shop};

on_every_database!(
    impersonation_ends_with_the_impersonators_standing,
    email_templates_belong_to_an_organization,
    job_board_checks_basic_credentials_per_server,
);

async fn impersonation_ends_with_the_impersonators_standing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let buyer = customer_user(
        &app,
        &admin,
        &shop.customer,
        "buyer@acme.example",
        &shop.buyer,
    )
    .await;
    let agent_role = app
        .create_role(
            &admin,
            "Agent",
            &["CUSTOMER_USERS_VIEW", "CUSTOMER_USERS_IMPERSONATE"],
        )
        .await;
    let agent_id = app
        .create_user(&admin, "agent", PASSWORD, std::slice::from_ref(&agent_role))
        .await;
    let plain_role = app
        .create_role(&admin, "Plain", &["CUSTOMER_USERS_VIEW"])
        .await;
    let impersonate = "mutation($id: ID!) { impersonateCustomerUser(id: $id) { token expiresAt } }";
    let session = "{ customerSession { impersonated } }";
    let open = |auth: Auth| {
        let app = &app;
        let buyer = buyer.clone();
        async move {
            let answer = app.gql(&auth, impersonate, json!({ "id": buyer })).await;
            let token = answer.data()["impersonateCustomerUser"]["token"]
                .as_str()
                .expect("token")
                .to_owned();
            let expires = answer.data()["impersonateCustomerUser"]["expiresAt"].clone();
            (Auth::Bearer(token), expires)
        }
    };
    let agent = Auth::Bearer(app.login("agent", PASSWORD).await);
    let (token, expires_at) = open(agent.clone()).await;
    // An hour, not a storefront session's twelve.
    let expires =
        chrono::DateTime::parse_from_rfc3339(expires_at.as_str().expect("time")).expect("a time");
    let left = expires.signed_duration_since(chrono::Utc::now());
    assert!(
        left <= chrono::Duration::minutes(61) && left >= chrono::Duration::minutes(59),
        "{left}"
    );
    app.gql(&token, session, json!({})).await.data();

    // The impersonator loses the permission: the session ends at once.
    let roles =
        "mutation($id: ID!, $r: [ID!]!) { updateUser(id: $id, input: { roleIds: $r }) { id } }";
    app.gql(&admin, roles, json!({ "id": agent_id, "r": [plain_role] }))
        .await
        .data();
    assert_eq!(
        app.gql(&token, session, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
    app.gql(&admin, roles, json!({ "id": agent_id, "r": [agent_role] }))
        .await
        .data();

    // The impersonator is locked by failed logins: it ends at once.
    let agent = Auth::Bearer(app.login("agent", PASSWORD).await);
    let (token, _) = open(agent.clone()).await;
    app.gql(&token, session, json!({})).await.data();
    for _ in 0..10 {
        app.try_login("agent", "Wrong-passw0rd", None).await;
    }
    assert_eq!(
        app.gql(&token, session, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
    app.gql(
        &admin,
        "mutation($id: ID!) { activateUser(id: $id) { id } }",
        json!({ "id": agent_id }),
    )
    .await
    .data();

    // The impersonator is disabled: it ends at once.
    let agent = Auth::Bearer(app.login("agent", PASSWORD).await);
    let (token, _) = open(agent.clone()).await;
    app.gql(
        &admin,
        "mutation($id: ID!) { disableUser(id: $id) { id } }",
        json!({ "id": agent_id }),
    )
    .await
    .data();
    assert_eq!(
        app.gql(&token, session, json!({})).await.code(),
        "UNAUTHENTICATED"
    );

    // The organization switches impersonation off: sessions end, new ones
    // are refused saying so; switched on again, the administrator may.
    let (token, _) = open(admin.clone()).await;
    let (_, organization) = app.me_ids(&admin).await;
    let switch = "mutation($id: ID!, $on: Boolean!) { updateOrganization(id: $id, input: { impersonationEnabled: $on }) { impersonationEnabled } }";
    let off = app
        .gql(&admin, switch, json!({ "id": organization, "on": false }))
        .await;
    assert_eq!(
        off.data()["updateOrganization"]["impersonationEnabled"],
        false
    );
    assert_eq!(
        app.gql(&token, session, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
    let refused = app.gql(&admin, impersonate, json!({ "id": buyer })).await;
    assert_eq!(refused.code(), "FORBIDDEN");
    assert!(
        refused.error()["message"]
            .as_str()
            .is_some_and(|m| m.contains("switched off")),
        "{}",
        refused.body
    );
    app.gql(&admin, switch, json!({ "id": organization, "on": true }))
        .await
        .data();
    let (token, _) = open(admin.clone()).await;
    app.gql(&token, session, json!({})).await.data();
}

async fn email_templates_belong_to_an_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let other = app.create_organization(&admin, "Other").await;
    let (_, editor) = app
        .staff(
            &admin,
            "editor",
            &[
                "EMAIL_TEMPLATES_VIEW",
                "EMAIL_TEMPLATES_MANAGE",
                "USERS_VIEW",
                "USERS_CREATE",
                "USERS_MANAGE_PASSWORDS",
                "ROLES_VIEW",
            ],
        )
        .await;
    let update =
        "mutation($s: String!, $system: Boolean!) { updateEmailTemplate(name: \"password_changed\",
        input: { subject: $s }, systemDefault: $system) { subject overridden organizationId } }";
    // The editor changes its organization's copy, not the default.
    let saved = app
        .gql(
            &editor,
            update,
            json!({ "s": "{{ organization }}: your password changed", "system": false }),
        )
        .await;
    assert_eq!(saved.data()["updateEmailTemplate"]["overridden"], true);
    let refused = app
        .gql(
            &editor,
            update,
            json!({ "s": "Hacked for everyone", "system": true }),
        )
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");

    // Another organization still sends the default.
    let admin_in_other = app.login_in("admin", ADMIN_PASSWORD, &other).await;
    let list = "{ emailTemplates { name subject overridden } }";
    let seen = app.gql(&admin_in_other, list, json!({})).await;
    let template = seen.data()["emailTemplates"]
        .as_array()
        .expect("templates")
        .iter()
        .find(|t| t["name"] == "password_changed")
        .cloned()
        .expect("password_changed");
    assert_eq!(template["overridden"], false);
    assert_eq!(template["subject"], "Your password was changed");

    // Emails of each organization use its own template, with its name.
    let clerk_here = app.create_role(&admin, "Clerk", &["USERS_VIEW"]).await;
    let here = app
        .create_user(&admin, "here", PASSWORD, &[clerk_here])
        .await;
    let clerk_there = app
        .create_role(&admin_in_other, "Clerk", &["USERS_VIEW"])
        .await;
    let there = app
        .create_user(&admin_in_other, "there", PASSWORD, &[clerk_there])
        .await;
    let change = "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"An0ther-Password\") { id } }";
    app.gql(&editor, change, json!({ "id": here })).await.data();
    app.gql(&admin_in_other, change, json!({ "id": there }))
        .await
        .data();
    let wait = std::time::Duration::from_secs(30);
    let mail = app.smtp.wait_to("here@example.com", wait).await;
    assert_eq!(mail[0].subject(), "Default: your password changed");
    let mail = app.smtp.wait_to("there@example.com", wait).await;
    assert_eq!(mail[0].subject(), "Your password was changed");

    // The system default changes with the system permission; the
    // organization's copy is kept until reset.
    let system = app
        .gql(
            &admin,
            update,
            json!({ "s": "Password changed at {{ organization }}", "system": true }),
        )
        .await;
    assert_eq!(
        system.data()["updateEmailTemplate"]["organizationId"],
        Value::Null
    );
    let seen = app.gql(&admin_in_other, list, json!({})).await;
    assert!(
        seen.body
            .to_string()
            .contains("Password changed at {{ organization }}")
    );
    let reset = app
        .gql(
            &editor,
            "mutation { resetEmailTemplate(name: \"password_changed\") { subject overridden } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reset.data()["resetEmailTemplate"],
        json!({ "subject": "Password changed at {{ organization }}", "overridden": false })
    );
}

/// The job board remembers Basic credentials per server, and checks them
/// again in full when what it remembered no longer matches.
async fn job_board_checks_basic_credentials_per_server(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_app(backend).await;
    let board = |app: &TestApp, password: &str| {
        app.client()
            .get(app.url("/ops/api/v1/overview"))
            .basic_auth("admin", Some(password))
            .send()
    };
    // The same header reaches two servers with different databases.
    assert_eq!(
        board(&first, ADMIN_PASSWORD).await.expect("board").status(),
        200
    );
    assert_eq!(
        board(&second, ADMIN_PASSWORD)
            .await
            .expect("board")
            .status(),
        200
    );
    assert_eq!(
        board(&first, ADMIN_PASSWORD).await.expect("board").status(),
        200
    );

    // The password changes and changes back: the same header is right
    // again, though the stored hash is new.
    let admin = first.admin().await;
    let (id, _) = first.me_ids(&admin).await;
    let change =
        "mutation($id: ID!, $p: String!) { changeUserPassword(id: $id, newPassword: $p) { id } }";
    first
        .gql(&admin, change, json!({ "id": id, "p": "Interim-Passw0rd" }))
        .await
        .data();
    assert_eq!(
        board(&first, ADMIN_PASSWORD).await.expect("board").status(),
        401
    );
    assert_eq!(
        board(&first, "Interim-Passw0rd")
            .await
            .expect("board")
            .status(),
        200
    );
    let admin = Auth::Bearer(first.login("admin", "Interim-Passw0rd").await);
    first
        .gql(&admin, change, json!({ "id": id, "p": ADMIN_PASSWORD }))
        .await
        .data();
    assert_eq!(
        board(&first, ADMIN_PASSWORD).await.expect("board").status(),
        200
    );
    assert_eq!(
        board(&first, "Interim-Passw0rd")
            .await
            .expect("board")
            .status(),
        401
    );
}
