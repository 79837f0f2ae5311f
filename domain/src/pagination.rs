//! Cursor pagination by keyset: a page continues after the sort value and id
//! of the last row seen, so pages stay correct while rows are added and deep
//! pages cost no more than the first. Rows without a sort value come last in
//! both directions; the id breaks ties.
//!
//! The condition "after the cursor" is a row-value comparison,
//! `(sort, id) > (value, id)`, which PostgreSQL turns into a range of the
//! index on the sort column, so a page deep in the list starts where it
//! starts instead of filtering out every row before it. A column that is
//! never null is ordered without a `NULLS` clause, so an index on it serves
//! both directions; a nullable one is ordered `NULLS LAST`, which its two
//! indexes serve (one per direction, migration `m20261202_000008_page_indexes`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, NullOrdering};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `first` and `after` of a connection query.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<String>,
}

impl PageRequest {
    /// Checks `first` against the configured page sizes.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        default_size: u64,
        max_size: u64,
    ) -> Result<Self> {
        let first = match first {
            None => default_size,
            Some(n) if n < 0 => return Err(Error::invalid("first", "must not be negative")),
            Some(n) if n as u64 > max_size => {
                return Err(Error::invalid(
                    "first",
                    format!("must be at most {max_size}"),
                ));
            }
            Some(n) => n as u64,
        };
        Ok(Self { first, after })
    }
}

/// One page of rows, each with the cursor that continues after it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

/// The sort value of a row, as stored in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum SortValue {
    Null,
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

impl SortValue {
    pub fn text(value: Option<&str>) -> Self {
        value.map_or(Self::Null, |v| Self::Text(v.to_owned()))
    }

    pub fn time(value: Option<DateTime<Utc>>) -> Self {
        value.map_or(Self::Null, Self::Time)
    }

    fn value(&self) -> Option<sea_orm::Value> {
        match self {
            Self::Null => None,
            Self::Text(v) => Some(v.clone().into()),
            Self::Int(v) => Some((*v).into()),
            Self::Time(v) => Some((*v).into()),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    s: SortValue,
    id: i64,
}

fn encode_cursor(sort: SortValue, id: i64) -> String {
    let json = serde_json::to_vec(&Cursor { s: sort, id }).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor(cursor: &str) -> Result<Cursor> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| Error::invalid("after", "is not a cursor this list handed out"))
}

/// How a list is ordered: one sort column, then the id.
pub struct Keyset<C, I> {
    sort: C,
    id: I,
    descending: bool,
    nullable: bool,
}

impl<C: ColumnTrait, I: ColumnTrait> Keyset<C, I> {
    pub fn new(sort: C, id: I, descending: bool, nullable: bool) -> Self {
        Self {
            sort,
            id,
            descending,
            nullable,
        }
    }

    /// Reads one page of `select`; `sort_value` gives a row's sort value and
    /// `id` its id, for its cursor.
    pub async fn fetch<E, M>(
        &self,
        db: &DatabaseConnection,
        select: Select<E>,
        page: &PageRequest,
        sort_value: impl Fn(&M) -> SortValue,
    ) -> Result<Page<M>>
    where
        E: EntityTrait<Model = M>,
        M: sea_orm::FromQueryResult + Send + Sync + HasId,
    {
        let mut select = select;
        if let Some(after) = &page.after {
            let cursor = decode_cursor(after)?;
            select = select.filter(self.after(&cursor)?);
        }
        let order = if self.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        let select = if self.nullable {
            select.order_by_with_nulls(self.sort, order.clone(), NullOrdering::Last)
        } else {
            select.order_by(self.sort, order.clone())
        };
        let rows = select
            .order_by(self.id, order)
            .limit(page.first + 1)
            .all(db)
            .await?;
        let has_next_page = rows.len() as u64 > page.first;
        let items = rows
            .into_iter()
            .take(page.first as usize)
            .map(|row| (encode_cursor(sort_value(&row), row.id()), row))
            .collect();
        Ok(Page {
            items,
            has_next_page,
            has_previous_page: page.after.is_some(),
        })
    }

    fn after(&self, cursor: &Cursor) -> Result<Condition> {
        let beyond_id = if self.descending {
            self.id.lt(cursor.id)
        } else {
            self.id.gt(cursor.id)
        };
        Ok(match cursor.s.value() {
            None => {
                if !self.nullable {
                    return Err(Error::invalid(
                        "after",
                        "is not a cursor this list handed out",
                    ));
                }
                Condition::all().add(self.sort.is_null()).add(beyond_id)
            }
            Some(value) => {
                let row = Expr::tuple([self.sort.into_expr(), self.id.into_expr()]);
                let cursor = Expr::tuple([Expr::val(value), Expr::val(cursor.id)]);
                let beyond = if self.descending {
                    ExprTrait::lt(row, cursor)
                } else {
                    ExprTrait::gt(row, cursor)
                };
                let mut condition = Condition::any().add(beyond);
                if self.nullable {
                    condition = condition.add(self.sort.is_null());
                }
                condition
            }
        })
    }
}

/// Rows with an `id`, for their cursors.
pub trait HasId {
    fn id(&self) -> i64;
}

macro_rules! has_id {
    ($($module:ident),*) => {
        $(impl HasId for entity::$module::Model {
            fn id(&self) -> i64 {
                self.id
            }
        })*
    };
}

has_id!(
    audit_log,
    user,
    organization,
    business_unit,
    role,
    group,
    job,
    job_item,
    website,
    localization,
    customer,
    customer_role,
    customer_user,
    customer_user_address,
    consent,
    oauth_application
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let at = Utc::now();
        for value in [
            SortValue::Null,
            SortValue::Text("ada".into()),
            SortValue::Int(7),
            SortValue::Time(at),
        ] {
            let cursor = decode_cursor(&encode_cursor(value.clone(), 42)).expect("cursor");
            assert_eq!(cursor.s, value);
            assert_eq!(cursor.id, 42);
        }
        assert!(decode_cursor("garbage").is_err());
    }
}
