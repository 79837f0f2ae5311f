//! `customer_users`: people who act for one customer on a website.

use sea_orm::entity::prelude::*;

pub use crate::user::AuthStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub organization_id: i64,
    pub customer_id: i64,
    pub website_id: i64,
    /// The back-office user responsible for this customer user.
    pub owner_id: i64,
    pub enabled: bool,
    /// Whether the email address was confirmed (by link or by an administrator).
    pub confirmed: bool,
    pub name_prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub name_suffix: Option<String>,
    pub email: String,
    /// Lower-case email, unique within the organization.
    pub email_canonical: String,
    pub birthday: Option<Date>,
    /// Preferred localization; one enabled for the website.
    pub localization_id: Option<i64>,
    pub password_hash: String,
    pub auth_status: AuthStatus,
    pub failed_login_count: i32,
    pub last_login_at: Option<DateTimeUtc>,
    pub password_changed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
