//! The GraphQL schema: one module per domain area, each with its `Query` and
//! `Mutation` objects, merged here.

mod audit;
mod auth;
mod business_units;
mod connection;
mod context;
mod customer_roles;
mod customer_users;
mod customers;
mod emails;
pub mod errors;
mod groups;
mod guard;
mod jobs;
mod limits;
pub mod loaders;
mod oauth;
mod organizations;
mod roles;
mod storefront;
mod users;
mod websites;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};
use connection::ConnectionOf;
use domain::config::{Environment, Settings};

/// Every query.
#[derive(MergedObject, Default)]
pub struct Query(
    auth::AuthQuery,
    users::UserQuery,
    organizations::OrganizationQuery,
    business_units::BusinessUnitQuery,
    roles::RoleQuery,
    groups::GroupQuery,
    audit::AuditQuery,
    jobs::JobQuery,
    emails::EmailQuery,
    customers::CustomerQuery,
    customer_users::CustomerUserQuery,
    customer_roles::CustomerRoleQuery,
    websites::WebsiteQuery,
    storefront::StorefrontQuery,
    oauth::OAuthQuery,
);

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(
    auth::AuthMutation,
    users::UserMutation,
    organizations::OrganizationMutation,
    business_units::BusinessUnitMutation,
    roles::RoleMutation,
    groups::GroupMutation,
    users::UserBulkMutation,
    jobs::JobMutation,
    emails::EmailMutation,
    customers::CustomerMutation,
    customer_users::CustomerUserMutation,
    customer_users::CustomerUserBulkMutation,
    customer_roles::CustomerRoleMutation,
    websites::WebsiteMutation,
    storefront::StorefrontMutation,
    oauth::OAuthMutation,
);

/// Every subscription.
#[derive(MergedSubscription, Default)]
pub struct Subscription(jobs::JobSubscription);

pub type GatehouseSchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits, without runtime data: enough to print it.
pub fn builder(settings: &Settings) -> SchemaBuilder<Query, Mutation, Subscription> {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_directives(16)
    .override_output_type_description::<ConnectionOf<users::User>>("A page of back-office users.")
    .override_output_type_description::<ConnectionOf<organizations::Organization>>(
        "A page of organizations.",
    )
    .override_output_type_description::<ConnectionOf<business_units::BusinessUnit>>(
        "A page of business units.",
    )
    .override_output_type_description::<ConnectionOf<roles::Role>>("A page of roles.")
    .override_output_type_description::<ConnectionOf<groups::Group>>("A page of groups.")
    .override_output_type_description::<ConnectionOf<audit::AuditEntry>>("A page of audit entries.")
    .override_output_type_description::<ConnectionOf<jobs::Job>>("A page of jobs.")
    .override_output_type_description::<ConnectionOf<jobs::JobItem>>("A page of a job's items.")
    .override_output_type_description::<ConnectionOf<customers::Customer>>("A page of customers.")
    .override_output_type_description::<ConnectionOf<oauth::OAuthApplication>>(
        "A page of OAuth applications.",
    )
    .override_output_type_description::<ConnectionOf<customer_users::CustomerUser>>(
        "A page of customer users.",
    )
    .override_output_type_description::<ConnectionOf<websites::Website>>("A page of websites.");
    if settings.server.environment == Environment::Production {
        builder = builder.disable_suggestions();
    }
    if !settings.graphql.introspection {
        builder = builder.disable_introspection();
    }
    builder
}

/// The SDL written to `schema.graphql`.
pub fn sdl() -> String {
    builder(&Settings::default()).finish().sdl()
}
