//! The domain's error type. Each variant corresponds to one stable error code
//! of the API (`Error::code`); the API maps them in one place.

use std::fmt;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The input field, in the API's words (`email`, `password`, `roles`).
    pub field: String,
    pub message: String,
    /// Machine-readable reasons, e.g. the password rules that failed.
    pub reasons: Vec<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            reasons: Vec::new(),
        }
    }
}

/// What OAuth answers, and the server logs at start, without signing keys.
pub const OAUTH_KEYS_MISSING: &str = "OAuth authorization is not available as encryption keys configuration was not complete. Please contact your administrator.";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{}", describe_fields(.0))]
    Validation(Vec<FieldError>),
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    #[error(
        "the account is locked after too many failed logins; an administrator must activate it"
    )]
    AccountLocked,
    #[error("the account is disabled")]
    AccountDisabled,
    #[error("the email address must be confirmed before logging in")]
    AccountUnconfirmed,
    #[error("the password must be reset before logging in")]
    PasswordResetRequired,
    #[error("too many attempts; try again later")]
    RateLimited,
    #[error("{}", OAUTH_KEYS_MISSING)]
    OauthKeysMissing,
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Internal(String),
}

fn describe_fields(fields: &[FieldError]) -> String {
    let mut text = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        text.push_str(&field.field);
        text.push_str(": ");
        text.push_str(&field.message);
    }
    text
}

/// The documented error codes, `extensions.code` in GraphQL responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    BadUserInput,
    NotFound,
    Conflict,
    AccountLocked,
    AccountDisabled,
    AccountUnconfirmed,
    PasswordResetRequired,
    OauthKeysMissing,
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::AccountLocked => "ACCOUNT_LOCKED",
            Self::AccountDisabled => "ACCOUNT_DISABLED",
            Self::AccountUnconfirmed => "ACCOUNT_UNCONFIRMED",
            Self::PasswordResetRequired => "PASSWORD_RESET_REQUIRED",
            Self::OauthKeysMissing => "OAUTH_KEYS_MISSING",
            Self::RateLimited => "RATE_LIMITED",
            Self::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::Validation(_) => ErrorCode::BadUserInput,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::AccountLocked => ErrorCode::AccountLocked,
            Self::AccountDisabled => ErrorCode::AccountDisabled,
            Self::AccountUnconfirmed => ErrorCode::AccountUnconfirmed,
            Self::PasswordResetRequired => ErrorCode::PasswordResetRequired,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::OauthKeysMissing => ErrorCode::OauthKeysMissing,
            Self::Database(_) | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Whether the error hides a fault of ours: logged, never shown.
    pub fn is_internal(&self) -> bool {
        self.code() == ErrorCode::Internal
    }

    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Collects field errors so a request is refused with all of them at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Adds the field errors of `result` when it is a validation error.
    pub fn absorb<T>(&mut self, result: Result<T>) -> Result<Option<T>> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(Error::Validation(fields)) => {
                self.0.extend(fields);
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was wrong, else the validation error.
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}
