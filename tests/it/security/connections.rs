//! The listener under a slow-client attack: connections that never finish their headers are
//! closed on the header deadline, the API keeps answering while they hang, and one address cannot
//! hold more connections than its cap while another is still served.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use herald::store::Backend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::harness::app::{Options, TestApp};

/// What a slowloris client sends: the start of a request, never the blank line that ends it.
const UNFINISHED: &[u8] = b"GET /api/health HTTP/1.1\r\nHost: herald\r\nX-Slow: ";

fn address(app: &TestApp) -> SocketAddr {
    app.api
        .trim_start_matches("http://")
        .parse()
        .expect("the app listens on an address")
}

async fn app_with(env: Vec<(&'static str, String)>) -> TestApp {
    TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            env,
            ..Options::default()
        },
    )
    .await
}

/// A connection from `local` (any 127.0.0.0/8 address is this machine) with an unfinished request.
async fn hang_from(local: Ipv4Addr, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(local), 0))?;
    let mut stream = socket.connect(server).await?;
    stream.write_all(UNFINISHED).await?;
    Ok(stream)
}

/// Waits until the server closes `stream` (end of stream or reset); false if it is still open at
/// `deadline`.
async fn closed_by(stream: &mut TcpStream, deadline: Instant) -> bool {
    let mut answer = Vec::new();
    tokio::time::timeout_at(deadline, stream.read_to_end(&mut answer))
        .await
        .is_ok()
}

fn client_from(local: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(local))
        // Generous for a loaded CI machine; the tests' header timeouts are longer still, so a
        // server that could not answer would still fail them.
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn half_open_connections_are_closed_and_the_api_keeps_answering() {
    herald::ops::raise_open_file_limit();
    // Longer than the client's patience: an API blocked by the hanging connections would answer
    // only once they are closed, too late.
    let header_timeout = Duration::from_secs(8);
    let app = app_with(vec![
        ("HERALD_HTTP_HEADER_TIMEOUT", "8s".to_owned()),
        ("HERALD_HTTP_MAX_CONNECTIONS_PER_IP", "10000".to_owned()),
    ])
    .await;
    let server = address(&app);
    let mut hanging = Vec::with_capacity(5_000);
    // In waves, so the listen backlog never overflows (a dropped SYN is retried a second later).
    for _ in 0..25 {
        let mut wave = JoinSet::new();
        for _ in 0..200 {
            wave.spawn(hang_from(Ipv4Addr::LOCALHOST, server));
        }
        while let Some(opened) = wave.join_next().await {
            hanging.push(opened.expect("task").expect("connect and send"));
        }
    }
    let all_open = Instant::now();

    let health = client_from(Ipv4Addr::LOCALHOST)
        .get(format!("{}/api/health", app.api))
        .send()
        .await
        .expect("/api/health answers while 5,000 connections hang");
    assert_eq!(health.status(), 200);

    // Each was accepted before `all_open`, so each is closed by the deadline plus scheduling slack.
    let deadline = all_open + header_timeout + Duration::from_secs(3);
    let mut still_open = 0;
    for stream in &mut hanging {
        if !closed_by(stream, deadline).await {
            still_open += 1;
        }
    }
    assert_eq!(
        still_open, 0,
        "connections still open after the header timeout"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_is_capped_while_another_is_served() {
    let app = app_with(vec![("HERALD_HTTP_MAX_CONNECTIONS_PER_IP", "3".to_owned())]).await;
    let server = address(&app);
    let attacker = Ipv4Addr::new(127, 0, 0, 1);
    let neighbour = Ipv4Addr::new(127, 0, 0, 2);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(hang_from(attacker, server).await.expect("connect"));
    }

    // The fourth from the same address is closed at once, without an answer.
    let mut excess = hang_from(attacker, server).await.expect("connect");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(2), excess.read_to_end(&mut answer))
        .await
        .expect("the excess connection is closed at once")
        .ok();
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));

    // Another address is served as usual.
    let neighbour = client_from(neighbour);
    let health = neighbour
        .get(format!("{}/api/health", app.api))
        .send()
        .await
        .expect("another address is served");
    assert_eq!(health.status(), 200);
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains(r#"herald_http_connections_refused_total{reason="address_full"}"#),
        "{metrics}"
    );

    // A slot given back is a slot the address can use again.
    drop(held.pop());
    let attacker = client_from(attacker);
    app.eventually("the freed slot is reused", || async {
        attacker
            .get(format!("{}/api/health", app.api))
            .send()
            .await
            .is_ok_and(|response| response.status() == 200)
    })
    .await;
    app.stop().await;
}
