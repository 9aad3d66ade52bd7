//! What each user chooses to receive, and what their tier allows.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::i18n::Lang;
use super::signal::{Asset, SignalKind};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageFormat {
    Detailed,
    Compact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFrequency {
    Daily,
    Weekly,
    Never,
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
