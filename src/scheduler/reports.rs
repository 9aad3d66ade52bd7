//! Queuing scheduled reports: each subscriber who wants them gets one per period, due at the
//! report hour in their own time zone.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::Scheduler;
use crate::domain::performance::{
    ClosedTrade, ReportKind, ReportPeriod, figures, latest_due_report, report_text,
};
use crate::domain::preferences::ReportFrequency;
use crate::store::{AudiencePage, AudienceSlice, Candidate, NewReport, TradeQuery};

/// A report more than this late (the service was down at the hour) is skipped, not sent
/// hours later; the next period brings a fresh one.
const MAX_LATENESS: Duration = Duration::hours(6);
/// Subscribers read per query.
const AUDIENCE_PAGE: i64 = 5_000;

impl Scheduler {
    /// Queues every report due at `now` that was not queued before; returns how many.
    pub async fn queue_reports(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let mut due: BTreeMap<String, Vec<(Candidate, ReportPeriod)>> = BTreeMap::new();
        // The audience a page at a time: a million subscribers are never in memory at once.
        let mut after_chat = i64::MIN;
        loop {
            let page = self
                .store
                .audience_page(AudiencePage {
                    slice: AudienceSlice::All,
                    after_chat,
                    at: now,
                    limit: AUDIENCE_PAGE,
                })
                .await?;
            for candidate in &page {
                let kind = match candidate.prefs.performance_updates {
                    ReportFrequency::Daily => ReportKind::Daily,
                    ReportFrequency::Weekly => ReportKind::Weekly,
                    ReportFrequency::Never => continue,
                };
                let period =
                    latest_due_report(kind, now, candidate.prefs.timezone, self.report_hour);
                // Too late to be useful, or due before the user subscribed (a new subscriber waits
                // for the next period rather than getting last week's at once).
                if now - period.due_at > MAX_LATENESS
                    || candidate.subscription.started_at > period.due_at
                {
                    continue;
                }
                due.entry(period.key.clone())
                    .or_default()
                    .push((candidate.clone(), period));
            }
            match page.last() {
                Some(last) if page.len() as i64 == AUDIENCE_PAGE => after_chat = last.chat_id,
                _ => break,
            }
        }
        let mut reported = self.reported.lock().await;
        reported.retain(|key, _| due.contains_key(key));
        let mut pending: Vec<(Candidate, ReportPeriod)> = Vec::new();
        for (key, users) in due {
            if !reported.contains_key(&key) {
                let known: HashSet<Uuid> =
                    self.store.users_reported(&key).await?.into_iter().collect();
                reported.insert(key.clone(), known);
            }
            let done = &reported[&key];
            pending.extend(
                users
                    .into_iter()
                    .filter(|(c, _)| !done.contains(&c.user_id)),
            );
        }
        if pending.is_empty() {
            return Ok(0);
        }
        // One read of the trades all pending reports cover; each report filters its own days.
        let since = pending.iter().map(|(_, p)| p.from).min();
        let until = pending.iter().map(|(_, p)| p.until).max();
        let trades = self
            .store
            .closed_trades(&TradeQuery {
                since,
                until,
                ..TradeQuery::default()
            })
            .await?;
        let mut queued = 0;
        for (candidate, period) in pending {
            let in_period = |trade: &&ClosedTrade| {
                trade.closed_at >= period.from && trade.closed_at < period.until
            };
            let all: Vec<ClosedTrade> = trades.iter().filter(in_period).cloned().collect();
            let yours = self
                .store
                .closed_trades(&TradeQuery {
                    since: Some(period.from),
                    until: Some(period.until),
                    asset: None,
                    received_by: Some(candidate.user_id),
                })
                .await?;
            let new_signals = self
                .store
                .count_new_signals(period.from, period.until)
                .await?;
            let body = report_text(
                candidate.prefs.language,
                &period,
                &figures(&all),
                &figures(&yours),
                new_signals,
            );
            let report = NewReport {
                user_id: candidate.user_id,
                chat_id: candidate.chat_id,
                period: period.key.clone(),
                body,
            };
            if self.store.enqueue_report(&report, now).await? {
                queued += 1;
            }
            reported
                .entry(period.key)
                .or_default()
                .insert(candidate.user_id);
        }
        Ok(queued)
    }
}
