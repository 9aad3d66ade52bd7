//! HTTP front: `/bot{token}/{method}` for the Bot API, `/control/…` for test drivers.
//!
//! Connections are served by hand (hyper's HTTP/1 server) rather than with `axum::serve`, so
//! that a request can close its own connection without an answer: that is how the
//! "dropped connection" faults are produced.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::core::Core;
use crate::counters::Outcome;
use crate::error::{ApiError, json_response};
use crate::faults::Decision;
use crate::methods::{self, Method};
use crate::model::EmulatorEvent;
use crate::params::{MAX_BODY_BYTES, Params};

/// How long open connections get to finish their request when the emulator stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Closes the connection a request arrived on, without answering.
#[derive(Clone, Debug)]
struct ConnectionKill(CancellationToken);

pub(crate) fn router(core: Arc<Core>) -> Router {
    Router::new()
        .nest("/control", crate::control::router())
        .route("/{bot}/{method}", any(bot_api))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(core)
}

async fn not_found() -> Response {
    ApiError::new(404, "Not Found").into_response()
}

fn error(core: &Core, e: ApiError) -> Response {
    core.counters.error_status(e.code);
    e.into_response()
}

async fn bot_api(
    State(core): State<Arc<Core>>,
    Path((bot, method)): Path<(String, String)>,
    req: Request,
) -> Response {
    // Telegram answers 404 for a path that is not /bot<token>/…, 401 for a wrong token.
    let Some(token) = bot.strip_prefix("bot") else {
        return not_found().await;
    };
    if token != core.token {
        return ApiError::new(401, "Unauthorized").into_response();
    }
    let Some(method) = Method::parse(&method) else {
        return not_found().await;
    };
    core.counters.call(method);
    core.emit(|| EmulatorEvent::Call {
        method: method.name(),
    });
    let response = answer(&core, method, req).await;
    // Never the URL: it contains the token.
    tracing::debug!(
        method = method.name(),
        status = response.status().as_u16(),
        "bot api call"
    );
    response
}

/// Runs one call, with the faults drawn for it.
async fn answer(core: &Arc<Core>, method: Method, req: Request) -> Response {
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    let params = match Params::from_request(req).await {
        Ok(mut params) => {
            params.test_environment = core.test_environment;
            params
        }
        Err(e) => return error(core, e),
    };
    let mut decision = Decision::default();
    if method.is_send() {
        if let Some(chat_id) = params.int("chat_id").ok().flatten()
            && let Some(retry_after) = core.faults.take_scripted(chat_id)
        {
            core.emit(|| EmulatorEvent::RateLimited { chat_id });
            return error(core, ApiError::too_many_requests(retry_after));
        }
        decision = core.faults.draw();
    }
    if let Some(code) = decision.server_error {
        let description = if code == 502 {
            "Bad Gateway"
        } else {
            "Internal Server Error"
        };
        return error(core, ApiError::new(code, description));
    }
    if decision.drop_before {
        return drop_connection(core, method, kill).await;
    }
    let response = match methods::call(core, method, &params).await {
        Ok(reply) => json_response(StatusCode::OK, reply.0),
        Err(e) => error(core, e),
    };
    if decision.drop_after {
        return drop_connection(core, method, kill).await;
    }
    if let Some(delay) = decision.slow {
        core.counters.outcome(Outcome::Slowed);
        tokio::time::sleep(delay).await;
    }
    response
}

/// Closes the connection and never answers; hyper drops this future with the connection.
async fn drop_connection(core: &Core, method: Method, kill: Option<ConnectionKill>) -> Response {
    core.counters.outcome(Outcome::Dropped);
    tracing::debug!(method = method.name(), "bot api call: connection dropped");
    match kill {
        Some(kill) => {
            kill.0.cancel();
            std::future::pending().await
        }
        // Only reachable if the router is served some other way.
        None => ApiError::new(500, "Internal Server Error").into_response(),
    }
}

/// Accepts connections until the emulator is cancelled, then lets open ones finish.
pub(crate) async fn serve(core: Arc<Core>, listener: TcpListener, router: Router) {
    let cancel = core.cancel.clone();
    let connections = TaskTracker::new();
    loop {
        let stream = tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        connections.spawn(serve_connection(stream, router.clone(), cancel.clone()));
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    router: Router,
    cancel: CancellationToken,
) {
    let kill = CancellationToken::new();
    let request_kill = ConnectionKill(kill.clone());
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(request_kill.clone());
        router.clone().oneshot(req.map(axum::body::Body::new))
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        // Dropping the connection closes the socket mid-request.
        () = kill.cancelled() => {}
        () = cancel.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
        }
    }
}
