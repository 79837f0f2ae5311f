//! Inputs of the customer-user operations, and their translation to the
//! domain's.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined};
use chrono::NaiveDate;
use domain::customers::users::{
    self as domain_users, AddressInput as DomainAddress, CustomerUserChanges, NewCustomerUser,
};
use domain::secrecy::SecretString;

use crate::graphql::context::{id, ids};
use crate::graphql::users::AuthStatus;

/// Which customer users to list; every criterion narrows the list.
#[derive(InputObject, Default)]
pub struct CustomerUserFilter {
    /// Words matched anywhere in the names and the email.
    pub search: Option<String>,
    /// Users of this customer.
    pub customer_id: Option<ID>,
    /// Users of this website.
    pub website_id: Option<ID>,
    /// Users who are (not) enabled.
    pub enabled: Option<bool>,
    /// Users who have (not) confirmed their email.
    pub confirmed: Option<bool>,
    /// Users with this authentication status.
    pub auth_status: Option<AuthStatus>,
    /// Users holding this role.
    pub role_id: Option<ID>,
}

impl CustomerUserFilter {
    pub fn into_domain(self) -> domain::Result<domain_users::CustomerUserFilter> {
        let optional = |value: Option<ID>, field: &str| value.map(|v| id(&v, field)).transpose();
        Ok(domain_users::CustomerUserFilter {
            search: self.search.filter(|s| !s.trim().is_empty()),
            customer_id: optional(self.customer_id, "filter.customerId")?,
            website_id: optional(self.website_id, "filter.websiteId")?,
            enabled: self.enabled,
            confirmed: self.confirmed,
            auth_status: self.auth_status.map(Into::into),
            role_id: optional(self.role_id, "filter.roleId")?,
            ids: None,
            exclude_ids: Vec::new(),
        })
    }
}

/// What the customer-user list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "domain::customers::users::CustomerUserOrderField")]
pub enum CustomerUserOrderField {
    /// Email, without regard to case.
    #[default]
    Email,
    /// Last name.
    LastName,
    /// When the customer user was created.
    CreatedAt,
    /// Customer users who never logged in come last.
    LastLoginAt,
}

/// How to order the customer-user list.
#[derive(InputObject, Default)]
pub struct CustomerUserOrder {
    /// The field; `EMAIL` when absent.
    #[graphql(default)]
    pub field: CustomerUserOrderField,
    /// Descending instead of ascending.
    #[graphql(default)]
    pub descending: bool,
}

impl From<CustomerUserOrder> for domain_users::CustomerUserOrder {
    fn from(order: CustomerUserOrder) -> Self {
        Self {
            field: order.field.into(),
            descending: order.descending,
        }
    }
}

/// A billing and/or shipping address.
#[derive(InputObject)]
pub struct AddressInput {
    /// A name for the address, e.g. `Warehouse`.
    pub label: Option<String>,
    /// Usable for billing.
    #[graphql(default)]
    pub billing: bool,
    /// Usable for shipping.
    #[graphql(default)]
    pub shipping: bool,
    /// The default billing address (at most one; must be a billing address).
    #[graphql(default)]
    pub default_billing: bool,
    /// The default shipping address (at most one; must be a shipping address).
    #[graphql(default)]
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
    /// ISO 3166-1 alpha-2 country code, e.g. `DE`.
    pub country: String,
    /// Phone number.
    pub phone: Option<String>,
}

impl From<AddressInput> for DomainAddress {
    fn from(a: AddressInput) -> Self {
        DomainAddress {
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

/// A new customer user.
#[derive(InputObject)]
pub struct CreateCustomerUserInput {
    /// The customer the user acts for.
    pub customer_id: ID,
    /// The organization's first website when absent.
    pub website_id: Option<ID>,
    /// The responsible back-office user; the customer's owner when absent.
    pub owner_id: Option<ID>,
    /// Enabled users need at least one role (true when absent).
    #[graphql(default = true)]
    pub enabled: bool,
    /// Whether the email counts as confirmed (true when absent: the back
    /// office vouches for it).
    #[graphql(default = true)]
    pub confirmed: bool,
    /// E.g. `Dr.`
    pub name_prefix: Option<String>,
    /// First name.
    pub first_name: String,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Last name.
    pub last_name: String,
    /// E.g. `Jr.`
    pub name_suffix: Option<String>,
    /// Unique within the organization.
    pub email: String,
    /// Date of birth, in the past.
    pub birthday: Option<NaiveDate>,
    /// Preferred localization, one the website offers.
    pub localization_id: Option<ID>,
    /// Checked against the password policy; required unless
    /// `generatePassword`.
    #[graphql(secret)]
    pub password: Option<String>,
    /// Must equal `password`.
    #[graphql(secret)]
    pub password_confirmation: Option<String>,
    /// Set a random password nobody knows instead.
    #[graphql(default)]
    pub generate_password: bool,
    /// Email the customer user a welcome message whose one-time link sets
    /// the password (template `customer_user_welcome`).
    #[graphql(default)]
    pub send_welcome_email: bool,
    /// Customer-user roles: predefined, of the organization, or of the customer.
    #[graphql(default)]
    pub role_ids: Vec<ID>,
    /// Back-office users who represent the customer user.
    #[graphql(default)]
    pub sales_representative_ids: Vec<ID>,
    /// Consents the customer user accepted.
    #[graphql(default)]
    pub consent_ids: Vec<ID>,
    /// Billing and shipping addresses.
    #[graphql(default)]
    pub addresses: Vec<AddressInput>,
}

impl CreateCustomerUserInput {
    pub fn into_domain(self) -> domain::Result<NewCustomerUser> {
        let optional = |value: Option<ID>, field: &str| value.map(|v| id(&v, field)).transpose();
        Ok(NewCustomerUser {
            customer_id: Some(id(&self.customer_id, "customerId")?),
            website_id: optional(self.website_id, "websiteId")?,
            owner_id: optional(self.owner_id, "ownerId")?,
            enabled: self.enabled,
            confirmed: self.confirmed,
            name_prefix: self.name_prefix,
            first_name: self.first_name,
            middle_name: self.middle_name,
            last_name: self.last_name,
            name_suffix: self.name_suffix,
            email: self.email,
            birthday: self.birthday,
            localization_id: optional(self.localization_id, "localizationId")?,
            password: self.password.map(SecretString::from),
            password_confirmation: self.password_confirmation.map(SecretString::from),
            generate_password: self.generate_password,
            send_welcome_email: self.send_welcome_email,
            role_ids: ids(&self.role_ids, "roleIds")?,
            sales_representative_ids: ids(
                &self.sales_representative_ids,
                "salesRepresentativeIds",
            )?,
            consent_ids: ids(&self.consent_ids, "consentIds")?,
            addresses: self.addresses.into_iter().map(Into::into).collect(),
        })
    }
}

/// Changes to a customer user; absent fields stay as they are, lists
/// replace what is there.
#[derive(InputObject, Default)]
pub struct UpdateCustomerUserInput {
    /// Move the user to another customer of the organization.
    pub customer_id: Option<ID>,
    /// Move the user to another website.
    pub website_id: Option<ID>,
    /// The responsible back-office user.
    pub owner_id: Option<ID>,
    /// Enabling needs at least one role.
    pub enabled: Option<bool>,
    /// E.g. `Dr.`; null clears it.
    pub name_prefix: MaybeUndefined<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Middle name; null clears it.
    pub middle_name: MaybeUndefined<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// E.g. `Jr.`; null clears it.
    pub name_suffix: MaybeUndefined<String>,
    /// Unique within the organization.
    pub email: Option<String>,
    /// Date of birth; null clears it.
    pub birthday: MaybeUndefined<NaiveDate>,
    /// Preferred localization; null clears it.
    pub localization_id: MaybeUndefined<ID>,
    /// Replaces the roles.
    pub role_ids: Option<Vec<ID>>,
    /// Replaces the sales representatives.
    pub sales_representative_ids: Option<Vec<ID>>,
    /// Replaces the accepted consents.
    pub consent_ids: Option<Vec<ID>>,
    /// Replaces the addresses.
    pub addresses: Option<Vec<AddressInput>>,
}

fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

impl UpdateCustomerUserInput {
    pub fn into_domain(self) -> domain::Result<CustomerUserChanges> {
        let optional = |value: Option<ID>, field: &str| value.map(|v| id(&v, field)).transpose();
        let list = |value: Option<Vec<ID>>, field: &str| value.map(|v| ids(&v, field)).transpose();
        Ok(CustomerUserChanges {
            customer_id: optional(self.customer_id, "customerId")?,
            website_id: optional(self.website_id, "websiteId")?,
            owner_id: optional(self.owner_id, "ownerId")?,
            enabled: self.enabled,
            name_prefix: maybe(self.name_prefix),
            first_name: self.first_name,
            middle_name: maybe(self.middle_name),
            last_name: self.last_name,
            name_suffix: maybe(self.name_suffix),
            email: self.email,
            birthday: maybe(self.birthday),
            localization_id: maybe(self.localization_id)
                .map(|l| l.map(|l| id(&l, "localizationId")).transpose())
                .transpose()?,
            role_ids: list(self.role_ids, "roleIds")?,
            sales_representative_ids: list(
                self.sales_representative_ids,
                "salesRepresentativeIds",
            )?,
            consent_ids: list(self.consent_ids, "consentIds")?,
            addresses: self
                .addresses
                .map(|list| list.into_iter().map(Into::into).collect()),
        })
    }
}
