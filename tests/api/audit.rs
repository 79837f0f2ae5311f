//! Every state-changing action leaves an audit entry.

use serde_json::{Value, json};
use support::{Backend, spawn_app};

on_every_database!(
    changes_are_audited_with_actor_and_address,
    audit_log_filters
);

const PASSWORD: &str = "Str0ng-Password";
const LOG: &str = "query($filter: AuditFilter) { auditLog(first: 100, filter: $filter) { totalCount
    edges { node { actorId actorName action targetType targetId organizationId sourceIp details createdAt } } } }";

fn entries(response: &support::GqlResponse) -> Vec<Value> {
    response.data()["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn changes_are_audited_with_actor_and_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    let id = app.create_user(&admin, "olga", PASSWORD, &[role]).await;
    let by_id = json!({ "id": id });
    for mutation in [
        "mutation($id: ID!) { updateUser(id: $id, input: { lastName: \"K\" }) { id } }",
        "mutation($id: ID!) { disableUser(id: $id) { id } }",
        "mutation($id: ID!) { enableUser(id: $id) { id } }",
        "mutation($id: ID!) { activateUser(id: $id) { id } }",
        "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"An0ther-Password\") { id } }",
        "mutation($id: ID!) { generateApiKey(userId: $id) { key } }",
        "mutation($id: ID!) { deleteUser(id: $id) }",
    ] {
        app.gql(&admin, mutation, by_id.clone()).await.data();
    }
    let log = app
        .gql(
            &admin,
            LOG,
            json!({ "filter": { "targetType": "user", "targetId": id } }),
        )
        .await;
    let actions: Vec<String> = entries(&log)
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "user.delete",
            "user.api_key.generate",
            "user.change_password",
            "user.activate",
            "user.enable",
            "user.disable",
            "user.update",
            "user.create",
        ]
    );
    let me = app
        .gql(
            &admin,
            "{ me { user { id } organization { id } } }",
            json!({}),
        )
        .await;
    for entry in entries(&log) {
        assert_eq!(entry["actorId"], me.data()["me"]["user"]["id"]);
        assert_eq!(entry["actorName"], "admin");
        assert_eq!(
            entry["organizationId"],
            me.data()["me"]["organization"]["id"]
        );
        assert_eq!(entry["sourceIp"], "127.0.0.1");
        assert!(entry["createdAt"].is_string());
        // Secrets never reach the log.
        assert!(!entry.to_string().contains("An0ther-Password"));
    }
    let logins = app
        .gql(&admin, LOG, json!({ "filter": { "action": "auth.login" } }))
        .await;
    assert!(!entries(&logins).is_empty());
    for (query, action) in [
        (
            "mutation { createGroup(input: { name: \"G\" }) { id } }",
            "group.create",
        ),
        (
            "mutation { createBusinessUnit(input: { name: \"B\" }) { id } }",
            "business_unit.create",
        ),
        (
            "mutation { createRole(input: { name: \"R\", permissions: [USERS_VIEW] }) { id } }",
            "role.create",
        ),
        (
            "mutation { createOrganization(input: { name: \"O\" }) { id } }",
            "organization.create",
        ),
    ] {
        app.gql(&admin, query, json!({})).await.data();
        let log = app
            .gql(&admin, LOG, json!({ "filter": { "action": action } }))
            .await;
        assert_eq!(log.data()["auditLog"]["totalCount"], 1, "{action}");
    }
}

async fn audit_log_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    app.gql(
        &admin,
        "mutation { createGroup(input: { name: \"G1\" }) { id } }",
        json!({}),
    )
    .await
    .data();
    app.gql(
        &admin,
        "mutation { createGroup(input: { name: \"G2\" }) { id } }",
        json!({}),
    )
    .await
    .data();
    let groups = app
        .gql(
            &admin,
            LOG,
            json!({ "filter": { "actionPrefix": "group." } }),
        )
        .await;
    assert_eq!(groups.data()["auditLog"]["totalCount"], 2);
    let future = app
        .gql(
            &admin,
            LOG,
            json!({ "filter": { "from": "2999-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(future.data()["auditLog"]["totalCount"], 0);
    let past = app
        .gql(
            &admin,
            LOG,
            json!({ "filter": { "to": "2000-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(past.data()["auditLog"]["totalCount"], 0);
    let paged = app
        .gql(
            &admin,
            "{ auditLog(first: 1) { pageInfo { hasNextPage } edges { node { action } } } }",
            json!({}),
        )
        .await;
    assert_eq!(paged.data()["auditLog"]["pageInfo"]["hasNextPage"], true);
}
