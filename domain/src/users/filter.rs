//! Filtering and ordering of the user list.

use entity::user::{self, AuthStatus};
use entity::{user_business_unit, user_email, user_group, user_organization, user_role};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use serde::{Deserialize, Serialize};

use crate::pagination::{Keyset, SortValue};
use crate::viewer::Viewer;

/// The saved views of the user list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserView {
    #[default]
    All,
    /// Enabled users.
    Active,
    /// Disabled users.
    Disabled,
    /// Users whose status keeps them out: locked or waiting for a reset.
    CannotLogIn,
}

/// Which users to list; every criterion narrows the list. Serializable: a
/// mass action or export stores its selection as one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UserFilter {
    /// Words matched anywhere in the username, names and emails.
    pub search: Option<String>,
    pub enabled: Option<bool>,
    pub auth_status: Option<AuthStatus>,
    pub view: UserView,
    pub organization_id: Option<i64>,
    pub business_unit_id: Option<i64>,
    pub role_id: Option<i64>,
    pub group_id: Option<i64>,
    /// Only these users (mass actions select by id).
    pub ids: Option<Vec<i64>>,
    /// Never these users.
    pub exclude_ids: Vec<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserOrderField {
    #[default]
    Username,
    Email,
    LastName,
    CreatedAt,
    LastLoginAt,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct UserOrder {
    pub field: UserOrderField,
    pub descending: bool,
}

/// `users.id IN (SELECT user_id FROM <link> WHERE <column> = value)`.
fn linked<L: EntityTrait>(user_column: L::Column, column: L::Column, value: i64) -> SelectStatement
where
    L::Column: ColumnTrait,
{
    Query::select()
        .column(user_column)
        .from(L::default())
        .and_where(column.eq(value))
        .to_owned()
}

/// The users `viewer` may see: members of the viewer's organization.
#[allow(clippy::module_name_repetitions)]
pub fn visible_to(viewer: &Viewer) -> Select<user::Entity> {
    user::Entity::find().filter(
        user::Column::Id.in_subquery(linked::<user_organization::Entity>(
            user_organization::Column::UserId,
            user_organization::Column::OrganizationId,
            viewer.organization_id,
        )),
    )
}

/// `visible_to`, only users after `after` in id order, for paging through
/// every visible user. The bound is repeated inside the membership
/// subquery: PostgreSQL then starts its scan of memberships at the page
/// instead of at the first user, and each page costs the same.
pub fn visible_after(viewer: &Viewer, after: i64) -> Select<user::Entity> {
    let members = Query::select()
        .column(user_organization::Column::UserId)
        .from(user_organization::Entity)
        .and_where(user_organization::Column::OrganizationId.eq(viewer.organization_id))
        .and_where(user_organization::Column::UserId.gt(after))
        .to_owned();
    user::Entity::find()
        .filter(user::Column::Id.in_subquery(members))
        .filter(user::Column::Id.gt(after))
}

/// Escapes `%`, `_` and `\` so the search text matches literally.
pub(crate) fn like_pattern(word: &str) -> LikeExpr {
    let mut escaped = String::with_capacity(word.len() + 2);
    escaped.push('%');
    for c in word.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    LikeExpr::new(escaped).escape('\\')
}

impl UserFilter {
    pub fn apply(&self, viewer: &Viewer, mut select: Select<user::Entity>) -> Select<user::Entity> {
        if let Some(search) = &self.search {
            for word in search.split_whitespace().take(8) {
                select = select.filter(search_word(word));
            }
        }
        if let Some(enabled) = self.enabled {
            select = select.filter(user::Column::Enabled.eq(enabled));
        }
        if let Some(status) = self.auth_status {
            select = select.filter(user::Column::AuthStatus.eq(status));
        }
        select = match self.view {
            UserView::All => select,
            UserView::Active => select.filter(user::Column::Enabled.eq(true)),
            UserView::Disabled => select.filter(user::Column::Enabled.eq(false)),
            UserView::CannotLogIn => select.filter(
                user::Column::AuthStatus.is_in([AuthStatus::Locked, AuthStatus::PasswordReset]),
            ),
        };
        if let Some(organization_id) = self.organization_id {
            // Only organizations the viewer belongs to can narrow the list.
            let organization_id = if viewer.organization_ids.contains(&organization_id) {
                organization_id
            } else {
                -1
            };
            select = select.filter(user::Column::Id.in_subquery(
                linked::<user_organization::Entity>(
                    user_organization::Column::UserId,
                    user_organization::Column::OrganizationId,
                    organization_id,
                ),
            ));
        }
        if let Some(unit) = self.business_unit_id {
            select = select.filter(user::Column::Id.in_subquery(linked::<
                user_business_unit::Entity,
            >(
                user_business_unit::Column::UserId,
                user_business_unit::Column::BusinessUnitId,
                unit,
            )));
        }
        if let Some(role) = self.role_id {
            select = select.filter(user::Column::Id.in_subquery(linked::<user_role::Entity>(
                user_role::Column::UserId,
                user_role::Column::RoleId,
                role,
            )));
        }
        if let Some(group) = self.group_id {
            select = select.filter(user::Column::Id.in_subquery(linked::<user_group::Entity>(
                user_group::Column::UserId,
                user_group::Column::GroupId,
                group,
            )));
        }
        if let Some(ids) = &self.ids {
            select = select.filter(user::Column::Id.is_in(ids.clone()));
        }
        if !self.exclude_ids.is_empty() {
            select = select.filter(user::Column::Id.is_not_in(self.exclude_ids.clone()));
        }
        select
    }
}

fn search_word(word: &str) -> Condition {
    let lower = |column: user::Column| Expr::expr(Func::lower(Expr::col(column)));
    let additional = Query::select()
        .column(user_email::Column::UserId)
        .from(user_email::Entity)
        .and_where(user_email::Column::EmailCanonical.like(like_pattern(word)))
        .to_owned();
    Condition::any()
        .add(user::Column::UsernameCanonical.like(like_pattern(word)))
        .add(user::Column::EmailCanonical.like(like_pattern(word)))
        .add(lower(user::Column::FirstName).like(like_pattern(word)))
        .add(lower(user::Column::MiddleName).like(like_pattern(word)))
        .add(lower(user::Column::LastName).like(like_pattern(word)))
        .add(user::Column::Id.in_subquery(additional))
}

impl UserOrder {
    pub(crate) fn keyset(&self) -> Keyset<user::Column, user::Column> {
        let (column, nullable) = match self.field {
            UserOrderField::Username => (user::Column::UsernameCanonical, false),
            UserOrderField::Email => (user::Column::EmailCanonical, false),
            UserOrderField::LastName => (user::Column::LastName, true),
            UserOrderField::CreatedAt => (user::Column::CreatedAt, false),
            UserOrderField::LastLoginAt => (user::Column::LastLoginAt, true),
        };
        Keyset::new(column, user::Column::Id, self.descending, nullable)
    }

    pub(crate) fn sort_value(&self, user: &user::Model) -> SortValue {
        match self.field {
            UserOrderField::Username => SortValue::Text(user.username_canonical.clone()),
            UserOrderField::Email => SortValue::Text(user.email_canonical.clone()),
            UserOrderField::LastName => SortValue::text(user.last_name.as_deref()),
            UserOrderField::CreatedAt => SortValue::Time(user.created_at),
            UserOrderField::LastLoginAt => SortValue::time(user.last_login_at),
        }
    }
}
