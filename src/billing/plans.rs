//! What users can buy: the `[plans.*]` tables of `herald.toml`, checked once at start-up.
//!
//! ```toml
//! [plans.premium_monthly]
//! stars = 500
//! period = "30d"      # 30 days renew monthly as a Telegram Stars subscription
//! tier = "premium"
//! [plans.premium_year]
//! stars = 4500
//! period = "365d"     # any other period is paid once
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::ConfigError;
use crate::domain::preferences::Tier;

/// The only period Telegram renews a Stars subscription by (createInvoiceLink's
/// `subscription_period`).
pub const SUBSCRIPTION_PERIOD_SECS: u32 = 2_592_000;
/// Telegram's most Stars a subscription may cost per period, and one invoice at all.
const MAX_SUBSCRIPTION_STARS: u32 = 10_000;
const MAX_INVOICE_STARS: u32 = 100_000;
/// Plans longer than this are a typo rather than an offer.
const MAX_PERIOD_DAYS: i64 = 3 * 366;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The table's name: `premium_monthly`. Travels in invoice payloads.
    pub id: String,
    pub stars: u32,
    pub period: chrono::Duration,
    /// A Telegram Stars subscription, charged again every 30 days until the user cancels.
    pub renews: bool,
    pub tier: Tier,
}

impl Plan {
    pub fn period_days(&self) -> i64 {
        self.period.num_days()
    }
}

/// The plans on sale, in the order of their names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plans(Vec<Plan>);

impl Plans {
    pub fn new(plans: Vec<Plan>) -> Self {
        Self(plans)
    }

    pub fn get(&self, id: &str) -> Option<&Plan> {
        self.0.iter().find(|plan| plan.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Plan> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One `[plans.<id>]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    stars: u32,
    period: String,
    tier: Option<String>,
    renews: Option<bool>,
}

pub fn load(file: Option<&BTreeMap<String, PlanFile>>) -> Result<Plans, ConfigError> {
    let Some(tables) = file else {
        return Ok(Plans::default());
    };
    tables
        .iter()
        .map(|(id, table)| plan(id, table))
        .collect::<Result<Vec<_>, _>>()
        .map(Plans)
}

fn plan(id: &str, table: &PlanFile) -> Result<Plan, ConfigError> {
    let key = |field: &str| format!("herald.toml [plans.{id}] {field}");
    let valid_id = (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid_id {
        return Err(ConfigError::new(
            &format!("herald.toml [plans.{id}]"),
            "a plan's name is 1-32 of a-z, 0-9 and _",
        ));
    }
    let period = humantime::parse_duration(&table.period)
        .ok()
        .and_then(|period| chrono::Duration::from_std(period).ok())
        .filter(|period| {
            period.num_days() >= 1
                && period.num_days() <= MAX_PERIOD_DAYS
                && *period == chrono::Duration::days(period.num_days())
        })
        .ok_or_else(|| {
            ConfigError::new(
                &key("period"),
                format!(
                    "`{}` is not a whole number of days from 1d to 1098d",
                    table.period
                ),
            )
        })?;
    let monthly = period == chrono::Duration::seconds(i64::from(SUBSCRIPTION_PERIOD_SECS));
    let renews = table.renews.unwrap_or(monthly);
    if renews && !monthly {
        return Err(ConfigError::new(
            &key("renews"),
            "Telegram renews subscriptions every 30 days only: use period = \"30d\"",
        ));
    }
    let max = if renews {
        MAX_SUBSCRIPTION_STARS
    } else {
        MAX_INVOICE_STARS
    };
    if !(1..=max).contains(&table.stars) {
        return Err(ConfigError::new(
            &key("stars"),
            format!("must be 1 to {max} (Telegram's limit for this kind of plan)"),
        ));
    }
    let tier = match table.tier.as_deref().unwrap_or("premium") {
        "premium" => Tier::Premium,
        other => {
            return Err(ConfigError::new(
                &key("tier"),
                format!("`{other}` cannot be sold: the paid tier is `premium`"),
            ));
        }
    };
    Ok(Plan {
        id: id.to_owned(),
        stars: table.stars,
        period,
        renews,
        tier,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Plans, ConfigError> {
        #[derive(Deserialize)]
        struct File {
            plans: BTreeMap<String, PlanFile>,
        }
        let file: File = toml::from_str(text).unwrap();
        load(Some(&file.plans))
    }

    #[test]
    fn monthly_plans_renew_and_others_are_paid_once() {
        let plans = parse(
            "[plans.premium_monthly]\nstars = 500\nperiod = \"30d\"\n\
             [plans.year]\nstars = 4500\nperiod = \"365d\"\n",
        )
        .unwrap();
        let monthly = plans.get("premium_monthly").unwrap();
        assert!(monthly.renews);
        assert_eq!(monthly.tier, Tier::Premium);
        assert_eq!(monthly.period_days(), 30);
        assert!(!plans.get("year").unwrap().renews);
    }

    #[test]
    fn bad_plans_name_the_key() {
        let cases = [
            (
                "[plans.m]\nstars = 0\nperiod = \"30d\"\n",
                "[plans.m] stars",
            ),
            (
                "[plans.m]\nstars = 20000\nperiod = \"30d\"\n",
                "[plans.m] stars",
            ),
            (
                "[plans.m]\nstars = 5\nperiod = \"1h\"\n",
                "[plans.m] period",
            ),
            (
                "[plans.m]\nstars = 5\nperiod = \"36h\"\n",
                "[plans.m] period",
            ),
            (
                "[plans.m]\nstars = 5\nperiod = \"7d\"\nrenews = true\n",
                "[plans.m] renews",
            ),
            (
                "[plans.m]\nstars = 5\nperiod = \"7d\"\ntier = \"free\"\n",
                "[plans.m] tier",
            ),
            ("[plans.Big]\nstars = 5\nperiod = \"7d\"\n", "[plans.Big]"),
        ];
        for (text, name) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.name.ends_with(name), "{text}: {err}");
        }
    }
}
