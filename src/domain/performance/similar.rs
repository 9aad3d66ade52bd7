//! The performance category on a new signal's message: how closed signals of the same model,
//! asset and direction did, or of the same model and direction on any asset when the asset has
//! too little history to mean anything.

use std::collections::HashMap;

use super::outcome::Direction;
use crate::domain::render::{SimilarScope, SimilarStats};

/// Fewer closed signals than this on the asset and the line falls back to all assets.
pub const MIN_SIMILAR: u32 = 5;

/// Closed trades with a result, and how many of them won.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub closed: u32,
    pub wins: u32,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.closed = self.closed.saturating_add(other.closed);
        self.wins = self.wins.saturating_add(other.wins);
    }

    fn stats(self, scope: SimilarScope) -> SimilarStats {
        let win_rate_pct = if self.closed == 0 {
            0.0
        } else {
            f64::from(self.wins) * 100.0 / f64::from(self.closed)
        };
        SimilarStats {
            win_rate_pct,
            closed: self.closed,
            scope,
        }
    }
}

/// Tallies per (model, direction), each with its per-asset split. Built from the outcomes table
/// and kept current as outcomes are recorded; a lookup is two hash probes.
#[derive(Debug, Clone, Default)]
pub struct SimilarIndex {
    groups: HashMap<(String, Direction), Group>,
}

#[derive(Debug, Clone, Default)]
struct Group {
    all_assets: Tally,
    by_asset: HashMap<String, Tally>,
}

impl SimilarIndex {
    /// Adds `tally` closed trades of `model` on `asset` (a model of `None` is its own group).
    pub fn add(&mut self, model: Option<&str>, asset: &str, direction: Direction, tally: Tally) {
        let group = self
            .groups
            .entry((model.unwrap_or_default().to_owned(), direction))
            .or_default();
        group.all_assets.add(tally);
        group
            .by_asset
            .entry(asset.to_owned())
            .or_default()
            .add(tally);
    }

    /// Records one closed trade.
    pub fn record(&mut self, model: Option<&str>, asset: &str, direction: Direction, won: bool) {
        let tally = Tally {
            closed: 1,
            wins: u32::from(won),
        };
        self.add(model, asset, direction, tally);
    }

    /// The category for a new signal: the asset's own history when it has at least
    /// [`MIN_SIMILAR`] closed signals or the model has no more elsewhere, else all assets.
    pub fn lookup(&self, model: Option<&str>, asset: &str, direction: Direction) -> SimilarStats {
        let key = (model.unwrap_or_default().to_owned(), direction);
        let Some(group) = self.groups.get(&key) else {
            return Tally::default().stats(SimilarScope::ModelAssetDirection);
        };
        let own = group.by_asset.get(asset).copied().unwrap_or_default();
        if own.closed >= MIN_SIMILAR || group.all_assets.closed <= own.closed {
            own.stats(SimilarScope::ModelAssetDirection)
        } else {
            group.all_assets.stats(SimilarScope::ModelDirection)
        }
    }

    /// How many (model, direction, asset) groups it holds.
    pub fn len(&self) -> usize {
        self.groups.values().map(|g| g.by_asset.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn tally(closed: u32, wins: u32) -> Tally {
        Tally { closed, wins }
    }

    #[test]
    fn the_assets_own_history_when_there_is_enough() {
        let mut index = SimilarIndex::default();
        index.add(Some("lstm-v3"), "BTC/USD", Direction::Buy, tally(48, 31));
        index.add(Some("lstm-v3"), "ETH/USD", Direction::Buy, tally(10, 1));
        let stats = index.lookup(Some("lstm-v3"), "BTC/USD", Direction::Buy);
        assert_eq!(stats.closed, 48);
        assert_eq!(stats.scope, SimilarScope::ModelAssetDirection);
        assert!((stats.win_rate_pct - 64.583_333).abs() < 1e-3);
    }

    #[test]
    fn too_few_on_the_asset_falls_back_to_the_model_and_direction() {
        let mut index = SimilarIndex::default();
        index.add(Some("m"), "BTC/USD", Direction::Buy, tally(4, 4));
        index.add(Some("m"), "ETH/USD", Direction::Buy, tally(16, 4));
        index.add(Some("m"), "ETH/USD", Direction::Sell, tally(100, 100));
        index.add(Some("other"), "BTC/USD", Direction::Buy, tally(100, 0));
        let stats = index.lookup(Some("m"), "BTC/USD", Direction::Buy);
        assert_eq!(stats.scope, SimilarScope::ModelDirection);
        assert_eq!((stats.closed, stats.win_rate_pct), (20, 40.0));
        // A new asset: nothing of its own, the model's record instead.
        let stats = index.lookup(Some("m"), "SOL/USD", Direction::Buy);
        assert_eq!(
            (stats.closed, stats.scope),
            (20, SimilarScope::ModelDirection)
        );
    }

    #[test]
    fn no_history_at_all_says_so() {
        let mut index = SimilarIndex::default();
        let none = index.lookup(Some("m"), "BTC/USD", Direction::Buy);
        assert_eq!((none.closed, none.win_rate_pct), (0, 0.0));
        // Only this asset has history, and too little: it is all there is, so it is shown.
        index.record(Some("m"), "BTC/USD", Direction::Buy, true);
        index.record(Some("m"), "BTC/USD", Direction::Buy, false);
        let stats = index.lookup(Some("m"), "BTC/USD", Direction::Buy);
        assert_eq!(stats.scope, SimilarScope::ModelAssetDirection);
        assert_eq!((stats.closed, stats.win_rate_pct), (2, 50.0));
        // Signals without a model are compared with each other only.
        assert_eq!(index.lookup(None, "BTC/USD", Direction::Buy).closed, 0);
        assert_eq!(index.len(), 1);
    }
}
