//! Shared helpers: a started emulator plus a plain HTTP client.

use std::time::Duration;

use serde_json::Value;
use telegram_emulator::{Emulator, EmulatorConfig, EmulatorEvent, EmulatorHandle, Limits};
use tokio::sync::broadcast;

/// Long enough for anything that should happen "at once" on a loaded CI machine.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct Tg {
    pub emu: EmulatorHandle,
    pub http: reqwest::Client,
}

impl Tg {
    /// Telegram's limits, seed 0.
    pub async fn start() -> Tg {
        Tg::start_with(EmulatorConfig::default()).await
    }

    /// No flood limits, for tests that send a lot to one chat.
    pub async fn unlimited() -> Tg {
        Tg::start_with(EmulatorConfig {
            limits: Limits::unlimited(),
            ..EmulatorConfig::default()
        })
        .await
    }

    pub async fn start_with(config: EmulatorConfig) -> Tg {
        let emu = Emulator::start(config).await.expect("emulator starts");
        Tg {
            emu,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, method: &str) -> String {
        format!("{}/bot{}/{}", self.emu.base_url(), self.emu.token(), method)
    }

    /// POSTs a JSON body; returns the HTTP status and the parsed answer.
    pub async fn call(&self, method: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .post(self.url(method))
            .json(&body)
            .send()
            .await
            .expect("request completes");
        let status = res.status().as_u16();
        let body: Value = res.json().await.expect("JSON answer");
        (status, body)
    }

    /// Calls and expects success; returns `result`.
    pub async fn ok(&self, method: &str, body: Value) -> Value {
        let (status, answer) = self.call(method, body).await;
        assert_eq!(status, 200, "{method} failed: {answer}");
        assert_eq!(answer["ok"], true);
        answer["result"].clone()
    }

    /// Calls and expects failure; checks that `error_code` matches the HTTP status and returns
    /// (status, description).
    pub async fn err(&self, method: &str, body: Value) -> (u16, String) {
        let (status, answer) = self.call(method, body).await;
        assert_eq!(answer["ok"], false, "{method} should fail: {answer}");
        assert_eq!(answer["error_code"], status, "{answer}");
        (status, answer["description"].as_str().unwrap().to_owned())
    }

    /// Starts `call(method, body)` in the background (for long polls); yields (status, answer).
    pub fn spawn_call(&self, method: &str, body: Value) -> tokio::task::JoinHandle<(u16, Value)> {
        let (url, http) = (self.url(method), self.http.clone());
        tokio::spawn(async move {
            let res = http
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("request completes");
            let status = res.status().as_u16();
            (status, res.json().await.expect("JSON answer"))
        })
    }

    /// A user with a private chat.
    pub fn user(&self, name: &str) -> i64 {
        self.emu
            .create_user(name, Some(&name.to_lowercase()), Some("en"))
            .id
    }
}

/// Calls the control API (`/control/{path}`); returns the HTTP status and the JSON answer.
pub async fn control(
    tg: &Tg,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}/control/{path}", tg.emu.base_url());
    let mut req = tg.http.request(method, url);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request completes");
    (
        res.status().as_u16(),
        res.json().await.expect("JSON answer"),
    )
}

/// Waits for the first event matching `pred`.
pub async fn next_event(
    rx: &mut broadcast::Receiver<EmulatorEvent>,
    pred: impl Fn(&EmulatorEvent) -> bool,
) -> EmulatorEvent {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match rx.recv().await {
                Ok(e) if pred(&e) => return e,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("event stream ended: {e}"),
            }
        }
    })
    .await
    .expect("event arrives in time")
}

/// A minimal PNG header of the given size: enough for sendPhoto to read IHDR.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b
}
