//! Replies leave through the same sender as deliveries: a 429 on any of them, a chart included,
//! holds the chat back for its `retry_after` and the reply is sent again, not lost.

use herald::store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::harness::app::TestApp;
use crate::harness::performance::{buy, make_premium, post_signal, text};

async fn a_chart_waits_out_429s(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Ida", "en").await;
    make_premium(&app, chat).await;
    let id = post_signal(&app, &buy("BTC/USD", "45250", "46500", "44500")).await;
    let close = json!({"type": "close", "asset": "BTC/USD", "closes": id, "exit_price": 46100});
    let (status, body) = app.post_signal(&close).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    app.wait_for(chat, 5).await;

    // As many 429s as a reply waits out; more than the times a failing handler is run again.
    app.emulator.fail_next_sends(chat, 3, 1);
    app.emulator.send_text(chat, chat, "/performance 30d");
    let reply = app.wait_for(chat, 6).await.remove(5);
    assert!(
        reply.photo.is_some(),
        "the chart, not an apology: {}",
        text(&reply)
    );
    assert!(
        reply
            .caption
            .unwrap_or_default()
            .contains("Performance · last 30 days")
    );
    app.drain().await;
    assert_eq!(app.emulator.messages(chat).len(), 6, "sent once");
    app.stop().await;
}
both_backends!(chart_rate_limited, a_chart_waits_out_429s);
