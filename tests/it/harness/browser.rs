//! A real browser for the web pages: Debian's Chromium, driven through its chromedriver over
//! WebDriver (`fantoccini`). `.ci/run` installs both and sets `HERALD_BROWSER_TESTS=required`;
//! elsewhere a machine without them skips browser tests with a loud line instead of failing.

use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use tokio::process::{Child, Command};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    pub client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
    /// Where downloads land.
    pub downloads: tempfile::TempDir,
}

impl Browser {
    /// A headless Chromium the size of a phone, or `None` (skip) where none is installed and
    /// none is required.
    pub async fn start() -> Option<Browser> {
        Self::start_sized(480, 900).await
    }

    /// A headless Chromium with a desktop-sized window.
    pub async fn desktop() -> Option<Browser> {
        Self::start_sized(1280, 900).await
    }

    async fn start_sized(width: u32, height: u32) -> Option<Browser> {
        let installed =
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists();
        if !installed {
            assert!(
                std::env::var("HERALD_BROWSER_TESTS").as_deref() != Ok("required"),
                "browser tests are required here, but {CHROMIUM} or {CHROMEDRIVER} is missing"
            );
            eprintln!(
                "SKIPPED: no Chromium/chromedriver on this machine (apt install chromium chromium-driver)"
            );
            return None;
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("profile dir");
        // This machine's network is closed: without these Chromium keeps dialing Google.
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            &format!("--window-size={width},{height}"),
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let downloads = tempfile::tempdir().expect("downloads dir");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({"binary": CHROMIUM, "args": args, "prefs": {
                "download.default_directory": downloads.path().display().to_string(),
                "download.prompt_for_download": false,
            }}),
        );
        let url = format!("http://127.0.0.1:{port}");
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(err) => {
                    assert!(
                        tokio::time::Instant::now() < deadline,
                        "chromedriver did not start a session: {err}"
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        };
        Some(Browser {
            client,
            _driver: driver,
            _profile: profile,
            downloads,
        })
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}
