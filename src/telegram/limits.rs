//! Telegram's flood limits, kept on our side so Telegram never has to enforce them.
//!
//! Sends are spaced evenly overall (one every `1/global_rate` seconds, no bursts); a private chat
//! gets one message per second with the short burst Telegram tolerates (so `/start`'s greeting and
//! disclaimer arrive together), a group one every three seconds (20 a minute). A 429 holds back
//! only the chat it came from, for its `retry_after`; only when 429s arrive from several chats
//! within a short window — a sign our idea of the limit is off — does the whole bot pause.
//! Limits: <https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this>

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Telegram: "avoid sending more than one message per second" in a single chat.
pub const PER_CHAT_INTERVAL: Duration = Duration::from_secs(1);
/// Telegram: "not more than 20 messages per minute to the same group".
pub const GROUP_PER_MINUTE: u32 = 20;
/// Telegram "may allow short bursts" in one chat; three is well inside what it tolerates.
pub const PRIVATE_CHAT_BURST: u32 = 3;
/// 429s from this many distinct chats within `STORM_WINDOW` pause every chat.
const STORM_CHATS: usize = 3;
const STORM_WINDOW: Duration = Duration::from_secs(10);

/// A chat's GCRA state: `tat` is when its bucket would be full again; `blocked_until` comes from
/// Telegram's `retry_after`.
#[derive(Debug, Clone, Copy)]
struct ChatPace {
    tat: Instant,
    blocked_until: Instant,
}

/// Telegram counts messages as they arrive and we schedule them as they leave, so per-chat spacing
/// is kept 2 % wider than the published limit to absorb network jitter.
fn with_margin(interval: Duration) -> Duration {
    interval + interval / 50
}

#[derive(Debug)]
pub struct Limiter {
    global_interval: Duration,
    per_chat_interval: Duration,
    group_interval: Duration,
    /// Start times already booked, overall; kept only while they matter (the recent past and the
    /// claim horizon), so a send booked later for a slow chat leaves the gaps before it usable.
    booked: BTreeSet<Instant>,
    /// Everyone waits until then (a storm of 429s).
    paused_until: Instant,
    /// When the last request actually left. Booked slots can be missed by a busy runtime; this
    /// keeps late requests from bunching up with the ones after them.
    last_departure: Option<Instant>,
    /// Per-chat pacing state; chats whose bucket is full again are pruned.
    chats: HashMap<i64, ChatPace>,
    recent_429s: VecDeque<(Instant, i64)>,
}

impl Limiter {
    pub fn new(global_rate: u32, per_chat_interval: Duration, group_per_minute: u32) -> Self {
        let now = Instant::now();
        Self {
            // Half a percent slower than the limit, so no one-second window at Telegram ever holds
            // more than the limit even with a little jitter.
            global_interval: Duration::from_secs(1) / global_rate.max(1) * 201 / 200,
            per_chat_interval: with_margin(per_chat_interval),
            group_interval: with_margin(Duration::from_secs(60) / group_per_minute.max(1)),
            booked: BTreeSet::new(),
            paused_until: now,
            last_departure: None,
            chats: HashMap::new(),
            recent_429s: VecDeque::new(),
        }
    }

    /// The spacing of sends overall: one per this long at most.
    pub fn global_interval(&self) -> Duration {
        self.global_interval
    }

    fn chat_rule(&self, chat_id: i64) -> (Duration, u32) {
        // Negative ids are groups and channels.
        if chat_id < 0 {
            (self.group_interval, 1)
        } else {
            (self.per_chat_interval, PRIVATE_CHAT_BURST)
        }
    }

    /// The earliest moment the chat's own limits allow a send.
    fn chat_earliest(&self, chat_id: i64, now: Instant) -> Instant {
        let Some(pace) = self.chats.get(&chat_id) else {
            return now;
        };
        let (interval, burst) = self.chat_rule(chat_id);
        let allowance = interval * burst.saturating_sub(1);
        let by_rate = pace.tat.checked_sub(allowance).unwrap_or(now);
        now.max(by_rate).max(pace.blocked_until)
    }

    /// When a send to `chat_id` could start, without booking it.
    pub fn earliest(&self, chat_id: i64, now: Instant) -> Instant {
        self.global_slot(self.chat_earliest(chat_id, now).max(self.paused_until))
    }

    /// The first time at or after `from` that is at least one global interval from every booking.
    fn global_slot(&self, from: Instant) -> Instant {
        let interval = self.global_interval;
        let mut at = from;
        let window_start = from.checked_sub(interval).unwrap_or(from);
        for &booked in self.booked.range(window_start..) {
            if booked + interval <= at {
                continue;
            }
            if at + interval <= booked {
                break;
            }
            at = booked + interval;
        }
        at
    }

    /// Books the earliest slot for a send to `chat_id` and returns its start time.
    pub fn reserve(&mut self, chat_id: i64, now: Instant) -> Instant {
        let at = self.earliest(chat_id, now);
        if let Some(stale) = now.checked_sub(self.global_interval) {
            self.booked = self.booked.split_off(&stale);
        }
        self.booked.insert(at);
        let (interval, _) = self.chat_rule(chat_id);
        let pace = self.chats.entry(chat_id).or_insert(ChatPace {
            tat: at,
            blocked_until: at,
        });
        pace.tat = pace.tat.max(at) + interval;
        at
    }

    /// Called when a booked slot has come: the moment the request may really leave, at least one
    /// global interval after the previous departure.
    pub fn depart(&mut self, now: Instant) -> Instant {
        let at = match self.last_departure {
            Some(last) => now.max(last + self.global_interval),
            None => now,
        };
        self.last_departure = Some(at);
        at
    }

    /// Telegram answered 429 for `chat_id`: that chat waits `retry_after`; a storm pauses everyone.
    pub fn on_retry_after(&mut self, chat_id: i64, retry_after: Duration, now: Instant) {
        let until = now + retry_after;
        let pace = self.chats.entry(chat_id).or_insert(ChatPace {
            tat: now,
            blocked_until: until,
        });
        pace.blocked_until = pace.blocked_until.max(until);

        while self
            .recent_429s
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > STORM_WINDOW)
        {
            self.recent_429s.pop_front();
        }
        self.recent_429s.push_back((now, chat_id));
        let mut chats: Vec<i64> = self.recent_429s.iter().map(|(_, chat)| *chat).collect();
        chats.sort_unstable();
        chats.dedup();
        if chats.len() >= STORM_CHATS {
            self.paused_until = self.paused_until.max(until);
        }
    }

    /// Forgets chats whose next slot has passed, so memory follows active chats, not all chats.
    pub fn prune(&mut self, now: Instant) {
        self.chats
            .retain(|_, pace| pace.tat > now || pace.blocked_until > now);
    }

    pub fn tracked_chats(&self) -> usize {
        self.chats.len()
    }
}

/// Waits for a booked slot or departure. One that has already come returns at once: tokio rounds
/// every deadline up to its next millisecond tick, so sleeping until "now" would hold each send
/// for up to a millisecond or two even when nothing is queued.
pub(super) async fn wait_until(at: Instant) {
    if at > Instant::now() {
        tokio::time::sleep_until(at).await;
    }
}

/// The limiter every send shares (see `Outbound`). A poisoned one only means a panic elsewhere;
/// its pacing data is still usable.
pub(super) fn lock(limiter: &Mutex<Limiter>) -> MutexGuard<'_, Limiter> {
    limiter.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits for a booked slot, then for the moment the request may really leave (`depart`).
pub(super) async fn wait_to_depart(limiter: &Mutex<Limiter>, at: Instant) {
    wait_until(at).await;
    let departure = lock(limiter).depart(Instant::now());
    wait_until(departure).await;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[tokio::test]
    async fn a_slot_that_has_come_is_not_waited_for() {
        use futures_util::FutureExt;
        // A timer, even one already due, would leave the first poll pending until its tick.
        let now = Instant::now();
        assert!(wait_until(now).now_or_never().is_some());
        assert!(wait_until(now - ms(5)).now_or_never().is_some());
        assert!(wait_until(Instant::now() + ms(50)).now_or_never().is_none());
    }

    #[test]
    fn global_rate_spaces_sends_evenly() {
        let mut limiter = Limiter::new(30, PER_CHAT_INTERVAL, GROUP_PER_MINUTE);
        let start = Instant::now();
        let slots: Vec<Instant> = (0..90)
            .map(|chat| limiter.reserve(chat + 1, start))
            .collect();
        // 90 sends at 30/s span three seconds (plus the half-percent margin), evenly.
        let interval = Duration::from_secs(1) / 30 * 201 / 200;
        for pair in slots.windows(2) {
            assert_eq!(pair[1] - pair[0], interval);
        }
        assert!(slots[89] - slots[0] >= Duration::from_secs(1) / 30 * 89);
    }

    #[test]
    fn one_chat_gets_a_short_burst_then_one_message_per_second() {
        let mut limiter = Limiter::new(1000, PER_CHAT_INTERVAL, GROUP_PER_MINUTE);
        let start = Instant::now();
        let burst: Vec<Instant> = (0..PRIVATE_CHAT_BURST)
            .map(|_| limiter.reserve(7, start))
            .collect();
        assert!(
            burst.last().copied().unwrap() - start < ms(10),
            "the burst goes out at once"
        );
        let first = limiter.reserve(7, start);
        let second = limiter.reserve(7, start);
        let other = limiter.reserve(8, start);
        assert_eq!(first - start, with_margin(Duration::from_secs(1)));
        assert_eq!(second - first, with_margin(Duration::from_secs(1)));
        assert!(
            other - start < ms(10),
            "another chat is not held back by chat 7's later slot"
        );
    }

    #[test]
    fn gaps_before_a_later_booking_stay_usable_but_never_crowd_it() {
        let mut limiter = Limiter::new(10, PER_CHAT_INTERVAL, GROUP_PER_MINUTE);
        let start = Instant::now();
        let mut later = start;
        for _ in 0..=PRIVATE_CHAT_BURST {
            later = limiter.reserve(1, start); // the last is a second on
        }
        assert!(later - start >= Duration::from_secs(1));
        let mut slots: Vec<Instant> = (2..=12).map(|chat| limiter.reserve(chat, start)).collect();
        slots.push(later);
        slots.sort();
        for pair in slots.windows(2) {
            assert!(pair[1] - pair[0] >= ms(100), "{:?}", pair[1] - pair[0]);
        }
    }

    #[test]
    fn late_departures_do_not_bunch_up() {
        let mut limiter = Limiter::new(10, PER_CHAT_INTERVAL, GROUP_PER_MINUTE);
        let start = Instant::now();
        // Three slots came due while the runtime was busy; they leave spaced anyway.
        let late = start + ms(500);
        let departures: Vec<Instant> = (0..3).map(|_| limiter.depart(late)).collect();
        assert_eq!(departures[0], late);
        assert!(departures[1] - departures[0] >= ms(100));
        assert!(departures[2] - departures[1] >= ms(100));
    }

    #[test]
    fn groups_get_twenty_a_minute() {
        let mut limiter = Limiter::new(1000, PER_CHAT_INTERVAL, GROUP_PER_MINUTE);
        let start = Instant::now();
        let first = limiter.reserve(-100, start);
        let second = limiter.reserve(-100, start);
        assert_eq!(second - first, with_margin(Duration::from_secs(3)));
    }

    #[test]
    fn a_single_429_holds_back_only_its_chat() {
        let mut limiter = Limiter::new(30, PER_CHAT_INTERVAL, GROUP_PER_MINUTE);
        let now = Instant::now();
        limiter.on_retry_after(5, Duration::from_secs(7), now);
        assert_eq!(limiter.earliest(5, now), now + Duration::from_secs(7));
        assert_eq!(limiter.earliest(6, now), now);
    }

    #[test]
    fn rate_limits_from_many_chats_pause_everyone() {
        let mut limiter = Limiter::new(30, PER_CHAT_INTERVAL, GROUP_PER_MINUTE);
        let now = Instant::now();
        for chat in 1..=STORM_CHATS as i64 {
            limiter.on_retry_after(chat, Duration::from_secs(4), now);
        }
        assert_eq!(limiter.earliest(999, now), now + Duration::from_secs(4));
    }

    #[test]
    fn old_429s_do_not_count_towards_a_storm() {
        let mut limiter = Limiter::new(30, PER_CHAT_INTERVAL, GROUP_PER_MINUTE);
        let start = Instant::now();
        limiter.on_retry_after(1, Duration::from_secs(1), start);
        limiter.on_retry_after(2, Duration::from_secs(1), start);
        let later = start + STORM_WINDOW + Duration::from_secs(1);
        limiter.on_retry_after(3, Duration::from_secs(1), later);
        assert_eq!(limiter.earliest(999, later), later);
    }

    #[test]
    fn pruning_forgets_idle_chats() {
        let mut limiter = Limiter::new(30, PER_CHAT_INTERVAL, GROUP_PER_MINUTE);
        let start = Instant::now();
        for chat in 1..=100 {
            limiter.reserve(chat, start);
        }
        limiter.prune(start + Duration::from_secs(10));
        assert_eq!(limiter.tracked_chats(), 0);
    }
}
