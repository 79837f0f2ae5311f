//! The `CustomerUser` type, its addresses and accepted consents.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::entity::{customer_user, customer_user_address};
use domain::permissions::Permission;

use crate::graphql::customer_roles::CustomerRole;
use crate::graphql::customers::Customer;
use crate::graphql::guard::needs;
use crate::graphql::loaders::{
    AddressesOfCustomerUser, ConsentsOfCustomerUser, CustomerById, LocalizationById, RequestLoader,
    RolesOfCustomerUser, SalesRepresentativesOfCustomerUser, UserById, WebsiteById,
};
use crate::graphql::users::{AuthStatus, User};
use crate::graphql::websites::{Consent, Localization, Website};

fn loader<'a>(ctx: &Context<'a>) -> Result<&'a RequestLoader> {
    ctx.data::<RequestLoader>()
}

/// A person who acts for one customer on a website.
pub struct CustomerUser(pub customer_user::Model);

/// A person who acts for one customer on a website.
#[Object]
impl CustomerUser {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// A disabled customer user cannot log in.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    /// Whether the email address is confirmed (by its link or by an
    /// administrator).
    async fn confirmed(&self) -> bool {
        self.0.confirmed
    }

    /// Whether the customer user may authenticate, apart from `enabled`.
    async fn auth_status(&self) -> AuthStatus {
        self.0.auth_status.into()
    }

    /// E.g. `Dr.`
    async fn name_prefix(&self) -> Option<&str> {
        self.0.name_prefix.as_deref()
    }

    /// First name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }

    /// Middle name.
    async fn middle_name(&self) -> Option<&str> {
        self.0.middle_name.as_deref()
    }

    /// Last name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }

    /// E.g. `Jr.`
    async fn name_suffix(&self) -> Option<&str> {
        self.0.name_suffix.as_deref()
    }

    /// Email address, unique within the organization; the login.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Date of birth.
    async fn birthday(&self) -> Option<NaiveDate> {
        self.0.birthday
    }

    /// The customer the user acts for.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        Ok(loader(ctx)?
            .load_one(CustomerById(self.0.customer_id))
            .await?
            .map(Customer))
    }

    /// The website the user belongs to.
    async fn website(&self, ctx: &Context<'_>) -> Result<Option<Website>> {
        Ok(loader(ctx)?
            .load_one(WebsiteById(self.0.website_id))
            .await?
            .map(Website))
    }

    /// The preferred localization, one the website offers.
    async fn localization(&self, ctx: &Context<'_>) -> Result<Option<Localization>> {
        let Some(id) = self.0.localization_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(LocalizationById(id))
            .await?
            .map(Localization))
    }

    /// The back-office user responsible for this customer user (back office only).
    #[graphql(guard = "needs(Permission::CustomerUsersView)")]
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(loader(ctx)?
            .load_one(UserById(self.0.owner_id))
            .await?
            .map(User))
    }

    /// Back-office users who represent this customer user (back office only).
    #[graphql(guard = "needs(Permission::CustomerUsersView)")]
    async fn sales_representatives(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        Ok(loader(ctx)?
            .load_one(SalesRepresentativesOfCustomerUser(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(User)
            .collect())
    }

    /// The roles the customer user holds.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<CustomerRole>> {
        Ok(loader(ctx)?
            .load_one(RolesOfCustomerUser(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(CustomerRole)
            .collect())
    }

    /// Billing and shipping addresses.
    async fn addresses(&self, ctx: &Context<'_>) -> Result<Vec<Address>> {
        Ok(loader(ctx)?
            .load_one(AddressesOfCustomerUser(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Address::from)
            .collect())
    }

    /// The consents the customer user accepted.
    async fn consents(&self, ctx: &Context<'_>) -> Result<Vec<AcceptedConsent>> {
        Ok(loader(ctx)?
            .load_one(ConsentsOfCustomerUser(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|accepted| AcceptedConsent {
                consent: Consent(accepted.consent),
                accepted_at: accepted.accepted_at,
            })
            .collect())
    }

    /// The last successful storefront login.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A consent a customer user accepted.
#[derive(SimpleObject)]
pub struct AcceptedConsent {
    /// The consent.
    pub consent: Consent,
    /// When it was accepted.
    pub accepted_at: DateTime<Utc>,
}

/// A billing and/or shipping address of a customer user.
#[derive(SimpleObject)]
pub struct Address {
    /// Unique identifier.
    pub id: ID,
    /// A name for the address, e.g. `Warehouse`.
    pub label: Option<String>,
    /// Usable for billing.
    pub billing: bool,
    /// Usable for shipping.
    pub shipping: bool,
    /// The default billing address (at most one).
    pub default_billing: bool,
    /// The default shipping address (at most one).
    pub default_shipping: bool,
    /// Recipient's first name.
    pub first_name: Option<String>,
    /// Recipient's last name.
    pub last_name: Option<String>,
    /// Company name.
    pub company: Option<String>,
    /// First street line.
    pub street: String,
    /// Second street line.
    pub street2: Option<String>,
    /// City.
    pub city: String,
    /// Region or state.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Phone number.
    pub phone: Option<String>,
}

impl From<customer_user_address::Model> for Address {
    fn from(a: customer_user_address::Model) -> Self {
        Address {
            id: a.id.into(),
            label: a.label,
            billing: a.billing,
            shipping: a.shipping,
            default_billing: a.default_billing,
            default_shipping: a.default_shipping,
            first_name: a.first_name,
            last_name: a.last_name,
            company: a.company,
            street: a.street,
            street2: a.street2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
            phone: a.phone,
        }
    }
}
