//! Back-office users: create, edit, list, delete.

use serde_json::{Value, json};
use support::{Auth, Backend, TestApp, spawn_app, spawn_app_with};

on_every_database!(
    create_with_every_field,
    create_reports_every_invalid_field,
    password_policy_is_configurable_and_suggestions_satisfy_it,
    username_and_email_are_unique_without_regard_to_case,
    roles_must_fit_the_organizations,
    update_changes_given_fields_only,
    delete_refuses_self_and_removes_others,
    list_filters_orders_and_pages,
    list_by_creation_login_unit_and_organization,
    nested_relations_do_not_multiply_statements,
);

const PASSWORD: &str = "Str0ng-Password";

const USER_FIELDS: &str = "id username namePrefix firstName middleName lastName nameSuffix fullName birthday avatar
    email additionalEmails phone enabled authStatus canLogIn ownerBusinessUnit { id name }
    organizations { name } businessUnits { name } groups { name } roles { name } createdAt lastLoginAt";

async fn create_with_every_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    let unit = app
        .gql(&admin, "mutation { createBusinessUnit(input: { name: \"Sales\", email: \"sales@example.com\" }) { id } }", json!({}))
        .await;
    let unit = unit.data()["createBusinessUnit"]["id"].clone();
    let group = app
        .gql(
            &admin,
            "mutation { createGroup(input: { name: \"Buyers\" }) { id } }",
            json!({}),
        )
        .await;
    let group = group.data()["createGroup"]["id"].clone();
    let input = json!({
        "username": "grace", "password": PASSWORD, "passwordConfirmation": PASSWORD,
        "namePrefix": "Dr.", "firstName": "Grace", "middleName": "Brewster", "lastName": "Hopper", "nameSuffix": "PhD",
        "birthday": "1906-12-09", "avatar": "https://example.com/grace.png", "email": "Grace@Example.com",
        "additionalEmails": ["grace@navy.example", "GRACE@navy.example"], "phone": "+1 555 0100",
        "enabled": true, "ownerBusinessUnitId": unit, "businessUnitIds": [unit], "groupIds": [group], "roleIds": [role],
    });
    let query = format!(
        "mutation($input: CreateUserInput!) {{ createUser(input: $input) {{ {USER_FIELDS} }} }}"
    );
    let created = app.gql(&admin, &query, json!({ "input": input })).await;
    let user = &created.data()["createUser"];
    assert_eq!(user["username"], "grace");
    assert_eq!(user["fullName"], "Dr. Grace Brewster Hopper PhD");
    assert_eq!(user["birthday"], "1906-12-09");
    assert_eq!(user["avatar"], "https://example.com/grace.png");
    assert_eq!(user["email"], "Grace@Example.com");
    assert_eq!(user["additionalEmails"], json!(["grace@navy.example"]));
    assert_eq!(user["phone"], "+1 555 0100");
    assert_eq!(user["authStatus"], "ACTIVE");
    assert_eq!(user["canLogIn"], true);
    assert_eq!(user["ownerBusinessUnit"]["name"], "Sales");
    assert_eq!(user["organizations"], json!([{ "name": "Default" }]));
    assert_eq!(user["businessUnits"], json!([{ "name": "Sales" }]));
    assert_eq!(user["groups"], json!([{ "name": "Buyers" }]));
    assert_eq!(user["roles"], json!([{ "name": "Read-only" }]));

    // Read back, and the password is stored as an argon2id hash.
    let read = app
        .gql(
            &admin,
            &format!("query($id: ID!) {{ user(id: $id) {{ {USER_FIELDS} }} }}"),
            json!({ "id": user["id"] }),
        )
        .await;
    assert_eq!(&read.data()["user"], user);
    use domain::entity::user as users;
    use domain::sea_orm::EntityTrait;
    let id: i64 = user["id"].as_str().expect("id").parse().expect("numeric");
    let row = users::Entity::find_by_id(id)
        .one(app.app.db())
        .await
        .expect("db")
        .expect("row");
    assert!(row.password_hash.starts_with("$argon2id$"));
    app.login("GRACE", PASSWORD).await;
}

async fn create_reports_every_invalid_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let response = app
        .try_create_user(&admin, json!({
            "username": "has space", "password": "short", "passwordConfirmation": "different",
            "firstName": " ", "email": "not-an-email", "phone": "call me", "avatar": "ftp://x",
            "birthday": "2999-01-01", "additionalEmails": ["nope"], "roleIds": [], "lastName": "x".repeat(300),
        }))
        .await;
    assert_eq!(response.code(), "BAD_USER_INPUT");
    let fields: Vec<&str> = response.error()["extensions"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    for expected in [
        "username",
        "firstName",
        "lastName",
        "birthday",
        "avatar",
        "email",
        "phone",
        "additionalEmails[0]",
        "password",
        "passwordConfirmation",
        "roleIds",
    ] {
        assert!(
            fields.contains(&expected),
            "{expected} not reported in {fields:?}"
        );
    }
    // Nothing was written.
    let count = app.gql(&admin, "{ users { totalCount } }", json!({})).await;
    assert_eq!(count.data()["users"]["totalCount"], 1);
    let bad_id = app.try_create_user(&admin, json!({
        "username": "x", "password": PASSWORD, "passwordConfirmation": PASSWORD, "firstName": "X",
        "email": "x@example.com", "roleIds": ["abc"],
    })).await;
    assert_eq!(bad_id.code(), "BAD_USER_INPUT");
    assert_eq!(bad_id.error()["extensions"]["field"], "roleIds");
}

async fn password_policy_is_configurable_and_suggestions_satisfy_it(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.password_policy.min_length = 12;
        s.password_policy.require_special = true;
    })
    .await;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    let response = app
        .try_create_user(
            &admin,
            json!({
                "username": "heidi", "password": "abcdefgh", "passwordConfirmation": "abcdefgh",
                "firstName": "Heidi", "email": "heidi@example.com", "roleIds": [role],
            }),
        )
        .await;
    let password_error = response.error()["extensions"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["field"] == "password")
        .expect("password error")
        .clone();
    assert_eq!(
        password_error["reasons"],
        json!(["MIN_LENGTH", "UPPERCASE", "NUMBERS", "SPECIAL_CHARACTERS"])
    );
    for _ in 0..20 {
        let suggestion = app.gql(&admin, "{ suggestPassword }", json!({})).await;
        let password = suggestion.data()["suggestPassword"]
            .as_str()
            .expect("password")
            .to_owned();
        assert!(password.len() >= 12);
        let created = app
            .try_create_user(&admin, json!({
                "username": format!("u{}", password.len() + rand_suffix()), "password": password,
                "passwordConfirmation": password, "firstName": "U", "email": format!("u{}@example.com", rand_suffix()),
                "roleIds": [role],
            }))
            .await;
        created.data();
    }
}

fn rand_suffix() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1000);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn username_and_email_are_unique_without_regard_to_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    app.create_user(&admin, "ivan", PASSWORD, std::slice::from_ref(&role))
        .await;
    let input = |username: &str, email: &str| {
        json!({
            "username": username, "password": PASSWORD, "passwordConfirmation": PASSWORD,
            "firstName": "I", "email": email, "roleIds": [role],
        })
    };
    let taken = app
        .try_create_user(&admin, input("IVAN", "other@example.com"))
        .await;
    assert_eq!(taken.code(), "CONFLICT");
    assert_eq!(taken.error()["extensions"]["field"], "username");
    let taken = app
        .try_create_user(&admin, input("ivan2", "IVAN@example.com"))
        .await;
    assert_eq!(taken.code(), "CONFLICT");
    assert_eq!(taken.error()["extensions"]["field"], "email");
    // Editing into a taken name is refused too.
    let judy = app.create_user(&admin, "judy", PASSWORD, &[role]).await;
    let update = app
        .gql(&admin, "mutation($id: ID!) { updateUser(id: $id, input: { email: \"Ivan@example.com\" }) { id } }", json!({ "id": judy }))
        .await;
    assert_eq!(update.code(), "CONFLICT");
    assert_eq!(update.error()["extensions"]["field"], "email");
}

async fn roles_must_fit_the_organizations(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    // A role of another organization cannot be given to a user of this one.
    let other = app
        .gql(
            &admin,
            "mutation { createOrganization(input: { name: \"Other\" }) { id } }",
            json!({}),
        )
        .await;
    let other = other.data()["createOrganization"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let in_other = support::Auth::Bearer(
        app.try_login("admin", support::ADMIN_PASSWORD, Some(&other))
            .await
            .data()["login"]["token"]
            .as_str()
            .expect("token")
            .to_owned(),
    );
    let foreign_role = app
        .create_role(&in_other, "Other buyers", &["USERS_VIEW"])
        .await;
    let response = app
        .try_create_user(
            &admin,
            json!({
                "username": "kim", "password": PASSWORD, "passwordConfirmation": PASSWORD,
                "firstName": "Kim", "email": "kim@example.com", "roleIds": [foreign_role],
            }),
        )
        .await;
    assert_eq!(response.code(), "BAD_USER_INPUT");
    assert_eq!(response.error()["extensions"]["field"], "roleIds");
    // …unless the user belongs to that organization as well.
    let response = app
        .try_create_user(&admin, json!({
            "username": "kim", "password": PASSWORD, "passwordConfirmation": PASSWORD,
            "firstName": "Kim", "email": "kim@example.com", "roleIds": [foreign_role],
            "organizationIds": [other, app.gql(&admin, "{ me { organization { id } } }", json!({})).await.data()["me"]["organization"]["id"]],
        }))
        .await;
    response.data();
}

async fn update_changes_given_fields_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    let id = app.create_user(&admin, "liam", PASSWORD, &[role]).await;
    let query =
        "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) {
        username firstName lastName phone email additionalEmails enabled roles { name } } }";
    let first = app
        .gql(&admin, query, json!({ "id": id, "input": { "lastName": "Neeson", "phone": "+44 20 7946 0000", "additionalEmails": ["l@x.example"] } }))
        .await;
    assert_eq!(first.data()["updateUser"]["lastName"], "Neeson");
    let second = app
        .gql(
            &admin,
            query,
            json!({ "id": id, "input": { "phone": null, "username": "Liam2" } }),
        )
        .await;
    let user = &second.data()["updateUser"];
    assert_eq!(user["username"], "Liam2");
    assert_eq!(user["lastName"], "Neeson");
    assert_eq!(user["phone"], Value::Null);
    assert_eq!(user["additionalEmails"], json!(["l@x.example"]));
    assert_eq!(user["roles"], json!([{ "name": "Read-only" }]));
    let no_roles = app
        .gql(
            &admin,
            query,
            json!({ "id": id, "input": { "roleIds": [] } }),
        )
        .await;
    assert_eq!(no_roles.code(), "BAD_USER_INPUT");
    assert_eq!(no_roles.error()["extensions"]["field"], "roleIds");
    let unknown = app
        .gql(
            &admin,
            query,
            json!({ "id": "999999", "input": { "firstName": "X" } }),
        )
        .await;
    assert_eq!(unknown.code(), "NOT_FOUND");
}

async fn delete_refuses_self_and_removes_others(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let me = app.gql(&admin, "{ me { user { id } } }", json!({})).await;
    let my_id = me.data()["me"]["user"]["id"].clone();
    let delete = "mutation($id: ID!) { deleteUser(id: $id) }";
    assert_eq!(
        app.gql(&admin, delete, json!({ "id": my_id })).await.code(),
        "BAD_USER_INPUT"
    );
    let role = app.role_id(&admin, "Read-only").await;
    let id = app.create_user(&admin, "mia", PASSWORD, &[role]).await;
    let session = Auth::Bearer(app.login("mia", PASSWORD).await);
    assert_eq!(
        app.gql(&admin, delete, json!({ "id": id })).await.data()["deleteUser"],
        id.as_str()
    );
    let gone = app
        .gql(
            &admin,
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(gone.data()["user"], Value::Null);
    assert_eq!(
        app.gql(&session, "{ me { user { id } } }", json!({}))
            .await
            .data()["me"],
        Value::Null
    );
    assert_eq!(
        app.gql(&admin, delete, json!({ "id": id })).await.code(),
        "NOT_FOUND"
    );
}

async fn seed_people(app: &TestApp, admin: &Auth) -> Vec<String> {
    let role = app.role_id(admin, "Read-only").await;
    let people = [
        ("nina", "Zeta"),
        ("oscar", "Alpha"),
        ("pia", ""),
        ("quinn", "Mid"),
        ("ruth", "Alpha"),
    ];
    let mut ids = Vec::new();
    for (username, last_name) in people {
        let mut input = json!({
            "username": username, "password": PASSWORD, "passwordConfirmation": PASSWORD,
            "firstName": username.to_uppercase(), "email": format!("{username}@shop.example"), "roleIds": [role],
        });
        if !last_name.is_empty() {
            input["lastName"] = json!(last_name);
        }
        ids.push(
            app.try_create_user(admin, input).await.data()["createUser"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    ids
}

fn usernames(response: &support::GqlResponse) -> Vec<String> {
    response.data()["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["username"].as_str().expect("username").to_owned())
        .collect()
}

async fn list_filters_orders_and_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let ids = seed_people(&app, &admin).await;
    let list = "query($first: Int, $after: String, $filter: UserFilter, $order: UserOrder) {
        users(first: $first, after: $after, filter: $filter, orderBy: $order) {
          totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { username } } } }";

    // Pages of two by username, each continuing after the last.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .gql(&admin, list, json!({ "first": 2, "after": after }))
            .await;
        assert_eq!(page.data()["users"]["totalCount"], 6);
        seen.extend(usernames(&page));
        let info = &page.data()["users"]["pageInfo"];
        if info["hasNextPage"] == false {
            break;
        }
        after = info["endCursor"].clone();
    }
    assert_eq!(seen, ["admin", "nina", "oscar", "pia", "quinn", "ruth"]);

    // Last name, descending: users without one come last; ties by id.
    let by_last = app
        .gql(
            &admin,
            list,
            json!({ "first": 3, "order": { "field": "LAST_NAME", "direction": "DESC" } }),
        )
        .await;
    assert_eq!(usernames(&by_last), ["nina", "quinn", "ruth"]);
    let rest = app
        .gql(&admin, list, json!({ "first": 10, "after": by_last.data()["users"]["pageInfo"]["endCursor"], "order": { "field": "LAST_NAME", "direction": "DESC" } }))
        .await;
    assert_eq!(usernames(&rest), ["oscar", "pia", "admin"]);

    let search = app
        .gql(&admin, list, json!({ "filter": { "search": "ALPHA" } }))
        .await;
    assert_eq!(usernames(&search), ["oscar", "ruth"]);
    let search = app
        .gql(
            &admin,
            list,
            json!({ "filter": { "search": "shop.example nin" } }),
        )
        .await;
    assert_eq!(usernames(&search), ["nina"]);
    let literal = app
        .gql(&admin, list, json!({ "filter": { "search": "%" } }))
        .await;
    assert_eq!(literal.data()["users"]["totalCount"], 0);

    app.gql(
        &admin,
        "mutation($id: ID!) { disableUser(id: $id) { id } }",
        json!({ "id": ids[0] }),
    )
    .await
    .data();
    let disabled = app
        .gql(&admin, list, json!({ "filter": { "view": "DISABLED" } }))
        .await;
    assert_eq!(usernames(&disabled), ["nina"]);
    let active = app
        .gql(&admin, list, json!({ "filter": { "view": "ACTIVE" } }))
        .await;
    assert_eq!(active.data()["users"]["totalCount"], 5);
    let enabled = app
        .gql(&admin, list, json!({ "filter": { "enabled": false } }))
        .await;
    assert_eq!(usernames(&enabled), ["nina"]);
    let by_role = app
        .gql(
            &admin,
            list,
            json!({ "filter": { "roleId": app.role_id(&admin, "Administrator").await } }),
        )
        .await;
    assert_eq!(usernames(&by_role), ["admin"]);

    let bad = app
        .gql(&admin, list, json!({ "after": "not-a-cursor" }))
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");
    let too_many = app.gql(&admin, list, json!({ "first": 1000 })).await;
    assert_eq!(too_many.code(), "BAD_USER_INPUT");
}

async fn nested_relations_do_not_multiply_statements(backend: Backend) {
    // No worker in this process: nothing but the requests writes (with
    // SQLite any commit empties what the server keeps, so a delivery
    // between two requests would make its viewer be read again).
    let app = spawn_app_with(backend, |s| s.jobs.in_process_worker = false).await;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    for i in 0..49 {
        app.create_user(
            &admin,
            &format!("page{i:02}"),
            PASSWORD,
            std::slice::from_ref(&role),
        )
        .await;
    }
    let query = "query($first: Int) { users(first: $first) { edges { node { username
        roles { name permissions organization { name } } organizations { name } businessUnits { name } groups { name }
        ownerBusinessUnit { name parent { name } } additionalEmails } } } }";
    let mut counts = Vec::new();
    for first in [2, 50] {
        // Every earlier change's notification in first (each empties what
        // the server keeps), then warm: the first request of a server
        // opens connections, and a page's first request reads the rows its
        // links point to.
        app.request_statements().await;
        app.gql(&admin, query, json!({ "first": first }))
            .await
            .data();
        // Only the request's own statements count, not the workers'.
        let before = app.request_statements().await;
        let response = app.gql(&admin, query, json!({ "first": first })).await;
        assert_eq!(
            response.data()["users"]["edges"]
                .as_array()
                .expect("edges")
                .len(),
            first
        );
        counts.push(app.request_statements().await - before);
        eprintln!(
            "statements of a page of {first}: {}",
            counts[counts.len() - 1]
        );
    }
    assert!(counts[0] > 0, "the request's statements are counted");
    assert_eq!(
        counts[0], counts[1],
        "statements for 2 and 50 users: {counts:?}"
    );
    assert!(counts[1] <= 12, "statements per request: {counts:?}");
}

async fn list_by_creation_login_unit_and_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    seed_people(&app, &admin).await;
    let list = "query($filter: UserFilter, $order: UserOrder) {
        users(first: 10, filter: $filter, orderBy: $order) { edges { node { username } } } }";
    let newest = app
        .gql(
            &admin,
            list,
            json!({ "order": { "field": "CREATED_AT", "direction": "DESC" } }),
        )
        .await;
    assert_eq!(
        usernames(&newest),
        ["ruth", "quinn", "pia", "oscar", "nina", "admin"]
    );
    app.login("quinn", PASSWORD).await;
    let by_login = app
        .gql(
            &admin,
            list,
            json!({ "order": { "field": "LAST_LOGIN_AT", "direction": "DESC" } }),
        )
        .await;
    assert_eq!(usernames(&by_login)[..2], ["quinn", "admin"]);
    let by_email = app
        .gql(&admin, list, json!({ "order": { "field": "EMAIL" } }))
        .await;
    assert_eq!(usernames(&by_email)[0], "admin");
    let status = app
        .gql(
            &admin,
            list,
            json!({ "filter": { "authStatus": "ACTIVE", "search": "quinn" } }),
        )
        .await;
    assert_eq!(usernames(&status), ["quinn"]);

    let unit = app
        .gql(
            &admin,
            "mutation { createBusinessUnit(input: { name: \"Sales\" }) { id } }",
            json!({}),
        )
        .await;
    let unit = unit.data()["createBusinessUnit"]["id"].clone();
    let pia = app
        .gql(&admin, list, json!({ "filter": { "search": "pia" } }))
        .await;
    assert_eq!(usernames(&pia), ["pia"]);
    let pia_id = app
        .gql(
            &admin,
            "{ users(filter: { search: \"pia\" }) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let pia_id = pia_id.data()["users"]["edges"][0]["node"]["id"].clone();
    app.gql(&admin, "mutation($id: ID!, $u: [ID!]) { updateUser(id: $id, input: { businessUnitIds: $u }) { id } }", json!({ "id": pia_id, "u": [unit] }))
        .await
        .data();
    let in_unit = app
        .gql(
            &admin,
            list,
            json!({ "filter": { "businessUnitId": unit } }),
        )
        .await;
    assert_eq!(usernames(&in_unit), ["pia"]);

    let other = app
        .gql(
            &admin,
            "mutation { createOrganization(input: { name: \"Other\" }) { id } }",
            json!({}),
        )
        .await;
    let other = other.data()["createOrganization"]["id"].clone();
    let in_other = app
        .gql(
            &admin,
            list,
            json!({ "filter": { "organizationId": other } }),
        )
        .await;
    assert_eq!(usernames(&in_other), ["admin"]);
    let foreign = app
        .gql(
            &admin,
            list,
            json!({ "filter": { "organizationId": "999" } }),
        )
        .await;
    assert_eq!(usernames(&foreign), Vec::<String>::new());
}
