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

/// What the client is told while the database cannot be reached.
pub const DATABASE_UNAVAILABLE: &str = "the database is unavailable; try again shortly";

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
    /// The database cannot be reached: no connection could be had, or the
    /// one in use was lost. The cause is logged; the client is told to try
    /// again.
    #[error("{}", DATABASE_UNAVAILABLE)]
    Unavailable(#[source] sea_orm::DbErr),
    #[error(transparent)]
    Database(sea_orm::DbErr),
    #[error("{0}")]
    Internal(String),
}

impl From<sea_orm::DbErr> for Error {
    /// An outage (`unreachable`) is `Unavailable`; every other database
    /// error is a fault of ours.
    fn from(error: sea_orm::DbErr) -> Self {
        if unreachable(&error) {
            Self::Unavailable(error)
        } else {
            Self::Database(error)
        }
    }
}

/// Whether `error` says the database cannot be reached, rather than that a
/// statement failed: no connection could be had (the server refuses,
/// closes at once or does not answer within the pool's acquire timeout;
/// the pool is closed), or the connection in use was lost (an I/O or TLS
/// error, the server shutting down: SQLSTATE class 08 and 57P01–57P03).
pub fn unreachable(error: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    match error {
        // Getting a connection failed, however the driver words it (a
        // server that closes at once reads as a protocol error).
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => {
            lost(cause)
        }
        _ => false,
    }
}

fn lost(error: &sea_orm::SqlxError) -> bool {
    use sea_orm::SqlxError;
    match error {
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed => true,
        SqlxError::Database(database) => database.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
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
    ServiceUnavailable,
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
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
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
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Database(_) | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Whether the error is a fault on our side rather than of the request
    /// (an internal error, or the database out of reach): its cause is
    /// logged, never shown, and work that met it may succeed when run again.
    pub fn is_internal(&self) -> bool {
        matches!(
            self.code(),
            ErrorCode::Internal | ErrorCode::ServiceUnavailable
        )
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, SqlxError};

    use super::*;

    fn query(cause: SqlxError) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(cause)))
    }

    #[test]
    fn an_outage_is_unavailable_and_a_failed_statement_is_internal() {
        let lost = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        for outage in [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::Conn(RuntimeErr::SqlxError(Arc::new(SqlxError::Protocol(
                "unexpected response from SSLRequest: 0x00".into(),
            )))),
            query(SqlxError::Io(lost)),
            query(SqlxError::PoolTimedOut),
        ] {
            let error = Error::from(outage);
            assert_eq!(error.code(), ErrorCode::ServiceUnavailable, "{error:?}");
            assert_eq!(error.to_string(), DATABASE_UNAVAILABLE);
            assert!(error.is_internal());
        }
        for fault in [
            query(SqlxError::RowNotFound),
            query(SqlxError::Protocol("garbled".into())),
            DbErr::Custom("a bug".into()),
            DbErr::RecordNotFound("user".into()),
        ] {
            let error = Error::from(fault);
            assert_eq!(error.code(), ErrorCode::Internal, "{error:?}");
        }
    }
}
