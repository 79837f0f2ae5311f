//! Password resets: by an administrator, by the user's own request, and
//! completing them with the emailed link.

use std::time::Duration;

use serde_json::{Value, json};
use support::{Auth, Backend, TestApp, spawn_app, spawn_app_with};

on_every_database!(
    reset_user_password_sends_a_single_use_link,
    a_newer_reset_replaces_the_older_link,
    expired_reset_link_is_refused,
    request_password_reset_answers_alike_and_is_rate_limited,
    invitation_and_password_changed_notices,
);

const PASSWORD: &str = "Str0ng-Password";
const WAIT: Duration = Duration::from_secs(30);

async fn user(app: &TestApp, admin: &Auth, username: &str) -> String {
    let role = app.role_id(admin, "Read-only").await;
    app.create_user(admin, username, PASSWORD, &[role]).await
}

const COMPLETE: &str =
    "mutation($t: String!, $p: String!) { completePasswordReset(token: $t, newPassword: $p) }";

async fn reset_user_password_sends_a_single_use_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let id = user(&app, &admin, "ann").await;
    let session = Auth::Bearer(app.login("ann", PASSWORD).await);

    let reset = app
        .gql(
            &admin,
            "mutation($id: ID!) { resetUserPassword(id: $id) { authStatus canLogIn } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        reset.data()["resetUserPassword"],
        json!({ "authStatus": "PASSWORD_RESET", "canLogIn": false })
    );
    assert_eq!(
        app.gql(&session, "{ me { user { id } } }", json!({}))
            .await
            .data()["me"],
        Value::Null
    );
    assert_eq!(
        app.try_login("ann", PASSWORD, None).await.code(),
        "PASSWORD_RESET_REQUIRED"
    );

    let messages = app.smtp.wait_for(1, WAIT).await;
    let email = &messages[0];
    assert_eq!(email.to, ["ann@example.com"]);
    assert!(
        email.subject().contains("Set a new password"),
        "{}",
        email.subject()
    );
    assert!(
        email
            .decoded()
            .contains("https://gatehouse.test/reset-password?token=ghr_"),
        "{}",
        email.decoded()
    );
    let token = email.token().expect("a token in the link");
    // Only its hash is stored.
    use domain::entity::password_reset_token;
    use domain::sea_orm::EntityTrait;
    let stored = password_reset_token::Entity::find()
        .all(app.app.db())
        .await
        .expect("tokens");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token);

    let weak = app
        .gql(&Auth::None, COMPLETE, json!({ "t": token, "p": "weak" }))
        .await;
    assert_eq!(weak.code(), "BAD_USER_INPUT");
    assert_eq!(weak.error()["extensions"]["field"], "newPassword");
    let done = app
        .gql(
            &Auth::None,
            COMPLETE,
            json!({ "t": token, "p": "N3w-Passw0rd!" }),
        )
        .await;
    assert_eq!(done.data()["completePasswordReset"], true);
    app.login("ann", "N3w-Passw0rd!").await;
    let again = app
        .gql(
            &Auth::None,
            COMPLETE,
            json!({ "t": token, "p": "An0ther-Passw0rd" }),
        )
        .await;
    assert_eq!(again.code(), "BAD_USER_INPUT");
    assert!(
        again.error()["message"]
            .as_str()
            .expect("message")
            .contains("used"),
        "{}",
        again.body
    );
    let forged = app
        .gql(
            &Auth::None,
            COMPLETE,
            json!({ "t": "ghr_forged", "p": "An0ther-Passw0rd" }),
        )
        .await;
    assert_eq!(forged.error()["extensions"]["field"], "token");

    // The user is told the password changed.
    let messages = app.smtp.wait_for(2, WAIT).await;
    assert!(
        messages[1].subject().contains("password was changed"),
        "{}",
        messages[1].subject()
    );
    let status = app
        .gql(
            &admin,
            "query($id: ID!) { user(id: $id) { authStatus } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(status.data()["user"]["authStatus"], "ACTIVE");
}

async fn expired_reset_link_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let id = user(&app, &admin, "bea").await;
    app.gql(
        &admin,
        "mutation($id: ID!) { resetUserPassword(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await
    .data();
    let token = app.smtp.wait_for(1, WAIT).await[0].token().expect("token");
    // The link works for `auth.reset_ttl_secs` (24 h) from its delivery.
    app.advance_clock(Duration::from_secs(24 * 3600 + 60));
    let expired = app
        .gql(
            &Auth::None,
            COMPLETE,
            json!({ "t": token, "p": "N3w-Passw0rd!" }),
        )
        .await;
    assert_eq!(expired.code(), "BAD_USER_INPUT");
    assert!(
        expired.error()["message"]
            .as_str()
            .expect("message")
            .contains("expired"),
        "{}",
        expired.body
    );
}

const REQUEST: &str = "mutation($e: String!) { requestPasswordReset(email: $e) }";

async fn request_password_reset_answers_alike_and_is_rate_limited(backend: Backend) {
    // This test delivers the emails itself, so it knows which were waiting.
    let app = spawn_app_with(backend, |s| {
        s.auth.reset_requests_per_ip_per_hour = 5;
        s.jobs.in_process_worker = false;
    })
    .await;
    let admin = app.admin().await;
    user(&app, &admin, "cid").await;
    let known = app
        .gql(&Auth::None, REQUEST, json!({ "e": "CID@example.com" }))
        .await;
    let unknown = app
        .gql(&Auth::None, REQUEST, json!({ "e": "nobody@example.com" }))
        .await;
    assert_eq!(known.body, unknown.body);
    assert_eq!(app.deliver_pending().await, 1);
    let messages = app.smtp.messages();
    assert_eq!(messages[0].to, ["cid@example.com"]);
    assert!(messages[0].token().is_some());
    // Asking never locks the account or changes its status.
    app.login("cid", PASSWORD).await;

    // Per account: three an hour; more are dropped without saying so.
    for _ in 0..3 {
        let response = app
            .gql(&Auth::None, REQUEST, json!({ "e": "cid@example.com" }))
            .await;
        assert_eq!(response.data()["requestPasswordReset"], true);
    }
    // Per address: the sixth request of the hour is refused.
    let limited = app
        .gql(&Auth::None, REQUEST, json!({ "e": "cid@example.com" }))
        .await;
    assert_eq!(limited.code(), "RATE_LIMITED");
    // Of the two requests within the account's limit, the newer replaced
    // the one still waiting: one more email.
    assert_eq!(app.deliver_pending().await, 1);
    let received = app.smtp.to("cid@example.com");
    assert_eq!(received.len(), 2);
    // An hour later both limits start again.
    app.advance_clock(Duration::from_secs(3600 + 60));
    let again = app
        .gql(&Auth::None, REQUEST, json!({ "e": "cid@example.com" }))
        .await;
    assert_eq!(again.data()["requestPasswordReset"], true);
    assert_eq!(app.deliver_pending().await, 1);
    let received = app.smtp.to("cid@example.com");
    assert_eq!(received.len(), 3);
    // The link of the latest works.
    let token = received.last().and_then(|m| m.token()).expect("token");
    let done = app
        .gql(
            &Auth::None,
            COMPLETE,
            json!({ "t": token, "p": "N3w-Passw0rd!" }),
        )
        .await;
    assert_eq!(done.data()["completePasswordReset"], true);
}

async fn invitation_and_password_changed_notices(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    let created = app
        .try_create_user(&admin, json!({
            "username": "dan", "password": PASSWORD, "passwordConfirmation": PASSWORD, "firstName": "Dan",
            "email": "dan@example.com", "roleIds": [role], "sendInvitation": true,
        }))
        .await;
    let id = created.data()["createUser"]["id"].clone();
    let invitation = &app.smtp.wait_for(1, WAIT).await[0];
    assert_eq!(invitation.to, ["dan@example.com"]);
    assert!(
        invitation.subject().contains("invited"),
        "{}",
        invitation.subject()
    );
    assert!(invitation.decoded().contains("dan"));
    assert!(!invitation.decoded().contains(PASSWORD));

    let change =
        "mutation($id: ID!, $p: String!) { changeUserPassword(id: $id, newPassword: $p) { id } }";
    app.gql(&admin, change, json!({ "id": id, "p": "Secr3t-Changed!" }))
        .await
        .data();
    let notice = &app.smtp.wait_for(2, WAIT).await[1];
    assert!(notice.subject().contains("password was changed"));
    assert!(
        !notice.decoded().contains("Secr3t-Changed!"),
        "the password must never be emailed"
    );
}

async fn a_newer_reset_replaces_the_older_link(backend: Backend) {
    // This test delivers the emails itself, so it knows which were waiting.
    let app = spawn_app_with(backend, |s| s.jobs.in_process_worker = false).await;
    let admin = app.admin().await;
    let id = user(&app, &admin, "fay").await;
    let reset = "mutation($id: ID!) { resetUserPassword(id: $id) { id } }";
    // Two resets while the first email waits: only the newer is sent.
    app.gql(&admin, reset, json!({ "id": id })).await.data();
    app.gql(&admin, reset, json!({ "id": id })).await.data();
    assert_eq!(app.deliver_pending().await, 1);
    // A third after the second was delivered: its link replaces the older.
    app.gql(&admin, reset, json!({ "id": id })).await.data();
    assert_eq!(app.deliver_pending().await, 1);
    let received = app.smtp.to("fay@example.com");
    assert_eq!(received.len(), 2);
    let older = received[0].token().expect("token");
    let refused = app
        .gql(
            &Auth::None,
            COMPLETE,
            json!({ "t": older, "p": "N3w-Passw0rd!" }),
        )
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let latest = received[1].token().expect("token");
    let done = app
        .gql(
            &Auth::None,
            COMPLETE,
            json!({ "t": latest, "p": "N3w-Passw0rd!" }),
        )
        .await;
    assert_eq!(done.data()["completePasswordReset"], true);
}
