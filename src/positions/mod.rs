//! Positions, the use case: take a signal (`✅ I took it` on the message that delivered it), set
//! one's own entry and size by a reply, close at the last known price. Closing with the signal
//! (its close, a target or stop hit, expiry at a price) happens inside the store's outcome
//! transaction (`Store::record_outcome`), whichever way the signal ended.
//!
//! Positions belong to one user: every call names the user, and a tap is checked against the
//! message it came from, so forged button data reaches neither another user's position nor a
//! signal the user was never sent. Entries and sizes are never logged.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::performance::{Direction, OutcomeReason};
use crate::domain::position::{self, EntryReply, Position, ReplyError, TradeFigures};
use crate::domain::signal::{Asset, Price};
use crate::store::{Opened, Store, StoreError};

/// What `✅ I took it` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Take {
    Opened(Position),
    /// Taken before; still open.
    AlreadyOpen(Position),
    /// Taken before, and closed since.
    AlreadyClosed(Position),
    /// The signal ended before the tap.
    SignalClosed(OutcomeReason),
    /// Not a message of ours for this signal (forged, or its delivery record is purged), or the
    /// signal is unknown.
    Unknown,
    /// A close or alert: nothing to trade.
    NotTradable,
}

pub async fn take(
    store: &Store,
    user_id: Uuid,
    chat_id: i64,
    message_id: i64,
    signal_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Take, StoreError> {
    if store.signal_of_message(chat_id, message_id).await? != Some(signal_id) {
        return Ok(Take::Unknown);
    }
    let Some(stored) = store.signal(signal_id).await? else {
        return Ok(Take::Unknown);
    };
    if Direction::of(stored.signal.kind).is_none() {
        return Ok(Take::NotTradable);
    }
    // The insert itself checks that the signal is still open, so a close recorded first wins.
    Ok(
        match store.open_position(user_id, &stored.signal, now).await? {
            Opened::New(position) => Take::Opened(position),
            Opened::Existing(position) if position.is_open() => Take::AlreadyOpen(position),
            Opened::Existing(position) => Take::AlreadyClosed(position),
            Opened::SignalClosed => Take::SignalClosed(
                store
                    .outcome(signal_id)
                    .await?
                    .map_or(OutcomeReason::Close, |outcome| outcome.reason),
            ),
        },
    )
}

/// What a reply to a position's confirmation did.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The user's entry (and size) are set.
    Set(Position),
    /// Closed already: its entry stays.
    Closed,
    /// Not readable, or not plausible; nothing changed.
    Refused(ReplyError, Asset),
}

/// Reads `text` as the user's own entry, or entry and size, of `position`.
pub async fn reply(store: &Store, position: &Position, text: &str) -> Result<Reply, StoreError> {
    if !position.is_open() {
        return Ok(Reply::Closed);
    }
    // Plausibility is judged against the signal's entry, not the user's earlier reply.
    let signal_entry = store
        .signal(position.signal_id)
        .await?
        .and_then(|stored| stored.signal.entry_price)
        .unwrap_or(position.entry);
    let EntryReply { entry, size } = match position::parse_reply(text, signal_entry) {
        Ok(reply) => reply,
        Err(err) => return Ok(Reply::Refused(err, position.asset.clone())),
    };
    if !store
        .set_position_entry(position.user_id, position.id, entry, size)
        .await?
    {
        return Ok(Reply::Closed);
    }
    Ok(match store.position(position.user_id, position.id).await? {
        Some(updated) => Reply::Set(updated),
        None => Reply::Closed,
    })
}

/// Where the user's Close would close a position, or why it cannot.
#[derive(Debug, Clone, PartialEq)]
pub enum Quote {
    At(Position, Price),
    /// No price was ever posted for the asset.
    NoPrice(Asset),
    /// Closed already, or not the user's.
    Gone,
}

/// The price a Close would use now: the asset's last from `POST /api/prices`.
pub async fn quote(store: &Store, user_id: Uuid, id: Uuid) -> Result<Quote, StoreError> {
    let Some(position) = store.position(user_id, id).await? else {
        return Ok(Quote::Gone);
    };
    if !position.is_open() {
        return Ok(Quote::Gone);
    }
    let last = store
        .last_price(position.asset.as_str())
        .await?
        .and_then(|(price, _)| Price::new(price));
    Ok(match last {
        Some(price) => Quote::At(position, price),
        None => Quote::NoPrice(position.asset),
    })
}

/// The user's Close: at the last known price, once. Returns the closed position.
pub async fn close(
    store: &Store,
    user_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Quote, StoreError> {
    let (position, price) = match quote(store, user_id, id).await? {
        Quote::At(position, price) => (position, price),
        other => return Ok(other),
    };
    if !store
        .close_position(user_id, position.id, price, now)
        .await?
    {
        return Ok(Quote::Gone);
    }
    Ok(match store.position(user_id, position.id).await? {
        Some(closed) => Quote::At(closed, price),
        None => Quote::Gone,
    })
}

/// "Your trades" in `/performance`: the user's positions closed since `since` (all when `None`),
/// of `asset` or every asset.
pub async fn figures(
    store: &Store,
    user_id: Uuid,
    since: Option<DateTime<Utc>>,
    asset: Option<&str>,
) -> Result<Option<TradeFigures>, StoreError> {
    let closed: Vec<Position> = store
        .closed_positions(user_id, None)
        .await?
        .into_iter()
        .filter(|p| since.is_none_or(|since| p.closed_at.is_some_and(|at| at >= since)))
        .filter(|p| asset.is_none_or(|asset| p.asset.as_str() == asset))
        .collect();
    Ok(position::trade_figures(&closed))
}
