//! Files embedded in the binary (GraphiQL, the job board's UI), served with
//! an entity tag so that a browser revalidates them with a `304` instead
//! of downloading them again, and stays current when Gatehouse is upgraded.

use std::sync::OnceLock;

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The embedded file `api/assets/<dir>/<name>`, served as `kind`.
macro_rules! embed {
    ($dir:literal, $name:literal, $kind:expr) => {
        $crate::http::assets::Asset::new(
            $name,
            include_bytes!(concat!("../../assets/", $dir, "/", $name)),
            $kind,
        )
    };
}
pub(crate) use embed;

/// The media types of the embedded files.
pub const HTML: &str = "text/html; charset=utf-8";
pub const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";

/// One embedded file.
pub struct Asset {
    pub name: &'static str,
    body: &'static [u8],
    content_type: &'static str,
    etag: OnceLock<HeaderValue>,
}

impl Asset {
    pub const fn new(name: &'static str, body: &'static [u8], content_type: &'static str) -> Self {
        Self {
            name,
            body,
            content_type,
            etag: OnceLock::new(),
        }
    }

    fn etag(&self) -> &HeaderValue {
        self.etag.get_or_init(|| {
            let digest = Sha256::digest(self.body);
            let tag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..18]));
            HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""))
        })
    }

    /// The file, or `304 Not Modified` when the request names its tag.
    pub fn serve(&self, request: &HeaderMap) -> Response {
        let etag = self.etag();
        let fresh = request
            .get_all(IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|tag| tag.trim() == "*" || tag.trim().trim_start_matches("W/") == etag);
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut response = self.body.into_response();
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
            response
        };
        let headers = response.headers_mut();
        headers.insert(ETAG, etag.clone());
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
    }

    /// The file as a page under a Content-Security-Policy.
    pub fn serve_page(&self, request: &HeaderMap, policy: &'static str) -> Response {
        let mut response = self.serve(request);
        response
            .headers_mut()
            .insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
        response
    }
}

/// The file of `assets` called `name`.
pub fn find<'a>(assets: &'a [Asset], name: &str) -> Option<&'a Asset> {
    assets.iter().find(|asset| asset.name == name)
}

/// The file of `assets` called `name`, or `404 Not Found`.
pub fn serve_named(assets: &[Asset], name: &str, request: &HeaderMap) -> Response {
    match find(assets, name) {
        Some(asset) => asset.serve(request),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
