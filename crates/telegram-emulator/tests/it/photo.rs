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

#[tokio::test]
async fn uploads_are_counted_and_file_id_sends_are_not() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let bob = tg.user("Bob");
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .part("photo", file_part(png(800, 400)));
    let (status, answer) = upload(&tg, form).await;
    assert_eq!(status, 200, "{answer}");
    let file_id = answer["result"]["photo"]
        .as_array()
        .and_then(|sizes| sizes.last())
        .and_then(|size| size["file_id"].as_str())
        .unwrap()
        .to_owned();
    for _ in 0..3 {
        tg.ok("sendPhoto", json!({"chat_id": bob, "photo": file_id}))
            .await;
    }
    let counters = tg.emu.counters();
    assert_eq!(counters.photo_uploads, 1);
    assert_eq!(counters.calls["sendPhoto"], 4);
    // A refused upload is no upload.
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .text("caption", "c".repeat(1025))
        .part("photo", file_part(png(800, 400)));
    assert_eq!(upload(&tg, form).await.0, 400);
    assert_eq!(tg.emu.counters().photo_uploads, 1);
}

#[tokio::test]
async fn revoked_file_ids_are_wrong_identifiers() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .part("photo", file_part(png(320, 160)));
    let (_, answer) = upload(&tg, form).await;
    let file_id = answer["result"]["photo"][0]["file_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) =
        crate::harness::control(&tg, reqwest::Method::POST, "files/revoke", None).await;
    assert_eq!(status, 200);
    let (status, description) = tg
        .err("sendPhoto", json!({"chat_id": alice, "photo": file_id}))
        .await;
    assert_eq!(
        (status, description.as_str()),
        (400, "Bad Request: wrong file identifier/HTTP URL specified")
    );
    // The photo already in the chat stays.
    assert!(tg.emu.messages(alice)[0].photo.is_some());
    tg.emu.revoke_file_ids();
}

#[tokio::test]
async fn captions_are_checked_as_html() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .text("caption", "<b>BTC/USD</i>")
        .text("parse_mode", "HTML")
        .part("photo", file_part(png(100, 100)));
    let (status, answer) = upload(&tg, form).await;
    assert_eq!(status, 400);
    let description = answer["description"].as_str().unwrap();
    assert!(
        description.starts_with("Bad Request: can't parse entities:"),
        "{description}"
    );
    // 1024 is counted after entity parsing: tags do not count.
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .text("caption", format!("<b>{}</b>", "c".repeat(1024)))
        .text("parse_mode", "HTML")
        .part("photo", file_part(png(100, 100)));
    assert_eq!(upload(&tg, form).await.0, 200);
}

#[tokio::test]
async fn a_photo_keeps_its_buttons_and_is_edited_as_media_not_text() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let keyboard = json!({"inline_keyboard": [[
        {"text": "📈 Chart", "callback_data": "chart:1"},
        {"text": "📋 Entry", "copy_text": {"text": "45250"}},
    ]]});
    let form = Form::new()
        .text("chat_id", alice.to_string())
        .text("caption", "<b>BUY</b> BTC/USD")
        .text("parse_mode", "HTML")
        .text("reply_markup", keyboard.to_string())
        .part("photo", file_part(png(800, 400)));
    let (status, answer) = upload(&tg, form).await;
    assert_eq!(status, 200, "{answer}");
    let message_id = answer["result"]["message_id"].as_i64().unwrap();
    assert_eq!(answer["result"]["reply_markup"], keyboard);
    let stored = tg.emu.messages(alice).remove(0);
    assert_eq!(stored.buttons[0].len(), 2);
    tg.emu
        .press_button(alice, alice, message_id, "chart:1")
        .expect("the photo's button can be pressed");

    let (_, description) = tg
        .err(
            "editMessageText",
            json!({"chat_id": alice, "message_id": message_id, "text": "new"}),
        )
        .await;
    assert_eq!(
        description,
        "Bad Request: there is no text in the message to edit"
    );
    let file_id = stored.photo.unwrap().file_id;
    let media =
        json!({"type": "photo", "media": file_id, "caption": "<b>SELL</b>", "parse_mode": "HTML"});
    let edited = tg
        .ok(
            "editMessageMedia",
            json!({"chat_id": alice, "message_id": message_id, "media": media, "reply_markup": keyboard}),
        )
        .await;
    assert_eq!(edited["caption"], "SELL");
    let (_, description) = tg
        .err(
            "editMessageMedia",
            json!({"chat_id": alice, "message_id": message_id, "media": media, "reply_markup": keyboard}),
        )
        .await;
    assert!(
        description.starts_with("Bad Request: message is not modified"),
        "{description}"
    );
    assert_eq!(tg.emu.counters().photo_uploads, 1, "edited by file_id");
}
