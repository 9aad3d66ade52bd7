//! The performance category, kept in memory so a new signal's line costs two hash lookups on
//! the ingest path instead of a query over every past outcome.
//!
//! The index is loaded from the outcomes table when the process starts (or on first use, if a
//! signal comes first), reloaded every minute on every replica (so outcomes recorded elsewhere
//! show up), and updated in place as this process records outcomes. An outcome recorded while a
//! reload is reading can be counted twice or missed until the next reload; the line is a rounded
//! percentage, so that minute of drift is an accepted trade for never waiting on the database.

use std::sync::{Arc, RwLock};

use crate::domain::performance::{Direction, SimilarIndex};
use crate::domain::render::SimilarStats;
use crate::domain::signal::Signal;
use crate::store::{Store, StoreResult};

#[derive(Clone)]
pub struct SimilarCache {
    store: Store,
    index: Arc<RwLock<Option<SimilarIndex>>>,
    /// One load at a time; ingests that arrive during the first load wait for it.
    loading: Arc<tokio::sync::Mutex<()>>,
}

impl SimilarCache {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            index: Arc::new(RwLock::new(None)),
            loading: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<SimilarIndex>> {
        // A poisoned lock only means a panic while holding it; the index is still consistent
        // enough for a display figure.
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<SimilarIndex>> {
        self.index
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The category for a new buy or sell (`None` for other types). Never fails the signal: if
    /// the index cannot be loaded the line is simply left out.
    pub async fn for_signal(&self, signal: &Signal) -> Option<SimilarStats> {
        let direction = Direction::of(signal.kind)?;
        let model = signal.source_model.as_deref();
        let asset = signal.asset.as_str();
        if let Some(stats) = self.lookup_loaded(model, asset, direction) {
            return Some(stats);
        }
        if let Err(err) = self.ensure_loaded().await {
            tracing::warn!(error = %err, "cannot load the performance category; line left out");
            return None;
        }
        self.lookup_loaded(model, asset, direction)
    }

    /// From memory only; `None` when the index has not been loaded yet.
    pub fn lookup_loaded(
        &self,
        model: Option<&str>,
        asset: &str,
        direction: Direction,
    ) -> Option<SimilarStats> {
        self.read()
            .as_ref()
            .map(|index| index.lookup(model, asset, direction))
    }

    async fn ensure_loaded(&self) -> StoreResult<()> {
        let _guard = self.loading.lock().await;
        if self.read().is_some() {
            return Ok(());
        }
        self.load().await
    }

    /// Rebuilds the index from the outcomes table.
    pub async fn reload(&self) -> StoreResult<()> {
        let _guard = self.loading.lock().await;
        self.load().await
    }

    async fn load(&self) -> StoreResult<()> {
        let rows = self.store.outcome_tallies().await?;
        let mut index = SimilarIndex::default();
        for row in rows {
            index.add(row.model.as_deref(), &row.asset, row.direction, row.tally);
        }
        *self.write() = Some(index);
        Ok(())
    }

    /// Loads the index now, then reloads it every `every` until `stop` fires.
    pub async fn keep_fresh(
        self,
        every: std::time::Duration,
        stop: tokio_util::sync::CancellationToken,
    ) {
        loop {
            if let Err(err) = self.reload().await {
                tracing::warn!(error = %err, "cannot refresh the performance category");
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
        }
    }

    /// Counts an outcome this process just recorded (nothing to do before the first load,
    /// which will read it from the table).
    pub fn record(&self, model: Option<&str>, asset: &str, direction: Direction, return_pct: f64) {
        if let Some(index) = self.write().as_mut() {
            index.record(model, asset, direction, return_pct > 0.0);
        }
    }
}
