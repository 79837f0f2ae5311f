//! Gatehouse's pages in a real browser, Chromium, on a network without the
//! internet: GraphiQL and the job board, as integrators and operators use
//! them. Each test keeps screenshots under `target/screenshots/`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use support::browser::Browser;
use support::{ADMIN_PASSWORD, Auth, Backend, TestApp, spawn_app};

on_every_database!(job_board_draws_its_queues);

/// Every resource the page loaded came from Gatehouse, and nothing went
/// wrong on it: no exception, no refused or failed request, no
/// Content-Security-Policy violation.
async fn only_gatehouse_was_asked(browser: &mut Browser, app: &TestApp) {
    let loaded = browser
        .eval("performance.getEntriesByType('resource').map(e => e.name)")
        .await;
    let origin = format!("http://{}/", app.address);
    let foreign: Vec<&Value> = loaded
        .as_array()
        .expect("resources")
        .iter()
        .filter(|url| !url.as_str().unwrap_or_default().starts_with(&origin))
        .collect();
    assert!(foreign.is_empty(), "loaded from elsewhere: {foreign:?}");
    assert!(
        loaded.as_array().is_some_and(|all| !all.is_empty()),
        "the page loaded its own files"
    );
    // The browser asks for a favicon of its own accord; Gatehouse has none.
    let problems: Vec<&String> = browser
        .problems()
        .iter()
        .filter(|p| !p.contains("favicon.ico"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Replaces the text of the Monaco editor under `selector` as a person
/// would: click into it, select all, paste.
async fn type_into(browser: &mut Browser, selector: &str, text: &str) {
    browser.click(&format!("{selector} .view-lines")).await;
    browser.press("a", "KeyA", 2, Some("selectAll")).await;
    browser.paste(text).await;
    // GraphiQL reads an edited document after a pause of typing.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
}

/// What the result pane of the open tab shows (each tab keeps one; Monaco
/// draws spaces as no-break spaces).
const RESULT: &str = "[...document.querySelectorAll('.result-window')]\
    .filter(e => e.offsetParent !== null).map(e => e.innerText).join('')\
    .replaceAll('\\u00a0', ' ')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_explores_queries_and_subscribes_without_internet() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.admin().await;
    let Auth::Bearer(token) = admin.clone() else {
        unreachable!("the administrator logs in with a token")
    };
    let mut browser = Browser::launch().await;
    browser.open(&app.url("/graphql")).await;
    browser
        .wait_for("document.querySelector('.graphiql-container .monaco-editor')")
        .await;

    // The header editor shows how to pass a token.
    let headers = browser
        .wait_for(
            "document.querySelector('.graphiql-editor-tool')?.innerText.replaceAll('\\u00a0', ' ')",
        )
        .await;
    assert!(
        headers
            .as_str()
            .is_some_and(|text| text.contains("\"Authorization\": \"Bearer <token>\"")),
        "{headers}"
    );

    // GraphiQL introspected the schema: the documentation explorer has it.
    browser
        .click("button[aria-label='Show Documentation Explorer']")
        .await;
    let docs = browser
        .wait_for(
            "(() => { const d = document.querySelector('.graphiql-doc-explorer'); \
             return d && d.innerText.includes('subscription') && d.innerText; })()",
        )
        .await;
    assert!(
        docs.as_str().is_some_and(|text| text.contains("mutation")),
        "{docs}"
    );
    browser.screenshot("graphiql-documentation").await;

    // Without a token the API says so; with one, it answers.
    type_into(
        &mut browser,
        ".graphiql-query-editor",
        "{ users(first: 1) { edges { node { username } } } }",
    )
    .await;
    browser.click(".graphiql-execute-button").await;
    browser
        .wait_for(&format!("{RESULT}.includes('UNAUTHENTICATED')"))
        .await;
    type_into(
        &mut browser,
        ".graphiql-editor-tool",
        &format!("{{\"Authorization\": \"Bearer {token}\"}}"),
    )
    .await;
    browser.click(".graphiql-execute-button").await;
    browser
        .wait_for(&format!("{RESULT}.includes('\"username\": \"admin\"')"))
        .await;
    browser.screenshot("graphiql-query").await;

    // A subscription over /graphql/ws, with the same header in
    // `connection_init`: its first event is the job as it is now.
    let started = app
        .gql(&admin, "mutation { exportUsers { id } }", json!({}))
        .await;
    let id = started.id("exportUsers");
    type_into(
        &mut browser,
        ".graphiql-query-editor",
        &format!("subscription {{ jobProgress(id: \"{id}\") {{ id kind status }} }}"),
    )
    .await;
    browser.click(".graphiql-execute-button").await;
    let event = browser
        .wait_for(&format!(
            "{RESULT}.includes('\"jobProgress\"') && {RESULT}.includes('EXPORT_USERS') && {RESULT}"
        ))
        .await;
    assert!(
        event
            .as_str()
            .is_some_and(|text| text.contains(&format!("\"id\": \"{id}\""))),
        "{event}"
    );
    browser.screenshot("graphiql-subscription").await;

    only_gatehouse_was_asked(&mut browser, &app).await;
}

async fn job_board_draws_its_queues(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    // Something in each queue: an export job, and its email.
    let started = app
        .gql(&admin, "mutation { exportUsers { id } }", json!({}))
        .await;
    app.wait_job(
        &admin,
        &started.id("exportUsers"),
        std::time::Duration::from_secs(30),
    )
    .await;

    let mut browser = Browser::launch().await;
    let basic = STANDARD.encode(format!("admin:{ADMIN_PASSWORD}"));
    browser
        .set_headers(json!({ "Authorization": format!("Basic {basic}") }))
        .await;
    browser.open(&app.url("/ops/queues")).await;
    let namespace = app.app.settings().jobs.namespace.clone();
    let page = browser
        .wait_for(&format!(
            "(() => {{ const t = document.body.innerText; \
             return t.includes('{namespace}:jobs') && t.includes('{namespace}:emails') && t; }})()"
        ))
        .await;
    assert!(
        page.as_str()
            .is_some_and(|text| text.contains("retryJob and cancelJob")),
        "the board says where jobs are retried and cancelled: {page}"
    );
    let name = match backend {
        Backend::Sqlite => "job-board-sqlite",
        Backend::Postgres => "job-board-redis",
    };
    browser.screenshot(name).await;
    only_gatehouse_was_asked(&mut browser, &app).await;
}
