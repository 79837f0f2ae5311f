//! What the server keeps in memory — who a credential stands for, list
//! counts, the roles, organizations and business units pages of users
//! name — is dropped at any sign of change: a change made through this
//! server shows at its very next request; one made by another process
//! (here: SQL on a connection of its own) at the next request with
//! SQLite, and within the notification's delivery with PostgreSQL.

use std::time::Duration;

use serde_json::{Value, json};
use support::{Auth, Backend, PASSWORD, TestApp, spawn_app};

on_every_database!(
    credentials_are_kept_until_any_process_changes_them,
    counts_are_kept_until_any_process_changes_them,
    sign_ins_drop_what_is_kept_of_accounts_not_counts,
    names_on_a_page_of_users_follow_every_change,
);

const USERS: &str = "{ users(first: 1) { totalCount } }";

/// Waits until `times` requests of `auth` in a row cost no statement: the
/// server keeps who it stands for (with PostgreSQL, once it listens for
/// changes).
async fn until_kept(app: &TestApp, auth: &Auth, times: u32, case: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut in_a_row = 0;
    while in_a_row < times {
        let before = app.request_statements().await;
        app.gql(auth, "{ me { user { id } } }", json!({}))
            .await
            .data();
        if app.request_statements().await == before {
            in_a_row += 1;
        } else {
            in_a_row = 0;
            assert!(
                tokio::time::Instant::now() < deadline,
                "{case}: the credential is still read every time"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Sends `query` as `auth` until it answers `code`; how many other answers
/// came first (with SQLite and for this server's own changes: none).
async fn answered_after(app: &TestApp, auth: &Auth, query: &str, code: &str, case: &str) -> u32 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut before = 0;
    loop {
        let response = app.gql(auth, query, json!({})).await;
        let answered = if response.body.get("errors").is_some() {
            response.code().to_owned()
        } else {
            "OK".to_owned()
        };
        if answered == code {
            return before;
        }
        before += 1;
        assert!(
            tokio::time::Instant::now() < deadline,
            "{case}: still {answered}, not {code}, after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn credentials_are_kept_until_any_process_changes_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let at_once = backend == Backend::Sqlite;
    let admin = app.admin().await;
    let (clerk, session) = app.staff(&admin, "clerk", &["USERS_VIEW"]).await;
    let role = app.role_id(&admin, "clerk").await;
    let key = app
        .gql(
            &admin,
            "mutation($u: ID!) { generateApiKey(userId: $u) { key } }",
            json!({ "u": clerk }),
        )
        .await;
    let key = Auth::ApiKey(
        key.data()["generateApiKey"]["key"]
            .as_str()
            .expect("key")
            .to_owned(),
    );
    until_kept(&app, &session, 5, "session").await;
    until_kept(&app, &key, 5, "API key").await;

    // This server's own changes: refused at the very next request.
    let set_permissions = "mutation($id: ID!, $p: [Permission!]!) { updateRole(id: $id, input: { permissions: $p }) { id } }";
    app.gql(&admin, set_permissions, json!({ "id": role, "p": [] }))
        .await
        .data();
    assert_eq!(
        app.gql(&session, USERS, json!({})).await.code(),
        "FORBIDDEN"
    );
    assert_eq!(app.gql(&key, USERS, json!({})).await.code(), "FORBIDDEN");
    app.gql(
        &admin,
        set_permissions,
        json!({ "id": role, "p": ["USERS_VIEW"] }),
    )
    .await
    .data();
    app.gql(&session, USERS, json!({})).await.data();
    until_kept(&app, &key, 3, "API key again").await;
    app.gql(
        &admin,
        "mutation($u: ID!) { revokeApiKey(userId: $u) }",
        json!({ "u": clerk }),
    )
    .await
    .data();
    assert_eq!(
        app.gql(&key, USERS, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
    until_kept(&app, &session, 3, "session again").await;
    let status = |action: &str| format!("mutation($id: ID!) {{ {action}(id: $id) {{ id }} }}");
    app.gql(&admin, &status("disableUser"), json!({ "id": clerk }))
        .await
        .data();
    assert_eq!(
        app.gql(&session, USERS, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
    app.gql(&admin, &status("enableUser"), json!({ "id": clerk }))
        .await
        .data();
    let session = Auth::Bearer(app.login("clerk", PASSWORD).await);
    until_kept(&app, &session, 3, "new session").await;
    app.gql(&session, "mutation { logout }", json!({}))
        .await
        .data();
    assert_eq!(
        app.gql(&session, USERS, json!({})).await.code(),
        "UNAUTHENTICATED"
    );

    // Another process's changes.
    let elsewhere = async |sql: String, session: &Auth, code: &str, case: &str| {
        until_kept(&app, session, 3, case).await;
        app.write_elsewhere(&sql).await;
        let late = answered_after(&app, session, USERS, code, case).await;
        if at_once {
            assert_eq!(late, 0, "{case}: answered {late} times first");
        }
    };
    let session = Auth::Bearer(app.login("clerk", PASSWORD).await);
    elsewhere(
        format!("UPDATE users SET auth_status = 'LOCKED' WHERE id = {clerk}"),
        &session,
        "UNAUTHENTICATED",
        "locked elsewhere",
    )
    .await;
    app.write_elsewhere(&format!(
        "UPDATE users SET auth_status = 'ACTIVE' WHERE id = {clerk}"
    ))
    .await;
    let session = Auth::Bearer(app.login("clerk", PASSWORD).await);
    elsewhere(
        format!("DELETE FROM role_permissions WHERE role_id = {role}"),
        &session,
        "FORBIDDEN",
        "permission taken elsewhere",
    )
    .await;
    elsewhere(
        format!("DELETE FROM sessions WHERE user_id = {clerk}"),
        &session,
        "UNAUTHENTICATED",
        "session ended elsewhere",
    )
    .await;
    let session = Auth::Bearer(app.login("clerk", PASSWORD).await);
    elsewhere(
        format!("DELETE FROM user_organizations WHERE user_id = {clerk}"),
        &session,
        "UNAUTHENTICATED",
        "membership ended elsewhere",
    )
    .await;
}

async fn total(app: &TestApp, auth: &Auth, filter: Value) -> i64 {
    let query = "query($f: UserFilter) { users(first: 1, filter: $f) { totalCount } }";
    app.gql(auth, query, json!({ "f": filter })).await.data()["users"]["totalCount"]
        .as_i64()
        .expect("a count")
}

/// Whether the unfiltered count costs no statement of its own: the
/// request with `totalCount` sends as many as the same list without it
/// (after a request that reads the viewer again if it is not kept).
async fn count_kept(app: &TestApp, auth: &Auth) -> bool {
    app.gql(auth, "{ me { user { id } } }", json!({}))
        .await
        .data();
    let before = app.request_statements().await;
    total(app, auth, json!(null)).await;
    let counted = app.request_statements().await - before;
    let before = app.request_statements().await;
    app.gql(
        auth,
        "{ users(first: 1) { edges { node { id } } } }",
        json!({}),
    )
    .await
    .data();
    counted == app.request_statements().await - before
}

/// Waits until the count is kept (with PostgreSQL once the server listens).
async fn until_count_kept(app: &TestApp, auth: &Auth) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !count_kept(app, auth).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the count is taken every time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn counts_are_kept_until_any_process_changes_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let at_once = backend == Backend::Sqlite;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    for name in ["ann", "bob"] {
        app.create_user(&admin, name, PASSWORD, std::slice::from_ref(&role))
            .await;
    }
    let all = json!(null);
    assert_eq!(total(&app, &admin, all.clone()).await, 3);
    until_count_kept(&app, &admin).await;

    // Through this server: exact at the next request.
    let carl = app
        .create_user(&admin, "carl", PASSWORD, std::slice::from_ref(&role))
        .await;
    assert_eq!(total(&app, &admin, all.clone()).await, 4);
    let active = json!({ "view": "ACTIVE" });
    assert_eq!(total(&app, &admin, active.clone()).await, 4);
    app.gql(
        &admin,
        "mutation($id: ID!) { disableUser(id: $id) { id } }",
        json!({ "id": carl }),
    )
    .await
    .data();
    assert_eq!(total(&app, &admin, active.clone()).await, 3);

    // By another process: a user disabled, one taken out of the organization.
    let counted_after = async |sql: String, filter: &Value, wanted: i64, case: &str| {
        app.write_elsewhere(&sql).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let mut late = 0;
        while total(&app, &admin, filter.clone()).await != wanted {
            late += 1;
            assert!(
                tokio::time::Instant::now() < deadline,
                "{case}: not {wanted} after 5 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if at_once {
            assert_eq!(late, 0, "{case}: the old count {late} times first");
        }
    };
    counted_after(
        "UPDATE users SET enabled = FALSE WHERE username = 'bob'".into(),
        &active,
        2,
        "disabled elsewhere",
    )
    .await;
    counted_after(
        "DELETE FROM user_organizations WHERE user_id = (SELECT id FROM users WHERE username = 'ann')".into(),
        &all,
        3,
        "left the organization elsewhere",
    )
    .await;
}

async fn last_login(app: &TestApp, auth: &Auth) -> Value {
    app.gql(auth, "{ me { user { lastLoginAt } } }", json!({}))
        .await
        .data()["me"]["user"]["lastLoginAt"]
        .clone()
}

async fn sign_ins_drop_what_is_kept_of_accounts_not_counts(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (clerk, session) = app.staff(&admin, "clerk", &["USERS_VIEW"]).await;
    until_count_kept(&app, &admin).await;
    until_kept(&app, &session, 3, "session").await;
    let seen = last_login(&app, &session).await;

    // A login through this server: the viewer's record of its own account
    // is new at the next request; with PostgreSQL the count stays (SQLite
    // cannot tell a sign-in from other commits).
    let postgres = backend == Backend::Postgres;
    app.login("clerk", PASSWORD).await;
    if postgres {
        assert!(count_kept(&app, &admin).await, "a login dropped the count");
    }
    assert_ne!(last_login(&app, &session).await, seen);

    // A sign-in written by another process (only the last login and the
    // failed logins change): the viewer's record follows, the count stays.
    until_kept(&app, &session, 3, "session again").await;
    app.write_elsewhere(&format!(
        "UPDATE users SET last_login_at = '2030-01-02 03:04:05+00:00', failed_login_count = 0 WHERE id = {clerk}"
    ))
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !last_login(&app, &session)
        .await
        .as_str()
        .is_some_and(|at| at.starts_with("2030-01-02T03:04:05"))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the old last login after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if postgres {
        assert!(
            count_kept(&app, &admin).await,
            "a sign-in elsewhere dropped the count"
        );
    }

    // Anything more than a sign-in in the same statement drops the count.
    until_count_kept(&app, &admin).await;
    app.write_elsewhere(&format!(
        "UPDATE users SET last_login_at = '2030-01-03 00:00:00+00:00', enabled = FALSE WHERE id = {clerk}"
    ))
    .await;
    assert!(
        !count_kept(&app, &admin).await,
        "a disabled user kept the count"
    );
    assert_eq!(
        app.gql(&session, USERS, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
}

const PAGE: &str = "{ users(first: 10) { edges { node { username
    roles { id name } organizations { id name } businessUnits { id name } } } } }";

/// The names `ann`'s row of the grid shows, and the ids behind them.
async fn ann_row(app: &TestApp, auth: &Auth) -> [(String, String); 3] {
    let response = app.gql(auth, PAGE, json!({})).await;
    let edges = response.data()["users"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    let ann = edges
        .iter()
        .map(|edge| &edge["node"])
        .find(|node| node["username"] == "ann")
        .expect("ann on the page")
        .clone();
    ["roles", "organizations", "businessUnits"].map(|relation| {
        let first = &ann[relation][0];
        (
            first["id"].as_str().expect("an id").to_owned(),
            first["name"].as_str().expect("a name").to_owned(),
        )
    })
}

async fn names_on_a_page_of_users_follow_every_change(backend: Backend) {
    let app = support::spawn_app_with(backend, |s| s.jobs.in_process_worker = false).await;
    let at_once = backend == Backend::Sqlite;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    let ann = app
        .create_user(&admin, "ann", PASSWORD, std::slice::from_ref(&role))
        .await;
    let me = app
        .gql(
            &admin,
            "{ me { user { ownerBusinessUnit { id } } } }",
            json!({}),
        )
        .await;
    let unit = me.data()["me"]["user"]["ownerBusinessUnit"]["id"].clone();
    app.gql(
        &admin,
        "mutation($id: ID!, $unit: ID!) { updateUser(id: $id, input: { businessUnitIds: [$unit] }) { id } }",
        json!({ "id": ann, "unit": unit }),
    )
    .await
    .data();
    let [(role_id, _), (organization_id, _), (unit_id, _)] = ann_row(&app, &admin).await;

    // Kept: once the server keeps the viewer and the rows, a page costs the
    // page and the links, two statements, whatever it names.
    until_kept(&app, &admin, 1, "the administrator").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let before = app.request_statements().await;
        ann_row(&app, &admin).await;
        let sent = app.request_statements().await - before;
        if sent == 2 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "a page still costs {sent} statements"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Through this server: the new names at the very next request.
    for (mutation, id) in [
        ("updateRole", &role_id),
        ("updateOrganization", &organization_id),
        ("updateBusinessUnit", &unit_id),
    ] {
        app.gql(
            &admin,
            &format!(
                "mutation($id: ID!, $name: String!) {{ {mutation}(id: $id, input: {{ name: $name }}) {{ id }} }}"
            ),
            json!({ "id": id, "name": format!("{mutation} here") }),
        )
        .await
        .data();
    }
    let names = ann_row(&app, &admin).await.map(|(_, name)| name);
    assert_eq!(
        names,
        [
            "updateRole here",
            "updateOrganization here",
            "updateBusinessUnit here"
        ]
    );

    // By another process: at the next request with SQLite, within the
    // notification's delivery with PostgreSQL.
    for (table, id, position) in [
        ("roles", &role_id, 0),
        ("organizations", &organization_id, 1),
        ("business_units", &unit_id, 2),
    ] {
        let wanted = format!("{table} elsewhere");
        app.write_elsewhere(&format!(
            "UPDATE {table} SET name = '{wanted}' WHERE id = {id}"
        ))
        .await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let mut late = 0;
        while ann_row(&app, &admin).await[position].1 != wanted {
            late += 1;
            assert!(
                tokio::time::Instant::now() < deadline,
                "{table}: not renamed after 5 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if at_once {
            assert_eq!(late, 0, "{table}: the old name {late} times first");
        }
    }
}
