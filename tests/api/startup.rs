//! First start, health and readiness.

use serde_json::json;
use support::{ADMIN_PASSWORD, Auth, Backend, spawn_app};

on_every_database!(
    first_start_sets_up_an_administrator,
    health_and_readiness,
    unreachable_database_is_reported
);

async fn first_start_sets_up_an_administrator(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Auth::Bearer(app.login("admin", ADMIN_PASSWORD).await);
    let response = app
        .gql(
            &admin,
            "{ me { permissions organization { name } user { username roles { name } ownerBusinessUnit { name } } }
               roles(first: 10) { edges { node { name systemWide permissions } } } }",
            json!({}),
        )
        .await;
    let data = response.data();
    assert_eq!(data["me"]["organization"]["name"], "Default");
    assert_eq!(data["me"]["user"]["username"], "admin");
    assert_eq!(data["me"]["user"]["roles"][0]["name"], "Administrator");
    assert_eq!(data["me"]["user"]["ownerBusinessUnit"]["name"], "Main");
    let all_permissions = data["me"]["permissions"]
        .as_array()
        .expect("permissions")
        .len();
    let roles = data["roles"]["edges"].as_array().expect("roles");
    let role = |name: &str| {
        roles
            .iter()
            .find(|r| r["node"]["name"] == name)
            .expect("role")["node"]
            .clone()
    };
    assert_eq!(
        role("Administrator")["permissions"]
            .as_array()
            .expect("list")
            .len(),
        all_permissions
    );
    assert_eq!(role("Administrator")["systemWide"], true);
    let read_only = role("Read-only");
    let read_only: Vec<&str> = read_only["permissions"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(!read_only.is_empty());
    assert!(
        read_only.iter().all(|p| p.ends_with("_VIEW")),
        "{read_only:?}"
    );

    // A second start changes nothing.
    let created = domain::bootstrap::first_start(&app.app)
        .await
        .expect("second start");
    assert!(created.is_none());
}

async fn health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app
        .client()
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = app
        .client()
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["checks"], json!({ "database": "ok", "queue": "ok" }));
    assert!(health.headers().contains_key("x-request-id"));
}

async fn unreachable_database_is_reported(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    // Closing the shared pool stands for a database that went away.
    app.app.db().clone().close().await.expect("close");
    let ready = app
        .client()
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["checks"]["database"], "unreachable");
    let health = app
        .client()
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    // GraphQL answers clearly, without internals.
    let response = app.gql(&admin, "{ users { totalCount } }", json!({})).await;
    assert_eq!(response.status, 503);
    assert_eq!(response.code(), "SERVICE_UNAVAILABLE");
    assert_eq!(
        response.error()["message"],
        "the database is unavailable; try again shortly"
    );
    assert!(
        !response.body.to_string().to_lowercase().contains("pool"),
        "{}",
        response.body
    );
}
