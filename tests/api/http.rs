//! GraphQL over HTTP: media types, status codes, GET, batches, limits.

use serde_json::{Value, json};
use support::{Backend, spawn_app, spawn_app_with};

on_every_database!(
    media_types_and_status_codes,
    get_runs_queries_but_not_mutations,
    batches_are_limited,
    hostile_queries_are_refused,
    standard_introspection_queries_are_answered,
);

async fn post(
    app: &support::TestApp,
    accept: Option<&str>,
    content_type: &str,
    body: String,
) -> (u16, String, Value) {
    let mut request = app
        .client()
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .body(body);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, media, body)
}

async fn media_types_and_status_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let ok = json!({ "query": "{ me { user { id } } }" }).to_string();
    let invalid = json!({ "query": "{ nonsense }" }).to_string();

    let (status, media, body) = post(
        &app,
        Some("application/graphql-response+json"),
        "application/json",
        ok.clone(),
    )
    .await;
    assert_eq!(
        (status, media.as_str()),
        (200, "application/graphql-response+json; charset=utf-8")
    );
    assert_eq!(body, json!({ "data": { "me": null } }));

    // A request that cannot execute: 400 and no data with the new media type…
    let (status, _, body) = post(
        &app,
        Some("application/graphql-response+json"),
        "application/json",
        invalid.clone(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.get("data").is_none());
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // …200 with application/json, as the specification asks for legacy clients.
    let (status, media, body) =
        post(&app, Some("application/json"), "application/json", invalid).await;
    assert_eq!(
        (status, media.as_str()),
        (200, "application/json; charset=utf-8")
    );
    assert!(body.get("data").is_none());

    // Without an Accept header, or with wildcards only: application/json.
    for accept in [None, Some("*/*"), Some("application/*")] {
        let (status, media, _) = post(&app, accept, "application/json", ok.clone()).await;
        assert_eq!(
            (status, media.as_str()),
            (200, "application/json; charset=utf-8"),
            "{accept:?}"
        );
    }
    let (status, _, _) = post(&app, Some("text/csv"), "application/json", ok.clone()).await;
    assert_eq!(status, 406);
    let (status, _, _) = post(&app, None, "text/plain", ok.clone()).await;
    assert_eq!(status, 415);
    let (status, _, body) = post(&app, None, "application/json", "{not json".into()).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (status, _, _) = post(
        &app,
        Some("application/json"),
        "application/json",
        json!({ "variables": {} }).to_string(),
    )
    .await;
    assert_eq!(status, 400);
    // Field errors are not request errors.
    let (status, _, body) = post(
        &app,
        None,
        "application/json",
        json!({ "query": "{ users { totalCount } }" }).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

async fn get_runs_queries_but_not_mutations(backend: Backend) {
    let app = spawn_app(backend).await;
    let get = |query: &str| {
        app.client()
            .get(app.url("/graphql"))
            .query(&[("query", query)])
            .header("accept", "application/json")
            .send()
    };
    let response = get("{ me { user { id } } }").await.expect("get");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({ "data": { "me": null } })
    );

    let response = get("mutation { logout }").await.expect("get");
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let named = app
        .client()
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query A { me { user { id } } } mutation B { logout }",
            ),
            ("operationName", "B"),
        ])
        .send()
        .await
        .expect("get");
    assert_eq!(named.status(), 405);

    // A browser gets GraphiQL.
    let page = app
        .client()
        .get(app.url("/graphql"))
        .header("accept", "text/html,*/*;q=0.8")
        .send()
        .await
        .expect("get");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("policy")
        .to_owned();
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "connect-src 'self';",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    let html = page.text().await.expect("html");
    assert!(html.contains("/graphiql/graphiql.js"), "{html}");
    assert!(!html.contains("http"), "nothing from elsewhere: {html}");

    // Its files come from the binary, revalidated by entity tag.
    let script = app
        .client()
        .get(app.url("/graphiql/graphiql.js"))
        .send()
        .await
        .expect("script");
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let tag = script.headers()["etag"].clone();
    assert!(script.bytes().await.expect("body").len() > 1_000_000);
    let again = app
        .client()
        .get(app.url("/graphiql/graphiql.js"))
        .header("if-none-match", tag.clone())
        .send()
        .await
        .expect("script");
    assert_eq!(again.status(), 304);
    let other = app
        .client()
        .get(app.url("/graphiql/graphql.worker.js"))
        .header("if-none-match", tag)
        .send()
        .await
        .expect("worker");
    assert_eq!(other.status(), 200, "another file's tag does not match");
    for missing in ["/graphiql/unknown.js", "/favicon.ico"] {
        let response = app
            .client()
            .get(app.url(missing))
            .send()
            .await
            .expect("get");
        assert_eq!(
            response.status(),
            404,
            "{missing}: a plain 404, no login prompt"
        );
    }
}

async fn batches_are_limited(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.graphql.max_batch_size = 3).await;
    let one = json!({ "query": "{ me { user { id } } }" });
    let (status, _, body) = post(
        &app,
        None,
        "application/json",
        json!([one, one, one]).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(3));
    let (status, _, body) = post(
        &app,
        None,
        "application/json",
        json!([one, one, one, one]).to_string(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("at most 3")
    );
    let (status, _, _) = post(&app, None, "application/json", "[]".into()).await;
    assert_eq!(status, 400);
}

async fn hostile_queries_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.graphql.max_depth = 6;
        s.graphql.max_complexity = 200;
        s.server.environment = domain::config::Environment::Production;
    })
    .await;
    let admin = app.admin().await;
    let deep = "{ users { edges { node { ownerBusinessUnit { parent { parent { parent { name } } } } } } } }";
    let response = app.gql(&admin, deep, json!({})).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.code(), "BAD_USER_INPUT");
    let aliases: String = (0..300)
        .map(|i| format!("a{i}: suggestPassword "))
        .collect();
    let response = app
        .gql(&admin, &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(response.status, 400);
    assert!(
        response.error()["message"]
            .as_str()
            .expect("message")
            .contains("complex")
    );
    // No field suggestions in production.
    let response = app.gql(&admin, "{ usr { totalCount } }", json!({})).await;
    assert!(
        !response.error()["message"]
            .as_str()
            .expect("message")
            .contains("Did you mean")
    );
    let response = app.gql(&admin, "{ users(first: ) }", json!({})).await;
    assert_eq!(response.status, 400);
}

/// The introspection queries of graphql-js and graphql-core, verbatim
/// (tests/api/fixtures/README.md).
const INTROSPECTION: [(&str, &str); 3] = [
    (
        "graphql-js",
        include_str!("fixtures/introspection-graphql-js-16.graphql"),
    ),
    (
        "graphql-js, every option",
        include_str!("fixtures/introspection-graphql-js-16-all-options.graphql"),
    ),
    (
        "graphql-core",
        include_str!("fixtures/introspection-graphql-core-3.graphql"),
    ),
];

async fn introspect(app: &support::TestApp, query: &str) -> (u16, Value) {
    let body = json!({ "query": query, "operationName": "IntrospectionQuery" });
    let accept = Some("application/graphql-response+json");
    let (status, _, body) = post(app, accept, "application/json", body.to_string()).await;
    (status, body)
}

async fn standard_introspection_queries_are_answered(backend: Backend) {
    // The limits of the hostile test: they keep refusing deep ordinary
    // operations, and let every standard introspection query through.
    let app = spawn_app_with(backend, |s| {
        s.graphql.max_depth = 6;
        s.graphql.max_complexity = 200;
        s.server.environment = domain::config::Environment::Production;
    })
    .await;
    for (tool, query) in INTROSPECTION {
        let (status, body) = introspect(&app, query).await;
        assert_eq!(status, 200, "{tool}: {body}");
        let schema = &body["data"]["__schema"];
        assert_eq!(schema["queryType"]["name"], "Query", "{tool}");
        let types = schema["types"].as_array().expect("types");
        let user = types
            .iter()
            .find(|t| t["name"] == "User")
            .unwrap_or_else(|| panic!("{tool}: no User type"));
        assert!(
            user["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .any(|f| f["name"] == "username"),
            "{tool}: User without its fields"
        );
    }

    // Still refused: an ordinary operation too deep, the schema asked for
    // twice, member lists nested four deep below it.
    let admin = app.admin().await;
    let deep = "{ users { edges { node { ownerBusinessUnit { parent { parent { parent { name } } } } } } } }";
    assert_eq!(app.gql(&admin, deep, json!({})).await.status, 400);
    let shallow = "{ users { edges { node { ownerBusinessUnit { parent { name } } } } } }";
    app.gql(&admin, shallow, json!({})).await.data();
    let twice = "query IntrospectionQuery { a: __schema { queryType { name } } b: __schema { queryType { name } } }";
    let (status, body) = introspect(&app, twice).await;
    assert_eq!(status, 400, "{body}");
    let once = "query IntrospectionQuery { a: __schema { queryType { name } } }";
    let (status, body) = introspect(&app, once).await;
    assert_eq!(
        (status, &body["data"]["a"]["queryType"]["name"]),
        (200, &json!("Query"))
    );
    let lists = |depth: usize| {
        let mut inner = "name".to_owned();
        for _ in 0..depth {
            inner = format!("fields {{ name type {{ {inner} }} }}");
        }
        format!("query IntrospectionQuery {{ __type(name: \"User\") {{ {inner} }} }}")
    };
    let (status, body) = introspect(&app, &lists(4)).await;
    assert_eq!(status, 400, "four deep: {body}");
    let (status, body) = introspect(&app, &lists(3)).await;
    assert_eq!(status, 200, "three deep: {body}");
    assert!(body["data"]["__type"]["fields"].is_array());

    // Turned off by its setting, and only by it.
    let closed = spawn_app_with(backend, |s| s.graphql.introspection = false).await;
    let (_, body) = introspect(&closed, INTROSPECTION[0].1).await;
    assert!(
        body["data"].is_null() || body["data"]["__schema"].is_null(),
        "{body}"
    );
    assert!(body["errors"].is_array(), "{body}");
    let admin = closed.admin().await;
    closed.gql(&admin, shallow, json!({})).await.data();
}
