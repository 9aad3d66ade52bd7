//! Test tools for the operations tests: a TCP proxy that can cut the database off, a round-robin
//! HTTP load balancer in front of replicas, Prometheus text parsing and users driven through the
//! emulator; `herald` processes are `harness::process::HeraldProcess`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use telegram_emulator::{ChatMessage, EmulatorHandle};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::harness::app::{WAIT, callback_data};

/// A TCP proxy to `target` that the test can cut (every connection dropped, new ones refused
/// after accept) and restore.
pub struct TcpProxy {
    pub addr: std::net::SocketAddr,
    cut: watch::Sender<bool>,
}

impl TcpProxy {
    pub async fn start(target: String) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, cut_rx) = watch::channel(false);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *cut_rx.borrow() {
                    drop(client);
                    continue;
                }
                let mut cut_rx = cut_rx.clone();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut_rx.wait_for(|cut| *cut) => {}
                    }
                });
            }
        });
        TcpProxy { addr, cut }
    }

    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    pub fn restore(&self) {
        self.cut.send_replace(false);
    }
}

/// A round-robin HTTP load balancer for webhook POSTs: each request goes to the next backend; a
/// backend that does not answer is skipped, like a Service skipping a pod that is not ready.
#[derive(Clone)]
pub struct LoadBalancer {
    pub url: String,
    backends: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct LbState {
    backends: Arc<Mutex<Vec<String>>>,
    next: Arc<AtomicUsize>,
    client: reqwest::Client,
}

impl LoadBalancer {
    pub async fn start(path: &str) -> LoadBalancer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{path}", listener.local_addr().unwrap());
        let backends = Arc::new(Mutex::new(Vec::new()));
        let state = LbState {
            backends: backends.clone(),
            next: Arc::new(AtomicUsize::new(0)),
            client: reqwest::Client::new(),
        };
        let router = axum::Router::new()
            .route(path, post(forward))
            .with_state(state);
        tokio::spawn(async move { axum::serve(listener, router).await });
        LoadBalancer { url, backends }
    }

    /// Backend base URLs (`http://127.0.0.1:PORT`); the request path is appended.
    pub fn set_backends(&self, backends: Vec<String>) {
        *self.backends.lock().unwrap() = backends;
    }
}

async fn forward(
    State(lb): State<LbState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let backends = lb.backends.lock().unwrap().clone();
    for _ in 0..backends.len() {
        let i = lb.next.fetch_add(1, Ordering::Relaxed) % backends.len();
        let mut request = lb
            .client
            .post(format!("{}{}", backends[i], uri.path()))
            .body(body.clone())
            .header("content-type", "application/json");
        if let Some(secret) = headers.get(herald::http::webhook::SECRET_HEADER) {
            request = request.header(herald::http::webhook::SECRET_HEADER, secret);
        }
        if let Ok(response) = request.send().await {
            return StatusCode::from_u16(response.status().as_u16()).unwrap();
        }
    }
    StatusCode::BAD_GATEWAY
}

/// The value of one series in Prometheus text (`name{label="v",…} value`); 0 when absent.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, rest) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            if series_name != name {
                return None;
            }
            let present: HashMap<&str, &str> = rest
                .split("\",")
                .filter_map(|pair| {
                    let (k, v) = pair.split_once("=\"")?;
                    Some((k.trim(), v.trim_end_matches('"')))
                })
                .collect();
            labels
                .iter()
                .all(|(k, v)| present.get(k) == Some(v))
                .then(|| value.parse::<f64>().ok())
                .flatten()
        })
        .sum()
}

/// A user who has done /start, accepted the disclaimer and subscribed (driven through the
/// emulator only, so it works whichever replica answers).
pub async fn subscribe_user(emulator: &EmulatorHandle, name: &str) -> i64 {
    let user = emulator.create_user(name, Some(&name.to_lowercase()), Some("en"));
    let chat = user.id;
    emulator.send_text(chat, chat, "/start");
    let messages = wait_messages(emulator, chat, 2).await;
    let (message_id, data) = messages
        .iter()
        .find_map(|m| {
            callback_data(m)
                .into_iter()
                .find(|d| d.starts_with("disclaimer:"))
                .map(|d| (m.message_id, d))
        })
        .expect("the disclaimer has an accept button");
    emulator
        .press_button(chat, chat, message_id, &data)
        .expect("press");
    emulator.send_text(chat, chat, "/subscribe");
    wait_messages(emulator, chat, 3).await;
    chat
}

pub async fn wait_messages(emulator: &EmulatorHandle, chat: i64, count: usize) -> Vec<ChatMessage> {
    emulator
        .wait_for_messages(chat, count, WAIT)
        .await
        .unwrap_or_else(|err| {
            panic!(
                "chat {chat} did not get {count} messages: {err:?}; it has {:#?}",
                emulator.messages(chat)
            )
        })
}

pub const WEBHOOK_PATH: &str = "/telegram/webhook";
pub const WEBHOOK_SECRET: &str = "test_webhook-secret_0123456789abcdef";

/// Environment for webhook mode, with `url` registered at Telegram (the load balancer's).
pub fn webhook_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("HERALD_WEBHOOK_URL", url.to_owned()),
        ("HERALD_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
    ]
}

/// The configuration a replica would load from this environment.
pub fn config_for(
    emulator: &EmulatorHandle,
    database_url: &str,
    extra: &[(&'static str, String)],
) -> herald::config::Config {
    let mut env: HashMap<String, String> = HashMap::from([
        ("HERALD_TELEGRAM_TOKEN".to_owned(), emulator.token()),
        ("HERALD_TELEGRAM_API_URL".to_owned(), emulator.base_url()),
        ("HERALD_DATABASE_URL".to_owned(), database_url.to_owned()),
        (
            "HERALD_API_KEYS".to_owned(),
            crate::harness::app::API_KEY.to_owned(),
        ),
        ("HERALD_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "HERALD_ENCRYPTION_KEY".to_owned(),
            crate::harness::app::ENCRYPTION_KEY.to_owned(),
        ),
    ]);
    for (name, value) in extra {
        env.insert((*name).to_owned(), value.clone());
    }
    let lookup = move |name: &str| env.get(name).cloned();
    herald::config::Config::load(herald::config::Sources {
        env: &lookup,
        file: None,
        stdout_is_terminal: false,
    })
    .expect("valid test config")
}

/// An in-process replica on a shared database and emulator.
pub struct Replica {
    pub api: String,
    pub instance: String,
    shutdown: tokio_util::sync::CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Replica {
    pub async fn start(config: herald::config::Config) -> Replica {
        let app = herald::app::App::build(config).await.expect("app builds");
        let instance = app.instance().to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = tokio_util::sync::CancellationToken::new();
        let task = tokio::spawn(app.run(listener, None, shutdown.clone()));
        Replica {
            api,
            instance,
            shutdown,
            task: Some(task),
        }
    }

    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.await
                .expect("replica task")
                .expect("replica exits cleanly");
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
