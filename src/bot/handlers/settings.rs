//! `/settings`: an inline-keyboard menu for every preference. Each press edits the menu message
//! in place and is answered; values arrive as typed callback data (see `bot::callbacks`), are
//! checked against the user's tier, and anything stale or forged changes nothing.

use chrono::Utc;
use teloxide_core::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::info::effective_rule;
use super::onboarding::{AWAITING_TIMEZONE, COMMON_ZONES};
use super::{Caller, Press, escape, send_with};
use crate::bot::callbacks::{Callback, Page, SettingsAction};
use crate::bot::{BotContext, BotError};
use crate::domain::filter::describe_filters;
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::preferences::{
    Delivery, HourWindow, MessageFormat, PreferenceChange, Preferences, Refusal, ReportFrequency,
};
use crate::domain::signal::{Asset, SignalKind};
use crate::domain::tier::TierRule;
use crate::store::Account;

const CONFIDENCE_CHOICES: [u8; 8] = [0, 50, 60, 70, 75, 80, 85, 90];
const HOUR_CHOICES: [(u8, u8); 6] = [(0, 0), (8, 22), (9, 17), (7, 23), (6, 20), (22, 6)];
const POPULAR_ASSETS: [&str; 8] = [
    "BTC/USD", "ETH/USD", "SOL/USD", "XRP/USD", "EUR/USD", "GBP/USD", "XAU/USD", "SPX",
];

pub async fn open(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
) -> Result<(), BotError> {
    let rule = effective_rule(ctx, &account.subscription);
    let (text, keyboard) = page(Page::Main, &account.prefs, &rule, &Extras::of(ctx));
    send_with(ctx, caller.chat_id, text, keyboard).await
}

pub async fn on_press(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    action: SettingsAction,
) -> Result<(), BotError> {
    let account = caller.account()?;
    let prefs = &account.prefs;
    let rule = effective_rule(ctx, &account.subscription);
    let lang = prefs.language;
    let (next, shown) = match action {
        SettingsAction::Show(page) => (None, page),
        SettingsAction::Close => {
            ctx.replies.answer(&press.query.id, None).await?;
            let text = format!(
                "{}\n\n{}",
                t(lang, "settings-closed"),
                escape(&describe_filters(prefs, lang))
            );
            return ctx
                .replies
                .edit(caller.chat_id, press.message_id, text, None)
                .await;
        }
        SettingsAction::TypeTimezone => {
            ctx.store
                .set_chat_state(
                    caller.telegram_id(),
                    AWAITING_TIMEZONE,
                    "settings",
                    Utc::now(),
                )
                .await?;
            ctx.replies.answer(&press.query.id, None).await?;
            return ctx
                .replies
                .edit(
                    caller.chat_id,
                    press.message_id,
                    t(lang, "timezone-type-prompt"),
                    None,
                )
                .await;
        }
        SettingsAction::Change(change) => match change.apply(prefs, &rule) {
            Ok(next) => (Some(next), Page::of(&change)),
            Err(refusal) => {
                let text = t(lang, refusal_key(refusal));
                return ctx.replies.answer(&press.query.id, Some(text)).await;
            }
        },
    };
    let prefs = match next {
        Some(next) if next != *prefs => {
            ctx.store
                .save_preferences(press.user.id, &next, Utc::now())
                .await?;
            ctx.replies
                .answer(&press.query.id, Some(t(next.language, "settings-saved")))
                .await?;
            next
        }
        _ => {
            ctx.replies.answer(&press.query.id, None).await?;
            prefs.clone()
        }
    };
    let (text, keyboard) = page(shown, &prefs, &rule, &Extras::of(ctx));
    ctx.replies
        .edit(caller.chat_id, press.message_id, text, Some(keyboard))
        .await
}

/// What the user is told when a press changes nothing.
fn refusal_key(refusal: Refusal) -> &'static str {
    match refusal {
        Refusal::NotInPlan => "settings-premium-only",
        Refusal::TooManyAssets => "settings-too-many-assets",
        Refusal::ChartsNotInPlan => "settings-charts-premium-only",
    }
}

fn button(text: impl Into<String>, action: impl Into<SettingsAction>) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(text, Callback::Settings(action.into()).encode())
}

/// One button per option, the current one checked.
fn options<T: Copy + PartialEq>(
    all: impl IntoIterator<Item = T>,
    current: T,
    label: impl Fn(T) -> String,
    change: impl Fn(T) -> PreferenceChange,
) -> Vec<InlineKeyboardButton> {
    all.into_iter()
        .map(|option| button(checked(option == current, label(option)), change(option)))
        .collect()
}

fn checked(on: bool, label: String) -> String {
    if on { format!("✅ {label}") } else { label }
}

fn back(lang: Lang) -> Vec<InlineKeyboardButton> {
    vec![button(
        t(lang, "settings-back"),
        SettingsAction::Show(Page::Main),
    )]
}

/// Charts above signals, on or off; locked (a press explains) where the tier has none.
fn charts_switch(prefs: &Preferences, rule: &TierRule) -> InlineKeyboardButton {
    let lang = prefs.language;
    if !rule.charts {
        return button(
            t(lang, "settings-charts-locked"),
            PreferenceChange::Charts(true),
        );
    }
    let label = if prefs.charts {
        "settings-charts-on"
    } else {
        "settings-charts-off"
    };
    button(t(lang, label), PreferenceChange::Charts(!prefs.charts))
}

/// What the main page offers beyond preferences: premium when plans are on sale, the Mini App
/// when `HERALD_PUBLIC_URL` is set.
pub struct Extras {
    pub premium: bool,
    pub mini_app: Option<reqwest::Url>,
}

impl Extras {
    pub fn of(ctx: &BotContext) -> Self {
        Self {
            premium: !ctx.billing.plans().is_empty(),
            mini_app: ctx.settings.mini_app.clone(),
        }
    }
}

/// The text and buttons of one menu page.
pub fn page(
    page: Page,
    prefs: &Preferences,
    rule: &TierRule,
    extras: &Extras,
) -> (String, InlineKeyboardMarkup) {
    let lang = prefs.language;
    let title = |key: &str| {
        format!(
            "⚙️ <b>{}</b>\n\n{}",
            t(lang, "settings-title"),
            t(lang, key)
        )
    };
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    let text = match page {
        Page::Main => {
            let sections = [
                ("settings-types", Page::Types),
                ("settings-confidence", Page::Confidence),
                ("settings-hours", Page::Hours),
                ("settings-timezone", Page::Timezone),
                ("settings-format", Page::Format),
                ("settings-reports", Page::Reports),
                ("settings-language", Page::Language),
                ("settings-assets", Page::Assets),
            ];
            for pair in sections.chunks(2) {
                rows.push(
                    pair.iter()
                        .map(|(key, page)| button(t(lang, key), SettingsAction::Show(*page)))
                        .collect(),
                );
            }
            rows.push(vec![charts_switch(prefs, rule)]);
            let mut last = Vec::new();
            if let Some(url) = &extras.mini_app {
                last.push(InlineKeyboardButton::web_app(
                    t(lang, "settings-open-app"),
                    teloxide_core::types::WebAppInfo { url: url.clone() },
                ));
            }
            if extras.premium {
                last.push(InlineKeyboardButton::callback(
                    t(lang, "premium-button"),
                    Callback::Premium.encode(),
                ));
            }
            if !last.is_empty() {
                rows.push(last);
            }
            rows.push(vec![button(
                t(lang, "settings-close"),
                SettingsAction::Close,
            )]);
            format!(
                "⚙️ <b>{}</b>\n\n{}",
                t(lang, "settings-title"),
                escape(&describe_filters(prefs, lang))
            )
        }
        Page::Types => {
            for kind in SignalKind::ALL {
                let current = prefs.signal_types.get(kind);
                let name = t(lang, &format!("filter-type-{}", kind.as_str()));
                rows.push(
                    Delivery::ALL
                        .into_iter()
                        .map(|mode| {
                            let icon = match mode {
                                Delivery::On => "🔔",
                                Delivery::Silent => "🔕",
                                Delivery::Off => "⛔",
                            };
                            let locked = mode != Delivery::Off && !rule.allows(kind);
                            let label = if locked {
                                format!("🔒 {name} {icon}")
                            } else {
                                format!("{name} {icon}")
                            };
                            button(
                                checked(current == mode, label),
                                PreferenceChange::SignalType(kind, mode),
                            )
                        })
                        .collect(),
                );
            }
            rows.push(back(lang));
            title("settings-types-help")
        }
        Page::Confidence => {
            for chunk in CONFIDENCE_CHOICES.chunks(4) {
                rows.push(
                    chunk
                        .iter()
                        .map(|value| {
                            button(
                                checked(prefs.confidence_threshold == *value, format!("{value}%")),
                                PreferenceChange::Confidence(*value),
                            )
                        })
                        .collect(),
                );
            }
            rows.push(back(lang));
            title("settings-confidence-help")
        }
        Page::Hours => {
            for chunk in HOUR_CHOICES.chunks(3) {
                rows.push(
                    chunk
                        .iter()
                        .filter_map(|(start, end)| HourWindow::new(*start, *end))
                        .map(|window| {
                            let label = if window.is_all_day() {
                                t(lang, "settings-hours-all")
                            } else {
                                format!("{:02}–{:02}", window.start, window.end)
                            };
                            let current = prefs.notification_hours == window
                                || (window.is_all_day() && prefs.notification_hours.is_all_day());
                            button(checked(current, label), PreferenceChange::Hours(window))
                        })
                        .collect(),
                );
            }
            rows.push(back(lang));
            title("settings-hours-help")
        }
        Page::Timezone => {
            for chunk in COMMON_ZONES.chunks(3) {
                rows.push(
                    chunk
                        .iter()
                        .map(|tz| {
                            button(
                                checked(prefs.timezone == *tz, tz.name().to_owned()),
                                PreferenceChange::Timezone(*tz),
                            )
                        })
                        .collect(),
                );
            }
            rows.push(vec![button(
                t(lang, "timezone-type-button"),
                SettingsAction::TypeTimezone,
            )]);
            rows.push(back(lang));
            format!(
                "⚙️ <b>{}</b>\n\n{}",
                t(lang, "settings-title"),
                t_args(
                    lang,
                    "settings-timezone-help",
                    [("tz", Arg::from(prefs.timezone.name()))]
                )
            )
        }
        Page::Format => {
            rows.push(options(
                MessageFormat::ALL,
                prefs.format,
                |format| t(lang, &format!("filter-format-{}", format.as_str())),
                PreferenceChange::Format,
            ));
            rows.push(back(lang));
            title("settings-format-help")
        }
        Page::Reports => {
            rows.push(options(
                ReportFrequency::ALL,
                prefs.performance_updates,
                |frequency| t(lang, &format!("filter-reports-{}", frequency.as_str())),
                PreferenceChange::Reports,
            ));
            rows.push(back(lang));
            title("settings-reports-help")
        }
        Page::Language => {
            rows.push(options(
                Lang::ALL,
                prefs.language,
                |language| t(language, "language-name"),
                PreferenceChange::Language,
            ));
            rows.push(back(lang));
            title("settings-language-help")
        }
        Page::Assets => {
            rows.push(vec![button(
                checked(prefs.assets.is_empty(), t(lang, "settings-assets-all")),
                PreferenceChange::AllAssets,
            )]);
            let mut offered: Vec<Asset> = POPULAR_ASSETS
                .iter()
                .filter_map(|name| Asset::parse(name).ok())
                .collect();
            for asset in &prefs.assets {
                if !offered.contains(asset) {
                    offered.push(asset.clone());
                }
            }
            // Telegram allows 100 buttons per keyboard; a long personal list is edited with /filter.
            offered.truncate(40);
            for chunk in offered.chunks(3) {
                rows.push(
                    chunk
                        .iter()
                        .map(|asset| {
                            let followed = prefs.assets.contains(asset);
                            button(
                                checked(followed, asset.to_string()),
                                PreferenceChange::Asset(!followed, asset.clone()),
                            )
                        })
                        .collect(),
                );
            }
            // Muted assets, each a button that un-mutes it.
            for chunk in prefs.muted_assets.chunks(3).take(10) {
                rows.push(
                    chunk
                        .iter()
                        .map(|asset| {
                            button(
                                format!("🔕 {asset}"),
                                PreferenceChange::Mute(false, asset.clone()),
                            )
                        })
                        .collect(),
                );
            }
            rows.push(back(lang));
            if prefs.muted_assets.is_empty() {
                title("settings-assets-help")
            } else {
                format!(
                    "{}\n\n{}",
                    title("settings-assets-help"),
                    t(lang, "settings-assets-muted-help")
                )
            }
        }
    };
    (text, InlineKeyboardMarkup::new(rows))
}
