//! `users`: back-office users.

use sea_orm::entity::prelude::*;

/// Whether a back-office user may authenticate, apart from `enabled`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum AuthStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "LOCKED")]
    Locked,
    #[sea_orm(string_value = "PASSWORD_RESET")]
    PasswordReset,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub username: String,
    /// Lower-case username, unique: usernames compare case-insensitively.
    pub username_canonical: String,
    pub password_hash: String,
    pub name_prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub name_suffix: Option<String>,
    pub birthday: Option<Date>,
    pub avatar: Option<String>,
    pub email: String,
    /// Lower-case primary email, unique.
    pub email_canonical: String,
    pub phone: Option<String>,
    pub enabled: bool,
    pub auth_status: AuthStatus,
    pub failed_login_count: i32,
    pub owner_business_unit_id: i64,
    pub last_login_at: Option<DateTimeUtc>,
    pub password_changed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
