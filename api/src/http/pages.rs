//! The pages behind the links Gatehouse sends by email, so that each opens
//! in a browser at the default public URL: `/` (the invitation's login
//! link: what Gatehouse is, where GraphiQL is), `/reset-password` and
//! `/set-password` (a new password through `completePasswordReset`, or
//! without a token, asking for a link with `requestPasswordReset`), and
//! `/confirm-email` (`confirmCustomerUserEmail`).
//!
//! Plain HTML served from the binary (`api/assets/pages/`), with one script
//! and one style sheet of ours under `/pages/`, served like every embedded
//! asset (`Asset`: revalidated by entity tag). The Content-Security-Policy
//! allows nothing else: no inline script or style, nothing from another
//! origin, no form submission (the script sends each form to `POST
//! /graphql` itself), no framing. The links carry their token in the query
//! string, so the pages send no referrer and are not cached.

use axum::Router;
use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::http::assets::{self, Asset, CSS, JAVASCRIPT, embed};
use crate::server::AppState;

/// What every page is laid out in: `{title}` and `{body}` are filled in.
const SHELL: &str = include_str!("../../assets/pages/page.html");
const HOME: &str = include_str!("../../assets/pages/home.html");
const RESET_PASSWORD: &str = include_str!("../../assets/pages/reset-password.html");
const SET_PASSWORD: &str = include_str!("../../assets/pages/set-password.html");
const CONFIRM_EMAIL: &str = include_str!("../../assets/pages/confirm-email.html");

/// The script, the style sheet and the icon every page uses, under
/// `/pages/`.
static FILES: [Asset; 3] = [
    embed!("pages", "pages.js", JAVASCRIPT),
    embed!("pages", "pages.css", CSS),
    embed!("pages", "icon.svg", "image/svg+xml"),
];

/// Only our own script, style sheet and `/graphql`; nothing inline, from
/// elsewhere, submitted by the browser or framed.
pub const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Each page: its path, its title and its body.
const PAGES: [(&str, &str, &str); 4] = [
    ("/", "Gatehouse", HOME),
    ("/reset-password", "Set a new password", RESET_PASSWORD),
    ("/set-password", "Set your password", SET_PASSWORD),
    (
        "/confirm-email",
        "Confirm your email address",
        CONFIRM_EMAIL,
    ),
];

/// The pages and their assets.
pub fn router() -> Router<AppState> {
    let mut router = Router::new().route("/pages/{file}", get(file));
    for (path, title, body) in PAGES {
        router = router.route(path, get(move || async move { page(title, body) }));
    }
    router
}

fn page(title: &str, body: &str) -> Response {
    html(StatusCode::OK, title, body)
}

/// A page of `status` laid out like the others, `body` being HTML.
fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let text = SHELL
        .replace("{title}", &escape(title))
        .replace("{body}", body);
    (
        status,
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, POLICY),
            (REFERRER_POLICY, "no-referrer"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (X_FRAME_OPTIONS, "DENY"),
            (CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// A page that says one thing: a refusal shown to a browser.
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    html(status, title, &format!("<p>{}</p>", escape(text)))
}

/// Whether the request comes from a browser (`Accept` names HTML).
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

async fn file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    assets::serve_named(&FILES, &name, &headers)
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
