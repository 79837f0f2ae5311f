//! Reading what a request carries: the domain handle, the viewer, ids and
//! page arguments.

use async_graphql::{Context, ID, Result};
use domain::pagination::PageRequest;
use domain::{Error, Gatehouse, Viewer};

pub fn app<'a>(ctx: &Context<'a>) -> Result<&'a Gatehouse> {
    ctx.data::<Gatehouse>()
}

/// The authenticated viewer, or `UNAUTHENTICATED`.
pub fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
    ctx.data_opt::<Viewer>()
        .ok_or_else(|| Error::Unauthenticated.into())
}

/// A numeric id from an `ID` argument; `BAD_USER_INPUT` naming `field` else.
pub fn id(value: &ID, field: &str) -> Result<i64, Error> {
    value
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Error::invalid(field, format!("{:?} is not an id", value.as_str())))
}

/// Several ids, each checked like `id`.
pub fn ids(values: &[ID], field: &str) -> Result<Vec<i64>, Error> {
    values.iter().map(|value| id(value, field)).collect()
}

/// `first` / `after` checked against the configured page sizes.
pub fn page(ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Result<PageRequest> {
    let settings = &app(ctx)?.settings().graphql;
    Ok(PageRequest::new(
        first,
        after,
        settings.default_page_size,
        settings.max_page_size,
    )?)
}
