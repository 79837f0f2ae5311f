//! OAuth 2.0 (docs/OAUTH.md): applications managed in the back office,
//! client-credentials tokens got with the `oauth2` crate and verified with
//! `jwt-compact` against the published keys — neither shares code with the
//! server — tokens on `/graphql`, the token endpoint's errors,
//! introspection, revocation, and everything that ends a token.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::oauth::keys::KeySet;
use jwt_compact::alg::{Rsa, RsaPublicKey};
use jwt_compact::jwk::JsonWebKey;
use jwt_compact::{AlgorithmExt, UntrustedToken};
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse, BasicTokenType};
use oauth2::{
    AuthType, ClientId, ClientSecret, HttpClientError, RequestTokenError, Scope, TokenResponse,
    TokenUrl,
};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use support::{Auth, Backend, OAuthClient, OAuthResponse, TestApp, spawn_app, spawn_app_with};

use crate::customers::Shop;

on_every_database!(
    tokens_are_jwts_the_published_keys_verify,
    tokens_act_as_their_owner_within_their_scopes,
    token_endpoint_answers_as_rfc_6749_says,
    token_requests_are_rate_limited,
    missing_keys_turn_oauth_off,
    oauth_status_says_whether_oauth_is_available,
    retired_keys_stay_published_and_accepted,
    introspection_and_revocation,
    changes_to_the_application_end_its_tokens,
    changes_to_the_owner_end_its_tokens,
    client_rows_are_kept_until_any_process_changes_them,
    applications_are_managed_in_the_back_office,
);

const PASSWORD: &str = "Str0ng-Password";
/// `server.public_url` of the test servers, hence the issuer.
const ISSUER: &str = "https://gatehouse.test";
const KEYS_MISSING: &str = "OAuth authorization is not available as encryption keys configuration was not complete. Please contact your administrator.";
const WAIT: Duration = Duration::from_secs(30);
const APPLICATION_FIELDS: &str = "id name clientId active audience scopes organization { id name }
    user { id username } customerUser { id email } createdAt updatedAt secretRotatedAt";
/// Needs a back-office viewer.
const USERS: &str = "{ users { totalCount } }";
/// Needs a storefront viewer.
const CUSTOMER_ME: &str = "{ customerMe { email } }";

/// An organization with a back-office integrator (an administrator) and a
/// storefront account manager, each owning an application with every
/// scope of its side.
struct Setup {
    admin: Auth,
    organization: String,
    integrator: String,
    shop: Shop,
    customer_user: String,
    backend: OAuthClient,
    frontend: OAuthClient,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin().await;
    let organization = text(
        &app.gql(&admin, "{ me { organization { id } } }", json!({}))
            .await
            .data()["me"]["organization"]["id"],
    );
    let administrator = app.role_id(&admin, "Administrator").await;
    let integrator = app
        .create_user(&admin, "integrator", PASSWORD, &[administrator])
        .await;
    let shop = crate::customers::shop(app, &admin).await;
    let customer_user = crate::customers::customer_user(
        app,
        &admin,
        &shop.customer,
        "manager@acme.example",
        &shop.manager,
    )
    .await;
    let backend = app
        .create_oauth_application(&admin, json!({ "name": "ERP sync", "userId": integrator }))
        .await;
    let frontend = app
        .create_oauth_application(
            &admin,
            json!({ "name": "Shop app", "customerUserId": customer_user }),
        )
        .await;
    Setup {
        admin,
        organization,
        integrator,
        shop,
        customer_user,
        backend,
        frontend,
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_owned()
}

fn bearer(token: &str) -> Auth {
    Auth::Bearer(token.to_owned())
}

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}

/// The words of a space-delimited `scope`.
fn words(scope: &Value) -> BTreeSet<String> {
    set(text(scope).split(' ').filter(|w| !w.is_empty()))
}

/// The strings of a JSON array.
fn strings(array: &Value) -> BTreeSet<String> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {array}"))
        .iter()
        .map(text)
        .collect()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

// --- The `oauth2` crate, as an integrator's client would use it.

type TokenError = RequestTokenError<HttpClientError<reqwest::Error>, BasicErrorResponse>;

/// A client-credentials token request made by the `oauth2` crate.
async fn request_token(
    app: &TestApp,
    client: &OAuthClient,
    auth: AuthType,
    scopes: &[&str],
) -> Result<BasicTokenResponse, TokenError> {
    let oauth = BasicClient::new(ClientId::new(client.client_id.clone()))
        .set_client_secret(ClientSecret::new(client.secret.clone()))
        .set_auth_type(auth)
        .set_token_uri(TokenUrl::new(app.url("/oauth2-token")).expect("token URL"));
    // Following redirects would open the client to SSRF, as the crate warns.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    oauth
        .exchange_client_credentials()
        .add_scopes(scopes.iter().map(|scope| Scope::new((*scope).to_owned())))
        .request_async(&http)
        .await
}

/// The OAuth error of a refused request.
fn refusal(result: Result<BasicTokenResponse, TokenError>) -> String {
    match result {
        Err(RequestTokenError::ServerResponse(error)) => error.error().as_ref().to_owned(),
        Err(other) => panic!("expected an OAuth error response, got {other:?}"),
        Ok(token) => panic!("expected a refusal, got {token:?}"),
    }
}

fn granted(response: &BasicTokenResponse) -> BTreeSet<String> {
    response
        .scopes()
        .expect("the granted scope")
        .iter()
        .map(|scope| scope.as_str().to_owned())
        .collect()
}

// --- `jwt-compact`, as a resource server would verify tokens.

/// The keys of a JWKS document by `kid`, checking each `kid` is the key's
/// RFC 7638 thumbprint.
fn published_keys(jwks: &Value) -> Vec<(String, RsaPublicKey)> {
    jwks["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("no keys in {jwks}"))
        .iter()
        .map(|key| {
            assert_eq!(key["kty"], "RSA", "{key}");
            assert_eq!(key["use"], "sig", "{key}");
            assert_eq!(key["alg"], "RS256", "{key}");
            let jwk: JsonWebKey<'static> =
                serde_json::from_value(json!({ "kty": "RSA", "n": key["n"], "e": key["e"] }))
                    .expect("an RSA JWK");
            let kid = text(&key["kid"]);
            let thumbprint = URL_SAFE_NO_PAD.encode(jwk.thumbprint::<Sha256>().as_slice());
            assert_eq!(kid, thumbprint, "the kid is the RFC 7638 thumbprint");
            (
                kid,
                RsaPublicKey::try_from(&jwk).expect("an RSA public key"),
            )
        })
        .collect()
}

fn kid_of(token: &str) -> String {
    UntrustedToken::new(token)
        .expect("a JWT")
        .header()
        .key_id
        .clone()
        .expect("a kid")
}

/// Verifies `token` (RS256, `typ` and `kid` of RFC 9068, signed by the
/// published key it names) and answers its claims.
fn verified(keys: &[(String, RsaPublicKey)], token: &str) -> Map<String, Value> {
    let untrusted = UntrustedToken::new(token).expect("a JWT");
    assert_eq!(untrusted.algorithm(), "RS256");
    assert_eq!(untrusted.header().token_type.as_deref(), Some("at+jwt"));
    let kid = kid_of(token);
    let key = &keys
        .iter()
        .find(|(published, _)| *published == kid)
        .unwrap_or_else(|| panic!("kid {kid} is not published"))
        .1;
    let token = Rsa::rs256()
        .validator::<Map<String, Value>>(key)
        .validate(&untrusted)
        .expect("the signature verifies");
    let claims = token.claims();
    let issued = claims.issued_at.expect("iat").timestamp();
    let expires = claims.expiration.expect("exp").timestamp();
    let mut all = claims.custom.clone();
    all.insert("iat".into(), json!(issued));
    all.insert("exp".into(), json!(expires));
    all
}

/// The claims of a JWT, unverified.
fn claims_of(token: &str) -> Map<String, Value> {
    let payload = token.split('.').nth(1).expect("a JWT payload");
    let bytes = URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// A token signed the way the token endpoint signs.
fn signed(keys: &support::KeyFiles, claims: &Map<String, Value>) -> String {
    KeySet::load(&keys.settings())
        .expect("the test keys load")
        .sign(&Value::Object(claims.clone()))
        .expect("signing")
}

// --- HTTP.

async fn get(app: &TestApp, path: &str) -> OAuthResponse {
    OAuthResponse::read(
        app.client()
            .get(app.url(path))
            .send()
            .await
            .expect("request"),
    )
    .await
}

async fn send(request: reqwest::RequestBuilder) -> OAuthResponse {
    OAuthResponse::read(request.send().await.expect("request")).await
}

/// Checks the status and `error` of an answer of an OAuth endpoint.
fn assert_error(response: &OAuthResponse, status: u16, error: &str, case: &str) {
    assert_eq!(
        (response.status, response.error()),
        (status, error),
        "{case}: {}",
        response.text
    );
}

/// Checks an error answer of the token endpoint (RFC 6749 §5.2).
fn assert_refused(response: &OAuthResponse, status: u16, error: &str, case: &str) {
    assert_error(response, status, error, case);
    assert_eq!(response.header("cache-control"), Some("no-store"), "{case}");
    assert!(
        response.body["error_description"].is_string(),
        "{case}: {}",
        response.text
    );
}

/// Checks the token endpoint refuses `client` as `invalid_client`.
async fn assert_client_refused(app: &TestApp, client: &OAuthClient, case: &str) {
    let response = app.try_oauth_token(client).await;
    assert_refused(&response, 401, "invalid_client", case);
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Basic realm=\"gatehouse\""),
        "{case}: WWW-Authenticate {challenge:?}"
    );
}

/// Whether `token` opens `query` on `/graphql`; a refused token must be
/// taken for no credentials at all.
async fn opens(app: &TestApp, token: &str, query: &str) -> bool {
    let response = app.gql(&bearer(token), query, json!({})).await;
    if response.body.get("errors").is_none() {
        return true;
    }
    assert_eq!(
        response.code(),
        "UNAUTHENTICATED",
        "a dead token is no credential: {}",
        response.body
    );
    false
}

fn new_user(username: &str, role: &str) -> Value {
    json!({ "username": username, "password": PASSWORD, "passwordConfirmation": PASSWORD,
            "firstName": username, "email": format!("{username}@example.com"), "roleIds": [role] })
}

// --- The tests.

async fn tokens_are_jwts_the_published_keys_verify(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let jwks = get(&app, "/.well-known/jwks.json").await;
    assert_eq!(jwks.status, 200, "{}", jwks.text);
    assert_eq!(jwks.header("cache-control"), Some("public, max-age=300"));
    let keys = published_keys(&jwks.body);
    assert_eq!(keys.len(), 1, "{}", jwks.text);

    let mut jtis = BTreeSet::new();
    let mut every_scope = BTreeSet::new();
    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let case = format!("{auth:?}");
        let every = request_token(&app, &s.backend, auth.clone(), &[])
            .await
            .unwrap_or_else(|e| panic!("{case}: {e:?}"));
        assert_eq!(every.token_type(), &BasicTokenType::Bearer, "{case}");
        assert_eq!(
            every.expires_in(),
            Some(Duration::from_secs(3600)),
            "{case}"
        );
        let scopes = granted(&every);
        // Absent `scope`: every back-office permission.
        assert!(
            scopes.contains("users.view")
                && scopes.contains("customers.manage")
                && scopes.contains("oauth_applications.manage")
                && !scopes.iter().any(|s| s.starts_with("account.")),
            "{case}: {scopes:?}"
        );
        let claims = verified(&keys, every.access_token().secret());
        assert_eq!(claims["iss"], ISSUER, "{case}");
        assert_eq!(claims["sub"], format!("user:{}", s.integrator), "{case}");
        assert_eq!(claims["aud"], "gatehouse-backend", "{case}");
        assert_eq!(claims["client_id"], s.backend.client_id.as_str(), "{case}");
        assert_eq!(claims["organization_id"], s.organization.as_str(), "{case}");
        assert_eq!(words(&claims["scope"]), scopes, "{case}");
        assert!(claims["generation"].is_number(), "{case}: {claims:?}");
        let issued = claims["iat"].as_i64().expect("iat");
        assert!((issued - now()).abs() < 300, "{case}: iat {issued}");
        assert_eq!(claims["exp"].as_i64(), Some(issued + 3600), "{case}");
        assert!(jtis.insert(text(&claims["jti"])), "{case}: jti repeated");
        every_scope.extend(scopes);

        let narrow = request_token(
            &app,
            &s.backend,
            auth.clone(),
            &["users.view", "users.update"],
        )
        .await
        .unwrap_or_else(|e| panic!("{case}: {e:?}"));
        assert_eq!(
            granted(&narrow),
            set(["users.view", "users.update"]),
            "{case}"
        );
        let claims = verified(&keys, narrow.access_token().secret());
        assert_eq!(words(&claims["scope"]), set(["users.view", "users.update"]));
        assert!(jtis.insert(text(&claims["jti"])), "{case}: jti repeated");

        let storefront = request_token(&app, &s.frontend, auth.clone(), &[])
            .await
            .unwrap_or_else(|e| panic!("{case}: {e:?}"));
        let scopes = granted(&storefront);
        assert!(
            scopes.contains("account.users.view")
                && scopes.contains("account.users.manage")
                && scopes.iter().all(|s| s.starts_with("account.")),
            "{case}: {scopes:?}"
        );
        let claims = verified(&keys, storefront.access_token().secret());
        assert_eq!(claims["aud"], "gatehouse-frontend", "{case}");
        assert_eq!(
            claims["sub"],
            format!("customer_user:{}", s.customer_user),
            "{case}"
        );
        assert_eq!(claims["client_id"], s.frontend.client_id.as_str(), "{case}");
        assert_eq!(claims["organization_id"], s.organization.as_str(), "{case}");
        assert_eq!(claims["iss"], ISSUER, "{case}");
        assert!(jtis.insert(text(&claims["jti"])), "{case}: jti repeated");
        every_scope.extend(scopes);
    }

    let metadata = get(&app, "/.well-known/oauth-authorization-server").await;
    assert_eq!(metadata.status, 200, "{}", metadata.text);
    let m = &metadata.body;
    assert_eq!(m["issuer"], ISSUER);
    for (field, path) in [
        ("token_endpoint", "/oauth2-token"),
        ("jwks_uri", "/.well-known/jwks.json"),
        ("introspection_endpoint", "/oauth2-introspect"),
        ("revocation_endpoint", "/oauth2-revoke"),
    ] {
        assert_eq!(m[field], format!("{ISSUER}{path}"), "{field}");
    }
    assert_eq!(m["grant_types_supported"], json!(["client_credentials"]));
    for field in [
        "token_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
    ] {
        assert_eq!(
            strings(&m[field]),
            set(["client_secret_basic", "client_secret_post"]),
            "{field}"
        );
    }
    assert_eq!(m["response_types_supported"], json!([]));
    assert_eq!(strings(&m["scopes_supported"]), every_scope);
}

async fn tokens_act_as_their_owner_within_their_scopes(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let read_only = app.role_id(&s.admin, "Read-only").await;

    // Scopes narrow what the owner may do…
    let directory = app
        .create_oauth_application(
            &s.admin,
            json!({ "name": "Directory", "userId": s.integrator, "scopes": ["users.view"] }),
        )
        .await;
    let directory = app.oauth_token(&directory).await;
    let seen = app
        .gql(
            &bearer(&directory),
            "{ me { user { username } organization { id } permissions } users { totalCount } }",
            json!({}),
        )
        .await;
    let me = &seen.data()["me"];
    assert_eq!(me["user"]["username"], "integrator");
    assert_eq!(me["organization"]["id"], s.organization.as_str());
    assert_eq!(me["permissions"], json!(["USERS_VIEW"]));
    assert!(seen.data()["users"]["totalCount"].as_u64() >= Some(2));
    let refused = app
        .try_create_user(&bearer(&directory), new_user("hired", &read_only))
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");

    // …and never widen it.
    let viewer = app
        .create_user(
            &s.admin,
            "viewer",
            PASSWORD,
            std::slice::from_ref(&read_only),
        )
        .await;
    let everything = app
        .create_oauth_application(&s.admin, json!({ "name": "Everything", "userId": viewer }))
        .await;
    let everything = app.oauth_token(&everything).await;
    let seen = app
        .gql(
            &bearer(&everything),
            "{ me { permissions } users { totalCount } }",
            json!({}),
        )
        .await;
    let permissions = strings(&seen.data()["me"]["permissions"]);
    assert!(
        !permissions.is_empty() && permissions.iter().all(|p| p.ends_with("_VIEW")),
        "{permissions:?}"
    );
    let refused = app
        .try_create_user(&bearer(&everything), new_user("hired", &read_only))
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let full = app.oauth_token(&s.backend).await;
    app.try_create_user(&bearer(&full), new_user("hired", &read_only))
        .await
        .data();

    // Each side's tokens open that side's operations only.
    let storefront = app.oauth_token(&s.frontend).await;
    let seen = app
        .gql(
            &bearer(&storefront),
            "{ customerMe { email } accountUsers { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(seen.data()["customerMe"]["email"], "manager@acme.example");
    for query in [
        "{ me { user { id } } }",
        USERS,
        "{ customers { totalCount } }",
        "{ oauthApplications { totalCount } }",
    ] {
        let refused = app.gql(&bearer(&storefront), query, json!({})).await;
        assert_eq!(refused.code(), "FORBIDDEN", "frontend token on {query}");
    }
    for query in [CUSTOMER_ME, "{ accountUsers { totalCount } }"] {
        let refused = app.gql(&bearer(&full), query, json!({})).await;
        assert_eq!(refused.code(), "FORBIDDEN", "backend token on {query}");
    }
    let colleague = crate::customers::customer_user(
        &app,
        &s.admin,
        &s.shop.customer,
        "colleague@acme.example",
        &s.shop.buyer,
    )
    .await;
    let team = app
        .create_oauth_application(
            &s.admin,
            json!({ "name": "Team list", "customerUserId": s.customer_user,
                    "scopes": ["account.users.view"] }),
        )
        .await;
    let team = app.oauth_token(&team).await;
    let listed = app
        .gql(&bearer(&team), "{ accountUsers { totalCount } }", json!({}))
        .await;
    assert_eq!(listed.data()["accountUsers"]["totalCount"], 2);
    let disable = "mutation($id: ID!) { disableAccountUser(id: $id) { enabled } }";
    let refused = app
        .gql(&bearer(&team), disable, json!({ "id": colleague }))
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let disabled = app
        .gql(&bearer(&storefront), disable, json!({ "id": colleague }))
        .await;
    assert_eq!(disabled.data()["disableAccountUser"]["enabled"], false);

    // Tokens the server did not issue as they are open nothing.
    let claims = claims_of(&directory);
    let keys = support::oauth_keys();
    let as_issued = signed(keys, &claims);
    assert!(
        opens(&app, &as_issued, USERS).await,
        "signed as the endpoint signs"
    );
    let mut expired = claims.clone();
    expired.insert("iat".into(), json!(now() - 7200));
    expired.insert("exp".into(), json!(now() - 3600));
    let mut widened = claims.clone();
    widened.insert("scope".into(), json!("users.view users.create"));
    let parts: Vec<&str> = directory.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(Value::Object(widened).to_string()),
        parts[2]
    );
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "at+jwt" }).to_string()),
        parts[1]
    );
    for (case, token) in [
        ("expired", signed(keys, &expired)),
        (
            "signed by an unknown key",
            signed(support::second_oauth_keys(), &claims),
        ),
        ("tampered", tampered),
        ("unsigned", unsigned),
        ("not a JWT", "eyJhbGciOi.garbage.x".to_owned()),
    ] {
        assert!(!opens(&app, &token, USERS).await, "{case}");
    }
    assert!(opens(&app, &directory, USERS).await);
}

async fn token_endpoint_answers_as_rfc_6749_says(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let c = &s.backend;
    let endpoint = app.url("/oauth2-token");
    let post = || app.client().post(endpoint.as_str());

    // A form body with the credentials in it.
    let form = send(post().form(&[
        ("grant_type", "client_credentials"),
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.secret.as_str()),
        ("scope", "users.view users.update"),
    ]))
    .await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert_eq!(form.header("cache-control"), Some("no-store"));
    assert_eq!(form.header("pragma"), Some("no-cache"));
    assert!(
        form.header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        form.headers
    );
    assert_eq!(form.body["token_type"], "Bearer");
    assert_eq!(form.body["expires_in"], 3600);
    assert_eq!(
        words(&form.body["scope"]),
        set(["users.view", "users.update"])
    );
    let token = text(&form.body["access_token"]);
    assert_eq!(claims_of(&token)["client_id"], c.client_id.as_str());

    // A JSON body, with the credentials in it or with Basic.
    let in_json = send(post().json(&json!({ "grant_type": "client_credentials",
        "client_id": c.client_id, "client_secret": c.secret, "scope": "users.view" })))
    .await;
    assert_eq!(in_json.status, 200, "{}", in_json.text);
    assert_eq!(in_json.header("cache-control"), Some("no-store"));
    assert_eq!(in_json.body["scope"], "users.view");
    let basic_json = send(
        post()
            .basic_auth(&c.client_id, Some(&c.secret))
            .json(&json!({ "grant_type": "client_credentials" })),
    )
    .await;
    assert_eq!(basic_json.status, 200, "{}", basic_json.text);

    // Malformed requests.
    let credentials = [
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.secret.as_str()),
    ];
    let basic = || post().basic_auth(&c.client_id, Some(&c.secret));
    let malformed = [
        ("no grant_type", send(post().form(&credentials)).await),
        (
            "unreadable JSON",
            send(
                basic()
                    .header("content-type", "application/json")
                    .body("{\"grant_type\": "),
            )
            .await,
        ),
        (
            "unsupported content type",
            send(
                basic()
                    .header("content-type", "text/plain")
                    .body("grant_type=client_credentials"),
            )
            .await,
        ),
        (
            "credentials twice",
            send(basic().form(&[
                ("grant_type", "client_credentials"),
                ("client_id", c.client_id.as_str()),
                ("client_secret", c.secret.as_str()),
            ]))
            .await,
        ),
        (
            "a parameter repeated",
            send(basic().form(&[
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ]))
            .await,
        ),
    ];
    for (case, response) in &malformed {
        assert_refused(response, 400, "invalid_request", case);
    }

    // Clients that do not authenticate.
    let unknown = OAuthClient {
        id: String::new(),
        client_id: "gha_unknown".into(),
        secret: "ghx_unknown".into(),
    };
    let wrong_secret = OAuthClient {
        secret: format!("{}x", c.secret),
        ..c.clone()
    };
    for (case, client) in [
        ("unknown client", &unknown),
        ("wrong secret", &wrong_secret),
    ] {
        assert_client_refused(&app, client, &format!("{case} with Basic")).await;
        let in_body = send(post().form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.secret.as_str()),
        ]))
        .await;
        assert_refused(&in_body, 401, "invalid_client", case);
        assert_eq!(
            in_body.header("www-authenticate"),
            None,
            "{case} in the body"
        );
    }
    let anonymous = send(post().form(&[("grant_type", "client_credentials")])).await;
    assert_refused(&anonymous, 401, "invalid_client", "no credentials");

    // Grants and scopes.
    for grant in ["password", "authorization_code", "refresh_token"] {
        let response = send(basic().form(&[("grant_type", grant)])).await;
        assert_refused(&response, 400, "unsupported_grant_type", grant);
    }
    for scope in ["users.fly", "account.users.view", "users.view users.fly"] {
        let response =
            send(basic().form(&[("grant_type", "client_credentials"), ("scope", scope)])).await;
        assert_refused(&response, 400, "invalid_scope", scope);
    }
    let reader = app
        .create_oauth_application(
            &s.admin,
            json!({ "name": "Reader", "userId": s.integrator, "scopes": ["users.view"] }),
        )
        .await;

    // The `oauth2` crate reads the errors too.
    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let case = format!("{auth:?}");
        assert_eq!(
            refusal(request_token(&app, &wrong_secret, auth.clone(), &[]).await),
            "invalid_client",
            "{case}"
        );
        assert_eq!(
            refusal(request_token(&app, &reader, auth.clone(), &["users.create"]).await),
            "invalid_scope",
            "{case}"
        );
        assert_eq!(
            refusal(request_token(&app, &s.frontend, auth.clone(), &["users.view"]).await),
            "invalid_scope",
            "{case}"
        );
        let granted = granted(
            &request_token(&app, &reader, auth.clone(), &[])
                .await
                .unwrap_or_else(|e| panic!("{case}: {e:?}")),
        );
        assert_eq!(granted, set(["users.view"]), "{case}");
    }
}

async fn token_requests_are_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.oauth.token_requests_per_client_per_minute = 3;
        s.oauth.token_requests_per_ip_per_minute = 5;
    })
    .await;
    let s = setup(&app).await;
    for round in 1..=3 {
        let response = app.try_oauth_token(&s.backend).await;
        assert_eq!(response.status, 200, "request {round}: {}", response.text);
    }
    let limited = app.try_oauth_token(&s.backend).await;
    assert_refused(&limited, 429, "slow_down", "fourth request of a client");
    let retry = limited
        .header("retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "Retry-After: {retry}");

    // Another client has its own allowance, within the address's.
    let other = app.try_oauth_token(&s.frontend).await;
    assert_eq!(other.status, 200, "{}", other.text);
    let mut limited = None;
    for _ in 0..3 {
        let response = app.try_oauth_token(&s.frontend).await;
        if response.status != 200 {
            limited = Some(response);
            break;
        }
    }
    let limited = limited.expect("the address's limit applies");
    assert_refused(&limited, 429, "slow_down", "beyond the address's limit");
    assert!(limited.header("retry-after").is_some());
}

async fn missing_keys_turn_oauth_off(backend: Backend) {
    let dir = tempfile::tempdir().expect("directory");
    let keys = dir.path().join("oauth");
    let app = spawn_app_with(backend, |s| keys_in(s, &keys, false)).await;
    let admin = app.admin().await;
    let anyone = OAuthClient {
        id: String::new(),
        client_id: "gha_anyone".into(),
        secret: "ghx_anyone".into(),
    };
    let token = app.try_oauth_token(&anyone).await;
    assert_refused(&token, 503, "temporarily_unavailable", "keys missing");
    assert_eq!(token.body["error_description"], KEYS_MISSING);
    assert_eq!(token.body["code"], "OAUTH_KEYS_MISSING");
    let me = app.gql(&admin, "{ me { user { id } } }", json!({})).await;
    let admin_id = text(&me.data()["me"]["user"]["id"]);
    let refused = app
        .try_create_oauth_application(&admin, json!({ "name": "ERP sync", "userId": admin_id }))
        .await;
    assert_eq!(refused.code(), "OAUTH_KEYS_MISSING");
    assert_eq!(refused.error()["message"], KEYS_MISSING);
    assert!(!keys.join("private.pem").exists(), "keys are not generated");
    // The rest of Gatehouse works without OAuth.
    app.gql(&admin, USERS, json!({})).await.data();
    drop(app);

    // With `generate_keys` on, a start without key files makes them.
    let app = spawn_app_with(backend, |s| keys_in(s, &keys, true)).await;
    for file in ["private.pem", "public.pem", "client-secret.key"] {
        assert!(keys.join(file).is_file(), "{file} generated");
    }
    let s = setup(&app).await;
    let token = app.oauth_token(&s.backend).await;
    assert!(opens(&app, &token, USERS).await);
}

/// `oauthStatus` as a holder of `OAUTH_APPLICATIONS_VIEW`, after checking
/// that a user without it and an anonymous caller are refused.
async fn oauth_status(app: &TestApp, admin: &Auth) -> Value {
    let query = "{ oauthStatus { available message } }";
    let (_, viewer) = app
        .staff(admin, "viewer", &["OAUTH_APPLICATIONS_VIEW"])
        .await;
    let (_, clerk) = app.staff(admin, "clerk", &["USERS_VIEW"]).await;
    assert_eq!(app.gql(&clerk, query, json!({})).await.code(), "FORBIDDEN");
    assert_eq!(
        app.gql(&Auth::None, query, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
    app.gql(&viewer, query, json!({})).await.data()["oauthStatus"].clone()
}

/// Points the OAuth key files into `dir`, generated at start or not.
fn keys_in(settings: &mut domain::config::Settings, dir: &std::path::Path, generate: bool) {
    settings.oauth.private_key_path = dir.join("private.pem");
    settings.oauth.public_key_path = dir.join("public.pem");
    settings.oauth.hash_key_path = dir.join("client-secret.key");
    settings.oauth.generate_keys = Some(generate);
}

async fn oauth_status_says_whether_oauth_is_available(backend: Backend) {
    // Keys configured: available, no message.
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    assert_eq!(
        oauth_status(&app, &admin).await,
        json!({ "available": true, "message": null })
    );
    drop(app);

    // Keys missing: not available, with the message an attempt is refused
    // with (`OAUTH_KEYS_MISSING`).
    let dir = tempfile::tempdir().expect("directory");
    let app = spawn_app_with(backend, |s| keys_in(s, dir.path(), false)).await;
    let admin = app.admin().await;
    assert_eq!(
        oauth_status(&app, &admin).await,
        json!({ "available": false, "message": KEYS_MISSING })
    );
    let (me, _) = app.me_ids(&admin).await;
    let refused = app
        .try_create_oauth_application(&admin, json!({ "name": "ERP sync", "userId": me }))
        .await;
    assert_eq!(refused.code(), "OAUTH_KEYS_MISSING");
    assert_eq!(refused.error()["message"], KEYS_MISSING);
}

async fn retired_keys_stay_published_and_accepted(backend: Backend) {
    // After a rotation: the second pair signs, the first one is retired.
    let app = spawn_app_with(backend, |s| {
        support::second_oauth_keys().apply(&mut s.oauth);
        s.oauth.retired_public_key_paths = vec![support::oauth_keys().public_key.clone()];
    })
    .await;
    let s = setup(&app).await;
    let jwks = get(&app, "/.well-known/jwks.json").await;
    let keys = published_keys(&jwks.body);
    let token = app.oauth_token(&s.backend).await;
    let claims = verified(&keys, &token);
    // A token the first pair signed before the rotation.
    let earlier = signed(support::oauth_keys(), &claims);
    assert_ne!(kid_of(&earlier), kid_of(&token));
    assert_eq!(
        keys.iter()
            .map(|(kid, _)| kid.clone())
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([kid_of(&earlier), kid_of(&token)]),
        "both keys are published"
    );
    verified(&keys, &earlier);
    assert!(
        opens(&app, &earlier, USERS).await,
        "a retired key's token works"
    );
    assert!(opens(&app, &token, USERS).await);
    let introspected = app
        .oauth_post(
            "/oauth2-introspect",
            Some(&s.backend),
            &[("token", earlier.as_str())],
        )
        .await;
    assert_eq!(introspected.body["active"], true, "{}", introspected.text);
}

async fn introspection_and_revocation(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let token = app.oauth_token(&s.backend).await;
    let foreign = app.oauth_token(&s.frontend).await;
    let claims = claims_of(&token);

    for (case, request) in [
        (
            "Basic",
            app.client()
                .post(app.url("/oauth2-introspect"))
                .basic_auth(&s.backend.client_id, Some(&s.backend.secret))
                .form(&[("token", token.as_str())]),
        ),
        (
            "body",
            app.client().post(app.url("/oauth2-introspect")).form(&[
                ("token", token.as_str()),
                ("client_id", s.backend.client_id.as_str()),
                ("client_secret", s.backend.secret.as_str()),
            ]),
        ),
    ] {
        let live = send(request).await;
        assert_eq!(live.status, 200, "{case}: {}", live.text);
        assert_eq!(live.body["active"], true, "{case}");
        for claim in [
            "scope",
            "client_id",
            "sub",
            "aud",
            "iss",
            "jti",
            "exp",
            "iat",
            "organization_id",
        ] {
            assert_eq!(live.body[claim], claims[claim], "{case}: {claim}");
        }
        assert!(live.body["token_type"].is_string(), "{case}: {}", live.text);
    }
    let inactive = json!({ "active": false });
    for (case, candidate) in [
        ("another client's token", foreign.as_str()),
        ("garbage", "not-a-token"),
    ] {
        let answer = app
            .oauth_post(
                "/oauth2-introspect",
                Some(&s.backend),
                &[("token", candidate)],
            )
            .await;
        assert_eq!((answer.status, &answer.body), (200, &inactive), "{case}");
    }
    let anonymous = app
        .oauth_post("/oauth2-introspect", None, &[("token", token.as_str())])
        .await;
    assert_error(
        &anonymous,
        401,
        "invalid_client",
        "introspection without a client",
    );

    // Revocation answers 200 whatever the token, but revokes only the
    // caller's own live tokens.
    for (case, candidate) in [
        ("unknown", "not-a-token"),
        ("another client's", foreign.as_str()),
    ] {
        let answer = app
            .oauth_post("/oauth2-revoke", Some(&s.backend), &[("token", candidate)])
            .await;
        assert_eq!((answer.status, answer.text.as_str()), (200, ""), "{case}");
    }
    assert!(
        opens(&app, &foreign, CUSTOMER_ME).await,
        "not the caller's to revoke"
    );
    let wrong = OAuthClient {
        secret: format!("{}x", s.backend.secret),
        ..s.backend.clone()
    };
    let refused = app
        .oauth_post("/oauth2-revoke", Some(&wrong), &[("token", token.as_str())])
        .await;
    assert_error(
        &refused,
        401,
        "invalid_client",
        "revocation by a wrong secret",
    );
    assert!(opens(&app, &token, USERS).await);

    let other = app.oauth_token(&s.backend).await;
    let revoked = app
        .oauth_post(
            "/oauth2-revoke",
            Some(&s.backend),
            &[
                ("token", token.as_str()),
                ("token_type_hint", "access_token"),
            ],
        )
        .await;
    assert_eq!((revoked.status, revoked.text.as_str()), (200, ""));
    assert!(!opens(&app, &token, USERS).await, "revoked");
    let answer = app
        .oauth_post(
            "/oauth2-introspect",
            Some(&s.backend),
            &[("token", token.as_str())],
        )
        .await;
    assert_eq!(answer.body, inactive, "a revoked token is inactive");
    let again = app
        .oauth_post(
            "/oauth2-revoke",
            Some(&s.backend),
            &[("token", token.as_str())],
        )
        .await;
    assert_eq!(again.status, 200, "revoking twice");
    assert!(
        opens(&app, &other, USERS).await,
        "only that token is revoked"
    );

    // The storefront client revokes its own token, credentials in the body.
    let revoked = send(app.client().post(app.url("/oauth2-revoke")).form(&[
        ("token", foreign.as_str()),
        ("client_id", s.frontend.client_id.as_str()),
        ("client_secret", s.frontend.secret.as_str()),
    ]))
    .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert!(!opens(&app, &foreign, CUSTOMER_ME).await);
}

async fn changes_to_the_application_end_its_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let admin = &s.admin;
    let by_id = json!({ "id": s.backend.id });

    // Deactivating; coming back does not revive the tokens.
    let before = app.oauth_token(&s.backend).await;
    let set_active = "mutation($id: ID!, $active: Boolean!) {
        updateOAuthApplication(id: $id, input: { active: $active }) { active } }";
    let deactivated = app
        .gql(
            admin,
            set_active,
            json!({ "id": s.backend.id, "active": false }),
        )
        .await;
    assert_eq!(
        deactivated.data()["updateOAuthApplication"]["active"],
        false
    );
    assert!(!opens(&app, &before, USERS).await, "deactivated");
    assert_client_refused(&app, &s.backend, "inactive application").await;
    app.gql(
        admin,
        set_active,
        json!({ "id": s.backend.id, "active": true }),
    )
    .await
    .data();
    assert!(!opens(&app, &before, USERS).await, "reactivated");
    let after = app.oauth_token(&s.backend).await;
    assert!(opens(&app, &after, USERS).await);

    // Rotating the secret.
    let rotated = app
        .gql(
            admin,
            "mutation($id: ID!) { rotateOAuthApplicationSecret(id: $id) { clientSecret application { id clientId } } }",
            by_id.clone(),
        )
        .await;
    let payload = &rotated.data()["rotateOAuthApplicationSecret"];
    assert_eq!(
        payload["application"]["clientId"],
        s.backend.client_id.as_str()
    );
    let renewed = OAuthClient {
        secret: text(&payload["clientSecret"]),
        ..s.backend.clone()
    };
    assert_ne!(renewed.secret, s.backend.secret);
    assert!(!opens(&app, &after, USERS).await, "secret rotated");
    assert_client_refused(&app, &s.backend, "old secret").await;
    let fresh = app.oauth_token(&renewed).await;
    assert!(opens(&app, &fresh, USERS).await);

    // Deleting.
    let deleted = app
        .gql(
            admin,
            "mutation($id: ID!) { deleteOAuthApplication(id: $id) }",
            by_id.clone(),
        )
        .await;
    assert_eq!(
        deleted.data()["deleteOAuthApplication"],
        s.backend.id.as_str()
    );
    assert!(!opens(&app, &fresh, USERS).await, "deleted");
    assert_client_refused(&app, &renewed, "deleted application").await;
    let gone = app
        .gql(
            admin,
            "query($id: ID!) { oauthApplication(id: $id) { id } }",
            by_id,
        )
        .await;
    assert_eq!(gone.data()["oauthApplication"], Value::Null);
    // The other application is untouched.
    let storefront = app.oauth_token(&s.frontend).await;
    assert!(opens(&app, &storefront, CUSTOMER_ME).await);
}

async fn changes_to_the_owner_end_its_tokens(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.max_failed_logins = 3).await;
    let s = setup(&app).await;
    let admin = &s.admin;
    let owner = json!({ "id": s.integrator });

    // Disabled, then enabled again.
    let token = app.oauth_token(&s.backend).await;
    app.gql(
        admin,
        "mutation($id: ID!) { disableUser(id: $id) { id } }",
        owner.clone(),
    )
    .await
    .data();
    assert!(!opens(&app, &token, USERS).await, "owner disabled");
    assert_client_refused(&app, &s.backend, "owner disabled").await;
    app.gql(
        admin,
        "mutation($id: ID!) { enableUser(id: $id) { id } }",
        owner.clone(),
    )
    .await
    .data();
    assert!(!opens(&app, &token, USERS).await, "owner enabled again");

    // Locked by failed logins, then activated.
    let token = app.oauth_token(&s.backend).await;
    assert!(
        opens(&app, &token, USERS).await,
        "a new token after enabling"
    );
    for _ in 0..3 {
        app.try_login("integrator", "Wr0ng-Password", None).await;
    }
    let status = app
        .gql(
            admin,
            "query($id: ID!) { user(id: $id) { authStatus } }",
            owner.clone(),
        )
        .await;
    assert_eq!(status.data()["user"]["authStatus"], "LOCKED");
    assert!(!opens(&app, &token, USERS).await, "owner locked");
    assert_client_refused(&app, &s.backend, "owner locked").await;
    app.gql(
        admin,
        "mutation($id: ID!) { activateUser(id: $id) { id } }",
        owner.clone(),
    )
    .await
    .data();
    assert!(!opens(&app, &token, USERS).await, "owner activated");

    // Sent to reset the password.
    let token = app.oauth_token(&s.backend).await;
    assert!(opens(&app, &token, USERS).await);
    app.gql(
        admin,
        "mutation($id: ID!) { resetUserPassword(id: $id) { id } }",
        owner,
    )
    .await
    .data();
    assert!(!opens(&app, &token, USERS).await, "owner's password reset");
    assert_client_refused(&app, &s.backend, "owner's password reset").await;

    // A customer-user owner: disabled, enabled again, deleted.
    let customer_user = json!({ "id": s.customer_user });
    let token = app.oauth_token(&s.frontend).await;
    app.gql(
        admin,
        "mutation($id: ID!) { disableCustomerUser(id: $id) { id } }",
        customer_user.clone(),
    )
    .await
    .data();
    assert!(
        !opens(&app, &token, CUSTOMER_ME).await,
        "customer user disabled"
    );
    assert_client_refused(&app, &s.frontend, "customer user disabled").await;
    app.gql(
        admin,
        "mutation($id: ID!) { enableCustomerUser(id: $id) { id } }",
        customer_user.clone(),
    )
    .await
    .data();
    assert!(
        !opens(&app, &token, CUSTOMER_ME).await,
        "customer user enabled again"
    );
    let token = app.oauth_token(&s.frontend).await;
    assert!(opens(&app, &token, CUSTOMER_ME).await);
    app.gql(
        admin,
        "mutation($id: ID!) { deleteCustomerUser(id: $id) }",
        customer_user,
    )
    .await
    .data();
    assert!(
        !opens(&app, &token, CUSTOMER_ME).await,
        "customer user deleted"
    );
    assert_client_refused(&app, &s.frontend, "customer user deleted").await;
    let gone = app
        .gql(
            admin,
            "query($id: ID!) { oauthApplication(id: $id) { id } }",
            json!({ "id": s.frontend.id }),
        )
        .await;
    assert_eq!(
        gone.data()["oauthApplication"],
        Value::Null,
        "deleted with its owner"
    );
}

/// Statements the server sends for one token request of `client`, which
/// must be granted.
async fn statements_of_a_token(app: &TestApp, client: &OAuthClient) -> u64 {
    let before = app.request_statements().await;
    let response = app.try_oauth_token(client).await;
    assert_eq!(response.status, 200, "{}", response.text);
    app.request_statements().await - before
}

/// Runs `sql` on a connection of its own, as another process would: the
/// server's pool never sees the statement.
async fn write_elsewhere(app: &TestApp, sql: &str) {
    app.write_elsewhere(sql).await;
}

/// Asks for tokens of `client` until the answer is `wanted` (200 granted,
/// 401 `invalid_client`); how many other answers came first. With SQLite a
/// change made elsewhere shows at the very next request; PostgreSQL's
/// notification takes a moment to arrive.
async fn answered_after(app: &TestApp, client: &OAuthClient, wanted: u16, case: &str) -> u32 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut before = 0;
    loop {
        let response = app.try_oauth_token(client).await;
        match response.status {
            401 => assert_refused(&response, 401, "invalid_client", case),
            200 => {}
            other => panic!("{case}: {other} {}", response.text),
        }
        if response.status == wanted {
            return before;
        }
        before += 1;
        assert!(
            tokio::time::Instant::now() < deadline,
            "{case}: still not {wanted} after 5 s ({before} requests)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `times` token requests of `client` in a row cost no
/// statement: the server keeps its row (with PostgreSQL, once it listens
/// for changes; without the row kept, every request costs one).
async fn until_kept(app: &TestApp, client: &OAuthClient, times: u32, case: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut in_a_row = 0;
    while in_a_row < times {
        if statements_of_a_token(app, client).await == 0 {
            in_a_row += 1;
        } else {
            in_a_row = 0;
            assert!(
                tokio::time::Instant::now() < deadline,
                "{case}: token requests still read the database"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn client_rows_are_kept_until_any_process_changes_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let exactly_at_once = backend == Backend::Sqlite;

    // Once the server watches for changes (at once with SQLite; with
    // PostgreSQL when it listens), a token costs no statement.
    until_kept(&app, &s.backend, 10, "first").await;

    // Another process deactivates the application: refused (with SQLite
    // at the next request), and granted again once it is active again.
    let client_id = &s.backend.client_id;
    let set_active = |active: &str| {
        format!("UPDATE oauth_applications SET active = {active} WHERE client_id = '{client_id}'")
    };
    write_elsewhere(&app, &set_active("FALSE")).await;
    let late = answered_after(&app, &s.backend, 401, "deactivated elsewhere").await;
    if exactly_at_once {
        assert_eq!(late, 0, "deactivated elsewhere: granted {late} times");
    }
    write_elsewhere(&app, &set_active("TRUE")).await;
    let late = answered_after(&app, &s.backend, 200, "reactivated elsewhere").await;
    if exactly_at_once {
        assert_eq!(late, 0, "reactivated elsewhere: refused {late} times");
    }

    // Another process disables the owner, then takes it out of the
    // organization.
    until_kept(&app, &s.backend, 3, "reactivated").await;
    let owner = &s.integrator;
    write_elsewhere(
        &app,
        &format!("UPDATE users SET enabled = FALSE WHERE id = {owner}"),
    )
    .await;
    let late = answered_after(&app, &s.backend, 401, "owner disabled elsewhere").await;
    if exactly_at_once {
        assert_eq!(late, 0, "owner disabled elsewhere: granted {late} times");
    }
    write_elsewhere(
        &app,
        &format!("UPDATE users SET enabled = TRUE WHERE id = {owner}"),
    )
    .await;
    answered_after(&app, &s.backend, 200, "owner enabled elsewhere").await;
    until_kept(&app, &s.backend, 3, "owner enabled").await;
    let membership = format!(
        "DELETE FROM user_organizations WHERE user_id = {owner} AND organization_id = {}",
        s.organization
    );
    write_elsewhere(&app, &membership).await;
    let late = answered_after(
        &app,
        &s.backend,
        401,
        "owner left the organization elsewhere",
    )
    .await;
    if exactly_at_once {
        assert_eq!(late, 0, "owner left elsewhere: granted {late} times");
    }

    // This server's own change is refused at the very next request, on
    // both databases: no notification needed.
    until_kept(&app, &s.frontend, 3, "storefront application").await;
    let set_active = "mutation($id: ID!, $active: Boolean!) {
        updateOAuthApplication(id: $id, input: { active: $active }) { active } }";
    let frontend = |active: bool| json!({ "id": s.frontend.id, "active": active });
    app.gql(&s.admin, set_active, frontend(false)).await.data();
    assert_client_refused(&app, &s.frontend, "deactivated by this server").await;
    app.gql(&s.admin, set_active, frontend(true)).await.data();
    app.oauth_token(&s.frontend).await;

    // The customer user's application: its owner disabled elsewhere.
    until_kept(&app, &s.frontend, 3, "reactivated storefront application").await;
    write_elsewhere(
        &app,
        &format!(
            "UPDATE customer_users SET enabled = FALSE WHERE id = {}",
            s.customer_user
        ),
    )
    .await;
    let late = answered_after(&app, &s.frontend, 401, "customer user disabled elsewhere").await;
    if exactly_at_once {
        assert_eq!(
            late, 0,
            "customer user disabled elsewhere: granted {late} times"
        );
    }
}

async fn applications_are_managed_in_the_back_office(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let admin = &s.admin;
    let admin_id = text(
        &app.gql(admin, "{ me { user { id } } }", json!({}))
            .await
            .data()["me"]["user"]["id"],
    );
    let other = app
        .gql(
            admin,
            "mutation { createOrganization(input: { name: \"Partners\" }) { id } }",
            json!({}),
        )
        .await
        .id("createOrganization");

    // Creating: the answer, the defaults, the owner's email.
    let create = format!(
        "mutation($input: CreateOAuthApplicationInput!) {{
            createOAuthApplication(input: $input) {{ clientSecret application {{ {APPLICATION_FIELDS} }} }} }}"
    );
    let created = app
        .gql(
            admin,
            &create,
            json!({ "input": { "name": "Nightly export", "userId": s.integrator,
                               "scopes": ["users.view", "users.update"] } }),
        )
        .await;
    let payload = created.data()["createOAuthApplication"].clone();
    let export = OAuthClient {
        id: text(&payload["application"]["id"]),
        client_id: text(&payload["application"]["clientId"]),
        secret: text(&payload["clientSecret"]),
    };
    let application = &payload["application"];
    assert!(export.client_id.starts_with("gha_"), "{}", export.client_id);
    assert!(export.secret.starts_with("ghx_"), "a ghx_ secret");
    assert_eq!(application["name"], "Nightly export");
    assert_eq!(application["active"], true);
    assert_eq!(application["audience"], "BACKEND");
    assert_eq!(
        strings(&application["scopes"]),
        set(["users.view", "users.update"])
    );
    assert_eq!(application["organization"]["id"], s.organization.as_str());
    assert_eq!(application["user"]["username"], "integrator");
    assert_eq!(application["customerUser"], Value::Null);
    for field in ["createdAt", "updatedAt", "secretRotatedAt"] {
        assert!(application[field].is_string(), "{field}");
    }
    let storefront = app
        .gql(
            admin,
            &format!("query($id: ID!) {{ oauthApplication(id: $id) {{ {APPLICATION_FIELDS} }} }}"),
            json!({ "id": s.frontend.id }),
        )
        .await;
    let storefront = &storefront.data()["oauthApplication"];
    assert_eq!(storefront["audience"], "FRONTEND");
    assert_eq!(storefront["customerUser"]["email"], "manager@acme.example");
    assert_eq!(storefront["user"], Value::Null);
    let scopes = strings(&storefront["scopes"]);
    assert!(
        scopes.contains("account.users.view") && scopes.iter().all(|s| s.starts_with("account.")),
        "{scopes:?}"
    );
    let partner = app
        .create_oauth_application(
            admin,
            json!({ "name": "Partner feed", "userId": admin_id, "organizationId": other }),
        )
        .await;
    let dormant = app
        .create_oauth_application(
            admin,
            json!({ "name": "Dormant", "userId": admin_id, "active": false }),
        )
        .await;
    assert_client_refused(&app, &dormant, "created inactive").await;
    let partner_token = claims_of(&app.oauth_token(&partner).await);
    assert_eq!(partner_token["organization_id"], other.as_str());

    let mails = app
        .smtp
        .wait_to_with("integrator@example.com", &export.client_id, WAIT)
        .await;
    let mail = mails
        .iter()
        .find(|m| m.decoded().contains(&export.client_id))
        .unwrap_or_else(|| panic!("no email names {}: {mails:?}", export.client_id));
    assert_eq!(
        mail.subject(),
        "OAuth application Nightly export was created"
    );
    let mails = app
        .smtp
        .wait_to_with("manager@acme.example", &s.frontend.client_id, WAIT)
        .await;
    assert!(
        mails
            .iter()
            .any(|m| m.decoded().contains(&s.frontend.client_id)),
        "{mails:?}"
    );

    // Listing and filtering.
    let list = "query($filter: OAuthApplicationFilter) {
        oauthApplications(first: 20, filter: $filter) { totalCount edges { node { name } } } }";
    let names = |response: &support::GqlResponse| -> BTreeSet<String> {
        let connection = &response.data()["oauthApplications"];
        let names: BTreeSet<String> = connection["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| text(&e["node"]["name"]))
            .collect();
        assert_eq!(connection["totalCount"], names.len(), "{}", response.body);
        names
    };
    let everything = set([
        "ERP sync",
        "Shop app",
        "Nightly export",
        "Partner feed",
        "Dormant",
    ]);
    assert_eq!(names(&app.gql(admin, list, json!({})).await), everything);
    for (filter, expected) in [
        (json!({ "name": "Nightly export" }), set(["Nightly export"])),
        (json!({ "organizationId": other }), set(["Partner feed"])),
        (json!({ "active": false }), set(["Dormant"])),
        (
            json!({ "userId": s.integrator }),
            set(["ERP sync", "Nightly export"]),
        ),
        (
            json!({ "customerUserId": s.customer_user }),
            set(["Shop app"]),
        ),
        (json!({ "audience": "FRONTEND" }), set(["Shop app"])),
        (
            json!({ "audience": "BACKEND", "organizationId": s.organization, "active": true }),
            set(["ERP sync", "Nightly export"]),
        ),
    ] {
        let response = app.gql(admin, list, json!({ "filter": filter })).await;
        assert_eq!(names(&response), expected, "{filter}");
    }
    let page = "query($after: String) { oauthApplications(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }";
    let mut after = Value::Null;
    let mut paged = BTreeSet::new();
    loop {
        let response = app.gql(admin, page, json!({ "after": after })).await;
        let connection = &response.data()["oauthApplications"];
        assert_eq!(connection["totalCount"], 5);
        for edge in connection["edges"].as_array().expect("edges") {
            assert!(paged.insert(text(&edge["node"]["name"])), "listed twice");
        }
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(paged, everything);

    // A read-only user sees applications but changes none.
    let read_only = app.role_id(admin, "Read-only").await;
    app.create_user(admin, "auditor", PASSWORD, std::slice::from_ref(&read_only))
        .await;
    let auditor = Auth::Bearer(app.login("auditor", PASSWORD).await);
    assert_eq!(
        names(
            &app.gql(
                &auditor,
                list,
                json!({ "filter": { "organizationId": s.organization } })
            )
            .await
        ),
        set(["ERP sync", "Shop app", "Nightly export", "Dormant"])
    );
    let refused = app
        .try_create_oauth_application(&auditor, json!({ "name": "Mine", "userId": s.integrator }))
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");

    // Updating narrows the scopes new tokens get.
    let updated = app
        .gql(
            admin,
            &format!(
                "mutation($id: ID!, $input: UpdateOAuthApplicationInput!) {{
                    updateOAuthApplication(id: $id, input: $input) {{ {APPLICATION_FIELDS} }} }}"
            ),
            json!({ "id": export.id, "input": { "name": "Nightly sync", "scopes": ["users.view"] } }),
        )
        .await;
    let application = &updated.data()["updateOAuthApplication"];
    assert_eq!(application["name"], "Nightly sync");
    assert_eq!(application["scopes"], json!(["users.view"]));
    assert_eq!(application["active"], true);
    assert_eq!(
        refusal(request_token(&app, &export, AuthType::BasicAuth, &["users.update"]).await),
        "invalid_scope"
    );

    // Rotating shows a new secret once.
    let rotated = app
        .gql(
            admin,
            &format!(
                "mutation($id: ID!) {{ rotateOAuthApplicationSecret(id: $id) {{
                    clientSecret application {{ {APPLICATION_FIELDS} }} }} }}"
            ),
            json!({ "id": export.id }),
        )
        .await;
    let payload = &rotated.data()["rotateOAuthApplicationSecret"];
    let new_secret = text(&payload["clientSecret"]);
    assert!(new_secret.starts_with("ghx_") && new_secret != export.secret);
    assert_eq!(
        payload["application"]["clientId"],
        export.client_id.as_str()
    );
    assert!(payload["application"]["secretRotatedAt"].is_string());
    assert_client_refused(&app, &export, "secret rotated").await;
    let renewed = OAuthClient {
        secret: new_secret.clone(),
        ..export.clone()
    };
    app.oauth_token(&renewed).await;

    // Refused input.
    for (case, input) in [
        ("no owner", json!({ "name": "Orphan" })),
        (
            "two owners",
            json!({ "name": "Twins", "userId": s.integrator, "customerUserId": s.customer_user }),
        ),
        (
            "unknown scope",
            json!({ "name": "Flying", "userId": s.integrator, "scopes": ["users.fly"] }),
        ),
        (
            "storefront scope on a back-office application",
            json!({ "name": "Crossed", "userId": s.integrator, "scopes": ["account.users.view"] }),
        ),
        (
            "back-office scope on a storefront application",
            json!({ "name": "Crossed", "customerUserId": s.customer_user, "scopes": ["users.view"] }),
        ),
        (
            "an organization the owner is not in",
            json!({ "name": "Elsewhere", "userId": s.integrator, "organizationId": other }),
        ),
    ] {
        let refused = app.try_create_oauth_application(admin, input).await;
        assert_eq!(refused.code(), "BAD_USER_INPUT", "{case}: {}", refused.body);
    }
    let update = "mutation($id: ID!, $input: UpdateOAuthApplicationInput!) {
        updateOAuthApplication(id: $id, input: $input) { id } }";
    let refused = app
        .gql(
            admin,
            update,
            json!({ "id": export.id, "input": { "scopes": ["users.fly"] } }),
        )
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let missing = app
        .gql(
            admin,
            update,
            json!({ "id": "999999", "input": { "name": "X" } }),
        )
        .await;
    assert_eq!(missing.code(), "NOT_FOUND");

    // An owner of applications cannot be deleted until they are.
    let delete_user = "mutation($id: ID!) { deleteUser(id: $id) }";
    let refused = app
        .gql(admin, delete_user, json!({ "id": s.integrator }))
        .await;
    assert_eq!(refused.code(), "CONFLICT");
    let message = text(&refused.error()["message"]);
    assert!(message.contains("2 OAuth applications"), "{message}");
    for id in [&export.id, &s.backend.id] {
        app.gql(
            admin,
            "mutation($id: ID!) { deleteOAuthApplication(id: $id) }",
            json!({ "id": id }),
        )
        .await
        .data();
    }
    app.gql(admin, delete_user, json!({ "id": s.integrator }))
        .await
        .data();

    // Every change is audited.
    let log = app
        .gql(
            admin,
            "query($filter: AuditFilter) { auditLog(first: 100, filter: $filter) {
                edges { node { action targetType targetId actorName details } } } }",
            json!({ "filter": { "actionPrefix": "oauth_application.", "targetType": "oauth_application",
                                 "targetId": export.id } }),
        )
        .await;
    let actions: Vec<String> = log.data()["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| text(&e["node"]["action"]))
        .collect();
    assert_eq!(
        actions,
        [
            "oauth_application.delete",
            "oauth_application.rotate_secret",
            "oauth_application.update",
            "oauth_application.create",
        ]
    );

    // The secrets were shown twice and are nowhere else.
    let everything_said = [
        app.gql(
            admin,
            &format!(
                "{{ oauthApplications(first: 20) {{ edges {{ node {{ {APPLICATION_FIELDS} }} }} }} }}"
            ),
            json!({}),
        )
        .await
        .body
        .to_string(),
        app.gql(
            admin,
            "{ auditLog(first: 100) { edges { node { action details } } } }",
            json!({}),
        )
        .await
        .body
        .to_string(),
        app.smtp
            .messages()
            .iter()
            .map(|m| m.decoded())
            .collect::<Vec<_>>()
            .join("\n"),
    ]
    .join("\n");
    for secret in [
        &export.secret,
        &new_secret,
        &s.backend.secret,
        &s.frontend.secret,
        &partner.secret,
        &dormant.secret,
    ] {
        assert!(
            !everything_said.contains(secret.as_str()),
            "a secret leaked"
        );
    }
}
