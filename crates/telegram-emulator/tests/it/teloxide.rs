//! Compatibility with teloxide-core 0.13, the client Herald uses: its types must parse every
//! answer, and its error mapping must recognise ours.

use std::time::Duration;

use teloxide_core::ApiError;
use teloxide_core::RequestError;
use teloxide_core::prelude::*;
use teloxide_core::types::{
    ChatMemberKind, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId, ParseMode,
    ReplyParameters, UpdateKind,
};

use crate::harness::{PATIENCE, Tg, png};

fn bot(tg: &Tg) -> Bot {
    Bot::new(tg.emu.token()).set_api_url(tg.emu.base_url().parse().unwrap())
}

#[tokio::test]
async fn teloxide_round_trip() {
    let tg = Tg::unlimited().await;
    let bot = bot(&tg);
    let alice = tg.emu.create_user("Alice", Some("alice"), Some("en"));
    let chat = ChatId(alice.id);

    let me = bot.get_me().await.unwrap();
    assert_eq!(me.username(), "herald_test_bot");

    tg.emu.send_text(alice.id, alice.id, "/start hello");
    let keyboard =
        InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Details", "sig:1")]]);
    let sent = bot
        .send_message(chat, "<b>BUY</b> BTC &amp; ETH")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard)
        .reply_parameters(ReplyParameters::new(MessageId(1)))
        .await
        .unwrap();
    assert_eq!(sent.text(), Some("BUY BTC & ETH"));
    assert_eq!(sent.from.as_ref().map(|u| u.is_bot), Some(true));
    assert_eq!(sent.reply_to_message().map(|m| m.id), Some(MessageId(1)));

    tg.emu
        .press_button(alice.id, alice.id, i64::from(sent.id.0), "sig:1")
        .unwrap();
    tg.emu.block_bot(alice.id);
    tg.emu.unblock_bot(alice.id);

    let updates = bot.get_updates().timeout(1).await.unwrap();
    assert_eq!(updates.len(), 4);
    match &updates[0].kind {
        UpdateKind::Message(m) => {
            assert_eq!(m.text(), Some("/start hello"));
            assert_eq!(m.chat.id, chat);
            assert_eq!(
                m.from.as_ref().map(|u| u.first_name.as_str()),
                Some("Alice")
            );
            assert_eq!(m.entities().map(|e| e.len()), Some(1));
        }
        other => panic!("expected a message, got {other:?}"),
    }
    let query_id = match &updates[1].kind {
        UpdateKind::CallbackQuery(q) => {
            assert_eq!(q.data.as_deref(), Some("sig:1"));
            let message = q
                .message
                .as_ref()
                .and_then(|m| m.regular_message())
                .expect("accessible message");
            assert_eq!(message.id, sent.id);
            assert!(message.reply_markup().is_some());
            q.id.clone()
        }
        other => panic!("expected a callback query, got {other:?}"),
    };
    match &updates[2].kind {
        UpdateKind::MyChatMember(m) => {
            assert!(matches!(m.old_chat_member.kind, ChatMemberKind::Member(_)));
            assert!(matches!(m.new_chat_member.kind, ChatMemberKind::Banned(_)));
            assert_eq!(m.new_chat_member.user.id.0 as i64, tg.emu.bot_user().id);
        }
        other => panic!("expected my_chat_member, got {other:?}"),
    }
    assert!(matches!(updates[3].kind, UpdateKind::MyChatMember(_)));

    bot.answer_callback_query(query_id.clone())
        .text("Loading")
        .await
        .unwrap();
    let err = bot.answer_callback_query(query_id).await.unwrap_err();
    assert!(matches!(err, RequestError::Api(_)), "{err:?}");

    let edited = bot
        .edit_message_text(chat, sent.id, "<i>closed</i>")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap();
    assert_eq!(edited.text(), Some("closed"));
    assert!(edited.edit_date().is_some());
    let err = bot
        .edit_message_text(chat, sent.id, "<i>closed</i>")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageNotModified)),
        "{err:?}"
    );

    let photo = bot
        .send_photo(
            chat,
            InputFile::memory(png(800, 600)).file_name("chart.png"),
        )
        .caption("chart")
        .await
        .unwrap();
    let sizes = photo.photo().unwrap();
    let big = sizes.last().unwrap();
    assert_eq!((big.width, big.height), (800, 600));
    let again = bot
        .send_photo(chat, InputFile::file_id(big.file.id.clone()))
        .await
        .unwrap();
    assert_eq!(again.photo().unwrap().last().unwrap().file.id, big.file.id);

    bot.set_my_commands([teloxide_core::types::BotCommand::new("start", "Subscribe")])
        .await
        .unwrap();
    assert_eq!(bot.get_my_commands().await.unwrap()[0].command, "start");
    let info = bot.get_webhook_info().await.unwrap();
    assert!(info.url.is_none());
    let full = bot.get_chat(chat).await.unwrap();
    assert!(full.is_private());
    bot.delete_message(chat, sent.id).await.unwrap();
    let err = bot.delete_message(chat, sent.id).await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToDeleteNotFound)),
        "{err:?}"
    );

    let group = tg.emu.create_group("Traders", &[alice.id]);
    let full = bot.get_chat(ChatId(group)).await.unwrap();
    assert!(full.is_group());
    tokio::time::timeout(PATIENCE, tg.emu.wait_for_messages(alice.id, 3, PATIENCE))
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn teloxide_maps_our_errors() {
    let tg = Tg::start().await;
    let bot = bot(&tg);
    let alice = tg.emu.create_user("Alice", None, None);
    let chat = ChatId(alice.id);

    tg.emu.fail_next_sends(alice.id, 1, 5);
    let err = bot.send_message(chat, "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::RetryAfter(s) if s.duration() == Duration::from_secs(5)),
        "{err:?}"
    );

    let err = bot.send_message(chat, "a".repeat(4097)).await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageIsTooLong)),
        "{err:?}"
    );
    let err = bot
        .send_message(chat, "<b>x")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::CantParseEntities(_))),
        "{err:?}"
    );
    let err = bot.send_message(ChatId(42), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::ChatNotFound)),
        "{err:?}"
    );
    let keyboard =
        InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("x", "d".repeat(65))]]);
    let err = bot
        .send_message(chat, "x")
        .reply_markup(keyboard)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::ButtonDataInvalid)),
        "{err:?}"
    );
    let err = bot
        .send_message(chat, "x")
        .reply_parameters(ReplyParameters::new(MessageId(77)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToReplyNotFound)),
        "{err:?}"
    );

    tg.emu.block_bot(alice.id);
    let err = bot.send_message(chat, "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::BotBlocked)),
        "{err:?}"
    );
    let bob = tg.emu.create_user("Bob", None, None);
    tg.emu.deactivate_user(bob.id);
    let err = bot.send_message(ChatId(bob.id), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::UserDeactivated)),
        "{err:?}"
    );

    let wrong = Bot::new("1:WRONG").set_api_url(tg.emu.base_url().parse().unwrap());
    let err = wrong.get_me().await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::InvalidToken)),
        "{err:?}"
    );
}
