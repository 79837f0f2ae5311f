//! OAuth in the tests: signing keys every test server shares, and helpers to
//! register applications and get tokens over HTTP.
//!
//! A 2048-bit RSA key takes a noticeable fraction of a second to generate,
//! and nextest runs every test in a process of its own, so the keys are not
//! made per test nor per process: they are generated once into the target
//! directory (next to the `gatehouse` binary the CLI tests run) and reused
//! by every later test process and run. A directory appears there whole or
//! not at all, so concurrent test processes never see half a pair.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use domain::config::OAuthSettings;
use serde_json::{Value, json};

use crate::{Auth, GqlResponse, TestApp};

/// The three files of an OAuth key set.
#[derive(Clone, Debug)]
pub struct KeyFiles {
    pub private_key: PathBuf,
    pub public_key: PathBuf,
    pub hash_key: PathBuf,
}

impl KeyFiles {
    fn in_dir(dir: &Path) -> KeyFiles {
        KeyFiles {
            private_key: dir.join("private.pem"),
            public_key: dir.join("public.pem"),
            hash_key: dir.join("client-secret.key"),
        }
    }

    fn complete(&self) -> bool {
        [&self.private_key, &self.public_key, &self.hash_key]
            .iter()
            .all(|file| file.is_file())
    }

    /// Points `settings` at these files, without generating any at start
    /// and without retired keys.
    pub fn apply(&self, settings: &mut OAuthSettings) {
        settings.private_key_path = self.private_key.clone();
        settings.public_key_path = self.public_key.clone();
        settings.hash_key_path = self.hash_key.clone();
        settings.retired_public_key_paths = Vec::new();
        settings.generate_keys = Some(false);
    }

    /// OAuth settings using these files, the rest at their defaults.
    pub fn settings(&self) -> OAuthSettings {
        let mut settings = OAuthSettings::default();
        self.apply(&mut settings);
        settings
    }
}

/// The key set every test server signs with.
pub fn oauth_keys() -> &'static KeyFiles {
    static KEYS: OnceLock<KeyFiles> = OnceLock::new();
    KEYS.get_or_init(|| generated("signing"))
}

/// Another key set, for key rotation: the pair of a later (or earlier)
/// generation.
pub fn second_oauth_keys() -> &'static KeyFiles {
    static KEYS: OnceLock<KeyFiles> = OnceLock::new();
    KEYS.get_or_init(|| generated("rotated"))
}

fn keys_root() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target directory")
        .join("oauth-test-keys")
}

fn generated(name: &str) -> KeyFiles {
    let root = keys_root();
    let dir = root.join(name);
    let files = KeyFiles::in_dir(&dir);
    if files.complete() {
        return files;
    }
    let staging = root.join(format!(".{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).expect("OAuth key directory");
    let staged = KeyFiles::in_dir(&staging);
    domain::oauth::keys::generate_files(
        &staged.private_key,
        &staged.public_key,
        &staged.hash_key,
        false,
    )
    .expect("generate the test OAuth keys");
    // Another test process may have finished first; its keys serve as well.
    if std::fs::rename(&staging, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    assert!(
        files.complete(),
        "{} lacks OAuth key files: remove the directory to have them generated again",
        dir.display()
    );
    files
}

/// An OAuth application as its creator sees it, the only time the secret
/// is shown.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    /// The application's GraphQL id.
    pub id: String,
    pub client_id: String,
    pub secret: String,
}

/// An answer of an OAuth endpoint.
#[derive(Debug)]
pub struct OAuthResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// The JSON body; `Null` when the body is empty or not JSON.
    pub body: Value,
    pub text: String,
}

impl OAuthResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `error` of an error answer, failing the test when there is none.
    pub fn error(&self) -> &str {
        self.body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an OAuth error, got {} {}", self.status, self.text))
    }

    pub async fn read(response: reqwest::Response) -> OAuthResponse {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        OAuthResponse {
            status,
            headers,
            body,
            text,
        }
    }
}

/// OAuth applications and tokens.
impl TestApp {
    pub async fn try_create_oauth_application(&self, auth: &Auth, input: Value) -> GqlResponse {
        let query = "mutation($input: CreateOAuthApplicationInput!) {
            createOAuthApplication(input: $input) { clientSecret application { id clientId } } }";
        self.gql(auth, query, json!({ "input": input })).await
    }

    /// Creates an application; fails the test when it is refused.
    pub async fn create_oauth_application(&self, auth: &Auth, input: Value) -> OAuthClient {
        let response = self.try_create_oauth_application(auth, input).await;
        let created = &response.data()["createOAuthApplication"];
        let text = |value: &Value| value.as_str().expect("a string").to_owned();
        OAuthClient {
            id: text(&created["application"]["id"]),
            client_id: text(&created["application"]["clientId"]),
            secret: text(&created["clientSecret"]),
        }
    }

    /// POSTs `form` to an OAuth endpoint (`/oauth2-token`, …), the client
    /// authenticating with HTTP Basic when given.
    pub async fn oauth_post(
        &self,
        path: &str,
        client: Option<&OAuthClient>,
        form: &[(&str, &str)],
    ) -> OAuthResponse {
        let mut request = self.client().post(self.url(path)).form(form);
        if let Some(client) = client {
            request = request.basic_auth(&client.client_id, Some(&client.secret));
        }
        OAuthResponse::read(request.send().await.expect("request")).await
    }

    /// Asks `/oauth2-token` for a token of `client` with every scope of
    /// the application.
    pub async fn try_oauth_token(&self, client: &OAuthClient) -> OAuthResponse {
        self.oauth_post(
            "/oauth2-token",
            Some(client),
            &[("grant_type", "client_credentials")],
        )
        .await
    }

    /// An access token of `client`; fails the test when refused.
    pub async fn oauth_token(&self, client: &OAuthClient) -> String {
        let response = self.try_oauth_token(client).await;
        assert_eq!(response.status, 200, "token request: {}", response.text);
        response.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }
}
