//! GraphiQL at `GET /graphql` for browsers, served from the binary: the
//! page and its bundle (GraphiQL 5 with React, the Monaco editor and its
//! workers, and graphql-ws), built from pinned npm packages
//! (`api/assets/graphiql/BUILD.md`). Nothing is fetched from elsewhere,
//! and the page's Content-Security-Policy allows nothing else.

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;

use super::assets::{self, Asset, CSS, HTML, JAVASCRIPT, embed};

/// Only the page's own files. Styles may also be inline: Monaco sets
/// them on the elements it draws. `connect-src 'self'` covers `/graphql`
/// and the WebSocket of `/graphql/ws`.
const POLICY: &str = "default-src 'none'; script-src 'self'; worker-src 'self'; \
    connect-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static PAGE: Asset = embed!("graphiql", "index.html", HTML);

static FILES: [Asset; 7] = [
    embed!("graphiql", "graphiql.js", JAVASCRIPT),
    embed!("graphiql", "graphiql.css", CSS),
    embed!("graphiql", "page.css", CSS),
    embed!("graphiql", "codicon.ttf", "font/ttf"),
    embed!("graphiql", "editor.worker.js", JAVASCRIPT),
    embed!("graphiql", "json.worker.js", JAVASCRIPT),
    embed!("graphiql", "graphql.worker.js", JAVASCRIPT),
];

/// The GraphiQL page.
pub fn page(request: &HeaderMap) -> Response {
    PAGE.serve_page(request, POLICY)
}

/// `GET /graphiql/{file}`: a file of the page.
pub async fn asset(Path(name): Path<String>, request: HeaderMap) -> Response {
    assets::serve_named(&FILES, &name, &request)
}
