//! Organizations, business units, roles and groups: enough to set users up.

use serde_json::{Value, json};
use support::{Auth, Backend, spawn_app};

on_every_database!(
    organizations_lifecycle,
    business_unit_tree,
    roles_and_permissions,
    groups_lifecycle
);

const PASSWORD: &str = "Str0ng-Password";

async fn organizations_lifecycle(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let created = app
        .gql(
            &admin,
            "mutation { createOrganization(input: { name: \"Acme\" }) { id name enabled } }",
            json!({}),
        )
        .await;
    let acme = created.id("createOrganization");
    let dup = app
        .gql(
            &admin,
            "mutation { createOrganization(input: { name: \"Acme\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(dup.code(), "CONFLICT");
    assert_eq!(dup.error()["extensions"]["field"], "name");
    let list = app
        .gql(
            &admin,
            "{ organizations { totalCount edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list.data()["organizations"]["totalCount"], 2);
    let renamed = app
        .gql(&admin, "mutation($id: ID!) { updateOrganization(id: $id, input: { name: \"Acme Corp\", enabled: false }) { name enabled } }", json!({ "id": acme }))
        .await;
    assert_eq!(
        renamed.data()["updateOrganization"],
        json!({ "name": "Acme Corp", "enabled": false })
    );
    let current = app
        .gql(&admin, "{ me { organization { id } } }", json!({}))
        .await;
    let current = current.data()["me"]["organization"]["id"].clone();
    let refused = app
        .gql(
            &admin,
            "mutation($id: ID!) { deleteOrganization(id: $id) }",
            json!({ "id": current }),
        )
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let deleted = app
        .gql(
            &admin,
            "mutation($id: ID!) { deleteOrganization(id: $id) }",
            json!({ "id": acme }),
        )
        .await;
    assert_eq!(deleted.data()["deleteOrganization"], acme.as_str());
    let list = app
        .gql(&admin, "{ organizations { totalCount } }", json!({}))
        .await;
    assert_eq!(list.data()["organizations"]["totalCount"], 1);
}

async fn business_unit_tree(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let sales = app
        .gql(
            &admin,
            "mutation { createBusinessUnit(input: { name: \"Sales\" }) { id parent { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(sales.data()["createBusinessUnit"]["parent"]["name"], "Main");
    let sales = sales.id("createBusinessUnit");
    let east = app
        .gql(&admin, "mutation($p: ID!) { createBusinessUnit(input: { name: \"East\", parentId: $p, phone: \"+1 555 0101\" }) { id parent { name } } }", json!({ "p": sales }))
        .await;
    let east = east.id("createBusinessUnit");
    let cycle = app
        .gql(&admin, "mutation($id: ID!, $p: ID!) { updateBusinessUnit(id: $id, input: { parentId: $p }) { id } }", json!({ "id": sales, "p": east }))
        .await;
    assert_eq!(cycle.code(), "BAD_USER_INPUT");
    assert_eq!(cycle.error()["extensions"]["field"], "parentId");
    let children = app
        .gql(&admin, "query($p: ID!) { businessUnits(parentId: $p) { totalCount edges { node { name phone } } } }", json!({ "p": sales }))
        .await;
    assert_eq!(
        children.data()["businessUnits"]["edges"][0]["node"],
        json!({ "name": "East", "phone": "+1 555 0101" })
    );
    let has_child = app
        .gql(
            &admin,
            "mutation($id: ID!) { deleteBusinessUnit(id: $id) }",
            json!({ "id": sales }),
        )
        .await;
    assert_eq!(has_child.code(), "CONFLICT");
    // A unit owning users cannot go either.
    let role = app.role_id(&admin, "Read-only").await;
    app.try_create_user(&admin, json!({
        "username": "owned", "password": PASSWORD, "passwordConfirmation": PASSWORD, "firstName": "O",
        "email": "owned@example.com", "roleIds": [role], "ownerBusinessUnitId": east,
    }))
    .await
    .data();
    let owns = app
        .gql(
            &admin,
            "mutation($id: ID!) { deleteBusinessUnit(id: $id) }",
            json!({ "id": east }),
        )
        .await;
    assert_eq!(owns.code(), "CONFLICT");
    let bad_email = app
        .gql(
            &admin,
            "mutation { createBusinessUnit(input: { name: \"X\", email: \"nope\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(bad_email.error()["extensions"]["field"], "email");
}

async fn roles_and_permissions(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let clerk = app
        .create_role(&admin, "Clerk", &["USERS_VIEW", "USERS_UPDATE"])
        .await;
    let role = app
        .gql(&admin, "query($id: ID!) { role(id: $id) { name systemWide permissions organization { name } } }", json!({ "id": clerk }))
        .await;
    assert_eq!(
        role.data()["role"],
        json!({ "name": "Clerk", "systemWide": false, "permissions": ["USERS_VIEW", "USERS_UPDATE"], "organization": { "name": "Default" } })
    );
    let dup = app
        .gql(
            &admin,
            "mutation { createRole(input: { name: \"Clerk\", permissions: [] }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(dup.code(), "CONFLICT");

    // A clerk edits users but cannot grant more than it holds.
    let clerk_user = app
        .create_user(&admin, "clerk", PASSWORD, std::slice::from_ref(&clerk))
        .await;
    let clerk_session = Auth::Bearer(app.login("clerk", PASSWORD).await);
    let administrator = app.role_id(&admin, "Administrator").await;
    let escalate = app
        .gql(
            &clerk_session,
            "mutation($id: ID!, $r: [ID!]) { updateUser(id: $id, input: { roleIds: $r }) { id } }",
            json!({ "id": clerk_user, "r": [administrator] }),
        )
        .await;
    assert_eq!(escalate.code(), "BAD_USER_INPUT");
    assert_eq!(escalate.error()["extensions"]["field"], "roleIds");

    let updated = app
        .gql(&admin, "mutation($id: ID!) { updateRole(id: $id, input: { permissions: [USERS_VIEW], description: \"Reads\" }) { permissions description } }", json!({ "id": clerk }))
        .await;
    assert_eq!(
        updated.data()["updateRole"],
        json!({ "permissions": ["USERS_VIEW"], "description": "Reads" })
    );
    // The change applies to the clerk's next request.
    let denied = app
        .gql(
            &clerk_session,
            "mutation($id: ID!) { enableUser(id: $id) { id } }",
            json!({ "id": clerk_user }),
        )
        .await;
    assert_eq!(denied.code(), "FORBIDDEN");

    let held = app
        .gql(
            &admin,
            "mutation($id: ID!) { deleteRole(id: $id) }",
            json!({ "id": clerk }),
        )
        .await;
    assert_eq!(held.code(), "CONFLICT");
    let spare = app.create_role(&admin, "Spare", &[]).await;
    assert_eq!(
        app.gql(
            &admin,
            "mutation($id: ID!) { deleteRole(id: $id) }",
            json!({ "id": spare })
        )
        .await
        .data()["deleteRole"],
        spare.as_str()
    );

    // System-wide roles need their own permission.
    let manager = app
        .create_role(&admin, "Role manager", &["ROLES_VIEW", "ROLES_MANAGE"])
        .await;
    app.create_user(&admin, "rolemgr", PASSWORD, &[manager])
        .await;
    let rolemgr = Auth::Bearer(app.login("rolemgr", PASSWORD).await);
    let system = app
        .gql(&rolemgr, "mutation { createRole(input: { name: \"Global\", permissions: [], systemWide: true }) { id } }", json!({}))
        .await;
    assert_eq!(system.code(), "FORBIDDEN");
    let read_only = app.role_id(&admin, "Read-only").await;
    let edit_system = app
        .gql(
            &rolemgr,
            "mutation($id: ID!) { updateRole(id: $id, input: { name: \"RO\" }) { id } }",
            json!({ "id": read_only }),
        )
        .await;
    assert_eq!(edit_system.code(), "FORBIDDEN");
    let permissions = app
        .gql(
            &admin,
            "{ permissions { permission name description } }",
            json!({}),
        )
        .await;
    let first: &Value = &permissions.data()["permissions"][0];
    assert_eq!(first["name"], "users.view");
}

async fn groups_lifecycle(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let group = app
        .gql(
            &admin,
            "mutation { createGroup(input: { name: \"Buyers\" }) { id } }",
            json!({}),
        )
        .await;
    let group = group.id("createGroup");
    let dup = app
        .gql(
            &admin,
            "mutation { createGroup(input: { name: \"Buyers\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(dup.code(), "CONFLICT");
    assert_eq!(dup.error()["extensions"]["field"], "name");
    let role = app.role_id(&admin, "Read-only").await;
    let member = app
        .try_create_user(&admin, json!({
            "username": "member", "password": PASSWORD, "passwordConfirmation": PASSWORD, "firstName": "M",
            "email": "member@example.com", "roleIds": [role], "groupIds": [group],
        }))
        .await;
    let member = member.id("createUser");
    let filtered = app
        .gql(
            &admin,
            "query($g: ID!) { users(filter: { groupId: $g }) { totalCount } }",
            json!({ "g": group }),
        )
        .await;
    assert_eq!(filtered.data()["users"]["totalCount"], 1);
    let renamed = app
        .gql(
            &admin,
            "mutation($id: ID!) { updateGroup(id: $id, input: { name: \"Purchasing\" }) { name } }",
            json!({ "id": group }),
        )
        .await;
    assert_eq!(renamed.data()["updateGroup"]["name"], "Purchasing");
    app.gql(
        &admin,
        "mutation($id: ID!) { deleteGroup(id: $id) }",
        json!({ "id": group }),
    )
    .await
    .data();
    let user = app
        .gql(
            &admin,
            "query($id: ID!) { user(id: $id) { groups { name } } }",
            json!({ "id": member }),
        )
        .await;
    assert_eq!(user.data()["user"]["groups"], json!([]));
}
