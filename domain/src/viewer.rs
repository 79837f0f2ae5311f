//! Who is calling: the authenticated back-office user, the organization they
//! act in, and what they may do there. Every service call that reads or
//! changes scoped records takes a `Viewer`.

use crate::error::{Error, Result};
use crate::permissions::{Permission, PermissionSet};

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Session {
        session_id: i64,
    },
    ApiKey {
        api_key_id: i64,
    },
    /// Gatehouse itself: bootstrap and the command line.
    System,
    /// HTTP Basic credentials (the ops board).
    Basic,
    /// A background job acting for its requester.
    Job {
        job_id: i64,
    },
    /// An access token of the user's OAuth application.
    OAuth {
        application_id: i64,
        client_id: String,
    },
}

/// How a customer user proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerCredential {
    /// A storefront session (a login, or an impersonation).
    Session { session_id: i64 },
    /// An access token of the customer user's OAuth application.
    OAuth {
        application_id: i64,
        client_id: String,
    },
}

/// Who a request's credentials stand for.
#[derive(Debug, Clone)]
pub enum Principal {
    Staff(Viewer),
    Customer(CustomerViewer),
}

/// An authenticated back-office user acting in one organization.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    pub username: String,
    /// The organization this session or key acts in; all scoping is by it.
    pub organization_id: i64,
    /// Every organization the user belongs to.
    pub organization_ids: Vec<i64>,
    pub permissions: PermissionSet,
    pub credential: Credential,
    pub source_ip: Option<String>,
    /// The user's record as it was read when the viewer was made (`me`
    /// answers from it; kept as long as the viewer is).
    pub user: Option<std::sync::Arc<entity::user::Model>>,
}

impl Viewer {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    /// `FORBIDDEN` unless the viewer holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "the permission {permission} is required"
            )))
        }
    }

    /// Gatehouse acting on its own in `organization_id`, with every
    /// permission (first start, `gatehouse admin create`).
    pub fn system(organization_id: i64) -> Self {
        Self {
            user_id: 0,
            username: "system".into(),
            organization_id,
            organization_ids: vec![organization_id],
            permissions: PermissionSet::all(),
            credential: Credential::System,
            source_ip: None,
            user: None,
        }
    }

    pub fn actor(&self) -> Actor {
        if self.credential == Credential::System {
            return Actor {
                organization_id: Some(self.organization_id),
                ..Actor::system("system")
            };
        }
        Actor {
            user_id: Some(self.user_id),
            name: Some(self.username.clone()),
            organization_id: Some(self.organization_id),
            source_ip: self.source_ip.clone(),
            client_id: match &self.credential {
                Credential::OAuth { client_id, .. } => Some(client_id.clone()),
                _ => None,
            },
            ..Actor::default()
        }
    }
}

/// Who an audit entry is attributed to.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// The back-office user who acted.
    pub user_id: Option<i64>,
    pub name: Option<String>,
    pub organization_id: Option<i64>,
    pub source_ip: Option<String>,
    /// The customer user who acted on the storefront.
    pub customer_user_id: Option<i64>,
    /// The back-office user impersonating that customer user.
    pub impersonator_id: Option<i64>,
    /// The OAuth application (client id) whose token the request came
    /// with; the entry names its owner as the actor too.
    pub client_id: Option<String>,
}

impl Actor {
    /// Gatehouse itself (bootstrap, command line).
    pub fn system(name: &str) -> Self {
        Self {
            name: Some(name.to_owned()),
            ..Self::default()
        }
    }
}

/// An authenticated customer user on the storefront, acting for its
/// customer on its website. Back-office operations never accept one, and
/// storefront operations accept nothing else.
#[derive(Debug, Clone)]
pub struct CustomerViewer {
    pub customer_user_id: i64,
    pub email: String,
    pub organization_id: i64,
    pub customer_id: i64,
    pub website_id: i64,
    pub permissions: std::collections::HashSet<crate::customers::AccountPermission>,
    pub credential: CustomerCredential,
    /// The back-office user acting as this customer user, when impersonated.
    pub impersonator_id: Option<i64>,
    pub source_ip: Option<String>,
}

impl CustomerViewer {
    pub fn can(&self, permission: crate::customers::AccountPermission) -> bool {
        self.permissions.contains(&permission)
    }

    /// `FORBIDDEN` unless the customer user's roles grant `permission`.
    pub fn require(&self, permission: crate::customers::AccountPermission) -> Result<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "your role does not grant {}",
                permission.as_str()
            )))
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            name: Some(self.email.clone()),
            organization_id: Some(self.organization_id),
            source_ip: self.source_ip.clone(),
            customer_user_id: Some(self.customer_user_id),
            impersonator_id: self.impersonator_id,
            client_id: match &self.credential {
                CustomerCredential::OAuth { client_id, .. } => Some(client_id.clone()),
                CustomerCredential::Session { .. } => None,
            },
            ..Actor::default()
        }
    }
}
