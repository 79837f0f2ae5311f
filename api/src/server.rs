//! The HTTP server: routes, middleware, start-up and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::routing::{get, post};
use domain::Gatehouse;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use worker::{Backends, WorkerOptions};

use crate::graphql::{self, errors::Mapped};
use crate::{http, telemetry};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub app: Gatehouse,
    pub schema: Mapped,
    /// The job queues, for the job board.
    pub backends: Backends,
    /// HTTP Basic credentials the job board checked lately.
    pub basic_checks: std::sync::Arc<http::ops::BasicChecks>,
}

/// The largest `/graphql` body: an import's file and its multipart frame,
/// or a JSON request.
pub fn upload_limit(settings: &domain::config::Settings) -> usize {
    let upload = usize::try_from(settings.jobs.max_import_bytes).unwrap_or(usize::MAX);
    settings
        .graphql
        .max_body_bytes
        .max(upload.saturating_add(64 * 1024))
}

/// The routes, with their middleware.
pub fn router(state: AppState) -> Router {
    let settings = state.app.settings();
    let request_id = HeaderName::from_static("x-request-id");
    let graphql_routes = Router::new()
        .route(
            "/graphql",
            get(http::graphql::get).post(http::graphql::post),
        )
        // Uploads may be larger than other requests; `post` holds JSON
        // bodies to `graphql.max_body_bytes`.
        .layer(DefaultBodyLimit::max(upload_limit(settings)));
    let subscriptions = Router::new().route("/graphql/ws", get(http::ws::subscribe));
    // Subscriptions and downloads last as long as they need; the rest has
    // a deadline.
    let timed = Router::new()
        .merge(graphql_routes)
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .merge(http::pages::router())
        .route("/oauth2-token", post(http::oauth::token))
        .route("/oauth2-introspect", post(http::oauth::introspect))
        .route("/oauth2-revoke", post(http::oauth::revoke))
        .route("/.well-known/jwks.json", get(http::oauth::jwks))
        .route(
            "/.well-known/oauth-authorization-server",
            get(http::oauth::metadata),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(settings.server.request_timeout_secs),
        ));
    Router::new()
        .merge(timed)
        .merge(subscriptions)
        .route("/graphiql/{file}", get(http::graphiql::asset))
        .route("/exports/{id}", get(http::exports::download))
        .route("/metrics", get(http::metrics::metrics))
        .merge(http::ops::router(
            state.clone(),
            &state.backends,
            telemetry::broadcaster(),
        ))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(
            |request: axum::extract::Request, next: axum::middleware::Next| {
                domain::db::in_request(next.run(request))
            },
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// A bound, not yet serving, server.
pub struct Server {
    listener: TcpListener,
    state: AppState,
    /// The in-process workers' backend, when the server runs them.
    workers: Option<Backends>,
}

impl Server {
    /// Connects the job queue, builds the schema and binds the configured
    /// address (port 0 picks a free port).
    pub async fn bind(app: Gatehouse) -> anyhow::Result<Self> {
        let settings = app.settings();
        http::metrics::recorder();
        app.load_oauth_keys();
        let backends = Backends::connect(&app).await?;
        app.set_queue(backends.clone().into_queue())?;
        let schema = Mapped::new(
            graphql::builder(settings).data(app.clone()).finish(),
            &settings.graphql,
        );
        let listener =
            TcpListener::bind((settings.server.host.as_str(), settings.server.port)).await?;
        let workers = settings.jobs.in_process_worker.then(|| backends.clone());
        Ok(Self {
            listener,
            state: AppState {
                app,
                schema,
                backends,
                basic_checks: Default::default(),
            },
            workers,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then lets running requests (and
    /// the in-process workers' running tasks) finish for up to
    /// `server.shutdown_grace_secs`.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let grace = Duration::from_secs(self.state.app.settings().server.shutdown_grace_secs);
        let (stop, stopped) = watch::channel(false);
        // Requests and the workers' tasks finish side by side, within one
        // grace period from the moment shutdown starts.
        let (deadline_set, deadline_at) = tokio::sync::oneshot::channel::<tokio::time::Instant>();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing running requests and tasks");
            let _ = deadline_set.send(tokio::time::Instant::now() + grace);
            let _ = stop.send(true);
        });
        let signal = |mut receiver: watch::Receiver<bool>| async move {
            let _ = receiver.wait_for(|stop| *stop).await;
        };
        let workers = self.workers.map(|backends| {
            let options = WorkerOptions {
                grace,
                ..WorkerOptions::default()
            };
            tokio::spawn(worker::run(
                self.state.app.clone(),
                backends,
                options,
                signal(stopped.clone()),
            ))
        });
        // Lets the server keep what requests read again in memory while it
        // can tell when that changes.
        let watcher = self.state.app.clone();
        let watch = tokio::spawn(async move { watcher.watch_changes().await });
        let app = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(self.listener, app).with_graceful_shutdown(signal(stopped.clone()));
        let deadline_at = async move {
            match deadline_at.await {
                Ok(at) => at,
                // The shutdown future was dropped: wait no longer than a grace.
                Err(_) => tokio::time::Instant::now() + grace,
            }
        };
        let deadline_at = futures_util::FutureExt::shared(Box::pin(deadline_at));
        let requests_deadline = deadline_at.clone();
        let deadline = async move {
            signal(stopped).await;
            tokio::time::sleep_until(requests_deadline.await).await;
            tracing::warn!("shutdown grace period over; dropping remaining connections");
        };
        let served = tokio::select! {
            result = serve => result,
            () = deadline => Ok(()),
        };
        watch.abort();
        if let Some(workers) = workers {
            let until = deadline_at.await;
            match tokio::time::timeout_at(until, workers).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(error))) => tracing::error!(%error, "workers stopped with an error"),
                Ok(Err(error)) => tracing::error!(%error, "workers panicked"),
                Err(_) => tracing::warn!("workers did not stop within the grace period"),
            }
        }
        served
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
