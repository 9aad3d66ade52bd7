//! sendPhoto: uploads, file_id reuse, captions.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::harness::{Tg, png};

async fn upload(tg: &Tg, form: Form) -> (u16, Value) {
    let res = tg
        .http
        .post(tg.url("sendPhoto"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn file_part(bytes: Vec<u8>) -> Part {
    Part::bytes(bytes)
        .file_name("chart.png")
        .mime_str("image/png")
        .unwrap()
}

#[tokio::test]
async fn upload_then_reuse_the_file_id() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let bob = tg.user("Bob");
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .text("caption", "<b>BTC</b> 4h")
        .text("parse_mode", "HTML")
        .part("photo", file_part(png(1000, 500)));
    let (status, answer) = upload(&tg, form).await;
    assert_eq!(status, 200, "{answer}");
    let msg = &answer["result"];
    assert_eq!(msg["caption"], "BTC 4h");
    assert_eq!(msg["caption_entities"][0]["type"], "bold");
    assert!(msg.get("text").is_none());
    let sizes = msg["photo"].as_array().unwrap();
    let largest = sizes.last().unwrap();
    assert_eq!(
        (largest["width"].as_u64(), largest["height"].as_u64()),
        (Some(1000), Some(500))
    );
    assert!(sizes.iter().all(|s| s["file_id"].is_string()
        && s["file_unique_id"].is_string()
        && s["file_size"].is_u64()));
    let file_id = largest["file_id"].as_str().unwrap();

    let stored = &tg.emu.messages(alice)[0];
    let info = stored.photo.as_ref().unwrap();
    assert_eq!(
        (info.width, info.height, info.file_id.as_str()),
        (1000, 500, file_id)
    );
    assert_eq!(info.bytes, png(1000, 500).len());
    assert_eq!(stored.caption.as_deref(), Some("<b>BTC</b> 4h"));

    // The returned file_id sends the same photo without uploading it again.
    let again = tg
        .ok("sendPhoto", json!({"chat_id": bob, "photo": file_id}))
        .await;
    assert_eq!(again["photo"], msg["photo"]);
    let (_, d) = tg
        .err(
            "sendPhoto",
            json!({"chat_id": bob, "photo": "AgACAgIAAxkBAAEnope"}),
        )
        .await;
    assert_eq!(d, "Bad Request: wrong file identifier/HTTP URL specified");
}

#[tokio::test]
async fn attach_references_a_named_part() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .text("photo", "attach://a1b2")
        .part("a1b2", Part::bytes(png(64, 32)).file_name(""));
    let (status, answer) = upload(&tg, form).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["photo"][0]["width"], 64);
}

#[tokio::test]
async fn captions_are_limited_to_1024() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let send = |caption: String| {
        Form::new()
            .text("chat_id", alice.to_string())
            .text("caption", caption)
            .part("photo", file_part(png(100, 100)))
    };
    let (status, _) = upload(&tg, send("c".repeat(1024))).await;
    assert_eq!(status, 200);
    let (status, answer) = upload(&tg, send("c".repeat(1025))).await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["description"],
        "Bad Request: message caption is too long"
    );
    assert_eq!(tg.emu.messages(alice).len(), 1);
}

#[tokio::test]
async fn photos_must_be_present_and_images() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let (_, d) = tg.err("sendPhoto", json!({"chat_id": alice})).await;
    assert_eq!(d, "Bad Request: there is no photo in the request");
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .part("photo", file_part(b"definitely not a png".to_vec()));
    let (status, answer) = upload(&tg, form).await;
    assert_eq!(status, 400);
    assert_eq!(answer["description"], "Bad Request: IMAGE_PROCESS_FAILED");
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .part("photo", file_part(png(9000, 2000)));
    let (_, answer) = upload(&tg, form).await;
    assert_eq!(
        answer["description"],
        "Bad Request: PHOTO_INVALID_DIMENSIONS"
    );
}
