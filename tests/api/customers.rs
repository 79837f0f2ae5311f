//! Customers and customer users: the back office manages them, customer
//! users log in to the storefront, and account managers manage their own
//! customer's users.

use serde_json::{Value, json};
use support::{Auth, Backend, TestApp, spawn_app, spawn_app_with};

on_every_database!(
    websites_localizations_consents_and_roles,
    customers_form_a_tree_and_delete_only_when_empty,
    create_customer_user_with_every_field,
    customer_user_rules_report_each_field,
    roles_gate_enabling,
    list_filters_orders_and_pages,
    nested_relations_do_not_multiply_statements,
    owners_and_representatives_cannot_be_deleted,
    storefront_login_and_its_refusals,
    lockout_and_unlock,
    tokens_stay_on_their_side,
    account_managers_manage_their_own_customer_only,
    welcome_email_sets_the_first_password,
    registration_and_confirmation,
    customer_password_resets,
    impersonation_is_marked_and_audited,
    mass_actions_on_customer_users,
    export_then_import_customer_users,
);

const WAIT: std::time::Duration = std::time::Duration::from_secs(30);
const COMPLETE: &str =
    "mutation($t: String!, $p: String!) { completePasswordReset(token: $t, newPassword: $p) }";

pub const PASSWORD: &str = "Str0ng-Password";

const CUSTOMER_USER_FIELDS: &str = "id enabled confirmed authStatus namePrefix firstName middleName lastName
    nameSuffix email birthday customer { id name } website { id name } localization { code }
    owner { username } salesRepresentatives { username } roles { name predefined permissions }
    addresses { label billing shipping defaultBilling defaultShipping street city postalCode country }
    consents { consent { name } acceptedAt }";

/// What a storefront needs: the bootstrap website, the predefined roles and
/// a customer.
pub struct Shop {
    pub website: String,
    pub buyer: String,
    pub manager: String,
    pub customer: String,
}

pub async fn shop(app: &TestApp, admin: &Auth) -> Shop {
    let websites = app
        .gql(
            admin,
            "{ websites { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    let website = websites.data()["websites"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("bootstrap website")
        .to_owned();
    let roles = app
        .gql(admin, "{ customerRoles { id name predefined } }", json!({}))
        .await;
    let role = |name: &str| {
        roles.data()["customerRoles"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|r| r["name"] == name && r["predefined"] == true)
            .unwrap_or_else(|| panic!("no predefined role {name}"))["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let customer = app
        .gql(
            admin,
            "mutation { createCustomer(input: { name: \"Acme\" }) { id } }",
            json!({}),
        )
        .await
        .id("createCustomer");
    Shop {
        website,
        buyer: role("Buyer"),
        manager: role("Administrator"),
        customer,
    }
}

pub async fn create_customer_user(app: &TestApp, admin: &Auth, input: Value) -> GqlAnswer {
    let query = format!(
        "mutation($input: CreateCustomerUserInput!) {{ createCustomerUser(input: $input) {{ {CUSTOMER_USER_FIELDS} }} }}"
    );
    app.gql(admin, &query, json!({ "input": input })).await
}

type GqlAnswer = support::GqlResponse;

/// A confirmed, enabled customer user of `customer` holding `role`; its id.
pub async fn customer_user(
    app: &TestApp,
    admin: &Auth,
    customer: &str,
    email: &str,
    role: &str,
) -> String {
    create_customer_user(
        app,
        admin,
        json!({ "customerId": customer, "firstName": "Cy", "lastName": "User", "email": email,
                "password": PASSWORD, "passwordConfirmation": PASSWORD, "roleIds": [role] }),
    )
    .await
    .id("createCustomerUser")
}

pub async fn customer_login(
    app: &TestApp,
    website: &str,
    email: &str,
    password: &str,
) -> GqlAnswer {
    let query = "mutation($input: CustomerLoginInput!) { customerLogin(input: $input) {
        token tokenType audience impersonated user { id } customerUser { id email } } }";
    let input = json!({ "email": email, "password": password, "websiteId": website });
    app.gql(&Auth::None, query, json!({ "input": input })).await
}

pub async fn storefront_token(app: &TestApp, website: &str, email: &str) -> Auth {
    let answer = customer_login(app, website, email, PASSWORD).await;
    Auth::Bearer(
        answer.data()["customerLogin"]["token"]
            .as_str()
            .expect("token")
            .to_owned(),
    )
}

async fn websites_localizations_consents_and_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let localizations = app
        .gql(&admin, "{ localizations { id code } }", json!({}))
        .await;
    let code = |code: &str| {
        localizations.data()["localizations"]
            .as_array()
            .expect("localizations")
            .iter()
            .find(|l| l["code"] == code)
            .unwrap_or_else(|| panic!("no {code}"))["id"]
            .clone()
    };
    let (german, french) = (code("de_DE"), code("fr_FR"));
    let created = app
        .gql(
            &admin,
            "mutation($l: [ID!]!) { createWebsite(input: { name: \"B2B\", url: \"https://b2b.example.com\", localizationIds: $l }) {
                id name url localizations { code } defaultLocalization { code } } }",
            json!({ "l": [german, french] }),
        )
        .await;
    let website = created.data()["createWebsite"].clone();
    assert_eq!(
        website["localizations"],
        json!([{ "code": "de_DE" }, { "code": "fr_FR" }])
    );
    assert_eq!(website["defaultLocalization"]["code"], "de_DE");
    let duplicate = app
        .gql(
            &admin,
            "mutation { createWebsite(input: { name: \"B2B\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(duplicate.code(), "CONFLICT");
    assert_eq!(duplicate.error()["extensions"]["field"], "name");
    let outside = app
        .gql(
            &admin,
            "mutation($id: ID!, $d: ID!) { updateWebsite(id: $id, input: { localizationIds: [$d], defaultLocalizationId: $d }) {
                defaultLocalization { code } } }",
            json!({ "id": website["id"], "d": french }),
        )
        .await;
    assert_eq!(
        outside.data()["updateWebsite"]["defaultLocalization"]["code"],
        "fr_FR"
    );

    let consent = app
        .gql(
            &admin,
            "mutation { createConsent(input: { name: \"Terms\", description: \"The terms\", mandatory: true }) { id name mandatory } }",
            json!({}),
        )
        .await;
    assert_eq!(consent.data()["createConsent"]["mandatory"], true);
    let consents = app.gql(&admin, "{ consents { name } }", json!({})).await;
    assert_eq!(consents.data()["consents"], json!([{ "name": "Terms" }]));

    let roles = app
        .gql(
            &admin,
            "{ customerRoles { name predefined permissions } }",
            json!({}),
        )
        .await;
    assert_eq!(
        roles.data()["customerRoles"],
        json!([
            { "name": "Administrator", "predefined": true, "permissions": ["USERS_VIEW", "USERS_MANAGE"] },
            { "name": "Buyer", "predefined": true, "permissions": [] },
        ])
    );
    let predefined = app
        .gql(&admin, "{ customerRoles { id } }", json!({}))
        .await
        .data()["customerRoles"][0]["id"]
        .clone();
    let change = app
        .gql(
            &admin,
            "mutation($id: ID!) { updateCustomerRole(id: $id, input: { name: \"Boss\" }) { id } }",
            json!({ "id": predefined }),
        )
        .await;
    assert_eq!(change.code(), "FORBIDDEN");
    let own = app
        .gql(
            &admin,
            "mutation { createCustomerRole(input: { name: \"Viewer\", permissions: [USERS_VIEW] }) { id name predefined permissions } }",
            json!({}),
        )
        .await;
    assert_eq!(
        own.data()["createCustomerRole"]["permissions"],
        json!(["USERS_VIEW"])
    );
    assert_eq!(own.data()["createCustomerRole"]["predefined"], false);
    let id = own.id("createCustomerRole");
    let deleted = app
        .gql(
            &admin,
            "mutation($id: ID!) { deleteCustomerRole(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(deleted.data()["deleteCustomerRole"], id.as_str());
}

async fn customers_form_a_tree_and_delete_only_when_empty(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let me = app
        .gql(&admin, "{ me { user { id } } }", json!({}))
        .await
        .data()["me"]["user"]["id"]
        .clone();
    let child = app
        .gql(
            &admin,
            "mutation($p: ID!, $me: ID!) { createCustomer(input: { name: \"Acme Europe\", parentId: $p, salesRepresentativeIds: [$me] }) {
                id name parent { name } owner { username } salesRepresentatives { username } } }",
            json!({ "p": shop.customer, "me": me }),
        )
        .await;
    let node = child.data()["createCustomer"].clone();
    assert_eq!(node["parent"]["name"], "Acme");
    assert_eq!(node["owner"]["username"], "admin");
    assert_eq!(
        node["salesRepresentatives"],
        json!([{ "username": "admin" }])
    );
    let cycle = app
        .gql(
            &admin,
            "mutation($id: ID!, $p: ID!) { updateCustomer(id: $id, input: { parentId: $p }) { id } }",
            json!({ "id": shop.customer, "p": node["id"] }),
        )
        .await;
    assert_eq!(cycle.code(), "BAD_USER_INPUT");
    assert_eq!(
        cycle.error()["extensions"]["fields"][0]["field"],
        "parentId"
    );
    let stranger = app
        .gql(
            &admin,
            "mutation { createCustomer(input: { name: \"X\", ownerId: \"999999\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(stranger.code(), "BAD_USER_INPUT");

    let children = app
        .gql(
            &admin,
            "query($p: ID!) { customers(filter: { parentId: $p }) { totalCount edges { node { name } } } }",
            json!({ "p": shop.customer }),
        )
        .await;
    assert_eq!(children.data()["customers"]["totalCount"], 1);
    let search = app
        .gql(
            &admin,
            "{ customers(filter: { search: \"europe\" }) { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        search.data()["customers"]["edges"],
        json!([{ "node": { "name": "Acme Europe" } }])
    );

    let delete = "mutation($id: ID!) { deleteCustomer(id: $id) }";
    let parent = app
        .gql(&admin, delete, json!({ "id": shop.customer }))
        .await;
    assert_eq!(parent.code(), "CONFLICT");
    let user = customer_user(
        &app,
        &admin,
        node["id"].as_str().expect("a string"),
        "eu@acme.example",
        &shop.buyer,
    )
    .await;
    let busy = app.gql(&admin, delete, json!({ "id": node["id"] })).await;
    assert_eq!(busy.code(), "CONFLICT");
    app.gql(
        &admin,
        "mutation($id: ID!) { deleteCustomerUser(id: $id) }",
        json!({ "id": user }),
    )
    .await
    .data();
    app.gql(&admin, delete, json!({ "id": node["id"] }))
        .await
        .data();
    app.gql(&admin, delete, json!({ "id": shop.customer }))
        .await
        .data();
    let left = app
        .gql(&admin, "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(left.data()["customers"]["totalCount"], 0);
}

async fn create_customer_user_with_every_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let me = app
        .gql(&admin, "{ me { user { id } } }", json!({}))
        .await
        .data()["me"]["user"]["id"]
        .clone();
    let english = app
        .gql(&admin, "{ localizations { id code } }", json!({}))
        .await
        .data()["localizations"]
        .as_array()
        .expect("list")
        .iter()
        .find(|l| l["code"] == "en_US")
        .expect("en_US")["id"]
        .clone();
    let consent = app
        .gql(
            &admin,
            "mutation { createConsent(input: { name: \"Newsletter\" }) { id } }",
            json!({}),
        )
        .await
        .id("createConsent");
    let created = create_customer_user(
        &app,
        &admin,
        json!({
            "customerId": shop.customer, "websiteId": shop.website, "ownerId": me, "confirmed": false,
            "namePrefix": "Ms.", "firstName": "Ada", "middleName": "King", "lastName": "Lovelace", "nameSuffix": "II",
            "email": "Ada@Acme.example", "birthday": "1985-12-10", "localizationId": english,
            "password": PASSWORD, "passwordConfirmation": PASSWORD,
            "roleIds": [shop.buyer, shop.manager], "salesRepresentativeIds": [me], "consentIds": [consent],
            "addresses": [
                { "label": "Head office", "billing": true, "shipping": true, "defaultBilling": true, "defaultShipping": true,
                  "street": "1 Main St", "city": "London", "postalCode": "N1 9GU", "country": "gb" },
                { "label": "Warehouse", "shipping": true, "street": "2 Dock Rd", "city": "Tilbury",
                  "postalCode": "RM18 7EH", "country": "GB" },
            ],
        }),
    )
    .await;
    let user = created.data()["createCustomerUser"].clone();
    assert_eq!(user["enabled"], true);
    assert_eq!(user["confirmed"], false);
    assert_eq!(user["authStatus"], "ACTIVE");
    assert_eq!(user["email"], "Ada@Acme.example");
    assert_eq!(user["birthday"], "1985-12-10");
    assert_eq!(user["customer"]["name"], "Acme");
    assert_eq!(user["website"]["name"], "Storefront");
    assert_eq!(user["localization"]["code"], "en_US");
    assert_eq!(user["owner"]["username"], "admin");
    assert_eq!(
        user["salesRepresentatives"],
        json!([{ "username": "admin" }])
    );
    let roles: Vec<&str> = user["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| r["name"].as_str().expect("a string"))
        .collect();
    assert_eq!(roles.len(), 2);
    assert!(roles.contains(&"Buyer") && roles.contains(&"Administrator"));
    assert_eq!(user["addresses"][0]["country"], "GB");
    assert_eq!(user["addresses"][0]["defaultBilling"], true);
    assert_eq!(user["addresses"][1]["billing"], false);
    assert_eq!(user["consents"][0]["consent"]["name"], "Newsletter");
    assert!(user["consents"][0]["acceptedAt"].is_string());

    let taken = create_customer_user(
        &app,
        &admin,
        json!({ "customerId": shop.customer, "firstName": "A", "lastName": "B", "email": "ada@acme.EXAMPLE",
                "generatePassword": true, "roleIds": [shop.buyer] }),
    )
    .await;
    assert_eq!(taken.code(), "CONFLICT");
    assert_eq!(taken.error()["extensions"]["field"], "email");

    let id = user["id"].clone();
    let update = format!(
        "mutation($id: ID!, $input: UpdateCustomerUserInput!) {{ updateCustomerUser(id: $id, input: $input) {{ {CUSTOMER_USER_FIELDS} }} }}"
    );
    let updated = app
        .gql(
            &admin,
            &update,
            json!({ "id": id, "input": { "middleName": null, "roleIds": [shop.buyer], "addresses": [], "consentIds": [] } }),
        )
        .await;
    let user = updated.data()["updateCustomerUser"].clone();
    assert_eq!(user["middleName"], Value::Null);
    assert_eq!(user["firstName"], "Ada");
    assert_eq!(
        user["roles"],
        json!([{ "name": "Buyer", "predefined": true, "permissions": [] }])
    );
    assert_eq!(user["addresses"], json!([]));
    assert_eq!(user["consents"], json!([]));
    assert_eq!(
        user["salesRepresentatives"],
        json!([{ "username": "admin" }])
    );

    let audit = app
        .gql(
            &admin,
            "{ auditLog(filter: { actionPrefix: \"customer_user.\" }) { edges { node { action targetId } } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = audit.data()["auditLog"]["edges"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["node"]["action"].as_str().expect("a string"))
        .collect();
    assert!(actions.contains(&"customer_user.create") && actions.contains(&"customer_user.update"));
}

async fn customer_user_rules_report_each_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let japanese = app
        .gql(&admin, "{ localizations { id code } }", json!({}))
        .await
        .data()["localizations"]
        .as_array()
        .expect("list")
        .iter()
        .find(|l| l["code"] == "ja_JP")
        .expect("ja_JP")["id"]
        .clone();
    let other_customer = app
        .gql(
            &admin,
            "mutation { createCustomer(input: { name: \"Globex\" }) { id } }",
            json!({}),
        )
        .await
        .id("createCustomer");
    let narrow = app
        .gql(
            &admin,
            "mutation($c: ID!) { createCustomerRole(input: { name: \"Globex only\", customerId: $c }) { id } }",
            json!({ "c": other_customer }),
        )
        .await
        .id("createCustomerRole");
    let refused = create_customer_user(
        &app,
        &admin,
        json!({
            "customerId": shop.customer, "firstName": " ", "lastName": "User", "email": "not an email",
            "password": "short", "passwordConfirmation": "other", "localizationId": japanese,
            "roleIds": [narrow],
            "addresses": [{ "billing": false, "shipping": false, "street": "", "city": "X", "postalCode": "1", "country": "Germany" }],
        }),
    )
    .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let fields: Vec<&str> = refused.error()["extensions"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("a string"))
        .collect();
    for field in [
        "firstName",
        "email",
        "password",
        "passwordConfirmation",
        "localizationId",
        "roleIds",
        "addresses[0].street",
        "addresses[0].country",
        "addresses[0].billing",
    ] {
        assert!(fields.contains(&field), "{field} not in {fields:?}");
    }
    let nothing = app
        .gql(&admin, "{ customerUsers { totalCount } }", json!({}))
        .await;
    assert_eq!(nothing.data()["customerUsers"]["totalCount"], 0);

    let two_defaults = create_customer_user(
        &app,
        &admin,
        json!({
            "customerId": shop.customer, "firstName": "A", "lastName": "B", "email": "a@acme.example",
            "generatePassword": true, "roleIds": [shop.buyer],
            "addresses": [
                { "billing": true, "defaultBilling": true, "street": "1", "city": "X", "postalCode": "1", "country": "DE" },
                { "billing": true, "defaultBilling": true, "street": "2", "city": "X", "postalCode": "1", "country": "DE" },
            ],
        }),
    )
    .await;
    assert_eq!(two_defaults.code(), "BAD_USER_INPUT");
    assert_eq!(
        two_defaults.error()["extensions"]["fields"][0]["field"],
        "addresses"
    );
    let no_password = create_customer_user(
        &app,
        &admin,
        json!({ "customerId": shop.customer, "firstName": "A", "lastName": "B", "email": "a@acme.example", "roleIds": [shop.buyer] }),
    )
    .await;
    assert_eq!(
        no_password.error()["extensions"]["fields"][0]["field"],
        "password"
    );
}

async fn roles_gate_enabling(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let enabled_without = create_customer_user(
        &app,
        &admin,
        json!({ "customerId": shop.customer, "firstName": "No", "lastName": "Role", "email": "norole@acme.example",
                "generatePassword": true }),
    )
    .await;
    assert_eq!(
        enabled_without.error()["extensions"]["fields"][0]["field"],
        "roleIds"
    );
    let disabled = create_customer_user(
        &app,
        &admin,
        json!({ "customerId": shop.customer, "enabled": false, "firstName": "No", "lastName": "Role",
                "email": "norole@acme.example", "generatePassword": true }),
    )
    .await;
    let id = disabled.id("createCustomerUser");
    let enable = app
        .gql(
            &admin,
            "mutation($id: ID!) { enableCustomerUser(id: $id) { enabled } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(enable.code(), "BAD_USER_INPUT");
    let through_update = app
        .gql(
            &admin,
            "mutation($id: ID!) { updateCustomerUser(id: $id, input: { enabled: true }) { enabled } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(through_update.code(), "BAD_USER_INPUT");
    let with_role = app
        .gql(
            &admin,
            "mutation($id: ID!, $r: ID!) { updateCustomerUser(id: $id, input: { roleIds: [$r] }) { enabled } }",
            json!({ "id": id, "r": shop.buyer }),
        )
        .await;
    assert_eq!(with_role.data()["updateCustomerUser"]["enabled"], false);
    let enabled = app
        .gql(
            &admin,
            "mutation($id: ID!) { enableCustomerUser(id: $id) { enabled } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(enabled.data()["enableCustomerUser"]["enabled"], true);
    let strip = app
        .gql(
            &admin,
            "mutation($id: ID!) { updateCustomerUser(id: $id, input: { roleIds: [] }) { enabled } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(strip.code(), "BAD_USER_INPUT");
}

async fn list_filters_orders_and_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let globex = app
        .gql(
            &admin,
            "mutation { createCustomer(input: { name: \"Globex\" }) { id } }",
            json!({}),
        )
        .await
        .id("createCustomer");
    let a = customer_user(
        &app,
        &admin,
        &shop.customer,
        "alice@acme.example",
        &shop.buyer,
    )
    .await;
    customer_user(
        &app,
        &admin,
        &shop.customer,
        "bob@acme.example",
        &shop.manager,
    )
    .await;
    let c = customer_user(&app, &admin, &globex, "carol@globex.example", &shop.buyer).await;
    app.gql(
        &admin,
        "mutation($id: ID!) { disableCustomerUser(id: $id) { id } }",
        json!({ "id": c }),
    )
    .await
    .data();
    app.gql(
        &admin,
        "mutation($id: ID!) { updateCustomerUser(id: $id, input: { lastName: \"Zeta\" }) { id } }",
        json!({ "id": a }),
    )
    .await
    .data();
    let list = "query($filter: CustomerUserFilter, $order: CustomerUserOrder, $first: Int, $after: String) {
        customerUsers(filter: $filter, orderBy: $order, first: $first, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { email } } } }";
    let emails = |answer: &GqlAnswer| -> Vec<String> {
        answer.data()["customerUsers"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["email"].as_str().expect("a string").to_owned())
            .collect()
    };
    for (filter, expected) in [
        (
            json!({ "customerId": shop.customer }),
            vec!["alice@acme.example", "bob@acme.example"],
        ),
        (json!({ "enabled": false }), vec!["carol@globex.example"]),
        (json!({ "roleId": shop.manager }), vec!["bob@acme.example"]),
        (json!({ "search": "GLOBEX" }), vec!["carol@globex.example"]),
        (json!({ "search": "zeta" }), vec!["alice@acme.example"]),
        (
            json!({ "websiteId": shop.website, "confirmed": true, "authStatus": "ACTIVE" }),
            vec![
                "alice@acme.example",
                "bob@acme.example",
                "carol@globex.example",
            ],
        ),
        (json!({ "confirmed": false }), vec![]),
    ] {
        let answer = app.gql(&admin, list, json!({ "filter": filter })).await;
        assert_eq!(emails(&answer), expected, "filter {filter}");
        assert_eq!(answer.data()["customerUsers"]["totalCount"], expected.len());
    }
    let by_name = app
        .gql(
            &admin,
            list,
            json!({ "order": { "field": "LAST_NAME", "descending": true } }),
        )
        .await;
    assert_eq!(emails(&by_name)[0], "alice@acme.example");
    let first = app.gql(&admin, list, json!({ "first": 2 })).await;
    assert_eq!(
        emails(&first),
        vec!["alice@acme.example", "bob@acme.example"]
    );
    assert_eq!(
        first.data()["customerUsers"]["pageInfo"]["hasNextPage"],
        true
    );
    let cursor = first.data()["customerUsers"]["pageInfo"]["endCursor"].clone();
    let second = app
        .gql(&admin, list, json!({ "first": 2, "after": cursor }))
        .await;
    assert_eq!(emails(&second), vec!["carol@globex.example"]);
}

async fn nested_relations_do_not_multiply_statements(backend: Backend) {
    // No worker in this process: nothing but the requests writes (with
    // SQLite any commit empties what the server keeps, so a delivery
    // between two requests would make its viewer be read again).
    let app = spawn_app_with(backend, |s| s.jobs.in_process_worker = false).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    for i in 0..50 {
        create_customer_user(
            &app,
            &admin,
            json!({ "customerId": shop.customer, "firstName": "P", "lastName": format!("{i:02}"),
                    "email": format!("p{i:02}@acme.example"), "generatePassword": true, "roleIds": [shop.buyer],
                    "addresses": [{ "billing": true, "street": "1", "city": "X", "postalCode": "1", "country": "DE" }] }),
        )
        .await
        .data();
    }
    let query = format!(
        "query($first: Int) {{ customerUsers(first: $first) {{ edges {{ node {{ {CUSTOMER_USER_FIELDS} }} }} }} }}"
    );
    let mut counts = Vec::new();
    for first in [2, 50] {
        // Every earlier change's notification in first, then warm.
        app.request_statements().await;
        app.gql(&admin, &query, json!({ "first": first }))
            .await
            .data();
        // Only the request's own statements count, not the workers'.
        let before = app.request_statements().await;
        let response = app.gql(&admin, &query, json!({ "first": first })).await;
        assert_eq!(
            response.data()["customerUsers"]["edges"]
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
    assert_eq!(counts[0], counts[1], "statements for 2 and 50: {counts:?}");
}

async fn owners_and_representatives_cannot_be_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let role = app.role_id(&admin, "Read-only").await;
    let seller = app
        .create_user(&admin, "seller", PASSWORD, std::slice::from_ref(&role))
        .await;
    let owner = app
        .create_user(&admin, "owner", PASSWORD, std::slice::from_ref(&role))
        .await;
    let free = app
        .create_user(&admin, "free", PASSWORD, std::slice::from_ref(&role))
        .await;
    app.gql(
        &admin,
        "mutation($o: ID!) { createCustomer(input: { name: \"Owned\", ownerId: $o }) { id } }",
        json!({ "o": owner }),
    )
    .await
    .data();
    create_customer_user(
        &app,
        &admin,
        json!({ "customerId": shop.customer, "firstName": "R", "lastName": "Ep", "email": "rep@acme.example",
                "generatePassword": true, "roleIds": [shop.buyer], "salesRepresentativeIds": [seller] }),
    )
    .await
    .data();
    let delete = "mutation($id: ID!) { deleteUser(id: $id) }";
    let refused = app.gql(&admin, delete, json!({ "id": owner })).await;
    assert_eq!(refused.code(), "CONFLICT");
    let message = refused.error()["message"].as_str().expect("a string");
    assert!(message.contains("1 customers"), "{message}");
    let refused = app.gql(&admin, delete, json!({ "id": seller })).await;
    assert_eq!(refused.code(), "CONFLICT");
    assert!(
        refused.error()["message"]
            .as_str()
            .expect("a string")
            .contains("customer users represented as sales representative")
    );
    let job = app
        .gql(
            &admin,
            "mutation($ids: [ID!]!) { massUpdateUsers(selection: { ids: $ids }, action: DELETE) { id } }",
            json!({ "ids": [owner, seller, free] }),
        )
        .await
        .id("massUpdateUsers");
    let job = app
        .wait_job(&admin, &job, std::time::Duration::from_secs(30))
        .await;
    assert_eq!(job["status"], "SUCCEEDED");
    assert_eq!(job["succeeded"], 1);
    assert_eq!(job["skipped"], 2);
    let reasons: Vec<&str> = job["items"]["edges"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["node"]["outcome"] == "SKIPPED")
        .map(|e| e["node"]["reason"].as_str().expect("a string"))
        .collect();
    assert!(
        reasons.iter().all(|r| r.contains("owns records")),
        "{reasons:?}"
    );
}

async fn storefront_login_and_its_refusals(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let id = create_customer_user(
        &app,
        &admin,
        json!({ "customerId": shop.customer, "confirmed": false, "firstName": "Una", "lastName": "Confirmed",
                "email": "una@acme.example", "password": PASSWORD, "passwordConfirmation": PASSWORD,
                "roleIds": [shop.buyer] }),
    )
    .await
    .id("createCustomerUser");
    let unconfirmed = customer_login(&app, &shop.website, "una@acme.example", PASSWORD).await;
    assert_eq!(unconfirmed.code(), "ACCOUNT_UNCONFIRMED");
    let wrong = customer_login(&app, &shop.website, "una@acme.example", "Wr0ng-Password").await;
    assert_eq!(wrong.code(), "UNAUTHENTICATED");
    let unknown = customer_login(&app, &shop.website, "nobody@acme.example", PASSWORD).await;
    assert_eq!(unknown.code(), "UNAUTHENTICATED");
    assert_eq!(wrong.error()["message"], unknown.error()["message"]);
    let no_site = customer_login(&app, "999999", "una@acme.example", PASSWORD).await;
    assert_eq!(no_site.code(), "UNAUTHENTICATED");

    app.gql(
        &admin,
        "mutation($id: ID!) { confirmCustomerUser(id: $id) { confirmed } }",
        json!({ "id": id }),
    )
    .await
    .data();
    let ok = customer_login(&app, &shop.website, "UNA@acme.example", PASSWORD).await;
    let payload = ok.data()["customerLogin"].clone();
    assert_eq!(payload["audience"], "FRONTEND");
    assert_eq!(payload["tokenType"], "Bearer");
    assert_eq!(payload["impersonated"], false);
    assert_eq!(payload["user"], Value::Null);
    assert_eq!(payload["customerUser"]["email"], "una@acme.example");
    let token = Auth::Bearer(payload["token"].as_str().expect("a string").to_owned());
    let me = app
        .gql(
            &token,
            "{ customerMe { email customer { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(me.data()["customerMe"]["customer"]["name"], "Acme");

    app.gql(
        &admin,
        "mutation($id: ID!) { disableCustomerUser(id: $id) { enabled } }",
        json!({ "id": id }),
    )
    .await
    .data();
    let ended = app.gql(&token, "{ customerMe { email } }", json!({})).await;
    assert_eq!(ended.code(), "UNAUTHENTICATED");
    let disabled = customer_login(&app, &shop.website, "una@acme.example", PASSWORD).await;
    assert_eq!(disabled.code(), "ACCOUNT_DISABLED");

    let unrequired = spawn_app_with(backend, |s| s.customers.require_confirmation = false).await;
    let admin = unrequired.admin().await;
    let shop = self::shop(&unrequired, &admin).await;
    create_customer_user(
        &unrequired,
        &admin,
        json!({ "customerId": shop.customer, "confirmed": false, "firstName": "Una", "lastName": "Confirmed",
                "email": "una@acme.example", "password": PASSWORD, "passwordConfirmation": PASSWORD,
                "roleIds": [shop.buyer] }),
    )
    .await
    .data();
    let token = storefront_token(&unrequired, &shop.website, "una@acme.example").await;
    let out = unrequired
        .gql(&token, "mutation { customerLogout }", json!({}))
        .await;
    assert_eq!(out.data()["customerLogout"], true);
    let gone = unrequired
        .gql(&token, "{ customerMe { email } }", json!({}))
        .await;
    assert_eq!(gone.code(), "UNAUTHENTICATED");
}

async fn lockout_and_unlock(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.max_failed_logins = 3).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let id = customer_user(
        &app,
        &admin,
        &shop.customer,
        "lock@acme.example",
        &shop.buyer,
    )
    .await;
    for _ in 0..2 {
        let wrong =
            customer_login(&app, &shop.website, "lock@acme.example", "Wr0ng-Password").await;
        assert_eq!(wrong.code(), "UNAUTHENTICATED");
    }
    let locking = customer_login(&app, &shop.website, "lock@acme.example", "Wr0ng-Password").await;
    assert_eq!(locking.code(), "ACCOUNT_LOCKED");
    let right = customer_login(&app, &shop.website, "lock@acme.example", PASSWORD).await;
    assert_eq!(right.code(), "ACCOUNT_LOCKED");
    let status = app
        .gql(
            &admin,
            "query($id: ID!) { customerUser(id: $id) { authStatus } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(status.data()["customerUser"]["authStatus"], "LOCKED");
    let unlocked = app
        .gql(
            &admin,
            "mutation($id: ID!) { unlockCustomerUser(id: $id) { authStatus } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        unlocked.data()["unlockCustomerUser"]["authStatus"],
        "ACTIVE"
    );
    customer_login(&app, &shop.website, "lock@acme.example", PASSWORD)
        .await
        .data();
}

async fn tokens_stay_on_their_side(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    customer_user(
        &app,
        &admin,
        &shop.customer,
        "side@acme.example",
        &shop.manager,
    )
    .await;
    let storefront = storefront_token(&app, &shop.website, "side@acme.example").await;
    for query in [
        "{ me { user { id } } }",
        "{ users { totalCount } }",
        "{ customerUsers { totalCount } }",
        "{ customers { totalCount } }",
        "mutation { logout }",
    ] {
        let refused = app.gql(&storefront, query, json!({})).await;
        assert_eq!(refused.code(), "FORBIDDEN", "storefront token on {query}");
    }
    for query in [
        "{ customerMe { id } }",
        "{ accountUsers { totalCount } }",
        "mutation { customerLogout }",
    ] {
        let refused = app.gql(&admin, query, json!({})).await;
        assert_eq!(refused.code(), "FORBIDDEN", "back-office token on {query}");
        let anonymous = app.gql(&Auth::None, query, json!({})).await;
        assert_eq!(anonymous.code(), "UNAUTHENTICATED", "anonymous on {query}");
    }
}

async fn account_managers_manage_their_own_customer_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let globex = app
        .gql(
            &admin,
            "mutation { createCustomer(input: { name: \"Globex\" }) { id } }",
            json!({}),
        )
        .await
        .id("createCustomer");
    customer_user(
        &app,
        &admin,
        &shop.customer,
        "boss@acme.example",
        &shop.manager,
    )
    .await;
    customer_user(
        &app,
        &admin,
        &shop.customer,
        "buyer@acme.example",
        &shop.buyer,
    )
    .await;
    let outsider = customer_user(&app, &admin, &globex, "buyer@globex.example", &shop.buyer).await;
    let boss = storefront_token(&app, &shop.website, "boss@acme.example").await;
    let buyer = storefront_token(&app, &shop.website, "buyer@acme.example").await;

    let list = app
        .gql(
            &boss,
            "{ accountUsers { totalCount edges { node { email customer { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list.data()["accountUsers"]["totalCount"], 2);
    assert!(!list.data().to_string().contains("globex"));
    let refused = app
        .gql(&buyer, "{ accountUsers { totalCount } }", json!({}))
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let owner_hidden = app
        .gql(
            &boss,
            "{ accountUsers { edges { node { owner { username } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(owner_hidden.code(), "FORBIDDEN");

    let create = "mutation($input: CreateCustomerUserInput!) { createAccountUser(input: $input) { id email customer { name } owner { username } } }";
    let made = app
        .gql(
            &boss,
            "mutation($input: CreateCustomerUserInput!) { createAccountUser(input: $input) { id email customer { name } } }",
            json!({ "input": { "customerId": shop.customer, "firstName": "New", "lastName": "Hire",
                    "email": "new@acme.example", "generatePassword": true, "roleIds": [shop.buyer] } }),
        )
        .await;
    assert_eq!(made.data()["createAccountUser"]["customer"]["name"], "Acme");
    let new = made.id("createAccountUser");
    let elsewhere = app
        .gql(
            &boss,
            create,
            json!({ "input": { "customerId": globex, "firstName": "X", "lastName": "Y",
                    "email": "x@globex.example", "generatePassword": true, "roleIds": [shop.buyer] } }),
        )
        .await;
    assert_eq!(elsewhere.code(), "BAD_USER_INPUT");
    assert_eq!(
        elsewhere.error()["extensions"]["fields"][0]["field"],
        "customerId"
    );
    let by_buyer = app
        .gql(
            &buyer,
            create,
            json!({ "input": { "customerId": shop.customer, "firstName": "X", "lastName": "Y",
                    "email": "x@acme.example", "generatePassword": true, "roleIds": [shop.buyer] } }),
        )
        .await;
    assert_eq!(by_buyer.code(), "FORBIDDEN");

    let rename = "mutation($id: ID!) { updateAccountUser(id: $id, input: { firstName: \"Renamed\" }) { firstName } }";
    let renamed = app.gql(&boss, rename, json!({ "id": new })).await;
    assert_eq!(renamed.data()["updateAccountUser"]["firstName"], "Renamed");
    let foreign = app.gql(&boss, rename, json!({ "id": outsider })).await;
    assert_eq!(foreign.code(), "NOT_FOUND");
    for mutation in [
        "mutation($id: ID!) { disableAccountUser(id: $id) { enabled } }",
        "mutation($id: ID!) { enableAccountUser(id: $id) { enabled } }",
    ] {
        let foreign = app.gql(&boss, mutation, json!({ "id": outsider })).await;
        assert_eq!(foreign.code(), "NOT_FOUND", "{mutation}");
        app.gql(&boss, mutation, json!({ "id": new })).await.data();
    }
    let audit = app
        .gql(
            &admin,
            "query($id: String) { auditLog(filter: { targetType: \"customer_user\", targetId: $id }) { edges { node { action actorName } } } }",
            json!({ "id": new }),
        )
        .await;
    let entries = audit.data()["auditLog"]["edges"]
        .as_array()
        .expect("entries")
        .clone();
    assert!(
        entries
            .iter()
            .any(|e| e["node"]["action"] == "customer_user.disable"
                && e["node"]["actorName"] == "boss@acme.example"),
        "{entries:?}"
    );
    let untouched = app
        .gql(
            &admin,
            "query($id: ID!) { customerUser(id: $id) { firstName enabled } }",
            json!({ "id": outsider }),
        )
        .await;
    assert_eq!(
        untouched.data()["customerUser"],
        json!({ "firstName": "Cy", "enabled": true })
    );
}

async fn welcome_email_sets_the_first_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    create_customer_user(
        &app,
        &admin,
        json!({ "customerId": shop.customer, "firstName": "Wen", "lastName": "Come", "email": "wen@acme.example",
                "generatePassword": true, "sendWelcomeEmail": true, "confirmed": false, "roleIds": [shop.buyer] }),
    )
    .await
    .data();
    let messages = app.smtp.wait_for(1, WAIT).await;
    let email = &messages[0];
    assert_eq!(email.to, ["wen@acme.example"]);
    assert!(
        email.subject().contains("Welcome to Storefront"),
        "{}",
        email.subject()
    );
    let text = email.decoded();
    assert!(
        text.contains("https://gatehouse.test/set-password?token=ghp_"),
        "{text}"
    );
    assert!(
        !text.to_lowercase().contains("password:"),
        "no password in the email: {text}"
    );
    let token = email.token().expect("token");
    let new_password = "An0ther-Password";
    let set = app
        .gql(
            &Auth::None,
            COMPLETE,
            json!({ "t": token, "p": new_password }),
        )
        .await;
    assert_eq!(set.data()["completePasswordReset"], true);
    // The link proved the address: confirmed, and the password works.
    customer_login(&app, &shop.website, "wen@acme.example", new_password)
        .await
        .data();
    let again = app
        .gql(
            &Auth::None,
            COMPLETE,
            json!({ "t": token, "p": "Th1rd-Password" }),
        )
        .await;
    assert_eq!(again.code(), "BAD_USER_INPUT");
    assert!(
        again.error()["message"]
            .as_str()
            .expect("a string")
            .contains("used already")
    );
}

async fn registration_and_confirmation(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let terms = app
        .gql(
            &admin,
            "mutation { createConsent(input: { name: \"Terms\", mandatory: true }) { id } }",
            json!({}),
        )
        .await
        .id("createConsent");
    let register =
        "mutation($input: RegisterCustomerUserInput!) { registerCustomerUser(input: $input) }";
    let input = |consents: Value| {
        json!({ "input": { "websiteId": shop.website, "companyName": "Initech", "firstName": "Peter", "lastName": "Gibbons",
                "email": "peter@initech.example", "password": PASSWORD, "passwordConfirmation": PASSWORD,
                "consentIds": consents } })
    };
    let without = app.gql(&Auth::None, register, input(json!([]))).await;
    assert_eq!(without.code(), "BAD_USER_INPUT");
    assert_eq!(without.error()["extensions"]["field"], "consentIds");
    let registered = app.gql(&Auth::None, register, input(json!([terms]))).await;
    assert_eq!(registered.data()["registerCustomerUser"], true);
    let taken = app.gql(&Auth::None, register, input(json!([terms]))).await;
    assert_eq!(taken.code(), "CONFLICT");
    let companies = app
        .gql(
            &admin,
            "{ customers(filter: { search: \"initech\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        companies.data()["customers"]["totalCount"],
        1,
        "the refused second registration left no company"
    );

    let unconfirmed = customer_login(&app, &shop.website, "peter@initech.example", PASSWORD).await;
    assert_eq!(unconfirmed.code(), "ACCOUNT_UNCONFIRMED");
    let messages = app.smtp.wait_for(1, WAIT).await;
    let email = &messages[0];
    assert_eq!(email.to, ["peter@initech.example"]);
    assert!(
        email
            .decoded()
            .contains("https://gatehouse.test/confirm-email?token=ghe_")
    );
    let token = email.token().expect("token");
    let confirm = "mutation($t: String!) { confirmCustomerUserEmail(token: $t) }";
    let bad = app
        .gql(&Auth::None, confirm, json!({ "t": "ghe_forged" }))
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");
    let confirmed = app.gql(&Auth::None, confirm, json!({ "t": token })).await;
    assert_eq!(confirmed.data()["confirmCustomerUserEmail"], true);
    let spent = app.gql(&Auth::None, confirm, json!({ "t": token })).await;
    assert_eq!(spent.code(), "BAD_USER_INPUT");

    let session = storefront_token(&app, &shop.website, "peter@initech.example").await;
    let me = app
        .gql(
            &session,
            "{ customerMe { confirmed customer { name } roles { name } consents { consent { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me.data()["customerMe"],
        json!({ "confirmed": true, "customer": { "name": "Initech" }, "roles": [{ "name": "Administrator" }],
                "consents": [{ "consent": { "name": "Terms" } }] })
    );
}

async fn customer_password_resets(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let id = customer_user(
        &app,
        &admin,
        &shop.customer,
        "rita@acme.example",
        &shop.buyer,
    )
    .await;
    let session = storefront_token(&app, &shop.website, "rita@acme.example").await;
    let reset = app
        .gql(
            &admin,
            "mutation($id: ID!) { resetCustomerUserPassword(id: $id) { authStatus } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        reset.data()["resetCustomerUserPassword"]["authStatus"],
        "PASSWORD_RESET"
    );
    let ended = app.gql(&session, "{ customerMe { id } }", json!({})).await;
    assert_eq!(ended.code(), "UNAUTHENTICATED");
    let refused = customer_login(&app, &shop.website, "rita@acme.example", PASSWORD).await;
    assert_eq!(refused.code(), "PASSWORD_RESET_REQUIRED");
    let messages = app.smtp.wait_for(1, WAIT).await;
    assert!(
        messages[0]
            .subject()
            .contains("Set a new password for Storefront")
    );
    let token = messages[0].token().expect("token");
    let weak = app
        .gql(&Auth::None, COMPLETE, json!({ "t": token, "p": "weak" }))
        .await;
    assert_eq!(weak.code(), "BAD_USER_INPUT");
    assert_eq!(weak.error()["extensions"]["field"], "newPassword");
    app.gql(
        &Auth::None,
        COMPLETE,
        json!({ "t": token, "p": "Brand-N3w-Password" }),
    )
    .await
    .data();
    customer_login(
        &app,
        &shop.website,
        "rita@acme.example",
        "Brand-N3w-Password",
    )
    .await
    .data();

    let request =
        "mutation($e: String!, $w: ID) { requestPasswordReset(email: $e, websiteId: $w) }";
    let unknown = app
        .gql(
            &Auth::None,
            request,
            json!({ "e": "nobody@acme.example", "w": shop.website }),
        )
        .await;
    assert_eq!(unknown.data()["requestPasswordReset"], true);
    let known = app
        .gql(
            &Auth::None,
            request,
            json!({ "e": "RITA@acme.example", "w": shop.website }),
        )
        .await;
    assert_eq!(known.data()["requestPasswordReset"], true);
    let messages = app.smtp.wait_for(2, WAIT).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].to, ["rita@acme.example"]);
    assert!(
        messages[1]
            .subject()
            .contains("Reset your password for Storefront")
    );
    let token = messages[1].token().expect("token");
    assert!(token.starts_with("ghp_"));
    // Asking never locks the account out.
    customer_login(
        &app,
        &shop.website,
        "rita@acme.example",
        "Brand-N3w-Password",
    )
    .await
    .data();
    app.gql(
        &Auth::None,
        COMPLETE,
        json!({ "t": token, "p": "Fourth-Passw0rd" }),
    )
    .await
    .data();
    customer_login(&app, &shop.website, "rita@acme.example", "Fourth-Passw0rd")
        .await
        .data();
}

async fn impersonation_is_marked_and_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let id = customer_user(
        &app,
        &admin,
        &shop.customer,
        "imp@acme.example",
        &shop.manager,
    )
    .await;
    let me = app
        .gql(&admin, "{ me { user { id } } }", json!({}))
        .await
        .data()["me"]["user"]["id"]
        .clone();
    let payload = app
        .gql(
            &admin,
            "mutation($id: ID!) { impersonateCustomerUser(id: $id) { token audience impersonated customerUser { email } } }",
            json!({ "id": id }),
        )
        .await;
    let payload = payload.data()["impersonateCustomerUser"].clone();
    assert_eq!(payload["audience"], "FRONTEND");
    assert_eq!(payload["impersonated"], true);
    assert_eq!(payload["customerUser"]["email"], "imp@acme.example");
    let token = Auth::Bearer(payload["token"].as_str().expect("a string").to_owned());
    let session = app
        .gql(
            &token,
            "{ customerSession { impersonated impersonatorId } }",
            json!({}),
        )
        .await;
    assert_eq!(
        session.data()["customerSession"],
        json!({ "impersonated": true, "impersonatorId": me })
    );
    app.gql(
        &token,
        "mutation($id: ID!) { updateAccountUser(id: $id, input: { firstName: \"Acted\" }) { id } }",
        json!({ "id": id }),
    )
    .await
    .data();
    let audit = app
        .gql(
            &admin,
            "{ auditLog(filter: { targetType: \"customer_user\" }) { edges { node { action actorId actorCustomerUserId impersonatorId } } } }",
            json!({}),
        )
        .await;
    let entries = audit.data()["auditLog"]["edges"]
        .as_array()
        .expect("entries")
        .clone();
    let started = entries
        .iter()
        .find(|e| e["node"]["action"] == "customer_user.impersonate")
        .expect("the impersonation is audited");
    assert_eq!(started["node"]["actorId"], me);
    let acted = entries
        .iter()
        .find(|e| e["node"]["action"] == "customer_user.update")
        .expect("the update is audited");
    assert_eq!(acted["node"]["actorCustomerUserId"], id.as_str());
    assert_eq!(acted["node"]["impersonatorId"], me);

    let own = app
        .gql(&admin, "{ customerSession { impersonated } }", json!({}))
        .await;
    assert_eq!(own.code(), "FORBIDDEN");
    app.gql(
        &admin,
        "mutation($id: ID!) { disableCustomerUser(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await
    .data();
    let ended = app.gql(&token, "{ customerMe { id } }", json!({})).await;
    assert_eq!(ended.code(), "UNAUTHENTICATED");
    let refused = app
        .gql(
            &admin,
            "mutation($id: ID!) { impersonateCustomerUser(id: $id) { token } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
}

async fn mass_actions_on_customer_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            customer_user(
                &app,
                &admin,
                &shop.customer,
                &format!("m{i}@acme.example"),
                &shop.buyer,
            )
            .await,
        );
    }
    let bare = create_customer_user(
        &app,
        &admin,
        json!({ "customerId": shop.customer, "enabled": false, "firstName": "No", "lastName": "Role",
                "email": "bare@acme.example", "generatePassword": true }),
    )
    .await
    .id("createCustomerUser");
    let session = storefront_token(&app, &shop.website, "m0@acme.example").await;
    let mass = "mutation($s: CustomerUserSelection!, $a: CustomerUserMassAction!) {
        massUpdateCustomerUsers(selection: $s, action: $a) { id kind total } }";
    let run = |selection: Value, action: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let started = app
                .gql(&admin, mass, json!({ "s": selection, "a": action }))
                .await;
            assert_eq!(
                started.data()["massUpdateCustomerUsers"]["kind"],
                "MASS_UPDATE_CUSTOMER_USERS"
            );
            let id = started.id("massUpdateCustomerUsers");
            app.wait_job(&admin, &id, WAIT).await
        }
    };
    let disabled = run(
        json!({ "filter": { "customerId": shop.customer }, "excludeIds": [ids[3], bare] }),
        "DISABLE",
    )
    .await;
    assert_eq!(disabled["status"], "SUCCEEDED");
    assert_eq!(disabled["succeeded"], 3);
    let ended = app.gql(&session, "{ customerMe { id } }", json!({})).await;
    assert_eq!(ended.code(), "UNAUTHENTICATED");
    let enabled = run(json!({ "ids": [ids[0], bare] }), "ENABLE").await;
    assert_eq!(enabled["succeeded"], 1);
    assert_eq!(enabled["skipped"], 1);
    let skipped = enabled["items"]["edges"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["node"]["outcome"] == "SKIPPED")
        .expect("a skipped item")["node"]
        .clone();
    assert_eq!(skipped["itemId"], bare.as_str());
    assert!(
        skipped["reason"]
            .as_str()
            .expect("reason")
            .contains("no role")
    );

    let reset = run(json!({ "ids": [ids[0], ids[3]] }), "RESET_PASSWORD").await;
    assert_eq!(reset["succeeded"], 2);
    let messages = app.smtp.wait_for(2, WAIT).await;
    app.emails_settled().await;
    let mut recipients: Vec<String> = app
        .smtp
        .messages()
        .iter()
        .map(|m| m.to[0].clone())
        .collect();
    recipients.sort();
    assert_eq!(
        recipients,
        ["m0@acme.example", "m3@acme.example"],
        "one email each"
    );
    assert!(messages[0].decoded().contains("/reset-password?token=ghp_"));
    let status = app
        .gql(
            &admin,
            "query($id: ID!) { customerUser(id: $id) { authStatus } }",
            json!({ "id": ids[3] }),
        )
        .await;
    assert_eq!(
        status.data()["customerUser"]["authStatus"],
        "PASSWORD_RESET"
    );

    let deleted = run(json!({ "ids": [ids[1], ids[2]] }), "DELETE").await;
    assert_eq!(deleted["succeeded"], 2);
    let left = app
        .gql(&admin, "{ customerUsers { totalCount } }", json!({}))
        .await;
    assert_eq!(left.data()["customerUsers"]["totalCount"], 3);
}

/// Posts a GraphQL multipart request uploading `csv` as `$file`.
pub async fn upload(app: &TestApp, auth: &Auth, query: &str, csv: &str) -> support::GqlResponse {
    let boundary = "gatehouse-test-boundary";
    let operations = json!({ "query": query, "variables": { "file": null } });
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\": [\"variables.file\"]}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"users.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n\
         --{boundary}--\r\n"
    );
    let mut request = app.client().post(app.url("/graphql"));
    if let Auth::Bearer(token) = auth {
        request = request.bearer_auth(token);
    }
    let response = request
        .header("accept", "application/graphql-response+json")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.expect("JSON body");
    support::GqlResponse { status, body }
}

async fn export_then_import_customer_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    customer_user(
        &app,
        &admin,
        &shop.customer,
        "kept@acme.example",
        &shop.buyer,
    )
    .await;
    let started = app
        .gql(&admin, "mutation { exportCustomerUsers { id } }", json!({}))
        .await;
    let id = started.id("exportCustomerUsers");
    let job = app.wait_job(&admin, &id, WAIT).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["kind"], "EXPORT_CUSTOMER_USERS");
    let Auth::Bearer(token) = admin.clone() else {
        unreachable!()
    };
    let exported = app
        .client()
        .get(app.url(&format!("/exports/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("download")
        .text()
        .await
        .expect("csv");
    let mut lines = exported.lines();
    let header = lines.next().expect("header");
    assert!(
        header.starts_with("id,email,name_prefix,first_name"),
        "{header}"
    );
    let row = lines.next().expect("a row");
    assert!(
        row.contains("kept@acme.example") && row.contains("Acme") && row.contains("Buyer"),
        "{row}"
    );

    let import = "mutation($file: Upload!) { importCustomerUsers(file: $file) { id kind total } }";
    let role = app.role_id(&admin, "Read-only").await;
    app.create_user(&admin, "reader", PASSWORD, &[role]).await;
    let reader = Auth::Bearer(app.login("reader", PASSWORD).await);
    let forbidden = upload(
        &app,
        &reader,
        import,
        "email,first_name,last_name,customer_id\n",
    )
    .await;
    assert_eq!(forbidden.code(), "FORBIDDEN");
    let anonymous = upload(
        &app,
        &Auth::None,
        import,
        "email,first_name,last_name,customer_id\n",
    )
    .await;
    assert_eq!(anonymous.code(), "UNAUTHENTICATED");
    let wrong = upload(
        &app,
        &admin,
        import,
        "email,first_name,colour\na@b.example,A,red\n",
    )
    .await;
    assert_eq!(wrong.code(), "BAD_USER_INPUT");
    assert_eq!(wrong.error()["extensions"]["field"], "file");
    let jobs = app.gql(&admin, "{ jobs { totalCount } }", json!({})).await;
    assert_eq!(
        jobs.data()["jobs"]["totalCount"],
        1,
        "a refused file starts no job"
    );

    // The export edited: the kept user renamed, a new one, and bad lines.
    let edited = exported.replacen(",Cy,", ",Kept,", 1);
    let customer = &shop.customer;
    let csv = format!(
        "{edited}\
         ,new@acme.example,,New,,Hire,,1990-01-31,true,true,,{customer},,,,Buyer,,\n\
         ,bad-email,,Bad,,Email,,,,,,{customer},,,,Buyer,,\n\
         ,norole@acme.example,,No,,Role,,,true,,,{customer},,,,,,\n\
         ,who@acme.example,,Who,,Knows,,,,,,{customer},,,,Nobody,,\n\
         ,date@acme.example,,Bad,,Date,,31/01/1990,,,,{customer},,,,Buyer,,\n"
    );
    let started = upload(&app, &admin, import, &csv).await;
    assert_eq!(started.data()["importCustomerUsers"]["total"], 6);
    let id = started.id("importCustomerUsers");
    let job = app.wait_job(&admin, &id, WAIT).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["succeeded"], 2, "{job}");
    assert_eq!(job["failed"], 4, "{job}");
    let failed: Vec<(String, String)> = job["items"]["edges"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["node"]["outcome"] == "FAILED")
        .map(|e| {
            (
                e["node"]["itemId"].as_str().expect("line").to_owned(),
                e["node"]["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect();
    let lines: Vec<&str> = failed.iter().map(|(line, _)| line.as_str()).collect();
    assert_eq!(lines, ["4", "5", "6", "7"], "{failed:?}");
    assert!(failed[0].1.contains("email"), "{failed:?}");
    assert!(failed[1].1.contains("roleIds"), "{failed:?}");
    assert!(failed[2].1.contains("Nobody"), "{failed:?}");
    assert!(failed[3].1.contains("birthday"), "{failed:?}");

    let list = app
        .gql(
            &admin,
            "{ customerUsers { edges { node { email firstName lastName birthday roles { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list.data()["customerUsers"]["edges"],
        json!([
            { "node": { "email": "kept@acme.example", "firstName": "Kept", "lastName": "User", "birthday": null,
                        "roles": [{ "name": "Buyer" }] } },
            { "node": { "email": "new@acme.example", "firstName": "New", "lastName": "Hire", "birthday": "1990-01-31",
                        "roles": [{ "name": "Buyer" }] } },
        ])
    );

    // A storefront token is refused too, even one that manages its customer.
    customer_user(
        &app,
        &admin,
        &shop.customer,
        "shopper@acme.example",
        &shop.manager,
    )
    .await;
    let storefront = storefront_token(&app, &shop.website, "shopper@acme.example").await;
    let refused = upload(
        &app,
        &storefront,
        import,
        "email,first_name,last_name,customer_id\n",
    )
    .await;
    assert_eq!(refused.code(), "FORBIDDEN");
}
