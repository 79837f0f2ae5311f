//! What creating and editing a customer user takes, and the checks on its
//! own fields.

use chrono::NaiveDate;
use secrecy::SecretString;

use crate::error::{Result, Violations};
use crate::validate;

/// Fields of a new customer user.
#[derive(Debug, Default)]
pub struct NewCustomerUser {
    /// Required from the back office; an account manager's own customer.
    pub customer_id: Option<i64>,
    /// The organization's first website when absent.
    pub website_id: Option<i64>,
    /// The customer's owner when absent.
    pub owner_id: Option<i64>,
    pub enabled: bool,
    pub confirmed: bool,
    pub name_prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub name_suffix: Option<String>,
    pub email: String,
    pub birthday: Option<NaiveDate>,
    pub localization_id: Option<i64>,
    /// Required unless `generate_password`.
    pub password: Option<SecretString>,
    pub password_confirmation: Option<SecretString>,
    /// Sets a random password nobody knows; the customer user sets its own
    /// through the welcome email's link.
    pub generate_password: bool,
    /// Email the welcome message, whose link sets the password.
    pub send_welcome_email: bool,
    pub role_ids: Vec<i64>,
    pub sales_representative_ids: Vec<i64>,
    pub consent_ids: Vec<i64>,
    pub addresses: Vec<AddressInput>,
}

/// Changes to a customer user: `None` leaves a field as it is; for optional
/// fields `Some(None)` clears it. Lists replace what is there.
#[derive(Debug, Default)]
pub struct CustomerUserChanges {
    pub customer_id: Option<i64>,
    pub website_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub enabled: Option<bool>,
    pub name_prefix: Option<Option<String>>,
    pub first_name: Option<String>,
    pub middle_name: Option<Option<String>>,
    pub last_name: Option<String>,
    pub name_suffix: Option<Option<String>>,
    pub email: Option<String>,
    pub birthday: Option<Option<NaiveDate>>,
    pub localization_id: Option<Option<i64>>,
    pub role_ids: Option<Vec<i64>>,
    pub sales_representative_ids: Option<Vec<i64>>,
    pub consent_ids: Option<Vec<i64>>,
    pub addresses: Option<Vec<AddressInput>>,
}

/// A billing and/or shipping address.
#[derive(Debug, Clone, Default)]
pub struct AddressInput {
    pub label: Option<String>,
    pub billing: bool,
    pub shipping: bool,
    pub default_billing: bool,
    pub default_shipping: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub street: String,
    pub street2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    pub country: String,
    pub phone: Option<String>,
}

/// Cleaned personal fields, ready to store.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    pub name_prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub name_suffix: Option<String>,
    pub email: String,
    pub birthday: Option<NaiveDate>,
}

impl Profile {
    /// Validates every field into `violations`; `None` when one is wrong.
    pub fn clean(self, violations: &mut Violations) -> Result<Option<Profile>> {
        let name_prefix = violations.absorb(validate::optional(
            "namePrefix",
            self.name_prefix.as_deref(),
            64,
        ))?;
        let first_name =
            violations.absorb(validate::required("firstName", &self.first_name, 255))?;
        let middle_name = violations.absorb(validate::optional(
            "middleName",
            self.middle_name.as_deref(),
            255,
        ))?;
        let last_name = violations.absorb(validate::required("lastName", &self.last_name, 255))?;
        let name_suffix = violations.absorb(validate::optional(
            "nameSuffix",
            self.name_suffix.as_deref(),
            64,
        ))?;
        let email = violations.absorb(validate::email("email", &self.email))?;
        let birthday = violations.absorb(validate::birthday("birthday", self.birthday))?;
        let (
            Some(name_prefix),
            Some(first_name),
            Some(middle_name),
            Some(last_name),
            Some(name_suffix),
            Some(email),
            Some(birthday),
        ) = (
            name_prefix,
            first_name,
            middle_name,
            last_name,
            name_suffix,
            email,
            birthday,
        )
        else {
            return Ok(None);
        };
        Ok(Some(Profile {
            name_prefix,
            first_name,
            middle_name,
            last_name,
            name_suffix,
            email,
            birthday,
        }))
    }
}

impl AddressInput {
    /// Validates the address at `index` into `violations`; `None` when one
    /// of its fields is wrong.
    fn clean(self, index: usize, violations: &mut Violations) -> Result<Option<AddressInput>> {
        let field = |name: &str| format!("addresses[{index}].{name}");
        let mut ok = true;
        let mut text = |violations: &mut Violations,
                        name: &str,
                        value: Option<&str>,
                        max: usize|
         -> Result<Option<String>> {
            match violations.absorb(validate::optional(&field(name), value, max))? {
                Some(value) => Ok(value),
                None => {
                    ok = false;
                    Ok(None)
                }
            }
        };
        let label = text(violations, "label", self.label.as_deref(), 255)?;
        let first_name = text(violations, "firstName", self.first_name.as_deref(), 255)?;
        let last_name = text(violations, "lastName", self.last_name.as_deref(), 255)?;
        let company = text(violations, "company", self.company.as_deref(), 255)?;
        let street2 = text(violations, "street2", self.street2.as_deref(), 500)?;
        let region = text(violations, "region", self.region.as_deref(), 255)?;
        let street = violations.absorb(validate::required(&field("street"), &self.street, 500))?;
        let city = violations.absorb(validate::required(&field("city"), &self.city, 255))?;
        let postal_code = violations.absorb(validate::required(
            &field("postalCode"),
            &self.postal_code,
            32,
        ))?;
        let phone = violations.absorb(validate::phone(&field("phone"), self.phone.as_deref()))?;
        let country = self.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            violations.add(
                field("country"),
                "must be a two-letter ISO 3166-1 country code",
            );
            ok = false;
        }
        if !self.billing && !self.shipping {
            violations.add(
                field("billing"),
                "an address is for billing, shipping or both",
            );
            ok = false;
        }
        if self.default_billing && !self.billing {
            violations.add(
                field("defaultBilling"),
                "only a billing address can be the default one",
            );
            ok = false;
        }
        if self.default_shipping && !self.shipping {
            violations.add(
                field("defaultShipping"),
                "only a shipping address can be the default one",
            );
            ok = false;
        }
        let (Some(street), Some(city), Some(postal_code), Some(phone)) =
            (street, city, postal_code, phone)
        else {
            return Ok(None);
        };
        if !ok {
            return Ok(None);
        }
        Ok(Some(AddressInput {
            label,
            first_name,
            last_name,
            company,
            street,
            street2,
            city,
            region,
            postal_code,
            country,
            phone,
            ..self
        }))
    }
}

/// Validates every address; at most one default billing and one default
/// shipping address.
pub(crate) fn clean_addresses(
    addresses: Vec<AddressInput>,
    violations: &mut Violations,
) -> Result<Vec<AddressInput>> {
    if addresses.len() > 50 {
        violations.add("addresses", "at most 50 addresses");
    }
    if addresses.iter().filter(|a| a.default_billing).count() > 1 {
        violations.add(
            "addresses",
            "only one address can be the default billing address",
        );
    }
    if addresses.iter().filter(|a| a.default_shipping).count() > 1 {
        violations.add(
            "addresses",
            "only one address can be the default shipping address",
        );
    }
    let mut cleaned = Vec::with_capacity(addresses.len());
    for (index, address) in addresses.into_iter().enumerate() {
        if let Some(address) = address.clean(index, violations)? {
            cleaned.push(address);
        }
    }
    Ok(cleaned)
}
