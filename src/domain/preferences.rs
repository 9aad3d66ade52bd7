//! What each user chooses to receive, and what their tier allows.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::i18n::Lang;
use super::signal::{Asset, SignalKind};

mod change;

pub use change::{PreferenceChange, Refusal};

/// How a user wants one signal type delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// Sent with a notification sound.
    On,
    /// Sent with `disable_notification`.
    Silent,
    /// Not sent.
    Off,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Self::On, Self::Silent, Self::Off];

    /// The stable lowercase name used in `/filter`, the admin API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Silent => "silent",
            Self::Off => "off",
        }
    }

    /// Case-insensitive inverse of [`Delivery::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(text))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageFormat {
    Detailed,
    Compact,
}

impl MessageFormat {
    pub const ALL: [MessageFormat; 2] = [Self::Detailed, Self::Compact];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Detailed => "detailed",
            Self::Compact => "compact",
        }
    }

    /// Case-insensitive inverse of [`MessageFormat::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(text))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFrequency {
    Daily,
    Weekly,
    Never,
}

impl ReportFrequency {
    pub const ALL: [ReportFrequency; 3] = [Self::Daily, Self::Weekly, Self::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Never => "never",
        }
    }

    /// Case-insensitive inverse of [`ReportFrequency::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|frequency| frequency.as_str().eq_ignore_ascii_case(text))
    }
}

/// A daily window in the user's local time, `start..end` in whole hours; `start > end` crosses midnight
/// (22-6), `start == end` means all day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HourWindow {
    pub start: u8,
    pub end: u8,
}

impl HourWindow {
    pub const ALL_DAY: HourWindow = HourWindow { start: 0, end: 0 };

    /// A window from user input: `start` 0–23, `end` 0–24. An end of 24 (midnight at the end of the
    /// day) is stored as 0, which `contains` already reads that way, so `8-24` is `{8, 0}` and `0-24`
    /// is [`HourWindow::ALL_DAY`]; the stored fields stay within 0–23.
    pub fn new(start: u8, end: u8) -> Option<Self> {
        (start <= 23 && end <= 24).then_some(Self {
            start,
            end: end % 24,
        })
    }

    /// True when every hour is inside (`start == end`, e.g. `0-24`).
    pub fn is_all_day(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, hour: u8) -> bool {
        match self.start.cmp(&self.end) {
            std::cmp::Ordering::Equal => true,
            std::cmp::Ordering::Less => (self.start..self.end).contains(&hour),
            std::cmp::Ordering::Greater => hour >= self.start || hour < self.end,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TypeModes {
    pub buy: Delivery,
    pub sell: Delivery,
    pub close: Delivery,
    pub alert: Delivery,
}

impl TypeModes {
    pub const ALL_ON: TypeModes = TypeModes {
        buy: Delivery::On,
        sell: Delivery::On,
        close: Delivery::On,
        alert: Delivery::On,
    };

    pub fn get(&self, kind: SignalKind) -> Delivery {
        match kind {
            SignalKind::Buy => self.buy,
            SignalKind::Sell => self.sell,
            SignalKind::Close => self.close,
            SignalKind::Alert => self.alert,
        }
    }

    pub fn set(&mut self, kind: SignalKind, mode: Delivery) {
        match kind {
            SignalKind::Buy => self.buy = mode,
            SignalKind::Sell => self.sell = mode,
            SignalKind::Close => self.close = mode,
            SignalKind::Alert => self.alert = mode,
        }
    }
}

/// Every preference a user can set, through `/settings`, `/filter` or the admin API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    pub signal_types: TypeModes,
    pub confidence_threshold: u8,
    pub notification_hours: HourWindow,
    pub timezone: Tz,
    pub format: MessageFormat,
    pub performance_updates: ReportFrequency,
    pub language: Lang,
    /// Empty means every asset.
    pub assets: Vec<Asset>,
    /// Assets never sent, whatever `assets` says (`🔕 Mute` under a signal, `muted:` in
    /// `/filter`). A list of its own, so muting one asset of "every asset" needs no list of the
    /// rest, and un-muting gives back exactly the filter there was.
    #[serde(default)]
    pub muted_assets: Vec<Asset>,
    /// A chart above buy and sell signals, where the tier includes charts.
    pub charts: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            signal_types: TypeModes::ALL_ON,
            confidence_threshold: 0,
            notification_hours: HourWindow::ALL_DAY,
            timezone: Tz::UTC,
            format: MessageFormat::Detailed,
            performance_updates: ReportFrequency::Weekly,
            language: Lang::En,
            assets: Vec::new(),
            muted_assets: Vec::new(),
            charts: true,
        }
    }
}

/// Subscription level; what each allows is configured (see `config::TierRules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Free,
    Premium,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Premium => "premium",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "free" => Some(Self::Free),
            "premium" => Some(Self::Premium),
            _ => None,
        }
    }
}
