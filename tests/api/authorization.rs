//! Every operation, tried as an anonymous caller, as a user without the
//! permission, and as a user of another organization holding every
//! permission: all are refused.

use serde_json::{Value, json};
use support::{ADMIN_PASSWORD, Auth, Backend, TestApp, spawn_app};

on_every_database!(
    nobody_takes_over_a_more_powerful_account,
    every_operation_is_refused_to_the_wrong_caller,
    api_keys_act_in_their_organization_only
);

const PASSWORD: &str = "Str0ng-Password";

/// Records of the first organization, and callers.
struct World {
    /// An export job the administrator of the first organization started.
    job: String,
    nobody: Auth,
    outsider: Auth,
    target: String,
    organization: String,
    unit: String,
    role: String,
    group: String,
}

async fn token_in(app: &TestApp, login: &str, password: &str, organization: &str) -> Auth {
    let response = app.try_login(login, password, Some(organization)).await;
    Auth::Bearer(
        response.data()["login"]["token"]
            .as_str()
            .expect("token")
            .to_owned(),
    )
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin().await;
    let created = |query: &'static str, field: &'static str| {
        let admin = admin.clone();
        async move {
            app.gql(&admin, query, json!({})).await.data()[field]["id"]
                .as_str()
                .expect("id")
                .to_owned()
        }
    };
    let organization = app
        .gql(&admin, "{ me { organization { id } } }", json!({}))
        .await
        .data()["me"]["organization"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let unit = created(
        "mutation { createBusinessUnit(input: { name: \"Sales\" }) { id } }",
        "createBusinessUnit",
    )
    .await;
    let group = created(
        "mutation { createGroup(input: { name: \"Buyers\" }) { id } }",
        "createGroup",
    )
    .await;
    let role = app.create_role(&admin, "Clerk", &["USERS_VIEW"]).await;
    let empty_role = app.create_role(&admin, "Nothing", &[]).await;
    let target = app
        .create_user(&admin, "target", PASSWORD, std::slice::from_ref(&role))
        .await;
    app.create_user(&admin, "nobody", PASSWORD, &[empty_role])
        .await;
    let nobody = Auth::Bearer(app.login("nobody", PASSWORD).await);

    let other = created(
        "mutation { createOrganization(input: { name: \"Other\" }) { id } }",
        "createOrganization",
    )
    .await;
    let admin_in_other = token_in(app, "admin", ADMIN_PASSWORD, &other).await;
    let administrator = app.role_id(&admin_in_other, "Administrator").await;
    app.create_user(&admin_in_other, "outsider", PASSWORD, &[administrator])
        .await;
    let outsider = Auth::Bearer(app.login("outsider", PASSWORD).await);
    let job = app
        .gql(&admin, "mutation { exportUsers { id } }", json!({}))
        .await
        .id("exportUsers");
    World {
        job,
        nobody,
        outsider,
        target,
        organization,
        unit,
        role,
        group,
    }
}

/// What the user of the other organization gets.
enum Outsider {
    /// This error code.
    Code(&'static str),
    /// `data.<field>` is null.
    Null(&'static str),
    /// The JSON of the answer does not mention this id of the first organization.
    Hides(&'static str),
    /// The answer's value at this JSON pointer is this.
    Equals(&'static str, Value),
    /// The answer does not contain this text.
    HidesText(&'static str),
    /// Acts in its own organization only; nothing of the first to reach.
    OwnScope,
}

/// What the user without any permission gets.
enum Nobody {
    Forbidden,
    /// Operations on one's own jobs need no permission: someone else's job
    /// is "not found" (`Code`) or null (`Null`), a list is empty (`Empty`).
    Code(&'static str),
    Null(&'static str),
    Empty(&'static str),
}

struct Operation {
    query: String,
    variables: Value,
    nobody: Nobody,
    outsider: Outsider,
}

fn op(query: &str, variables: Value, outsider: Outsider) -> Operation {
    Operation {
        query: query.to_owned(),
        variables,
        nobody: Nobody::Forbidden,
        outsider,
    }
}

fn own(query: &str, variables: Value, nobody: Nobody, outsider: Outsider) -> Operation {
    Operation {
        query: query.to_owned(),
        variables,
        nobody,
        outsider,
    }
}

fn operations(w: &World) -> Vec<Operation> {
    use Outsider::*;
    let user = json!({ "id": w.target });
    vec![
        op(
            "{ users { edges { node { id } } } }",
            json!({}),
            Hides("target"),
        ),
        op(
            "query($id: ID!) { user(id: $id) { id } }",
            user.clone(),
            Null("user"),
        ),
        op("{ suggestPassword }", json!({}), OwnScope),
        op(
            "{ organizations { edges { node { id name } } } }",
            json!({}),
            Hides("organization"),
        ),
        op(
            "query($id: ID!) { organization(id: $id) { id } }",
            json!({ "id": w.organization }),
            Null("organization"),
        ),
        op(
            "{ businessUnits { edges { node { id } } } }",
            json!({}),
            Hides("unit"),
        ),
        op(
            "query($id: ID!) { businessUnit(id: $id) { id } }",
            json!({ "id": w.unit }),
            Null("businessUnit"),
        ),
        op(
            "{ roles { edges { node { id } } } }",
            json!({}),
            Hides("role"),
        ),
        op(
            "query($id: ID!) { role(id: $id) { id } }",
            json!({ "id": w.role }),
            Null("role"),
        ),
        op("{ permissions { name } }", json!({}), OwnScope),
        op(
            "{ groups { edges { node { id } } } }",
            json!({}),
            Hides("group"),
        ),
        op(
            "query($id: ID!) { group(id: $id) { id } }",
            json!({ "id": w.group }),
            Null("group"),
        ),
        op(
            "{ auditLog { edges { node { targetId action } } } }",
            json!({}),
            HidesText("business_unit.create"),
        ),
        op(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            json!({ "input": { "username": "new", "password": PASSWORD, "passwordConfirmation": PASSWORD,
                "firstName": "New", "email": "new@example.com", "roleIds": [w.role] } }),
            Code("BAD_USER_INPUT"),
        ),
        op(
            "mutation($id: ID!) { updateUser(id: $id, input: { firstName: \"X\" }) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { enableUser(id: $id) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { disableUser(id: $id) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { activateUser(id: $id) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"An0ther-Password\") { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteUser(id: $id) }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { generateApiKey(userId: $id) { key } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { revokeApiKey(userId: $id) }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation { createOrganization(input: { name: \"Third\" }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { updateOrganization(id: $id, input: { name: \"Renamed\" }) { id } }",
            json!({ "id": w.organization }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteOrganization(id: $id) }",
            json!({ "id": w.organization }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { createBusinessUnit(input: { name: \"Sub\", parentId: $id }) { id } }",
            json!({ "id": w.unit }),
            Code("BAD_USER_INPUT"),
        ),
        op(
            "mutation($id: ID!) { updateBusinessUnit(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.unit }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteBusinessUnit(id: $id) }",
            json!({ "id": w.unit }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation { createRole(input: { name: \"R\", permissions: [] }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { updateRole(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.role }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteRole(id: $id) }",
            json!({ "id": w.role }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation { createGroup(input: { name: \"G\" }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { updateGroup(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.group }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteGroup(id: $id) }",
            json!({ "id": w.group }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { resetUserPassword(id: $id) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($s: UserSelection!) { massUpdateUsers(selection: $s, action: DISABLE) { total } }",
            json!({ "s": { "ids": [w.target] } }),
            Equals("/massUpdateUsers/total", json!(0)),
        ),
        op("mutation { exportUsers { id } }", json!({}), OwnScope),
        own(
            "query($id: ID!) { job(id: $id) { id } }",
            json!({ "id": w.job }),
            Nobody::Null("job"),
            Null("job"),
        ),
        own(
            "{ jobs { totalCount edges { node { id } } } }",
            json!({}),
            Nobody::Empty("jobs"),
            Hides("job"),
        ),
        op("{ jobQueues { name pending } }", json!({}), OwnScope),
        own(
            "mutation($id: ID!) { retryJob(id: $id) { id } }",
            json!({ "id": w.job }),
            Nobody::Code("NOT_FOUND"),
            Code("NOT_FOUND"),
        ),
        own(
            "mutation($id: ID!) { cancelJob(id: $id) { id } }",
            json!({ "id": w.job }),
            Nobody::Code("NOT_FOUND"),
            Code("NOT_FOUND"),
        ),
        op("{ emailTemplates { name } }", json!({}), OwnScope),
        op(
            "{ previewEmailTemplate(name: \"invitation\") { subject } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation { updateEmailTemplate(name: \"invitation\", input: { subject: \"Welcome to {{ organization }}\" }) { name } }",
            json!({}),
            OwnScope,
        ),
    ]
}

async fn every_operation_is_refused_to_the_wrong_caller(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let ids = [
        ("job", &w.job),
        ("target", &w.target),
        ("organization", &w.organization),
        ("unit", &w.unit),
        ("role", &w.role),
        ("group", &w.group),
    ];
    for operation in operations(&w) {
        let query = operation.query.as_str();
        let anonymous = app
            .gql(&Auth::None, query, operation.variables.clone())
            .await;
        assert_eq!(anonymous.code(), "UNAUTHENTICATED", "anonymous: {query}");
        let nobody = app.gql(&w.nobody, query, operation.variables.clone()).await;
        match operation.nobody {
            Nobody::Forbidden => {
                assert_eq!(nobody.code(), "FORBIDDEN", "without permission: {query}")
            }
            Nobody::Code(code) => assert_eq!(nobody.code(), code, "without permission: {query}"),
            Nobody::Null(field) => assert_eq!(
                nobody.data()[field],
                Value::Null,
                "without permission: {query}"
            ),
            Nobody::Empty(field) => {
                assert_eq!(
                    nobody.data()[field]["totalCount"],
                    0,
                    "without permission: {query}"
                )
            }
        }
        let outsider = app
            .gql(&w.outsider, query, operation.variables.clone())
            .await;
        match operation.outsider {
            Outsider::Code(code) => assert_eq!(
                outsider.code(),
                code,
                "other organization: {query}: {}",
                outsider.body
            ),
            Outsider::Null(field) => assert_eq!(
                outsider.data()[field],
                Value::Null,
                "other organization: {query}"
            ),
            Outsider::Hides(which) => {
                let id = ids
                    .iter()
                    .find(|(name, _)| *name == which)
                    .expect("known id")
                    .1;
                let text = outsider.data().to_string();
                assert!(
                    !text.contains(&format!("\"{id}\"")),
                    "other organization sees {which} {id}: {query}: {text}"
                );
            }
            Outsider::Equals(pointer, expected) => {
                assert_eq!(
                    outsider.data().pointer(pointer),
                    Some(&expected),
                    "other organization: {query}"
                )
            }
            Outsider::HidesText(text) => {
                let answer = outsider.data().to_string();
                assert!(
                    !answer.contains(text),
                    "other organization sees {text}: {query}: {answer}"
                );
            }
            Outsider::OwnScope => {
                outsider.data();
            }
        }
    }
    // Nothing of the first organization changed.
    let admin = app.admin().await;
    let target = app
        .gql(
            &admin,
            "query($id: ID!) { user(id: $id) { firstName enabled } }",
            json!({ "id": w.target }),
        )
        .await;
    assert_eq!(
        target.data()["user"],
        json!({ "firstName": "target", "enabled": true })
    );
    let unit = app
        .gql(
            &admin,
            "query($id: ID!) { businessUnit(id: $id) { name } }",
            json!({ "id": w.unit }),
        )
        .await;
    assert_eq!(unit.data()["businessUnit"]["name"], "Sales");
}

async fn api_keys_act_in_their_organization_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let admin = app.admin().await;
    let other = app
        .gql(
            &w.outsider,
            "{ me { organization { id } user { id } } }",
            json!({}),
        )
        .await;
    let other_org = other.data()["me"]["organization"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let me = app.gql(&admin, "{ me { user { id } } }", json!({})).await;
    let admin_id = me.data()["me"]["user"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let generate = "mutation($u: ID!, $o: ID) { generateApiKey(userId: $u, organizationId: $o) { key apiKey { organizationId } } }";
    let key = app
        .gql(&admin, generate, json!({ "u": admin_id, "o": other_org }))
        .await;
    let key = Auth::ApiKey(
        key.data()["generateApiKey"]["key"]
            .as_str()
            .expect("key")
            .to_owned(),
    );
    let seen = app
        .gql(
            &key,
            "{ me { organization { id } } users { edges { node { username } } } }",
            json!({}),
        )
        .await;
    assert_eq!(seen.data()["me"]["organization"]["id"], other_org.as_str());
    let names = seen.data()["users"].to_string();
    assert!(
        names.contains("outsider") && !names.contains("target"),
        "{names}"
    );
    // The key of the other organization does not reach the first one's records.
    let target = app
        .gql(
            &key,
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": w.target }),
        )
        .await;
    assert_eq!(target.data()["user"], Value::Null);
    // Keys for organizations the user is not in are refused.
    let nobody_id = app
        .gql(&w.nobody, "{ me { user { id } } }", json!({}))
        .await;
    let nobody_id = nobody_id.data()["me"]["user"]["id"].clone();
    let refused = app
        .gql(&admin, generate, json!({ "u": nobody_id, "o": other_org }))
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
}

async fn nobody_takes_over_a_more_powerful_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let helpdesk = app
        .create_role(
            &admin,
            "Helpdesk",
            &[
                "USERS_VIEW",
                "USERS_UPDATE",
                "USERS_DELETE",
                "USERS_MANAGE_PASSWORDS",
                "USERS_MANAGE_API_KEYS",
            ],
        )
        .await;
    app.create_user(&admin, "helper", PASSWORD, &[helpdesk])
        .await;
    let helper = Auth::Bearer(app.login("helper", PASSWORD).await);
    let admin_id = app.gql(&admin, "{ me { user { id } } }", json!({})).await;
    let admin_id = admin_id.data()["me"]["user"]["id"].clone();
    for mutation in [
        "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"Taken-0ver!\") { id } }",
        "mutation($id: ID!) { generateApiKey(userId: $id) { key } }",
        "mutation($id: ID!) { disableUser(id: $id) { id } }",
        "mutation($id: ID!) { updateUser(id: $id, input: { email: \"mine@example.com\" }) { id } }",
        "mutation($id: ID!) { deleteUser(id: $id) }",
    ] {
        let response = app.gql(&helper, mutation, json!({ "id": admin_id })).await;
        assert_eq!(response.code(), "FORBIDDEN", "{mutation}");
    }
    app.login("admin", ADMIN_PASSWORD).await;
    // Users holding no more than the helper are the helper's to manage.
    let viewer_role = app
        .create_role(&admin, "User viewer", &["USERS_VIEW"])
        .await;
    let reader = app
        .create_user(&admin, "reader", PASSWORD, &[viewer_role])
        .await;
    let changed = app
        .gql(
            &helper,
            "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"An0ther-Password\") { id } }",
            json!({ "id": reader }),
        )
        .await;
    changed.data();
}
