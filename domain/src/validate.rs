//! Checks on free-form input shared by the services. Each returns the
//! cleaned value (trimmed, empty turned into `None`) or names the field.

use chrono::{NaiveDate, Utc};
use email_address::EmailAddress;

use crate::error::{Error, Result};

/// A required single-line text of at most `max` characters, trimmed.
pub fn required(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    line(field, value, max)
}

/// An optional single-line text: blank becomes `None`.
pub fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => line(field, value, max).map(Some),
    }
}

fn line(field: &str, value: &str, max: usize) -> Result<String> {
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

/// A username: no spaces, at most 255 characters.
pub fn username(field: &str, value: &str) -> Result<String> {
    let value = required(field, value, 255)?;
    if value.chars().any(char::is_whitespace) {
        return Err(Error::invalid(field, "must not contain spaces"));
    }
    Ok(value)
}

/// An email address (RFC 5322 addr-spec), trimmed.
pub fn email(field: &str, value: &str) -> Result<String> {
    let value = required(field, value, 254)?;
    match EmailAddress::parse_with_options(
        &value,
        email_address::Options::default().without_display_text(),
    ) {
        Ok(_) if value.contains('@') && !value.ends_with('.') => Ok(value),
        _ => Err(Error::invalid(
            field,
            format!("{value:?} is not a valid email address"),
        )),
    }
}

/// A phone number: digits with the usual separators.
pub fn phone(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = optional(field, value, 64)? else {
        return Ok(None);
    };
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().x".contains(c));
    if !allowed || digits < 3 {
        return Err(Error::invalid(field, "must be a phone number"));
    }
    Ok(Some(value))
}

/// An http(s) URL, e.g. of an avatar image.
pub fn url(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = optional(field, value, 2048)? else {
        return Ok(None);
    };
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => Ok(Some(value)),
        _ => Err(Error::invalid(field, "must be an http:// or https:// URL")),
    }
}

/// A birthday: in the past and not before 1900.
pub fn birthday(field: &str, value: Option<NaiveDate>) -> Result<Option<NaiveDate>> {
    match value {
        Some(date) if date > Utc::now().date_naive() => {
            Err(Error::invalid(field, "must not be in the future"))
        }
        Some(date) if date < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(date) => {
            Err(Error::invalid(field, "must not be before 1900"))
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email("email", " ada@example.com ").expect("valid"),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "a b@example.com",
            "Ada <ada@example.com>",
        ] {
            assert!(email("email", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn lengths_and_blanks() {
        assert_eq!(optional("middleName", Some("  "), 10).expect("blank"), None);
        assert!(required("firstName", &"x".repeat(256), 255).is_err());
        assert!(username("username", "ada lovelace").is_err());
        assert!(
            phone("phone", Some("+1 (555) 010-2030"))
                .expect("phone")
                .is_some()
        );
        assert!(phone("phone", Some("call me")).is_err());
        assert!(url("avatar", Some("javascript:alert(1)")).is_err());
    }
}
