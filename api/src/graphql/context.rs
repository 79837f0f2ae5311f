//! Reading what a request carries: the domain handle, the viewer, ids and
//! page arguments.

use async_graphql::{Context, ID, Result};
use domain::pagination::PageRequest;
use domain::{CustomerViewer, Error, Gatehouse, Viewer};

pub fn app<'a>(ctx: &Context<'a>) -> Result<&'a Gatehouse> {
    ctx.data::<Gatehouse>()
}

/// The authenticated back-office viewer; `FORBIDDEN` for storefront
/// credentials, `UNAUTHENTICATED` without any.
pub fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
    if let Some(viewer) = ctx.data_opt::<Viewer>() {
        return Ok(viewer);
    }
    if ctx.data_opt::<CustomerViewer>().is_some() {
        return Err(
            Error::forbidden("storefront credentials cannot use back-office operations").into(),
        );
    }
    Err(Error::Unauthenticated.into())
}

/// The authenticated customer user; `FORBIDDEN` for back-office
/// credentials, `UNAUTHENTICATED` without any.
pub fn customer_viewer<'a>(ctx: &Context<'a>) -> Result<&'a CustomerViewer> {
    if let Some(viewer) = ctx.data_opt::<CustomerViewer>() {
        return Ok(viewer);
    }
    if ctx.data_opt::<Viewer>().is_some() {
        return Err(
            Error::forbidden("back-office credentials cannot use storefront operations").into(),
        );
    }
    Err(Error::Unauthenticated.into())
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
