//! Every operation, tried as an anonymous caller, as a user without the
//! permission, and as a user of another organization holding every
//! permission: all are refused. OAuth tokens are tried too: a back-office
//! token of the user without permissions gets what that user gets, and a
//! storefront token opens no back-office operation.

use serde_json::{Value, json};
use support::{ADMIN_PASSWORD, Auth, Backend, TestApp, spawn_app};

on_every_database!(
    nobody_takes_over_a_more_powerful_account,
    every_operation_is_refused_to_the_wrong_caller,
    api_keys_act_in_their_organization_only
);

const PASSWORD: &str = "Str0ng-Password";

/// Records of the first organization, and callers.
struct World {
    /// An export job the administrator of the first organization started.
    job: String,
    nobody: Auth,
    outsider: Auth,
    target: String,
    organization: String,
    unit: String,
    role: String,
    group: String,
    customer: String,
    customer_user: String,
    website: String,
    consent: String,
    customer_role: String,
    /// A customer user of the first organization who manages its
    /// customer's users: a storefront token.
    storefront: Auth,
    /// An OAuth application of `target`.
    oauth_application: String,
    /// A back-office OAuth token of `nobody`, with every scope.
    nobody_oauth: Auth,
    /// A storefront OAuth token of the account manager, with every scope.
    storefront_oauth: Auth,
}

async fn token_in(app: &TestApp, login: &str, password: &str, organization: &str) -> Auth {
    let response = app.try_login(login, password, Some(organization)).await;
    Auth::Bearer(
        response.data()["login"]["token"]
            .as_str()
            .expect("token")
            .to_owned(),
    )
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin().await;
    let created = |query: &'static str, field: &'static str| {
        let admin = admin.clone();
        async move {
            app.gql(&admin, query, json!({})).await.data()[field]["id"]
                .as_str()
                .expect("id")
                .to_owned()
        }
    };
    let organization = app
        .gql(&admin, "{ me { organization { id } } }", json!({}))
        .await
        .data()["me"]["organization"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let unit = created(
        "mutation { createBusinessUnit(input: { name: \"Sales\" }) { id } }",
        "createBusinessUnit",
    )
    .await;
    let group = created(
        "mutation { createGroup(input: { name: \"Buyers\" }) { id } }",
        "createGroup",
    )
    .await;
    let role = app.create_role(&admin, "Clerk", &["USERS_VIEW"]).await;
    let empty_role = app.create_role(&admin, "Nothing", &[]).await;
    let target = app
        .create_user(&admin, "target", PASSWORD, std::slice::from_ref(&role))
        .await;
    let nobody_id = app
        .create_user(&admin, "nobody", PASSWORD, &[empty_role])
        .await;
    let nobody = Auth::Bearer(app.login("nobody", PASSWORD).await);

    let other = created(
        "mutation { createOrganization(input: { name: \"Other\" }) { id } }",
        "createOrganization",
    )
    .await;
    let admin_in_other = token_in(app, "admin", ADMIN_PASSWORD, &other).await;
    let administrator = app.role_id(&admin_in_other, "Administrator").await;
    app.create_user(&admin_in_other, "outsider", PASSWORD, &[administrator])
        .await;
    let outsider = Auth::Bearer(app.login("outsider", PASSWORD).await);
    let job = app
        .gql(&admin, "mutation { exportUsers { id } }", json!({}))
        .await
        .id("exportUsers");
    let shop = crate::customers::shop(app, &admin).await;
    let customer_user = crate::customers::customer_user(
        app,
        &admin,
        &shop.customer,
        "manager@acme.example",
        &shop.manager,
    )
    .await;
    let storefront =
        crate::customers::storefront_token(app, &shop.website, "manager@acme.example").await;
    let consent = created(
        "mutation { createConsent(input: { name: \"Terms\" }) { id } }",
        "createConsent",
    )
    .await;
    let customer_role = created(
        "mutation { createCustomerRole(input: { name: \"Clerk\" }) { id } }",
        "createCustomerRole",
    )
    .await;
    let oauth_application = app
        .create_oauth_application(&admin, json!({ "name": "Target's", "userId": target }))
        .await
        .id;
    let nobody_client = app
        .create_oauth_application(&admin, json!({ "name": "Nobody's", "userId": nobody_id }))
        .await;
    let nobody_oauth = Auth::Bearer(app.oauth_token(&nobody_client).await);
    let manager_client = app
        .create_oauth_application(
            &admin,
            json!({ "name": "Manager's", "customerUserId": customer_user }),
        )
        .await;
    let storefront_oauth = Auth::Bearer(app.oauth_token(&manager_client).await);
    World {
        oauth_application,
        nobody_oauth,
        storefront_oauth,
        job,
        customer: shop.customer,
        customer_user,
        website: shop.website,
        consent,
        customer_role,
        storefront,
        nobody,
        outsider,
        target,
        organization,
        unit,
        role,
        group,
    }
}

/// What the user of the other organization gets.
enum Outsider {
    /// This error code.
    Code(&'static str),
    /// `data.<field>` is null.
    Null(&'static str),
    /// The JSON of the answer does not mention this id of the first organization.
    Hides(&'static str),
    /// The answer's value at this JSON pointer is this.
    Equals(&'static str, Value),
    /// The answer does not contain this text.
    HidesText(&'static str),
    /// Acts in its own organization only; nothing of the first to reach.
    OwnScope,
}

/// What the user without any permission gets.
enum Nobody {
    Forbidden,
    /// Operations on one's own jobs need no permission: someone else's job
    /// is "not found" (`Code`) or null (`Null`), a list is empty (`Empty`).
    Code(&'static str),
    Null(&'static str),
    Empty(&'static str),
}

struct Operation {
    query: String,
    variables: Value,
    nobody: Nobody,
    outsider: Outsider,
}

fn op(query: &str, variables: Value, outsider: Outsider) -> Operation {
    Operation {
        query: query.to_owned(),
        variables,
        nobody: Nobody::Forbidden,
        outsider,
    }
}

fn own(query: &str, variables: Value, nobody: Nobody, outsider: Outsider) -> Operation {
    Operation {
        query: query.to_owned(),
        variables,
        nobody,
        outsider,
    }
}

fn operations(w: &World) -> Vec<Operation> {
    use Outsider::*;
    let user = json!({ "id": w.target });
    vec![
        op(
            "{ users { edges { node { id } } } }",
            json!({}),
            Hides("target"),
        ),
        op(
            "query($id: ID!) { user(id: $id) { id } }",
            user.clone(),
            Null("user"),
        ),
        op("{ suggestPassword }", json!({}), OwnScope),
        op(
            "{ organizations { edges { node { id name } } } }",
            json!({}),
            Hides("organization"),
        ),
        op(
            "query($id: ID!) { organization(id: $id) { id } }",
            json!({ "id": w.organization }),
            Null("organization"),
        ),
        op(
            "{ businessUnits { edges { node { id } } } }",
            json!({}),
            Hides("unit"),
        ),
        op(
            "query($id: ID!) { businessUnit(id: $id) { id } }",
            json!({ "id": w.unit }),
            Null("businessUnit"),
        ),
        op(
            "{ roles { edges { node { id } } } }",
            json!({}),
            Hides("role"),
        ),
        op(
            "query($id: ID!) { role(id: $id) { id } }",
            json!({ "id": w.role }),
            Null("role"),
        ),
        op("{ permissions { name } }", json!({}), OwnScope),
        op(
            "{ groups { edges { node { id } } } }",
            json!({}),
            Hides("group"),
        ),
        op(
            "query($id: ID!) { group(id: $id) { id } }",
            json!({ "id": w.group }),
            Null("group"),
        ),
        op(
            "{ auditLog { edges { node { targetId action } } } }",
            json!({}),
            HidesText("business_unit.create"),
        ),
        op(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            json!({ "input": { "username": "new", "password": PASSWORD, "passwordConfirmation": PASSWORD,
                "firstName": "New", "email": "new@example.com", "roleIds": [w.role] } }),
            Code("BAD_USER_INPUT"),
        ),
        op(
            "mutation($id: ID!) { updateUser(id: $id, input: { firstName: \"X\" }) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { enableUser(id: $id) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { disableUser(id: $id) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { activateUser(id: $id) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"An0ther-Password\") { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteUser(id: $id) }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { generateApiKey(userId: $id) { key } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { revokeApiKey(userId: $id) }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation { createOrganization(input: { name: \"Third\" }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { updateOrganization(id: $id, input: { name: \"Renamed\" }) { id } }",
            json!({ "id": w.organization }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteOrganization(id: $id) }",
            json!({ "id": w.organization }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { createBusinessUnit(input: { name: \"Sub\", parentId: $id }) { id } }",
            json!({ "id": w.unit }),
            Code("BAD_USER_INPUT"),
        ),
        op(
            "mutation($id: ID!) { updateBusinessUnit(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.unit }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteBusinessUnit(id: $id) }",
            json!({ "id": w.unit }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation { createRole(input: { name: \"R\", permissions: [] }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { updateRole(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.role }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteRole(id: $id) }",
            json!({ "id": w.role }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation { createGroup(input: { name: \"G\" }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { updateGroup(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.group }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteGroup(id: $id) }",
            json!({ "id": w.group }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { resetUserPassword(id: $id) { id } }",
            user.clone(),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($s: UserSelection!) { massUpdateUsers(selection: $s, action: DISABLE) { total } }",
            json!({ "s": { "ids": [w.target] } }),
            Equals("/massUpdateUsers/total", json!(0)),
        ),
        op("mutation { exportUsers { id } }", json!({}), OwnScope),
        own(
            "query($id: ID!) { job(id: $id) { id } }",
            json!({ "id": w.job }),
            Nobody::Null("job"),
            Null("job"),
        ),
        own(
            "{ jobs { totalCount edges { node { id } } } }",
            json!({}),
            Nobody::Empty("jobs"),
            Hides("job"),
        ),
        op("{ jobQueues { name pending } }", json!({}), OwnScope),
        own(
            "mutation($id: ID!) { retryJob(id: $id) { id } }",
            json!({ "id": w.job }),
            Nobody::Code("NOT_FOUND"),
            Code("NOT_FOUND"),
        ),
        own(
            "mutation($id: ID!) { cancelJob(id: $id) { id } }",
            json!({ "id": w.job }),
            Nobody::Code("NOT_FOUND"),
            Code("NOT_FOUND"),
        ),
        op("{ emailTemplates { name } }", json!({}), OwnScope),
        op(
            "{ previewEmailTemplate(name: \"invitation\") { subject } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation { updateEmailTemplate(name: \"invitation\", input: { subject: \"Welcome to {{ organization }}\" }) { name } }",
            json!({}),
            OwnScope,
        ),
        op(
            "{ customers { edges { node { id } } } }",
            json!({}),
            Hides("customer"),
        ),
        op(
            "query($id: ID!) { customer(id: $id) { id } }",
            json!({ "id": w.customer }),
            Null("customer"),
        ),
        op(
            "mutation { createCustomer(input: { name: \"Mine\" }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { createCustomer(input: { name: \"Child\", parentId: $id }) { id } }",
            json!({ "id": w.customer }),
            Code("BAD_USER_INPUT"),
        ),
        op(
            "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.customer }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteCustomer(id: $id) }",
            json!({ "id": w.customer }),
            Code("NOT_FOUND"),
        ),
        op(
            "{ customerUsers { edges { node { id } } } }",
            json!({}),
            Hides("customer_user"),
        ),
        op(
            "query($id: ID!) { customerUser(id: $id) { id } }",
            json!({ "id": w.customer_user }),
            Null("customerUser"),
        ),
        op(
            "mutation($c: ID!, $r: ID!) { createCustomerUser(input: { customerId: $c, firstName: \"A\", lastName: \"B\",
                email: \"new@acme.example\", generatePassword: true, roleIds: [$r] }) { id } }",
            json!({ "c": w.customer, "r": w.customer_role }),
            Code("BAD_USER_INPUT"),
        ),
        op(
            "mutation($id: ID!) { updateCustomerUser(id: $id, input: { firstName: \"X\" }) { id } }",
            json!({ "id": w.customer_user }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteCustomerUser(id: $id) }",
            json!({ "id": w.customer_user }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { enableCustomerUser(id: $id) { id } }",
            json!({ "id": w.customer_user }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { disableCustomerUser(id: $id) { id } }",
            json!({ "id": w.customer_user }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { unlockCustomerUser(id: $id) { id } }",
            json!({ "id": w.customer_user }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { confirmCustomerUser(id: $id) { id } }",
            json!({ "id": w.customer_user }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { resetCustomerUserPassword(id: $id) { id } }",
            json!({ "id": w.customer_user }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($s: CustomerUserSelection!) { massUpdateCustomerUsers(selection: $s, action: DISABLE) { total } }",
            json!({ "s": { "ids": [w.customer_user] } }),
            Equals("/massUpdateCustomerUsers/total", json!(0)),
        ),
        op("mutation { exportCustomerUsers { id } }", json!({}), OwnScope),
        op(
            "mutation($id: ID!) { impersonateCustomerUser(id: $id) { token } }",
            json!({ "id": w.customer_user }),
            Code("NOT_FOUND"),
        ),
        op(
            "{ customerRoles { id } }",
            json!({}),
            Hides("customer_role"),
        ),
        op(
            "mutation { createCustomerRole(input: { name: \"Mine\" }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { updateCustomerRole(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.customer_role }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteCustomerRole(id: $id) }",
            json!({ "id": w.customer_role }),
            Code("NOT_FOUND"),
        ),
        op(
            "{ websites { edges { node { id } } } }",
            json!({}),
            Hides("website"),
        ),
        op(
            "query($id: ID!) { website(id: $id) { id } }",
            json!({ "id": w.website }),
            Null("website"),
        ),
        op("{ localizations { code } }", json!({}), OwnScope),
        op(
            "mutation { createWebsite(input: { name: \"Mine\" }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { updateWebsite(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.website }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteWebsite(id: $id) }",
            json!({ "id": w.website }),
            Code("NOT_FOUND"),
        ),
        op("{ oauthStatus { available message } }", json!({}), OwnScope),
        op(
            "{ oauthApplications { totalCount edges { node { id } } } }",
            json!({}),
            Hides("oauth_application"),
        ),
        op(
            "query($id: ID!) { oauthApplication(id: $id) { id } }",
            json!({ "id": w.oauth_application }),
            Null("oauthApplication"),
        ),
        op(
            "mutation($u: ID!) { createOAuthApplication(input: { name: \"Mine\", userId: $u }) { clientSecret } }",
            json!({ "u": w.target }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($c: ID!) { createOAuthApplication(input: { name: \"Mine\", customerUserId: $c }) { clientSecret } }",
            json!({ "c": w.customer_user }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { updateOAuthApplication(id: $id, input: { active: false }) { id } }",
            json!({ "id": w.oauth_application }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { rotateOAuthApplicationSecret(id: $id) { clientSecret } }",
            json!({ "id": w.oauth_application }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteOAuthApplication(id: $id) }",
            json!({ "id": w.oauth_application }),
            Code("NOT_FOUND"),
        ),
        op("{ consents { id } }", json!({}), Hides("consent")),
        op(
            "mutation { createConsent(input: { name: \"Mine\" }) { id } }",
            json!({}),
            OwnScope,
        ),
        op(
            "mutation($id: ID!) { updateConsent(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": w.consent }),
            Code("NOT_FOUND"),
        ),
        op(
            "mutation($id: ID!) { deleteConsent(id: $id) }",
            json!({ "id": w.consent }),
            Code("NOT_FOUND"),
        ),
    ]
}

/// Storefront operations: every back-office caller is refused, and the
/// storefront token of the world's account manager is let in.
fn storefront_operations(w: &World) -> Vec<(&'static str, Value)> {
    let user = json!({ "id": w.customer_user });
    vec![
        ("{ customerMe { id } }", json!({})),
        ("{ customerSession { impersonated } }", json!({})),
        ("{ accountUsers { totalCount } }", json!({})),
        (
            "mutation($c: ID!) { createAccountUser(input: { customerId: $c, firstName: \"A\", lastName: \"B\",
                email: \"hire@acme.example\", generatePassword: true, enabled: false }) { id } }",
            json!({ "c": w.customer }),
        ),
        (
            "mutation($id: ID!) { updateAccountUser(id: $id, input: { firstName: \"Me\" }) { id } }",
            user.clone(),
        ),
        (
            "mutation($id: ID!) { enableAccountUser(id: $id) { id } }",
            user.clone(),
        ),
        ("mutation { customerLogout }", json!({})),
    ]
}

async fn every_operation_is_refused_to_the_wrong_caller(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let ids = [
        ("job", &w.job),
        ("target", &w.target),
        ("organization", &w.organization),
        ("unit", &w.unit),
        ("role", &w.role),
        ("group", &w.group),
        ("customer", &w.customer),
        ("customer_user", &w.customer_user),
        ("website", &w.website),
        ("consent", &w.consent),
        ("customer_role", &w.customer_role),
        ("oauth_application", &w.oauth_application),
    ];
    for operation in operations(&w) {
        let query = operation.query.as_str();
        let anonymous = app
            .gql(&Auth::None, query, operation.variables.clone())
            .await;
        assert_eq!(anonymous.code(), "UNAUTHENTICATED", "anonymous: {query}");
        for (who, caller) in [
            ("without permission", &w.nobody),
            ("without permission, OAuth token", &w.nobody_oauth),
        ] {
            let nobody = app.gql(caller, query, operation.variables.clone()).await;
            match &operation.nobody {
                Nobody::Forbidden => {
                    assert_eq!(nobody.code(), "FORBIDDEN", "{who}: {query}")
                }
                Nobody::Code(code) => assert_eq!(nobody.code(), *code, "{who}: {query}"),
                Nobody::Null(field) => {
                    assert_eq!(nobody.data()[field], Value::Null, "{who}: {query}")
                }
                Nobody::Empty(field) => {
                    assert_eq!(nobody.data()[field]["totalCount"], 0, "{who}: {query}")
                }
            }
        }
        for (who, caller) in [
            ("storefront token", &w.storefront),
            ("storefront OAuth token", &w.storefront_oauth),
        ] {
            let storefront = app.gql(caller, query, operation.variables.clone()).await;
            assert_eq!(storefront.code(), "FORBIDDEN", "{who}: {query}");
        }
        let outsider = app
            .gql(&w.outsider, query, operation.variables.clone())
            .await;
        match operation.outsider {
            Outsider::Code(code) => assert_eq!(
                outsider.code(),
                code,
                "other organization: {query}: {}",
                outsider.body
            ),
            Outsider::Null(field) => assert_eq!(
                outsider.data()[field],
                Value::Null,
                "other organization: {query}"
            ),
            Outsider::Hides(which) => {
                let id = ids
                    .iter()
                    .find(|(name, _)| *name == which)
                    .expect("known id")
                    .1;
                let text = outsider.data().to_string();
                assert!(
                    !text.contains(&format!("\"{id}\"")),
                    "other organization sees {which} {id}: {query}: {text}"
                );
            }
            Outsider::Equals(pointer, expected) => {
                assert_eq!(
                    outsider.data().pointer(pointer),
                    Some(&expected),
                    "other organization: {query}"
                )
            }
            Outsider::HidesText(text) => {
                let answer = outsider.data().to_string();
                assert!(
                    !answer.contains(text),
                    "other organization sees {text}: {query}: {answer}"
                );
            }
            Outsider::OwnScope => {
                outsider.data();
            }
        }
    }
    for (query, variables) in storefront_operations(&w) {
        let anonymous = app.gql(&Auth::None, query, variables.clone()).await;
        assert_eq!(anonymous.code(), "UNAUTHENTICATED", "anonymous: {query}");
        for (who, caller) in [
            ("without permission", &w.nobody),
            ("other organization", &w.outsider),
            ("back-office OAuth token", &w.nobody_oauth),
        ] {
            let refused = app.gql(caller, query, variables.clone()).await;
            assert_eq!(refused.code(), "FORBIDDEN", "{who}: {query}");
        }
        if !query.starts_with("mutation") {
            app.gql(&w.storefront_oauth, query, variables.clone())
                .await
                .data();
        }
        app.gql(&w.storefront, query, variables).await.data();
    }
    // Nothing of the first organization changed.
    let admin = app.admin().await;
    let target = app
        .gql(
            &admin,
            "query($id: ID!) { user(id: $id) { firstName enabled } }",
            json!({ "id": w.target }),
        )
        .await;
    assert_eq!(
        target.data()["user"],
        json!({ "firstName": "target", "enabled": true })
    );
    let unit = app
        .gql(
            &admin,
            "query($id: ID!) { businessUnit(id: $id) { name } }",
            json!({ "id": w.unit }),
        )
        .await;
    assert_eq!(unit.data()["businessUnit"]["name"], "Sales");
}

async fn api_keys_act_in_their_organization_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let admin = app.admin().await;
    let other = app
        .gql(
            &w.outsider,
            "{ me { organization { id } user { id } } }",
            json!({}),
        )
        .await;
    let other_org = other.data()["me"]["organization"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let me = app.gql(&admin, "{ me { user { id } } }", json!({})).await;
    let admin_id = me.data()["me"]["user"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let generate = "mutation($u: ID!, $o: ID) { generateApiKey(userId: $u, organizationId: $o) { key apiKey { organizationId } } }";
    let key = app
        .gql(&admin, generate, json!({ "u": admin_id, "o": other_org }))
        .await;
    let key = Auth::ApiKey(
        key.data()["generateApiKey"]["key"]
            .as_str()
            .expect("key")
            .to_owned(),
    );
    let seen = app
        .gql(
            &key,
            "{ me { organization { id } } users { edges { node { username } } } }",
            json!({}),
        )
        .await;
    assert_eq!(seen.data()["me"]["organization"]["id"], other_org.as_str());
    let names = seen.data()["users"].to_string();
    assert!(
        names.contains("outsider") && !names.contains("target"),
        "{names}"
    );
    // The key of the other organization does not reach the first one's records.
    let target = app
        .gql(
            &key,
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": w.target }),
        )
        .await;
    assert_eq!(target.data()["user"], Value::Null);
    // Keys for organizations the user is not in are refused.
    let nobody_id = app
        .gql(&w.nobody, "{ me { user { id } } }", json!({}))
        .await;
    let nobody_id = nobody_id.data()["me"]["user"]["id"].clone();
    let refused = app
        .gql(&admin, generate, json!({ "u": nobody_id, "o": other_org }))
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
}

async fn nobody_takes_over_a_more_powerful_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let helpdesk = app
        .create_role(
            &admin,
            "Helpdesk",
            &[
                "USERS_VIEW",
                "USERS_UPDATE",
                "USERS_DELETE",
                "USERS_MANAGE_PASSWORDS",
                "USERS_MANAGE_API_KEYS",
            ],
        )
        .await;
    app.create_user(&admin, "helper", PASSWORD, &[helpdesk])
        .await;
    let helper = Auth::Bearer(app.login("helper", PASSWORD).await);
    let admin_id = app.gql(&admin, "{ me { user { id } } }", json!({})).await;
    let admin_id = admin_id.data()["me"]["user"]["id"].clone();
    for mutation in [
        "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"Taken-0ver!\") { id } }",
        "mutation($id: ID!) { generateApiKey(userId: $id) { key } }",
        "mutation($id: ID!) { disableUser(id: $id) { id } }",
        "mutation($id: ID!) { updateUser(id: $id, input: { email: \"mine@example.com\" }) { id } }",
        "mutation($id: ID!) { deleteUser(id: $id) }",
    ] {
        let response = app.gql(&helper, mutation, json!({ "id": admin_id })).await;
        assert_eq!(response.code(), "FORBIDDEN", "{mutation}");
    }
    app.login("admin", ADMIN_PASSWORD).await;
    // Users holding no more than the helper are the helper's to manage.
    let viewer_role = app
        .create_role(&admin, "User viewer", &["USERS_VIEW"])
        .await;
    let reader = app
        .create_user(&admin, "reader", PASSWORD, &[viewer_role])
        .await;
    let changed = app
        .gql(
            &helper,
            "mutation($id: ID!) { changeUserPassword(id: $id, newPassword: \"An0ther-Password\") { id } }",
            json!({ "id": reader }),
        )
        .await;
    changed.data();
}
