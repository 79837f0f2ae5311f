//! sea-orm entities of Gatehouse: one module per table, nothing else. Rules
//! about these records live in the `domain` crate.

pub mod api_key;
pub mod audit_log;
pub mod business_unit;
pub mod group;
pub mod organization;
pub mod role;
pub mod role_permission;
pub mod session;
pub mod user;
pub mod user_business_unit;
pub mod user_email;
pub mod user_group;
pub mod user_organization;
pub mod user_role;
