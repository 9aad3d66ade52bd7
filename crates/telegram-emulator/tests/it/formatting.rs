//! Text length and parse_mode validation.

use serde_json::json;
use telegram_emulator::html::{parse_html, utf16_len};
use telegram_emulator::markdown::parse_markdown_v2;

use crate::harness::Tg;

const PARSE: &str = "Bad Request: can't parse entities: ";

#[tokio::test]
async fn text_is_limited_to_4096_after_parsing() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let max = "a".repeat(4096);
    tg.ok("sendMessage", json!({"chat_id": alice, "text": max}))
        .await;
    let (status, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "a".repeat(4097)}),
        )
        .await;
    assert_eq!(
        (status, d.as_str()),
        (400, "Bad Request: message is too long")
    );

    // Markup does not count…
    let tagged = format!("<b>{}</b>", "a".repeat(4096));
    tg.ok(
        "sendMessage",
        json!({"chat_id": alice, "text": tagged, "parse_mode": "HTML"}),
    )
    .await;
    // …and length is in UTF-16 code units: an emoji counts twice.
    let emoji = "😀".repeat(2048);
    assert_eq!(utf16_len(&emoji), 4096);
    tg.ok("sendMessage", json!({"chat_id": alice, "text": emoji}))
        .await;
    let (_, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "😀".repeat(2048) + "a"}),
        )
        .await;
    assert_eq!(d, "Bad Request: message is too long");
}

#[tokio::test]
async fn empty_text_is_refused() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    for body in [
        json!({"chat_id": alice}),
        json!({"chat_id": alice, "text": ""}),
        json!({"chat_id": alice, "text": "  \n"}),
        json!({"chat_id": alice, "text": "<b></b>", "parse_mode": "HTML"}),
    ] {
        let (_, d) = tg.err("sendMessage", body).await;
        assert_eq!(d, "Bad Request: message text is empty");
    }
}

#[tokio::test]
async fn html_that_telegram_accepts() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let text = "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>\
        <strike>k</strike><del>d</del><span class=\"tg-spoiler\">p</span><tg-spoiler>q</tg-spoiler>\
        <a href=\"https://example.com/?a=1&amp;b=2\">l</a><code>c</code>\
        <pre><code class=\"language-rust\">fn</code></pre><blockquote expandable>q</blockquote>\
        <tg-emoji emoji-id=\"5368324170671202286\">👍</tg-emoji> &lt;b&gt;&amp;&quot;&#65;&#x42;";
    let msg = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": text, "parse_mode": "HTML"}),
        )
        .await;
    assert_eq!(msg["text"], "bsieunskdpqlcfnq👍 <b>&\"AB");
    let kinds: Vec<&str> = msg["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for kind in [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "text_link",
        "code",
        "pre",
        "expandable_blockquote",
        "custom_emoji",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert_eq!(parse_html("&lt;b&gt;&amp;").unwrap(), "<b>&");
}

#[tokio::test]
async fn html_that_telegram_refuses() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let cases = [
        (
            "<foo>x</foo>",
            "Unsupported start tag \"foo\" at byte offset 0",
        ),
        (
            "<b>bold",
            "Can't find end tag corresponding to start tag \"b\"",
        ),
        (
            "<b><i>x</b></i>",
            "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\"",
        ),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", "Unsupported start tag \"\" at byte offset 2"),
        ("ab <b", "Unclosed start tag at byte offset 3"),
        ("AT&T", "Character entity expected at byte offset 2"),
        (
            "a&nbsp;b",
            "Unsupported character entity \"&nbsp;\" at byte offset 1",
        ),
        (
            "<span>x</span>",
            "Tag \"span\" must have class \"tg-spoiler\" at byte offset 0",
        ),
    ];
    for (text, detail) in cases {
        let (status, d) = tg
            .err(
                "sendMessage",
                json!({"chat_id": alice, "text": text, "parse_mode": "HTML"}),
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(d, format!("{PARSE}{detail}"), "for {text:?}");
        assert_eq!(
            parse_html(text).unwrap_err(),
            d,
            "the exported checker agrees"
        );
    }
    assert!(tg.emu.messages(alice).is_empty());
}

#[tokio::test]
async fn markdown_v2_reserved_characters() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let (_, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "Price 1.5", "parse_mode": "MarkdownV2"}),
        )
        .await;
    assert_eq!(
        d,
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'"
    );
    assert_eq!(
        parse_markdown_v2("Price 1.5").unwrap_err(),
        d,
        "the exported checker agrees"
    );
    let (_, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "*bold", "parse_mode": "MarkdownV2"}),
        )
        .await;
    assert_eq!(
        d,
        format!("{PARSE}Can't find end of Bold entity at byte offset 0")
    );
    let msg = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "*Buy* BTC at 1\\.5 \\(\\+2%\\)", "parse_mode": "MarkdownV2"}),
        )
        .await;
    assert_eq!(msg["text"], "Buy BTC at 1.5 (+2%)");
    assert_eq!(msg["entities"][0]["type"], "bold");
}

#[tokio::test]
async fn no_parse_mode_is_plain_text() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let msg = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "<b>1.5 & 2</b>"}),
        )
        .await;
    assert_eq!(msg["text"], "<b>1.5 & 2</b>");
    assert!(msg.get("entities").is_none());
    let (_, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "x", "parse_mode": "BBCode"}),
        )
        .await;
    assert_eq!(d, "Bad Request: unsupported parse_mode");
}
