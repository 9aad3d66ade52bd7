//! Callback data of every button the bot shows, parsed into a typed action. Data comes from the
//! user's client, so it is treated like any outside input: anything that does not parse exactly
//! (a forged value, an old menu from a previous version) is `None`, answered as an expired button
//! and changes nothing. Values are checked with the same domain parsers as `/filter`.
//!
//! Telegram allows 1-64 bytes of data; the longest zone or asset still fits (tested).

use chrono_tz::Tz;
use uuid::Uuid;

use crate::delivery::buttons::{
    ack_data, chart_data, mute_data, parse_ack_data, parse_chart_data, took_data,
};
use crate::domain::filter::{parse_hours, parse_lang, parse_timezone};
use crate::domain::i18n::Lang;
use crate::domain::preferences::{
    Delivery, HourWindow, MessageFormat, PreferenceChange, ReportFrequency,
};
use crate::domain::signal::{Asset, SignalKind};

pub const ACCEPT_DISCLAIMER: &str = "disclaimer:accept";
const PREMIUM: &str = "premium";

#[derive(Debug, Clone, PartialEq)]
pub enum Callback {
    AcceptDisclaimer,
    /// `✅ Got it` under a close or an alert.
    Ack(Uuid),
    /// `✅ I took it` under a buy or sell: opens a position.
    Took(Uuid),
    /// `🔕 Mute <asset>` under a signal.
    Mute(Asset),
    /// The `↩️ Undo` under a mute's confirmation.
    Unmute(Asset),
    /// Under `/positions`: what closing this position would do, asked before doing it.
    AskClose(Uuid),
    /// The question's `✅ Close it`.
    ClosePosition(Uuid),
    /// The question's `↩️ Back`: the open positions again.
    Positions,
    /// `📈 Chart` under a buy or sell: its chart with the latest prices.
    Chart(Uuid),
    /// Onboarding's language question; `None` keeps the current language.
    OnboardLanguage(Option<Lang>),
    OnboardTimezone(TzChoice),
    Settings(SettingsAction),
    /// The buttons under `/language`.
    Language(Lang),
    /// `/delete`'s confirmation: true erases.
    Delete(bool),
    /// The ⭐ Premium button of `/settings` and `/status`: shows `/premium`.
    Premium,
    /// A delete button under `/alerts`.
    DeletePriceAlert(Uuid),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TzChoice {
    Zone(Tz),
    /// The user will type a zone name.
    Type,
    /// Onboarding only: keep UTC.
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Main,
    Types,
    Confidence,
    Hours,
    Timezone,
    Format,
    Reports,
    Language,
    Assets,
}

impl Page {
    pub const ALL: [Page; 9] = [
        Self::Main,
        Self::Types,
        Self::Confidence,
        Self::Hours,
        Self::Timezone,
        Self::Format,
        Self::Reports,
        Self::Language,
        Self::Assets,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::Types => "types",
            Self::Confidence => "conf",
            Self::Hours => "hours",
            Self::Timezone => "tz",
            Self::Format => "fmt",
            Self::Reports => "rep",
            Self::Language => "lang",
            Self::Assets => "assets",
        }
    }
}

impl Page {
    /// The page whose buttons make this change, shown again after it.
    pub fn of(change: &PreferenceChange) -> Page {
        match change {
            PreferenceChange::SignalType(..) => Self::Types,
            PreferenceChange::Confidence(_) => Self::Confidence,
            PreferenceChange::Hours(_) => Self::Hours,
            PreferenceChange::Timezone(_) => Self::Timezone,
            PreferenceChange::Format(_) => Self::Format,
            PreferenceChange::Reports(_) => Self::Reports,
            PreferenceChange::Language(_) => Self::Language,
            PreferenceChange::Asset(..)
            | PreferenceChange::AllAssets
            | PreferenceChange::Mute(..) => Self::Assets,
            PreferenceChange::Charts(_) => Self::Main,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingsAction {
    Show(Page),
    Close,
    /// The user will type a time zone name.
    TypeTimezone,
    Change(PreferenceChange),
}

/// `all`, `8-22`: the hour window as `parse_hours` reads it.
fn hours_text(window: HourWindow) -> String {
    if window.is_all_day() {
        "all".to_owned()
    } else {
        let end = if window.end == 0 { 24 } else { window.end };
        format!("{}-{end}", window.start)
    }
}

fn tz_text(choice: TzChoice) -> String {
    match choice {
        TzChoice::Zone(tz) => tz.name().to_owned(),
        TzChoice::Type => "type".to_owned(),
        TzChoice::Skip => "skip".to_owned(),
    }
}

fn parse_tz_choice(text: &str, allow_skip: bool) -> Option<TzChoice> {
    match text {
        "type" => Some(TzChoice::Type),
        "skip" if allow_skip => Some(TzChoice::Skip),
        // Exact names only: buttons carry canonical names, so anything else was not ours.
        _ => parse_timezone(text)
            .ok()
            .filter(|tz| tz.name() == text)
            .map(TzChoice::Zone),
    }
}

impl Callback {
    pub fn encode(&self) -> String {
        match self {
            Self::AcceptDisclaimer => ACCEPT_DISCLAIMER.to_owned(),
            Self::Ack(id) => ack_data(*id),
            Self::Took(id) => took_data(*id),
            Self::Mute(asset) => mute_data(asset),
            Self::Unmute(asset) => format!("unmute:{asset}"),
            Self::AskClose(id) => format!("pos:ask:{}", id.simple()),
            Self::ClosePosition(id) => format!("pos:close:{}", id.simple()),
            Self::Positions => "pos:list".to_owned(),
            Self::Chart(id) => chart_data(*id),
            Self::OnboardLanguage(lang) => {
                format!("o:lang:{}", lang.map_or("skip", Lang::code))
            }
            Self::OnboardTimezone(choice) => format!("o:tz:{}", tz_text(*choice)),
            Self::Language(lang) => format!("l:{}", lang.code()),
            Self::Delete(yes) => format!("del:{}", if *yes { "yes" } else { "no" }),
            Self::Premium => PREMIUM.to_owned(),
            Self::DeletePriceAlert(id) => format!("pa:del:{id}"),
            Self::Settings(action) => match action {
                SettingsAction::Show(page) => format!("s:page:{}", page.as_str()),
                SettingsAction::Close => "s:close".to_owned(),
                SettingsAction::TypeTimezone => format!("s:tz:{}", tz_text(TzChoice::Type)),
                SettingsAction::Change(change) => change_data(change),
            },
        }
    }

    pub fn parse(data: &str) -> Option<Self> {
        if data == ACCEPT_DISCLAIMER {
            return Some(Self::AcceptDisclaimer);
        }
        if data == PREMIUM {
            return Some(Self::Premium);
        }
        if let Some(id) = parse_ack_data(data) {
            return Some(Self::Ack(id));
        }
        if let Some(id) = parse_chart_data(data) {
            return Some(Self::Chart(id));
        }
        let (scope, rest) = data.split_once(':')?;
        match scope {
            "o" => match rest.split_once(':')? {
                ("lang", "skip") => Some(Self::OnboardLanguage(None)),
                ("lang", code) => exact_lang(code).map(|lang| Self::OnboardLanguage(Some(lang))),
                ("tz", zone) => parse_tz_choice(zone, true).map(Self::OnboardTimezone),
                _ => None,
            },
            "l" => exact_lang(rest).map(Self::Language),
            "del" => match rest {
                "yes" => Some(Self::Delete(true)),
                "no" => Some(Self::Delete(false)),
                _ => None,
            },
            "s" => parse_settings(rest).map(Self::Settings),
            "took" => Uuid::try_parse(rest).ok().map(Self::Took),
            "mute" => exact_asset(rest).map(Self::Mute),
            "unmute" => exact_asset(rest).map(Self::Unmute),
            "pos" => match rest.split_once(':') {
                None if rest == "list" => Some(Self::Positions),
                Some(("ask", id)) => Uuid::try_parse(id).ok().map(Self::AskClose),
                Some(("close", id)) => Uuid::try_parse(id).ok().map(Self::ClosePosition),
                _ => None,
            },
            "pa" => rest
                .strip_prefix("del:")
                .and_then(|id| Uuid::parse_str(id).ok())
                .map(Self::DeletePriceAlert),
            _ => None,
        }
    }
}

impl From<PreferenceChange> for SettingsAction {
    fn from(change: PreferenceChange) -> Self {
        Self::Change(change)
    }
}

fn change_data(change: &PreferenceChange) -> String {
    match change {
        PreferenceChange::SignalType(kind, mode) => {
            format!("s:type:{}:{}", kind.as_str(), mode.as_str())
        }
        PreferenceChange::Confidence(value) => format!("s:conf:{value}"),
        PreferenceChange::Hours(window) => format!("s:hours:{}", hours_text(*window)),
        PreferenceChange::Timezone(tz) => format!("s:tz:{}", tz_text(TzChoice::Zone(*tz))),
        PreferenceChange::Format(format) => format!("s:fmt:{}", format.as_str()),
        PreferenceChange::Reports(frequency) => format!("s:rep:{}", frequency.as_str()),
        PreferenceChange::Language(lang) => format!("s:lang:{}", lang.code()),
        PreferenceChange::Asset(follow, asset) => {
            format!("s:asset:{}:{asset}", if *follow { '+' } else { '-' })
        }
        PreferenceChange::AllAssets => "s:assets:all".to_owned(),
        PreferenceChange::Mute(mute, asset) => {
            format!("s:mute:{}:{asset}", if *mute { '+' } else { '-' })
        }
        PreferenceChange::Charts(on) => format!("s:charts:{}", if *on { "on" } else { "off" }),
    }
}

/// An asset exactly as buttons write it (canonical, upper-case): anything else was not ours.
fn exact_asset(name: &str) -> Option<Asset> {
    Asset::parse(name).ok().filter(|a| a.as_str() == name)
}

fn exact_lang(code: &str) -> Option<Lang> {
    parse_lang(code).filter(|lang| lang.code() == code)
}

fn parse_settings(rest: &str) -> Option<SettingsAction> {
    if rest == "close" {
        return Some(SettingsAction::Close);
    }
    if rest == "assets:all" {
        return Some(SettingsAction::Change(PreferenceChange::AllAssets));
    }
    let (what, value) = rest.split_once(':')?;
    let change = match what {
        "page" => {
            let page = Page::ALL.into_iter().find(|p| p.as_str() == value)?;
            return Some(SettingsAction::Show(page));
        }
        "tz" => match parse_tz_choice(value, false)? {
            TzChoice::Zone(tz) => PreferenceChange::Timezone(tz),
            TzChoice::Type => return Some(SettingsAction::TypeTimezone),
            // Onboarding's alone (`parse_tz_choice` does not read it here).
            TzChoice::Skip => return None,
        },
        "type" => {
            let (kind, mode) = value.split_once(':')?;
            let kind = SignalKind::ALL.into_iter().find(|k| k.as_str() == kind)?;
            let mode = Delivery::ALL.into_iter().find(|m| m.as_str() == mode)?;
            PreferenceChange::SignalType(kind, mode)
        }
        "conf" => {
            let value: u8 = value.parse().ok().filter(|v| *v <= 100)?;
            PreferenceChange::Confidence(value)
        }
        "hours" => PreferenceChange::Hours(parse_hours(value).ok()?),
        "fmt" => PreferenceChange::Format(
            MessageFormat::ALL
                .into_iter()
                .find(|f| f.as_str() == value)?,
        ),
        "rep" => PreferenceChange::Reports(
            ReportFrequency::ALL
                .into_iter()
                .find(|f| f.as_str() == value)?,
        ),
        "lang" => PreferenceChange::Language(exact_lang(value)?),
        "charts" => PreferenceChange::Charts(match value {
            "on" => true,
            "off" => false,
            _ => return None,
        }),
        "asset" | "mute" => {
            let (sign, name) = value.split_at_checked(1)?;
            let on = match sign {
                "+" => true,
                "-" => false,
                _ => return None,
            };
            let asset = exact_asset(name.strip_prefix(':')?)?;
            if what == "asset" {
                PreferenceChange::Asset(on, asset)
            } else {
                PreferenceChange::Mute(on, asset)
            }
        }
        _ => return None,
    };
    Some(SettingsAction::Change(change))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tz_strategy() -> impl Strategy<Value = Tz> {
        (0..chrono_tz::TZ_VARIANTS.len()).prop_map(|i| chrono_tz::TZ_VARIANTS[i])
    }

    fn change(change: PreferenceChange) -> Callback {
        Callback::Settings(SettingsAction::Change(change))
    }

    fn action_strategy() -> impl Strategy<Value = Callback> {
        let kind = (0..4usize).prop_map(|i| SignalKind::ALL[i]);
        let mode = (0..3usize).prop_map(|i| Delivery::ALL[i]);
        let lang = (0..2usize).prop_map(|i| Lang::ALL[i]);
        let asset = "[A-Z0-9]{1,15}/[A-Z0-9]{1,16}".prop_map(|s| Asset::parse(&s).unwrap());
        prop_oneof![
            Just(Callback::AcceptDisclaimer),
            any::<u128>().prop_map(|n| Callback::Ack(Uuid::from_u128(n))),
            any::<u128>().prop_map(|n| Callback::Took(Uuid::from_u128(n))),
            asset.clone().prop_map(Callback::Mute),
            asset.clone().prop_map(Callback::Unmute),
            any::<u128>().prop_map(|n| Callback::AskClose(Uuid::from_u128(n))),
            any::<u128>().prop_map(|n| Callback::ClosePosition(Uuid::from_u128(n))),
            Just(Callback::Positions),
            any::<u128>().prop_map(|n| Callback::Chart(Uuid::from_u128(n))),
            any::<bool>().prop_map(|on| change(PreferenceChange::Charts(on))),
            proptest::option::of(lang.clone()).prop_map(Callback::OnboardLanguage),
            tz_strategy().prop_map(|tz| Callback::OnboardTimezone(TzChoice::Zone(tz))),
            Just(Callback::OnboardTimezone(TzChoice::Skip)),
            lang.clone().prop_map(Callback::Language),
            any::<bool>().prop_map(Callback::Delete),
            Just(Callback::Premium),
            (0..9usize).prop_map(|i| Callback::Settings(SettingsAction::Show(Page::ALL[i]))),
            Just(Callback::Settings(SettingsAction::Close)),
            Just(Callback::Settings(SettingsAction::TypeTimezone)),
            (kind, mode).prop_map(|(k, m)| change(PreferenceChange::SignalType(k, m))),
            (0u8..=100).prop_map(|v| change(PreferenceChange::Confidence(v))),
            (0u8..24, 0u8..=24)
                .prop_map(|(s, e)| change(PreferenceChange::Hours(HourWindow::new(s, e).unwrap()))),
            tz_strategy().prop_map(|tz| change(PreferenceChange::Timezone(tz))),
            (0..2usize).prop_map(|i| change(PreferenceChange::Format(MessageFormat::ALL[i]))),
            (0..3usize).prop_map(|i| change(PreferenceChange::Reports(ReportFrequency::ALL[i]))),
            lang.prop_map(|l| change(PreferenceChange::Language(l))),
            (any::<bool>(), asset.clone()).prop_map(|(f, a)| change(PreferenceChange::Asset(f, a))),
            (any::<bool>(), asset).prop_map(|(m, a)| change(PreferenceChange::Mute(m, a))),
            Just(change(PreferenceChange::AllAssets)),
        ]
    }

    proptest! {
        #[test]
        fn every_button_round_trips_within_64_bytes(callback in action_strategy()) {
            let data = callback.encode();
            prop_assert!(!data.is_empty() && data.len() <= 64, "{data} is {} bytes", data.len());
            let parsed = Callback::parse(&data);
            // Hour windows are canonical after a round trip (8-8 is all day).
            match (&callback, &parsed) {
                (Callback::Settings(SettingsAction::Change(PreferenceChange::Hours(a))), Some(Callback::Settings(SettingsAction::Change(PreferenceChange::Hours(b))))) => {
                    prop_assert_eq!(a.is_all_day(), b.is_all_day());
                    if !a.is_all_day() { prop_assert_eq!(a, b); }
                }
                _ => prop_assert_eq!(Some(callback.clone()), parsed),
            }
        }

        #[test]
        fn arbitrary_data_never_panics(data in "\\PC{0,70}") {
            let _ = Callback::parse(&data);
        }
    }

    #[test]
    fn forged_and_stale_data_is_refused() {
        for data in [
            "",
            "s:",
            "s:conf:101",
            "s:conf:-1",
            "s:conf:80x",
            "s:type:hold:on",
            "s:type:buy:loud",
            "s:tz:Mars/Olympus",
            "s:tz:europe/berlin",
            "s:tz:skip",
            "s:lang:fr",
            "s:lang:EN",
            "s:asset:*:BTC/USD",
            "s:asset:+:BAD ASSET",
            "s:charts:yes",
            "chart:not-a-uuid",
            "s:page:nope",
            "o:lang:de",
            "del:maybe",
            "x:y",
            "took:not-a-uuid",
            "mute:btc/usd",
            "mute:BAD ASSET",
            "unmute:",
            "pos:",
            "pos:close",
            "pos:ask:xyz",
            "s:mute:*:BTC/USD",
        ] {
            assert_eq!(Callback::parse(data), None, "{data}");
        }
        assert_eq!(
            Callback::parse("s:hours:8-22"),
            Some(change(PreferenceChange::Hours(HourWindow {
                start: 8,
                end: 22
            })))
        );
    }
}
