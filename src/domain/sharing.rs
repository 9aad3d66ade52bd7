//! Sharing and referrals, the rules: what a referral code looks like, the deep link that carries
//! it, the inline query a `📤 Share` button starts, and which signals may be shared at all.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::signal::{Signal, SignalKind};
use super::tier::TierRule;

/// Characters of a referral code: random base62 (about 47.6 bits in eight, made by the store), so
/// codes cannot be enumerated; never derived from the Telegram id (a code must not say who a
/// trader is).
pub const CODE_LEN: usize = 8;

/// A deep-link payload that is a referral: `r_` then a code. The prefix is reserved; any other
/// payload is a campaign.
pub const REFERRAL_PREFIX: &str = "r_";

/// The inline query of a Share button: `s_` then the signal id (32 hex), far inside the 256
/// characters Telegram allows.
const SHARE_PREFIX: &str = "s_";

/// What `/start <payload>` brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival<'a> {
    /// A referral link's code, well-formed (whether anyone holds it is the store's question).
    Referral(&'a str),
    /// `r_` with something that cannot be a code: nothing is recorded.
    BadReferral,
    /// Any other payload (a campaign).
    Campaign(&'a str),
}

impl<'a> Arrival<'a> {
    /// `payload` has already passed Telegram's deep-link rule (A-Z a-z 0-9 _ -, 1-64).
    pub fn of(payload: &'a str) -> Self {
        match payload.strip_prefix(REFERRAL_PREFIX) {
            Some(code)
                if code.len() == CODE_LEN && code.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                Self::Referral(code)
            }
            Some(_) => Self::BadReferral,
            None => Self::Campaign(payload),
        }
    }
}

/// `https://t.me/<bot>?start=r_<code>`.
pub fn referral_link(bot_username: &str, code: &str) -> String {
    format!("https://t.me/{bot_username}?start={REFERRAL_PREFIX}{code}")
}

/// The query a Share button puts after the bot's name.
pub fn share_query(signal_id: Uuid) -> String {
    format!("{SHARE_PREFIX}{}", signal_id.simple())
}

/// What an inline query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareQuery {
    /// Nothing typed after `@bot`: the user's latest shareable signals.
    Latest,
    /// One signal, from a Share button (or typed).
    Signal(Uuid),
    /// Anything else: no results.
    Other,
}

impl ShareQuery {
    pub fn parse(query: &str) -> Self {
        let query = query.trim();
        if query.is_empty() {
            return Self::Latest;
        }
        query
            .strip_prefix(SHARE_PREFIX)
            .and_then(|id| Uuid::try_parse(id).ok())
            .map_or(Self::Other, Self::Signal)
    }
}

/// Whether a signal may leave the bot. Closed buy and sell signals may; an open one only once
/// the free tier has it too (a positive free delay has passed and free users get its type), so
/// sharing never gives away the edge paying users have. With no free delay, open signals are
/// never shared: premium's protected messages are the edge then.
pub fn shareable(
    signal: &Signal,
    accepted_at: DateTime<Utc>,
    closed: bool,
    free: &TierRule,
    now: DateTime<Utc>,
) -> bool {
    if !matches!(signal.kind, SignalKind::Buy | SignalKind::Sell) {
        return false;
    }
    if closed {
        return true;
    }
    let delay = i64::try_from(free.delivery_delay_secs).unwrap_or(i64::MAX);
    delay > 0 && free.allows(signal.kind) && now - accepted_at >= Duration::seconds(delay)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    pub(crate) fn signal(kind: &str) -> Signal {
        let json = match kind {
            "alert" => r#"{"type":"alert","asset":"BTC/USD","confidence":90,"message":"m"}"#,
            _ => {
                r#"{"type":"buy","asset":"BTC/USD","entry_price":45250,"target_price":46500,
                "stop_loss":44500,"timeframe":"1H","confidence":85}"#
            }
        };
        crate::domain::signal::parse_signal(json.as_bytes(), Uuid::now_v7(), Utc::now())
            .unwrap()
            .signal
    }

    #[test]
    fn codes_round_trip_through_the_link() {
        let a = "Zq8mN2pX";
        let link = referral_link("herald_bot", a);
        assert_eq!(link, "https://t.me/herald_bot?start=r_Zq8mN2pX");
        let payload = link.rsplit_once("start=").map(|(_, p)| p).unwrap_or("");
        assert_eq!(Arrival::of(payload), Arrival::Referral(a));
    }

    #[test]
    fn payloads_are_referrals_only_with_a_well_formed_code() {
        assert_eq!(Arrival::of("r_Ab3dE6gH"), Arrival::Referral("Ab3dE6gH"));
        assert_eq!(Arrival::of("r_short"), Arrival::BadReferral);
        assert_eq!(Arrival::of("r_Ab3dE6g-"), Arrival::BadReferral);
        assert_eq!(Arrival::of("r_"), Arrival::BadReferral);
        assert_eq!(Arrival::of("campaign-42"), Arrival::Campaign("campaign-42"));
    }

    #[test]
    fn share_queries_name_one_signal_or_none() {
        let id = Uuid::now_v7();
        assert_eq!(ShareQuery::parse(&share_query(id)), ShareQuery::Signal(id));
        assert_eq!(ShareQuery::parse("  "), ShareQuery::Latest);
        assert_eq!(ShareQuery::parse("s_nothex"), ShareQuery::Other);
        assert_eq!(ShareQuery::parse("BTC"), ShareQuery::Other);
        assert!(share_query(id).len() <= 64);
    }

    #[test]
    fn open_signals_wait_for_the_free_delay_and_closed_ones_do_not() {
        let now = Utc::now();
        let buy = signal("buy");
        let mut free = TierRule::free();
        // No free delay: open is never shareable, closed always.
        assert!(!shareable(&buy, now - Duration::days(3), false, &free, now));
        assert!(shareable(&buy, now, true, &free, now));
        free.delivery_delay_secs = 300;
        assert!(!shareable(
            &buy,
            now - Duration::seconds(299),
            false,
            &free,
            now
        ));
        assert!(shareable(
            &buy,
            now - Duration::seconds(300),
            false,
            &free,
            now
        ));
        // A type the free tier does not get stays premium's.
        free.signal_types = vec![SignalKind::Sell];
        assert!(!shareable(&buy, now - Duration::days(1), false, &free, now));
        // Alerts and closes are not trades.
        assert!(!shareable(&signal("alert"), now, true, &free, now));
    }
}
