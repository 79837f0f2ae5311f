//! Relay connections with `totalCount`, counted only when the query asks.

use std::future::Future;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, OutputType, Result};
use domain::pagination::Page;

/// A Relay connection of `N` with `totalCount`.
pub type ConnectionOf<N> = Connection<String, N, Total>;

/// Extra connection fields.
pub struct Total(u64);

/// Extra connection fields.
#[Object]
impl Total {
    /// How many items match, over all pages.
    async fn total_count(&self) -> u64 {
        self.0
    }
}

/// Runs `count` only when the selection includes `totalCount`.
pub async fn total<F>(ctx: &Context<'_>, count: F) -> Result<Total>
where
    F: Future<Output = domain::Result<u64>>,
{
    if ctx.look_ahead().field("totalCount").exists() {
        Ok(Total(count.await?))
    } else {
        Ok(Total(0))
    }
}

/// A connection over `page`, each row mapped to its GraphQL node.
pub fn connection<M, N: OutputType>(
    page: Page<M>,
    node: impl Fn(M) -> N,
    total: Total,
) -> Connection<String, N, Total> {
    let mut connection =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, total);
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, row)| Edge::new(cursor, node(row))),
    );
    connection
}
