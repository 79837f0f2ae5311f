//! Managing OAuth applications from the back office: create (the secret is
//! answered once), list, update, rotate the secret, delete. Every change is
//! audited; the owner is emailed when an application is created for them.

use std::collections::BTreeSet;

use entity::{customer_user, oauth_application, user, user_organization};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Select, Set,
};
use serde_json::json;

use super::{Audience, CLIENT_ID_PREFIX, CLIENT_SECRET_PREFIX, scope_string};
use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::authority::{self, Changeable, CustomerAct};
use crate::customers::users::Manager;
use crate::email::catalog::OAUTH_APPLICATION_CREATED;
use crate::email::outbox::{self, Outgoing};
use crate::error::{Error, Result, Violations};
use crate::jobs::runner;
use crate::pagination::{Keyset, Page, PageRequest, SortValue};
use crate::permissions::Permission;
use crate::viewer::Viewer;
use crate::{tokens, validate};

/// What `createOAuthApplication` takes.
#[derive(Debug, Clone, Default)]
pub struct NewApplication {
    pub name: String,
    pub user_id: Option<i64>,
    pub customer_user_id: Option<i64>,
    /// The viewer's organization when absent.
    pub organization_id: Option<i64>,
    pub active: bool,
    /// Every scope of the owner's side when absent.
    pub scopes: Option<Vec<String>>,
}

/// What `updateOAuthApplication` changes; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct ApplicationChanges {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub scopes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// Words that must all appear in the name.
    pub name: Option<String>,
    pub organization_id: Option<i64>,
    pub active: Option<bool>,
    pub user_id: Option<i64>,
    pub customer_user_id: Option<i64>,
    pub audience: Option<Audience>,
}

/// An application with its client secret, answered once.
pub struct WithSecret {
    pub application: oauth_application::Model,
    pub client_secret: String,
}

pub struct ApplicationService<'a> {
    pub(crate) app: &'a Gatehouse,
}

/// The owner an application is created for, found changeable.
enum Owner {
    User(Changeable<user::Model>),
    CustomerUser(Changeable<customer_user::Model>),
}

impl ApplicationService<'_> {
    fn scoped(&self, viewer: &Viewer) -> Select<oauth_application::Entity> {
        oauth_application::Entity::find().filter(
            oauth_application::Column::OrganizationId.is_in(viewer.organization_ids.clone()),
        )
    }

    fn filtered(
        &self,
        viewer: &Viewer,
        filter: &ApplicationFilter,
    ) -> Select<oauth_application::Entity> {
        use oauth_application::Column;
        let mut select = crate::customers::search_words(
            self.scoped(viewer),
            filter.name.as_deref(),
            &[Column::Name],
        );
        if let Some(id) = filter.organization_id {
            select = select.filter(Column::OrganizationId.eq(id));
        }
        if let Some(active) = filter.active {
            select = select.filter(Column::Active.eq(active));
        }
        if let Some(id) = filter.user_id {
            select = select.filter(Column::UserId.eq(id));
        }
        if let Some(id) = filter.customer_user_id {
            select = select.filter(Column::CustomerUserId.eq(id));
        }
        match filter.audience {
            Some(Audience::Backend) => select.filter(Column::UserId.is_not_null()),
            Some(Audience::Frontend) => select.filter(Column::CustomerUserId.is_not_null()),
            None => select,
        }
    }

    /// One page of the applications of the viewer's organizations, by name.
    pub async fn list(
        &self,
        viewer: &Viewer,
        filter: &ApplicationFilter,
        page: &PageRequest,
    ) -> Result<Page<oauth_application::Model>> {
        viewer.require(Permission::OAuthApplicationsView)?;
        Keyset::new(
            oauth_application::Column::Name,
            oauth_application::Column::Id,
            false,
            false,
        )
        .fetch(self.app.db(), self.filtered(viewer, filter), page, |a| {
            SortValue::Text(a.name.clone())
        })
        .await
    }

    pub async fn count(&self, viewer: &Viewer, filter: &ApplicationFilter) -> Result<u64> {
        viewer.require(Permission::OAuthApplicationsView)?;
        Ok(self.filtered(viewer, filter).count(self.app.db()).await?)
    }

    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<oauth_application::Model>> {
        viewer.require(Permission::OAuthApplicationsView)?;
        Ok(self
            .scoped(viewer)
            .filter(oauth_application::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    async fn visible(&self, viewer: &Viewer, id: i64) -> Result<oauth_application::Model> {
        self.get(viewer, id)
            .await?
            .ok_or(Error::not_found("OAuth application"))
    }

    /// The application, when the viewer may act through its owner: reading
    /// is open to the applications' viewers, changing is not
    /// (`authority::credential`).
    async fn changeable(
        &self,
        viewer: &Viewer,
        id: i64,
    ) -> Result<Changeable<oauth_application::Model>> {
        let application = self.visible(viewer, id).await?;
        let owner = match (application.user_id, application.customer_user_id) {
            (Some(user_id), _) => authority::Owner::User(user_id),
            (None, Some(customer_user_id)) => authority::Owner::CustomerUser(customer_user_id),
            (None, None) => return Err(Error::internal("an OAuth application without owner")),
        };
        let organization_id = application.organization_id;
        authority::credential(self.app, viewer, application, owner, organization_id).await
    }

    /// Creates an application; its secret is in the answer only.
    pub async fn create(&self, viewer: &Viewer, input: NewApplication) -> Result<WithSecret> {
        viewer.require(Permission::OAuthApplicationsManage)?;
        let keys = self.app.oauth_keys()?;
        let mut violations = Violations::new();
        let name = violations.absorb(validate::required("name", &input.name, 255))?;
        let organization_id = input.organization_id.unwrap_or(viewer.organization_id);
        if !viewer.organization_ids.contains(&organization_id) {
            return Err(Error::not_found("organization"));
        }
        let owner = match (input.user_id, input.customer_user_id) {
            (Some(id), None) => Owner::User(
                self.app
                    .users()
                    .changeable_in(viewer, id, organization_id)
                    .await?,
            ),
            (None, Some(id)) => {
                let by = Manager::Staff(viewer);
                let user = self.app.customer_users().visible(by, id).await?;
                Owner::CustomerUser(
                    authority::customer_user(self.app, by, user, CustomerAct::ActAs).await?,
                )
            }
            _ => {
                return Err(Error::invalid(
                    "userId",
                    "give exactly one owner: userId or customerUserId",
                ));
            }
        };
        let audience = match &owner {
            Owner::User(user) => {
                let member = user_organization::Entity::find_by_id((user.id, organization_id))
                    .one(self.app.db())
                    .await?;
                if member.is_none() {
                    violations.add(
                        "organizationId",
                        "the user does not belong to that organization",
                    );
                }
                Audience::Backend
            }
            Owner::CustomerUser(customer_user) => {
                if customer_user.organization_id != organization_id {
                    violations.add(
                        "organizationId",
                        "a customer user's application belongs to the customer user's organization",
                    );
                }
                Audience::Frontend
            }
        };
        let scopes = match input.scopes {
            Some(scopes) => check_scopes(audience, &scopes, &mut violations),
            None => audience.every_scope(),
        };
        violations.finish()?;

        let client_id = tokens::generate(CLIENT_ID_PREFIX);
        let client_secret = tokens::generate(CLIENT_SECRET_PREFIX);
        let now = self.app.now();
        let (user_id, customer_user_id, recipient, first_name) = match &owner {
            Owner::User(u) => (Some(u.id), None, u.email.clone(), u.first_name.clone()),
            Owner::CustomerUser(c) => (None, Some(c.id), c.email.clone(), c.first_name.clone()),
        };
        let txn = crate::db::write(self.app.db()).await?;
        let application = oauth_application::ActiveModel {
            organization_id: Set(organization_id),
            user_id: Set(user_id),
            customer_user_id: Set(customer_user_id),
            name: Set(name.unwrap_or_default()),
            client_id: Set(client_id.clone()),
            secret_hash: Set(keys.hash_secret(&client_secret)),
            active: Set(input.active),
            scopes: Set(scope_string(&scopes)),
            token_generation: Set(0),
            secret_rotated_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let details = json!({
            "name": application.name, "clientId": client_id, "organizationId": organization_id,
            "userId": user_id, "customerUserId": customer_user_id, "active": application.active,
            "scopes": application.scopes,
        });
        audit::record(
            &txn,
            &viewer.actor(),
            "oauth_application.create",
            Target::new("oauth_application", application.id),
            None,
            Some(details),
        )
        .await?;
        let notice = Outgoing {
            template: OAUTH_APPLICATION_CREATED,
            recipient,
            user_id,
            customer_user_id,
            organization_id: Some(organization_id),
            job_id: None,
            context: json!({
                "first_name": first_name, "application": application.name, "client_id": client_id,
            }),
            dedupe_key: format!("oauth_application_created:{}", application.id),
        };
        let emails = outbox::queue(&txn, &[notice]).await?;
        self.app.commit(txn).await?;
        runner::push_emails(self.app, &emails).await;
        Ok(WithSecret {
            application,
            client_secret,
        })
    }

    /// Renames, activates or deactivates an application, or changes its
    /// scopes. Deactivating ends its tokens for good.
    pub async fn update(
        &self,
        viewer: &Viewer,
        id: i64,
        changes: ApplicationChanges,
    ) -> Result<oauth_application::Model> {
        viewer.require(Permission::OAuthApplicationsManage)?;
        let current = self.changeable(viewer, id).await?;
        let mut violations = Violations::new();
        let mut model: oauth_application::ActiveModel =
            oauth_application::Model::clone(&current).into();
        let mut details = json!({});
        if let Some(name) = &changes.name
            && let Some(name) = violations.absorb(validate::required("name", name, 255))?
        {
            details["name"] = json!(name);
            model.name = Set(name);
        }
        if let Some(scopes) = &changes.scopes {
            let scopes = scope_string(&check_scopes(
                Audience::of(&current),
                scopes,
                &mut violations,
            ));
            details["scopes"] = json!(scopes);
            model.scopes = Set(scopes);
        }
        violations.finish()?;
        if let Some(active) = changes.active {
            details["active"] = json!(active);
            model.active = Set(active);
            if current.active && !active {
                model.token_generation = Set(current.token_generation + 1);
            }
        }
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let application = model.update(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "oauth_application.update",
            Target::new("oauth_application", id),
            None,
            Some(details),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(application)
    }

    /// A new client secret, answered once; the old secret and every token
    /// issued before stop working at once.
    pub async fn rotate_secret(&self, viewer: &Viewer, id: i64) -> Result<WithSecret> {
        viewer.require(Permission::OAuthApplicationsManage)?;
        let keys = self.app.oauth_keys()?;
        let current = self.changeable(viewer, id).await?;
        let client_secret = tokens::generate(CLIENT_SECRET_PREFIX);
        let now = self.app.now();
        let mut model: oauth_application::ActiveModel =
            oauth_application::Model::clone(&current).into();
        model.secret_hash = Set(keys.hash_secret(&client_secret));
        model.secret_rotated_at = Set(now);
        model.token_generation = Set(current.token_generation + 1);
        model.updated_at = Set(now);
        let txn = crate::db::write(self.app.db()).await?;
        let application = model.update(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "oauth_application.rotate_secret",
            Target::new("oauth_application", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(WithSecret {
            application,
            client_secret,
        })
    }

    /// Deletes an application; its tokens stop working at once.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        viewer.require(Permission::OAuthApplicationsManage)?;
        let current = self.changeable(viewer, id).await?;
        let txn = crate::db::write(self.app.db()).await?;
        oauth_application::Entity::delete_by_id(id)
            .exec(&txn)
            .await?;
        let details = json!({ "name": current.name, "clientId": current.client_id });
        audit::record(
            &txn,
            &viewer.actor(),
            "oauth_application.delete",
            Target::new("oauth_application", id),
            None,
            Some(details),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }
}

/// The scopes asked for, each a permission of the application's side.
fn check_scopes(
    audience: Audience,
    scopes: &[String],
    violations: &mut Violations,
) -> BTreeSet<String> {
    let scopes: BTreeSet<String> = scopes.iter().map(|s| s.trim().to_owned()).collect();
    for scope in &scopes {
        if !audience.knows(scope) {
            let side = match audience {
                Audience::Backend => "back-office",
                Audience::Frontend => "storefront",
            };
            violations.add(
                "scopes",
                format!(
                    "{scope:?} is not a {side} permission, which this application's scopes must be"
                ),
            );
        }
    }
    scopes
}
