//! Talking GraphQL to the test server.

use serde_json::{Value, json};

use crate::{ADMIN_PASSWORD, TestApp};

/// Credentials for a request.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Bearer(String),
    ApiKey(String),
}

/// A GraphQL response: status and body.
#[derive(Debug)]
pub struct GqlResponse {
    pub status: u16,
    pub body: Value,
}

impl GqlResponse {
    /// `data`, failing the test when there are errors.
    pub fn data(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }

    /// `extensions.code` of the first error, failing the test when none.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error, got {}", self.body))
    }

    pub fn error(&self) -> &Value {
        &self.body["errors"][0]
    }

    /// `data.<field>.id`, failing the test when there is none.
    pub fn id(&self, field: &str) -> String {
        self.data()[field]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no {field}.id in {}", self.body))
            .to_owned()
    }
}

impl TestApp {
    /// POSTs a query with `auth`.
    pub async fn gql(&self, auth: &Auth, query: &str, variables: Value) -> GqlResponse {
        let mut request = self
            .client()
            .post(self.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        request = match auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::ApiKey(key) => request.header("x-api-key", key),
        };
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body = response.json().await.expect("JSON body");
        GqlResponse { status, body }
    }

    /// Logs in and returns the session token; fails the test otherwise.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let response = self.try_login(login, password, None).await;
        response.data()["login"]["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    pub async fn try_login(
        &self,
        login: &str,
        password: &str,
        organization: Option<&str>,
    ) -> GqlResponse {
        let query = "mutation($input: LoginInput!) { login(input: $input) { token user { id username } organizationId } }";
        let input = json!({ "login": login, "password": password, "organizationId": organization });
        self.gql(&Auth::None, query, json!({ "input": input }))
            .await
    }

    /// A session of the bootstrap administrator.
    pub async fn admin(&self) -> Auth {
        Auth::Bearer(self.login("admin", ADMIN_PASSWORD).await)
    }
}

/// The password of the users `TestApp::staff` creates.
pub const PASSWORD: &str = "Str0ng-Password";

/// Setting up records through the API, as an administrator would.
impl TestApp {
    /// The id of the role named `name`.
    pub async fn role_id(&self, auth: &Auth, name: &str) -> String {
        let response = self
            .gql(
                auth,
                "{ roles(first: 100) { edges { node { id name } } } }",
                json!({}),
            )
            .await;
        response.data()["roles"]["edges"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|edge| edge["node"]["name"] == name)
            .unwrap_or_else(|| panic!("no role {name}"))["node"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Creates a role of the viewer's organization with `permissions`.
    pub async fn create_role(&self, auth: &Auth, name: &str, permissions: &[&str]) -> String {
        let query = "mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }";
        let input = json!({ "name": name, "permissions": permissions });
        let response = self.gql(auth, query, json!({ "input": input })).await;
        response.data()["createRole"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Creates an enabled user with `roles` and the password `password`.
    pub async fn create_user(
        &self,
        auth: &Auth,
        username: &str,
        password: &str,
        roles: &[String],
    ) -> String {
        let response = self
            .try_create_user(
                auth,
                json!({
                    "username": username,
                    "password": password,
                    "passwordConfirmation": password,
                    "firstName": username,
                    "email": format!("{username}@example.com"),
                    "roleIds": roles,
                }),
            )
            .await;
        response.data()["createUser"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// A user holding exactly `permissions` (through a role of its own,
    /// named after it), logged in: its id and its session.
    pub async fn staff(
        &self,
        admin: &Auth,
        username: &str,
        permissions: &[&str],
    ) -> (String, Auth) {
        let role = self.create_role(admin, username, permissions).await;
        let id = self.create_user(admin, username, PASSWORD, &[role]).await;
        (id, Auth::Bearer(self.login(username, PASSWORD).await))
    }

    /// Creates an organization (the caller joins it); its id.
    pub async fn create_organization(&self, auth: &Auth, name: &str) -> String {
        let query = "mutation($n: String!) { createOrganization(input: { name: $n }) { id } }";
        self.gql(auth, query, json!({ "n": name }))
            .await
            .id("createOrganization")
    }

    /// The id of the caller's user and of its current organization.
    pub async fn me_ids(&self, auth: &Auth) -> (String, String) {
        let me = self
            .gql(
                auth,
                "{ me { user { id } organization { id } } }",
                json!({}),
            )
            .await;
        let text = |value: &Value| value.as_str().expect("an id").to_owned();
        (
            text(&me.data()["me"]["user"]["id"]),
            text(&me.data()["me"]["organization"]["id"]),
        )
    }

    /// A session of `login` acting in `organization`.
    pub async fn login_in(&self, login: &str, password: &str, organization: &str) -> Auth {
        let response = self.try_login(login, password, Some(organization)).await;
        Auth::Bearer(
            response.data()["login"]["token"]
                .as_str()
                .expect("token")
                .to_owned(),
        )
    }

    pub async fn try_create_user(&self, auth: &Auth, input: Value) -> GqlResponse {
        let query = "mutation($input: CreateUserInput!) { createUser(input: $input) { id username email } }";
        self.gql(auth, query, json!({ "input": input })).await
    }
}

/// Jobs.
impl TestApp {
    /// Polls `job(id)` until it ends; answers it. Fails the test after
    /// `timeout`.
    pub async fn wait_job(&self, auth: &Auth, id: &str, timeout: std::time::Duration) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        let query = "query($id: ID!) { job(id: $id) { id kind status total processed succeeded skipped failed error
            downloadUrl resultExpiresAt emails { pending sent failed }
            items(first: 100) { totalCount edges { node { itemId outcome reason } } } } }";
        loop {
            let response = self.gql(auth, query, json!({ "id": id })).await;
            let job = response.data()["job"].clone();
            if ["SUCCEEDED", "FAILED", "CANCELLED"]
                .contains(&job["status"].as_str().unwrap_or_default())
            {
                return job;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "job {id} did not end in {timeout:?}: {job}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}
