//! Links in emails open in a browser: an export's link, signed for its
//! requester, downloads the file without credentials, and only that
//! export's file, while the export lasts.

use std::time::Duration;

use serde_json::{Value, json};
use support::{Auth, Backend, TestApp, spawn_app};

on_every_database!(signed_export_links_open_their_export_only);

const WAIT: Duration = Duration::from_secs(30);
const PUBLIC_URL: &str = "https://gatehouse.test";
/// What a browser asks for when it follows a link.
const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A mail reader's browser: no cookies, no credentials.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .expect("client")
}

/// What following a link answered.
struct Opened {
    status: u16,
    content_type: String,
    body: String,
}

/// Follows `link` (an address under the public URL) to the test server.
async fn open(app: &TestApp, link: &str) -> Opened {
    let path = link
        .strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("{link} is not under {PUBLIC_URL}"));
    let path = if path.is_empty() { "/" } else { path };
    let response = browser()
        .get(app.url(path))
        .header("accept", BROWSER_ACCEPT)
        .send()
        .await
        .expect("follow the link");
    Opened {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: response.text().await.expect("body"),
    }
}

/// `link` with the last character of its signature changed.
fn tamper(link: &str) -> String {
    let mut tampered = link.to_owned();
    let last = tampered.pop().expect("a link");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    tampered
}

/// `downloadUrl` of job `id`, as `auth` sees it.
async fn download_url(app: &TestApp, auth: &Auth, id: &str) -> String {
    app.gql(
        auth,
        "query($id: ID!) { job(id: $id) { downloadUrl } }",
        json!({ "id": id }),
    )
    .await
    .data()["job"]["downloadUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("no downloadUrl for job {id}"))
        .to_owned()
}

/// Starts an export as `auth` and waits for it; its id.
async fn exported(app: &TestApp, auth: &Auth) -> String {
    let id = app
        .gql(auth, "mutation { exportUsers { id } }", json!({}))
        .await
        .id("exportUsers");
    assert_eq!(app.wait_job(auth, &id, WAIT).await["status"], "SUCCEEDED");
    id
}

async fn signed_export_links_open_their_export_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (clerk_id, clerk) = app
        .staff(&admin, "clerk", &["USERS_VIEW", "USERS_EXPORT"])
        .await;
    let (_, manager) = app
        .staff(&admin, "manager", &["USERS_VIEW", "JOBS_MANAGE"])
        .await;
    let first = exported(&app, &clerk).await;
    let second = exported(&app, &clerk).await;

    // The requester gets the signed link; it opens without credentials.
    let link = download_url(&app, &clerk, &first).await;
    assert!(
        link.starts_with(&format!("{PUBLIC_URL}/exports/{first}?expires=")),
        "{link}"
    );
    assert!(link.contains("&signature="), "{link}");
    let opened = open(&app, &link).await;
    assert_eq!(
        (opened.status, opened.content_type.as_str()),
        (200, "text/csv; charset=utf-8")
    );
    // An administrator gets the plain address, which needs credentials.
    let plain = download_url(&app, &manager, &first).await;
    assert_eq!(plain, format!("{PUBLIC_URL}/exports/{first}"));
    assert_eq!(open(&app, &plain).await.status, 401);
    let Auth::Bearer(token) = &manager else {
        unreachable!()
    };
    let scripted = app
        .client()
        .get(app.url(&format!("/exports/{first}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    assert_eq!(scripted.status(), 200, "header-based download still works");

    // Another export's id, another expiry, a changed signature: refused.
    let query = link.split_once('?').expect("query").1;
    let elsewhere = format!("{PUBLIC_URL}/exports/{second}?{query}");
    let expires: i64 = query
        .split('&')
        .find_map(|p| p.strip_prefix("expires="))
        .and_then(|e| e.parse().ok())
        .expect("expires");
    let later = link.replace(
        &format!("expires={expires}"),
        &format!("expires={}", expires + 3600),
    );
    for refused in [
        elsewhere,
        later,
        tamper(&link),
        format!("{PUBLIC_URL}/exports/{first}?signature="),
    ] {
        let answer = app
            .client()
            .get(app.url(refused.strip_prefix(PUBLIC_URL).expect("path")))
            .send()
            .await
            .expect("refused");
        assert_eq!(answer.status(), 403, "{refused}");
        let body: Value = answer.json().await.expect("JSON for a script");
        assert_eq!(body["error"]["code"], "FORBIDDEN", "{refused}");
    }
    assert_eq!(
        open(&app, &download_url(&app, &clerk, &second).await)
            .await
            .status,
        200
    );

    // The link works for its requester only while they can act.
    for (change, status) in [("disableUser", 403), ("enableUser", 200)] {
        let query = format!("mutation($id: ID!) {{ {change}(id: $id) {{ id }} }}");
        app.gql(&admin, &query, json!({ "id": clerk_id }))
            .await
            .data();
        assert_eq!(open(&app, &link).await.status, status, "after {change}");
    }

    // It expires with the export.
    app.advance_clock(Duration::from_secs(24 * 3600 + 60));
    let expired = open(&app, &link).await;
    assert_eq!(expired.status, 410, "{}", expired.body);
}
