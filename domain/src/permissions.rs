//! The named permissions roles grant. Every query and mutation of the API
//! requires one of them.

use std::collections::HashSet;
use std::fmt;

macro_rules! permissions {
    ($( $variant:ident => $name:literal, $doc:literal; )*) => {
        /// A capability a role can grant.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission {
            $( #[doc = $doc] $variant, )*
        }

        impl Permission {
            /// Every permission, in a stable order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The stored name, e.g. `users.view`.
            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name,)* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Permission::$variant => $doc,)* }
            }

            pub fn parse(name: &str) -> Option<Permission> {
                match name { $($name => Some(Permission::$variant),)* _ => None }
            }
        }
    };
}

permissions! {
    UsersView => "users.view", "See back-office users and their details.";
    UsersCreate => "users.create", "Create back-office users.";
    UsersUpdate => "users.update", "Edit back-office users, enable, disable and activate them.";
    UsersDelete => "users.delete", "Delete back-office users.";
    UsersManagePasswords => "users.manage_passwords", "Change the password of back-office users.";
    UsersManageApiKeys => "users.manage_api_keys", "Generate API keys for back-office users.";
    OrganizationsView => "organizations.view", "See organizations.";
    OrganizationsManage => "organizations.manage", "Create, edit and delete organizations.";
    BusinessUnitsView => "business_units.view", "See business units.";
    BusinessUnitsManage => "business_units.manage", "Create, edit and delete business units.";
    RolesView => "roles.view", "See roles and their permissions.";
    RolesManage => "roles.manage", "Create, edit and delete the roles of an organization.";
    SystemRolesManage => "roles.manage_system", "Create, edit and delete system-wide roles, which every organization sees.";
    GroupsView => "groups.view", "See groups.";
    GroupsManage => "groups.manage", "Create, edit and delete groups.";
    AuditView => "audit.view", "Read the audit log.";
    UsersExport => "users.export", "Export back-office users to CSV.";
    JobsView => "jobs.view", "See every background job of the organization (everyone sees their own).";
    JobsManage => "jobs.manage", "Retry and cancel every job of the organization, and download its exports.";
    OperationsView => "operations.view", "See the job queues of every organization: counts, workers and the job board.";
    EmailTemplatesView => "email_templates.view", "See email templates and preview them.";
    EmailTemplatesManage => "email_templates.manage", "Edit the email templates of one's organization (its own copies).";
    EmailTemplatesManageSystem => "email_templates.manage_system", "Edit the system default email templates, which every organization without its own copy sends.";
    CustomersView => "customers.view", "See customers (companies) and their details.";
    CustomersManage => "customers.manage", "Create, edit and delete customers.";
    CustomerUsersView => "customer_users.view", "See customer users, their addresses, roles and consents.";
    CustomerUsersCreate => "customer_users.create", "Create customer users.";
    CustomerUsersUpdate => "customer_users.update", "Edit customer users; enable, disable, unlock and confirm them.";
    CustomerUsersDelete => "customer_users.delete", "Delete customer users.";
    CustomerUsersManagePasswords => "customer_users.manage_passwords", "Reset the password of customer users.";
    CustomerUsersImpersonate => "customer_users.impersonate", "Act on the storefront as a customer user (audited).";
    CustomerUsersExport => "customer_users.export", "Export customer users to CSV.";
    CustomerUsersImport => "customer_users.import", "Import customer users from CSV.";
    CustomerRolesView => "customer_roles.view", "See customer-user roles and their permissions.";
    CustomerRolesManage => "customer_roles.manage", "Create, edit and delete customer-user roles.";
    WebsitesView => "websites.view", "See websites, localizations and consents.";
    WebsitesManage => "websites.manage", "Create, edit and delete websites, localizations and consents.";
    OAuthApplicationsView => "oauth_applications.view", "See OAuth applications (never their secrets).";
    OAuthApplicationsManage => "oauth_applications.manage", "Create, edit, deactivate and delete OAuth applications and rotate their secrets.";
}

impl Permission {
    /// Permissions that only read; the bootstrap read-only role holds these.
    pub fn is_read_only(self) -> bool {
        self.as_str().ends_with(".view")
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The permissions a caller holds in its current organization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSet(HashSet<Permission>);

impl PermissionSet {
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self(names.into_iter().filter_map(Permission::parse).collect())
    }

    pub fn all() -> Self {
        Self(Permission::ALL.iter().copied().collect())
    }

    pub fn contains(&self, permission: Permission) -> bool {
        self.0.contains(&permission)
    }

    /// Keeps the permissions `keep` accepts (a token's scopes narrow what
    /// its owner may do).
    pub fn retain(&mut self, keep: impl FnMut(&Permission) -> bool) {
        self.0.retain(keep);
    }

    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Some(*permission));
        }
        assert_eq!(Permission::parse("users.fly"), None);
    }
}
