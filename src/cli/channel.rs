//! `herald channel add | list | remove`: channels and groups signals are posted to, one post per
//! matching channel (Telegram allows 20 messages a minute in each; the limiter keeps to it).

use chrono::Utc;
use clap::Subcommand;
use teloxide_core::prelude::Requester;
use teloxide_core::types::{ChatId, Recipient};

use crate::config::Config;
use crate::domain::i18n::Lang;
use crate::domain::preferences::{MessageFormat, Tier};
use crate::domain::signal::{Asset, SignalKind};
use crate::store::{AuditEvent, Channel, Store};
use crate::telegram::{build_bot, error_text};

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Post signals to a channel or group the bot is an administrator of (or replace what it
    /// gets).
    Add {
        /// `@username`, or the numeric chat id (-100… for channels and supergroups).
        #[arg(allow_hyphen_values = true)]
        chat: String,
        /// The tier whose rules its posts follow (which types, any delay).
        #[arg(long, default_value = "free")]
        tier: String,
        /// Comma-separated signal types it gets; the close of a signal it got always follows.
        #[arg(long, default_value = "buy,sell,alert")]
        types: String,
        /// Comma-separated assets it gets (all when not given).
        #[arg(long)]
        assets: Option<String>,
        /// The language of its posts: en or es.
        #[arg(long, default_value = "en")]
        lang: String,
        /// detailed or compact.
        #[arg(long, default_value = "detailed")]
        format: String,
    },
    /// The channels signals are posted to.
    List,
    /// Stop posting to a channel; posts still queued for it are skipped.
    Remove {
        /// `@username` or the numeric chat id.
        #[arg(allow_hyphen_values = true)]
        chat: String,
    },
}

/// What `add` is asked to store, checked before Telegram is asked anything.
struct Wanted {
    tier: Tier,
    types: Vec<SignalKind>,
    assets: Vec<Asset>,
    lang: Lang,
    format: MessageFormat,
}

fn parse_wanted(
    tier: &str,
    types: &str,
    assets: Option<&str>,
    lang: &str,
    format: &str,
) -> anyhow::Result<Wanted> {
    let tier = Tier::parse(tier)
        .ok_or_else(|| anyhow::anyhow!("--tier: {tier:?} is not free or premium"))?;
    let types = list(types)
        .map(|kind| {
            SignalKind::parse(kind)
                .filter(|kind| *kind != SignalKind::Close)
                .ok_or_else(|| anyhow::anyhow!("--types: {kind:?} is not buy, sell or alert"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if types.is_empty() {
        anyhow::bail!("--types: name at least one of buy, sell, alert");
    }
    let assets = list(assets.unwrap_or_default())
        .map(|asset| {
            Asset::parse(asset).map_err(|why| anyhow::anyhow!("--assets: {asset:?} {why}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Exactly the codes the bot speaks: a regional variant would be stored as something else.
    let lang = Lang::from_code(lang)
        .filter(|known| known.code() == lang)
        .ok_or_else(|| anyhow::anyhow!("--lang: {lang:?} is not en or es"))?;
    let format = MessageFormat::parse(format)
        .ok_or_else(|| anyhow::anyhow!("--format: {format:?} is not detailed or compact"))?;
    Ok(Wanted {
        tier,
        types,
        assets,
        lang,
        format,
    })
}

fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// `@name` or a chat id, as the Bot API takes it.
fn recipient(chat: &str) -> anyhow::Result<Recipient> {
    if let Ok(id) = chat.parse::<i64>() {
        if id >= 0 {
            anyhow::bail!(
                "{chat}: channel and group ids are negative (a user's chat is not a channel)"
            );
        }
        return Ok(Recipient::Id(ChatId(id)));
    }
    let name = chat.trim_start_matches('@');
    let valid = (4..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        anyhow::bail!("{chat:?} is neither @username nor a numeric chat id");
    }
    Ok(Recipient::ChannelUsername(format!("@{name}")))
}

pub async fn run(config: Config, command: ChannelCommand) -> anyhow::Result<()> {
    let store = crate::store::at_rest::open_store(&config).await?;
    let result = channel(&config, &store, command).await;
    store.close().await;
    result
}

async fn channel(config: &Config, store: &Store, command: ChannelCommand) -> anyhow::Result<()> {
    match command {
        ChannelCommand::Add {
            chat,
            tier,
            types,
            assets,
            lang,
            format,
        } => {
            let wanted = parse_wanted(&tier, &types, assets.as_deref(), &lang, &format)?;
            let bot = build_bot(config.require_token()?, &config.telegram_api_url)?;
            let found = bot
                .get_chat(recipient(&chat)?)
                .await
                .map_err(|err| anyhow::anyhow!("{chat}: Telegram says {}", error_text(&err)))?;
            if found.is_private() {
                anyhow::bail!("{chat} is a private chat, not a channel or group");
            }
            let channel = Channel {
                chat_id: found.id.0,
                title: found.title().unwrap_or_default().to_owned(),
                username: found.username().map(str::to_owned),
                tier: wanted.tier,
                signal_types: wanted.types,
                assets: wanted.assets,
                language: wanted.lang,
                format: wanted.format,
                added_at: Utc::now(),
            };
            let new = store.save_channel(&channel).await?;
            let event = AuditEvent::audit(if new { "channel.add" } else { "channel.update" })
                .target("channel", channel.chat_id.to_string());
            store.audit(event).await;
            println!(
                "{} {}: {}",
                if new { "added" } else { "updated" },
                name_of(&channel),
                describe(&channel)
            );
        }
        ChannelCommand::List => {
            let channels = store.channels().await?;
            if channels.is_empty() {
                println!("no channels: signals go to subscribers' private chats only");
            }
            for channel in channels {
                println!("{}  {}", name_of(&channel), describe(&channel));
            }
        }
        ChannelCommand::Remove { chat } => {
            let chat_id = match recipient(&chat)? {
                Recipient::Id(ChatId(id)) => id,
                Recipient::ChannelUsername(name) => {
                    let name = name.trim_start_matches('@').to_ascii_lowercase();
                    store
                        .channels()
                        .await?
                        .into_iter()
                        .find(|c| {
                            c.username.as_deref().map(str::to_ascii_lowercase) == Some(name.clone())
                        })
                        .map(|c| c.chat_id)
                        .ok_or_else(|| anyhow::anyhow!("{chat} is not a channel signals go to"))?
                }
            };
            if !store.remove_channel(chat_id).await? {
                anyhow::bail!("{chat} is not a channel signals go to");
            }
            let event = AuditEvent::audit("channel.remove").target("channel", chat_id.to_string());
            store.audit(event).await;
            println!("removed {chat}: nothing more is posted there");
        }
    }
    Ok(())
}

fn name_of(channel: &Channel) -> String {
    match &channel.username {
        Some(name) => format!("@{name} ({})", channel.chat_id),
        None => channel.chat_id.to_string(),
    }
}

fn describe(channel: &Channel) -> String {
    let types: Vec<&str> = channel.signal_types.iter().map(|k| k.as_str()).collect();
    let assets = if channel.assets.is_empty() {
        "all assets".to_owned()
    } else {
        let names: Vec<&str> = channel.assets.iter().map(|a| a.as_str()).collect();
        names.join(",")
    };
    format!(
        "\"{}\", {} tier, {}, {}, {} {}",
        channel.title,
        channel.tier.as_str(),
        types.join(","),
        assets,
        channel.language.code(),
        channel.format.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_before_telegram_is_asked() {
        let ok = parse_wanted("premium", "buy, sell", Some("btc/usd"), "es", "compact").unwrap();
        assert_eq!(ok.tier, Tier::Premium);
        assert_eq!(ok.types, [SignalKind::Buy, SignalKind::Sell]);
        assert_eq!(ok.assets[0].as_str(), "BTC/USD");
        for (tier, types, lang, format, named) in [
            ("gold", "buy", "en", "detailed", "--tier"),
            ("free", "buy,close", "en", "detailed", "--types"),
            ("free", "", "en", "detailed", "--types"),
            ("free", "buy", "fr", "detailed", "--lang"),
            ("free", "buy", "es-MX", "detailed", "--lang"),
            ("free", "buy", "en", "long", "--format"),
        ] {
            let err = parse_wanted(tier, types, None, lang, format).err().unwrap();
            assert!(err.to_string().starts_with(named), "{err}");
        }
        assert!(recipient("12345").is_err(), "a user id is no channel");
        assert!(recipient("@a b").is_err());
        assert!(matches!(
            recipient("-1001234"),
            Ok(Recipient::Id(ChatId(-1001234)))
        ));
        assert!(
            matches!(recipient("herald_signals"), Ok(Recipient::ChannelUsername(n)) if n == "@herald_signals")
        );
    }
}
