//! sea-orm entities of Gatehouse: one module per table, nothing else. Rules
//! about these records live in the `domain` crate.

pub mod api_key;
pub mod audit_log;
pub mod business_unit;
pub mod email;
pub mod email_template;
pub mod group;
pub mod job;
pub mod job_item;
pub mod organization;
pub mod password_reset_token;
pub mod rate_limit;
pub mod role;
pub mod role_permission;
pub mod session;
pub mod user;
pub mod user_business_unit;
pub mod user_email;
pub mod user_group;
pub mod user_organization;
pub mod user_role;
