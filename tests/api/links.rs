//! Every link Gatehouse puts in an email opens in a browser: each kind of
//! email of the catalog is sent, every link of each (the `href`s of the
//! HTML part, the URLs of the text part) is followed by an HTTP client that
//! sends no credentials, as a mail reader's browser would, and the flow of
//! the page it opens is completed the way the page's script does it.

use std::collections::BTreeMap;
use std::time::Duration;

use domain::email::catalog;
use serde_json::{Value, json};
use support::smtp::Received;
use support::{Auth, Backend, PASSWORD, TestApp, spawn_app};

use crate::customers::{customer_login, customer_user, shop};

on_every_database!(
    every_link_of_every_email_opens_in_a_browser,
    signed_export_links_open_their_export_only
);

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
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Opened {
    fn is_page(&self) -> bool {
        self.status == 200 && self.content_type.starts_with("text/html")
    }
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
    let headers = response.headers().clone();
    Opened {
        status: response.status().as_u16(),
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        headers,
        body: response.text().await.expect("body"),
    }
}

/// The token in a link's query string.
fn token_of(link: &str) -> String {
    link.split_once("token=")
        .map(|(_, token)| token.split('&').next().unwrap_or(token).to_owned())
        .unwrap_or_else(|| panic!("no token in {link}"))
}

/// The flows of a page: its forms' `data-flow`.
fn flows(page: &str) -> Vec<String> {
    page.match_indices("data-flow=\"")
        .map(|(at, found)| {
            let rest = &page[at + found.len()..];
            rest[..rest.find('"').expect("attribute end")].to_owned()
        })
        .collect()
}

/// The GraphQL operation the page's script sends for `flow`, read from the
/// script itself.
fn operation(script: &str, flow: &str) -> String {
    let start = script
        .find(&format!("\"{flow}\": {{"))
        .unwrap_or_else(|| panic!("the script has no flow {flow}"));
    let rest = &script[start..];
    let query = &rest[rest.find("query: \"").expect("its query") + "query: \"".len()..];
    query[..query.find('"').expect("query end")].to_owned()
}

/// Checks what every page shares: a strict policy allowing only our own
/// assets, no inline script, our script and style sheet; answers the script.
async fn check_page(app: &TestApp, opened: &Opened, link: &str) -> String {
    assert!(
        opened.is_page(),
        "{link}: {} {}",
        opened.status,
        opened.content_type
    );
    let policy = opened.headers["content-security-policy"]
        .to_str()
        .expect("policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "form-action 'none'",
    ] {
        assert!(policy.contains(directive), "{link}: {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(opened.headers["referrer-policy"], "no-referrer", "{link}");
    assert!(
        opened.body.contains("<script src=\"/pages/pages.js\""),
        "{link}"
    );
    assert!(
        !opened.body.contains("<script>"),
        "no inline script: {link}"
    );
    assert!(!opened.body.contains("style="), "no inline style: {link}");
    for asset in ["/pages/pages.js", "/pages/pages.css", "/pages/icon.svg"] {
        assert!(opened.body.contains(asset), "{link} uses {asset}");
    }
    let fetch = async |path: &str, tag: Option<&str>| {
        let mut request = browser().get(app.url(path));
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        request.send().await.expect(path)
    };
    let script = fetch("/pages/pages.js", None).await;
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/javascript")
    );
    assert_eq!(fetch("/pages/pages.css", None).await.status(), 200);
    // Revalidated like every embedded file: the browser's copy stays
    // current across upgrades without downloading it on every page.
    let tag = script.headers()["etag"].to_str().expect("tag").to_owned();
    assert_eq!(fetch("/pages/pages.js", Some(&tag)).await.status(), 304);
    assert_eq!(fetch("/pages/other.js", None).await.status(), 404);
    script.text().await.expect("script text")
}

/// Sends `query` as the page's script does: no credentials, JSON.
async fn as_script(app: &TestApp, query: &str, variables: Value) -> support::GqlResponse {
    app.gql(&Auth::None, query, variables).await
}

/// Opens the page of a password link (reset or welcome) and sets
/// `password` as its script does: a weak one first, refused with the
/// policy's reasons, then `password`. Answers the script's operation and
/// the link's token.
async fn set_password_through(app: &TestApp, link: &str, password: &str) -> (String, String) {
    let opened = open(app, link).await;
    let script = check_page(app, &opened, link).await;
    assert_eq!(flows(&opened.body)[0], "complete-password-reset", "{link}");
    let complete = operation(&script, "complete-password-reset");
    let token = token_of(link);
    let weak = as_script(
        app,
        &complete,
        json!({ "token": token, "newPassword": "weak" }),
    )
    .await;
    assert_eq!(weak.code(), "BAD_USER_INPUT");
    let rules = &weak.error()["extensions"]["fields"][0];
    assert_eq!(rules["field"], "newPassword");
    assert!(
        rules["reasons"].as_array().is_some_and(|r| !r.is_empty()),
        "{rules}"
    );
    let done = as_script(
        app,
        &complete,
        json!({ "token": token, "newPassword": password }),
    )
    .await;
    assert_eq!(done.data()["completePasswordReset"], true, "{link}");
    (complete, token)
}

/// Sends one email of every kind of the catalog.
async fn send_every_kind(app: &TestApp, admin: &Auth, shop: &crate::customers::Shop) {
    let (admin_id, _) = app.me_ids(admin).await;
    let read_only = app.role_id(admin, "Read-only").await;
    let invited = app
        .try_create_user(
            admin,
            json!({ "username": "ivy", "password": PASSWORD, "passwordConfirmation": PASSWORD,
                    "firstName": "Ivy", "email": "ivy@example.com", "roleIds": [read_only],
                    "sendInvitation": true }),
        )
        .await
        .id("createUser");
    app.create_user(admin, "rex", PASSWORD, std::slice::from_ref(&read_only))
        .await;
    let rita = customer_user(app, admin, &shop.customer, "rita@acme.example", &shop.buyer).await;
    customer_user(app, admin, &shop.customer, "sam@acme.example", &shop.buyer).await;
    let request =
        "mutation($e: String!, $w: ID) { requestPasswordReset(email: $e, websiteId: $w) }";
    let operations = [
        (
            admin,
            "mutation($id: ID!) { resetUserPassword(id: $id) { id } }",
            json!({ "id": invited }),
        ),
        (&Auth::None, request, json!({ "e": "rex@example.com" })),
        (
            admin,
            "mutation($input: CreateCustomerUserInput!) { createCustomerUser(input: $input) { id } }",
            json!({ "input": { "customerId": shop.customer, "firstName": "Wen", "lastName": "Come",
                    "email": "wen@acme.example", "generatePassword": true, "sendWelcomeEmail": true,
                    "confirmed": false, "roleIds": [shop.buyer] } }),
        ),
        (
            &Auth::None,
            "mutation($input: RegisterCustomerUserInput!) { registerCustomerUser(input: $input) }",
            json!({ "input": { "websiteId": shop.website, "companyName": "Initech", "firstName": "Peter",
                    "lastName": "Gibbons", "email": "peter@initech.example", "password": PASSWORD,
                    "passwordConfirmation": PASSWORD, "consentIds": [] } }),
        ),
        (
            admin,
            "mutation($id: ID!) { resetCustomerUserPassword(id: $id) { id } }",
            json!({ "id": rita }),
        ),
        (
            &Auth::None,
            request,
            json!({ "e": "sam@acme.example", "w": shop.website }),
        ),
    ];
    for (auth, query, variables) in operations {
        app.gql(auth, query, variables).await.data();
    }
    app.create_oauth_application(admin, json!({ "name": "ERP sync", "userId": admin_id }))
        .await;
    let export = app
        .gql(admin, "mutation { exportUsers { id } }", json!({}))
        .await
        .id("exportUsers");
    assert_eq!(
        app.wait_job(admin, &export, WAIT).await["status"],
        "SUCCEEDED"
    );
    app.emails_settled().await;
}

async fn every_link_of_every_email_opens_in_a_browser(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    send_every_kind(&app, &admin, &shop).await;
    // The SMTP server may record the last message a moment after the
    // outbox counts it sent.
    let first: Vec<&str> = catalog::KINDS
        .iter()
        .map(|kind| kind.name)
        .filter(|name| *name != catalog::PASSWORD_CHANGED)
        .collect();
    let mut by_kind: BTreeMap<String, Received> = app
        .smtp
        .wait_for_templates(&first, WAIT)
        .await
        .into_iter()
        .map(|message| (message.template(), message))
        .collect();
    let mut take = |kind: &str| {
        by_kind
            .remove(kind)
            .unwrap_or_else(|| panic!("no {kind} email was sent"))
    };
    let mut followed = 0;

    // The invitation's login link: a page pointing to GraphiQL.
    for link in take(catalog::INVITATION).links() {
        let opened = open(&app, &link).await;
        check_page(&app, &opened, &link).await;
        assert!(opened.body.contains("href=\"/graphql\""), "{link}");
        assert!(open(&app, &format!("{PUBLIC_URL}/graphql")).await.is_page());
        followed += 1;
    }

    // Password links: the page sets a new password with the link's token,
    // which then logs in, and works once.
    let back_office = |login: &'static str| (login, None);
    let storefront = |email: &'static str| (email, Some(shop.website.as_str()));
    for (kind, path, (login, website)) in [
        (
            catalog::FORCE_RESET_PASSWORD,
            "/reset-password?token=ghr_",
            back_office("ivy"),
        ),
        (
            catalog::PASSWORD_RESET_REQUESTED,
            "/reset-password?token=ghr_",
            back_office("rex"),
        ),
        (
            catalog::CUSTOMER_WELCOME,
            "/set-password?token=ghp_",
            storefront("wen@acme.example"),
        ),
        (
            catalog::CUSTOMER_FORCE_RESET_PASSWORD,
            "/reset-password?token=ghp_",
            storefront("rita@acme.example"),
        ),
        (
            catalog::CUSTOMER_PASSWORD_RESET_REQUESTED,
            "/reset-password?token=ghp_",
            storefront("sam@acme.example"),
        ),
    ] {
        let links = take(kind).links();
        assert_eq!(links.len(), 1, "{kind}: {links:?}");
        assert!(
            links[0].starts_with(&format!("{PUBLIC_URL}{path}")),
            "{kind}: {}",
            links[0]
        );
        let password = "Through-The-L1nk";
        let (complete, token) = set_password_through(&app, &links[0], password).await;
        match website {
            None => {
                app.login(login, password).await;
            }
            Some(website) => {
                customer_login(&app, website, login, password).await.data();
            }
        }
        let again = as_script(
            &app,
            &complete,
            json!({ "token": token, "newPassword": "An0ther-Password" }),
        )
        .await;
        assert_eq!(again.code(), "BAD_USER_INPUT", "{kind}");
        assert!(
            again.error()["message"]
                .as_str()
                .is_some_and(|m| m.contains("used already"))
        );
        followed += 1;
    }

    // The confirmation link confirms the address: the customer user logs in.
    let links = take(catalog::CUSTOMER_CONFIRMATION).links();
    assert_eq!(links.len(), 1, "{links:?}");
    let link = &links[0];
    assert!(
        link.starts_with(&format!("{PUBLIC_URL}/confirm-email?token=ghe_")),
        "{link}"
    );
    let unconfirmed = customer_login(&app, &shop.website, "peter@initech.example", PASSWORD).await;
    assert_eq!(unconfirmed.code(), "ACCOUNT_UNCONFIRMED");
    let opened = open(&app, link).await;
    let script = check_page(&app, &opened, link).await;
    assert_eq!(flows(&opened.body), ["confirm-email"]);
    let confirm = operation(&script, "confirm-email");
    let token = token_of(link);
    let done = as_script(&app, &confirm, json!({ "token": token })).await;
    assert_eq!(done.data()["confirmCustomerUserEmail"], true);
    customer_login(&app, &shop.website, "peter@initech.example", PASSWORD)
        .await
        .data();
    let spent = as_script(&app, &confirm, json!({ "token": token })).await;
    assert_eq!(spent.code(), "BAD_USER_INPUT");
    followed += 1;

    // The export's link downloads the file without credentials; changed,
    // it is refused.
    let links = take(catalog::EXPORT_FINISHED).links();
    assert_eq!(links.len(), 1, "{links:?}");
    let opened = open(&app, &links[0]).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(opened.content_type, "text/csv; charset=utf-8");
    assert!(
        opened
            .body
            .lines()
            .any(|line| line.contains("rex@example.com"))
    );
    let refused = open(&app, &tamper(&links[0])).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.content_type.starts_with("text/html"),
        "a page for a browser"
    );
    assert!(
        refused.body.contains("signature does not match"),
        "{}",
        refused.body
    );
    followed += 1;

    // The notices carry no link; completing the resets sent the
    // password-changed ones.
    take(catalog::OAUTH_APPLICATION_CREATED);
    app.emails_settled().await;
    let messages = app
        .smtp
        .wait_for_templates(&[catalog::PASSWORD_CHANGED], WAIT)
        .await;
    let notices = [
        catalog::PASSWORD_CHANGED,
        catalog::OAUTH_APPLICATION_CREATED,
    ];
    for notice in messages
        .iter()
        .filter(|m| notices.contains(&m.template().as_str()))
    {
        assert_eq!(
            notice.links(),
            Vec::<String>::new(),
            "{}",
            notice.template()
        );
    }
    // Every kind of the catalog was sent and checked, and every link of
    // every email followed.
    assert!(by_kind.is_empty(), "unchecked: {:?}", by_kind.keys());
    for kind in catalog::KINDS {
        assert!(
            messages.iter().any(|m| m.template() == kind.name),
            "no {} email was sent",
            kind.name
        );
    }
    let links: usize = messages.iter().map(|m| m.links().len()).sum();
    assert_eq!(followed, links);
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
