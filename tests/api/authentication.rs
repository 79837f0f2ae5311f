//! Login, lockout, sessions, API keys.

use serde_json::json;
use support::{ADMIN_PASSWORD, Auth, Backend, TestApp, spawn_app, spawn_app_with};

on_every_database!(
    login_by_username_or_email_in_any_case,
    wrong_password_and_unknown_user_answer_the_same,
    lockout_after_consecutive_failures_until_activated,
    disabled_and_reset_users_cannot_log_in,
    disabling_locking_or_changing_password_ends_sessions,
    logout_ends_the_session,
    bad_tokens_are_anonymous,
    api_keys_one_per_user_and_organization,
    login_picks_an_organization,
);

const PASSWORD: &str = "Str0ng-Password";

async fn setup_user(app: &TestApp, admin: &Auth, username: &str) -> String {
    let role = app.role_id(admin, "Read-only").await;
    app.create_user(admin, username, PASSWORD, &[role]).await
}

async fn login_by_username_or_email_in_any_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let id = setup_user(&app, &admin, "Ada").await;
    for login in ["ada", "ADA", "Ada@Example.com", " ada "] {
        let response = app.try_login(login, PASSWORD, None).await;
        assert_eq!(
            response.data()["login"]["user"]["id"],
            id.as_str(),
            "{login}"
        );
    }
    let token = app.login("ada", PASSWORD).await;
    assert!(token.starts_with("ghs_"));
    let me = app
        .gql(
            &Auth::Bearer(token),
            "{ me { user { username } viaApiKey } }",
            json!({}),
        )
        .await;
    assert_eq!(me.data()["me"]["user"]["username"], "Ada");
    assert_eq!(me.data()["me"]["viaApiKey"], false);
}

async fn wrong_password_and_unknown_user_answer_the_same(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong = app.try_login("admin", "Wrong-Passw0rd", None).await;
    let unknown = app.try_login("nobody", "Wrong-Passw0rd", None).await;
    assert_eq!(wrong.code(), "UNAUTHENTICATED");
    assert_eq!(
        wrong.body["errors"][0]["message"],
        unknown.body["errors"][0]["message"]
    );
    assert_eq!(
        wrong.body["errors"][0]["extensions"],
        unknown.body["errors"][0]["extensions"]
    );
    assert_eq!(wrong.status, unknown.status);
}

async fn lockout_after_consecutive_failures_until_activated(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.max_failed_logins = 3).await;
    let admin = app.admin().await;
    let id = setup_user(&app, &admin, "bob").await;
    let session = Auth::Bearer(app.login("bob", PASSWORD).await);

    // A success in between resets the count: failures must be consecutive.
    assert_eq!(
        app.try_login("bob", "nope", None).await.code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.try_login("bob", "nope", None).await.code(),
        "UNAUTHENTICATED"
    );
    app.login("bob", PASSWORD).await;
    assert_eq!(
        app.try_login("bob", "nope", None).await.code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.try_login("bob", "nope", None).await.code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.try_login("bob", "nope", None).await.code(),
        "ACCOUNT_LOCKED"
    );
    assert_eq!(
        app.try_login("bob", PASSWORD, None).await.code(),
        "ACCOUNT_LOCKED"
    );
    // Locking ended the session opened before.
    let me = app.gql(&session, "{ me { user { id } } }", json!({})).await;
    assert_eq!(me.data()["me"], serde_json::Value::Null);

    let user = app
        .gql(
            &admin,
            "query($id: ID!) { user(id: $id) { authStatus failedLoginCount canLogIn } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(user.data()["user"]["authStatus"], "LOCKED");
    assert_eq!(user.data()["user"]["failedLoginCount"], 3);
    let locked = app
        .gql(
            &admin,
            "{ users(filter: { view: CANNOT_LOG_IN }) { totalCount edges { node { username } } } }",
            json!({}),
        )
        .await;
    assert_eq!(locked.data()["users"]["totalCount"], 1);

    let activated = app
        .gql(
            &admin,
            "mutation($id: ID!) { activateUser(id: $id) { authStatus failedLoginCount } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(activated.data()["activateUser"]["authStatus"], "ACTIVE");
    assert_eq!(activated.data()["activateUser"]["failedLoginCount"], 0);
    app.login("bob", PASSWORD).await;
}

async fn disabled_and_reset_users_cannot_log_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let id = setup_user(&app, &admin, "carol").await;
    app.gql(
        &admin,
        "mutation($id: ID!) { disableUser(id: $id) { enabled } }",
        json!({ "id": id }),
    )
    .await
    .data();
    assert_eq!(
        app.try_login("carol", PASSWORD, None).await.code(),
        "ACCOUNT_DISABLED"
    );
    // Without the right password nothing about the account is told.
    assert_eq!(
        app.try_login("carol", "nope", None).await.code(),
        "UNAUTHENTICATED"
    );
    app.gql(
        &admin,
        "mutation($id: ID!) { enableUser(id: $id) { enabled } }",
        json!({ "id": id }),
    )
    .await
    .data();
    app.login("carol", PASSWORD).await;

    // The reset flow arrives with the job queue; the status itself is here.
    use domain::entity::user;
    use domain::sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let row = user::Entity::find_by_id(id.parse::<i64>().expect("id"))
        .one(app.app.db())
        .await
        .expect("db")
        .expect("user");
    let mut row: user::ActiveModel = row.into();
    row.auth_status = Set(user::AuthStatus::PasswordReset);
    row.update(app.app.db()).await.expect("update");
    assert_eq!(
        app.try_login("carol", PASSWORD, None).await.code(),
        "PASSWORD_RESET_REQUIRED"
    );
}

async fn disabling_locking_or_changing_password_ends_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let id = setup_user(&app, &admin, "dave").await;
    let me = "{ me { user { username } } }";

    let session = Auth::Bearer(app.login("dave", PASSWORD).await);
    assert_eq!(
        app.gql(&session, me, json!({})).await.data()["me"]["user"]["username"],
        "dave"
    );
    app.gql(
        &admin,
        "mutation($id: ID!) { disableUser(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await
    .data();
    assert_eq!(
        app.gql(&session, me, json!({})).await.data()["me"],
        serde_json::Value::Null
    );
    app.gql(
        &admin,
        "mutation($id: ID!) { enableUser(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await
    .data();
    // Re-enabling does not revive the old session.
    assert_eq!(
        app.gql(&session, me, json!({})).await.data()["me"],
        serde_json::Value::Null
    );

    let session = Auth::Bearer(app.login("dave", PASSWORD).await);
    let changed = app
        .gql(
            &admin,
            "mutation($id: ID!, $p: String!) { changeUserPassword(id: $id, newPassword: $p) { passwordChangedAt } }",
            json!({ "id": id, "p": "N3w-Password!" }),
        )
        .await;
    changed.data();
    assert_eq!(
        app.gql(&session, me, json!({})).await.data()["me"],
        serde_json::Value::Null
    );
    assert_eq!(
        app.try_login("dave", PASSWORD, None).await.code(),
        "UNAUTHENTICATED"
    );
    app.login("dave", "N3w-Password!").await;

    // The policy applies to changed passwords too.
    let weak = app
        .gql(
            &admin,
            "mutation($id: ID!, $p: String!) { changeUserPassword(id: $id, newPassword: $p) { id } }",
            json!({ "id": id, "p": "weak" }),
        )
        .await;
    assert_eq!(weak.code(), "BAD_USER_INPUT");
    assert_eq!(weak.error()["extensions"]["field"], "newPassword");
}

async fn logout_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = Auth::Bearer(app.login("admin", ADMIN_PASSWORD).await);
    let other = Auth::Bearer(app.login("admin", ADMIN_PASSWORD).await);
    assert_eq!(
        app.gql(&session, "mutation { logout }", json!({}))
            .await
            .data()["logout"],
        true
    );
    assert_eq!(
        app.gql(&session, "{ me { user { id } } }", json!({}))
            .await
            .data()["me"],
        serde_json::Value::Null
    );
    // Only that session ended.
    assert!(
        app.gql(&other, "{ me { user { id } } }", json!({}))
            .await
            .data()["me"]["user"]["id"]
            .is_string()
    );
    assert_eq!(
        app.gql(&Auth::None, "mutation { logout }", json!({}))
            .await
            .code(),
        "UNAUTHENTICATED"
    );
}

async fn bad_tokens_are_anonymous(backend: Backend) {
    let app = spawn_app(backend).await;
    for token in ["", "garbage", "ghs_AAAA", "Bearer", &"x".repeat(5000)] {
        let response = app
            .gql(
                &Auth::Bearer(token.to_owned()),
                "{ users { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(response.code(), "UNAUTHENTICATED", "{token}");
    }
    let response = app
        .gql(
            &Auth::ApiKey("ghk_forged".into()),
            "{ users { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(response.code(), "UNAUTHENTICATED");
}

async fn api_keys_one_per_user_and_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let id = setup_user(&app, &admin, "erin").await;
    let generate = "mutation($id: ID!) { generateApiKey(userId: $id) { key apiKey { id prefix organizationId } } }";
    let first = app.gql(&admin, generate, json!({ "id": id })).await;
    let first_key = first.data()["generateApiKey"]["key"]
        .as_str()
        .expect("key")
        .to_owned();
    assert!(
        first_key.starts_with(
            first.data()["generateApiKey"]["apiKey"]["prefix"]
                .as_str()
                .expect("prefix")
        )
    );

    let as_key = Auth::ApiKey(first_key.clone());
    let me = app
        .gql(
            &as_key,
            "{ me { user { username } viaApiKey } users { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(me.data()["me"]["user"]["username"], "erin");
    assert_eq!(me.data()["me"]["viaApiKey"], true);

    // Generating again replaces the old key.
    let second = app.gql(&admin, generate, json!({ "id": id })).await;
    let second_key = second.data()["generateApiKey"]["key"]
        .as_str()
        .expect("key")
        .to_owned();
    assert_ne!(first_key, second_key);
    assert_eq!(
        app.gql(&as_key, "{ users { totalCount } }", json!({}))
            .await
            .code(),
        "UNAUTHENTICATED"
    );
    let keys = app
        .gql(
            &admin,
            "query($id: ID!) { user(id: $id) { apiKeys { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        keys.data()["user"]["apiKeys"]
            .as_array()
            .expect("keys")
            .len(),
        1
    );

    // Only the hash is stored.
    use domain::entity::api_key;
    use domain::sea_orm::EntityTrait;
    let stored = api_key::Entity::find()
        .all(app.app.db())
        .await
        .expect("keys");
    assert!(
        stored
            .iter()
            .all(|k| k.key_hash != second_key && !k.key_hash.contains(&second_key[4..]))
    );

    // A disabled user's key stops working.
    app.gql(
        &admin,
        "mutation($id: ID!) { disableUser(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await
    .data();
    let response = app
        .gql(
            &Auth::ApiKey(second_key.clone()),
            "{ users { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(response.code(), "UNAUTHENTICATED");
    // …and stays revoked when the user is enabled again.
    let enable = "mutation($id: ID!) { enableUser(id: $id) { id } }";
    app.gql(&admin, enable, json!({ "id": id })).await.data();
    let response = app
        .gql(
            &Auth::ApiKey(second_key),
            "{ users { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(response.code(), "UNAUTHENTICATED");

    // An administrator revokes a key on purpose.
    let third = app.gql(&admin, generate, json!({ "id": id })).await;
    let third = Auth::ApiKey(
        third.data()["generateApiKey"]["key"]
            .as_str()
            .expect("key")
            .to_owned(),
    );
    let revoke = "mutation($id: ID!) { revokeApiKey(userId: $id) }";
    assert_eq!(
        app.gql(&admin, revoke, json!({ "id": id })).await.data()["revokeApiKey"],
        true
    );
    assert_eq!(
        app.gql(&third, "{ users { totalCount } }", json!({}))
            .await
            .code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.gql(&admin, revoke, json!({ "id": id })).await.data()["revokeApiKey"],
        false
    );
}

async fn login_picks_an_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let other = app
        .gql(
            &admin,
            "mutation { createOrganization(input: { name: \"Other\" }) { id } }",
            json!({}),
        )
        .await;
    let other_id = other.data()["createOrganization"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let response = app
        .try_login("admin", ADMIN_PASSWORD, Some(&other_id))
        .await;
    assert_eq!(
        response.data()["login"]["organizationId"],
        other_id.as_str()
    );
    let token = Auth::Bearer(
        response.data()["login"]["token"]
            .as_str()
            .expect("token")
            .to_owned(),
    );
    let me = app
        .gql(&token, "{ me { organization { name } } }", json!({}))
        .await;
    assert_eq!(me.data()["me"]["organization"]["name"], "Other");

    let id = setup_user(&app, &admin, "frank").await;
    assert!(!id.is_empty());
    let refused = app.try_login("frank", PASSWORD, Some(&other_id)).await;
    assert_eq!(refused.code(), "FORBIDDEN");
}
