//! Wiring: `App::build` connects the parts, `App::run` serves the API on every replica and, on the
//! elected leader only, polls Telegram, handles updates and dispatches deliveries — all under one
//! cancellation token, so shutdown stops intake first, lets in-flight sends finish, then exits.

use std::sync::Arc;
use std::time::Duration;

use teloxide_core::Bot;
use teloxide_core::prelude::Requester;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::bot::{BotContext, inbox, poller};
use crate::config::Config;
use crate::delivery::Dispatcher;
use crate::delivery::limits::Limiter;
use crate::domain::tier::TierRules;
use crate::health::TelegramProbe;
use crate::http::{self, AppState};
use crate::ingest::Ingest;
use crate::outcomes::Outcomes;
use crate::scheduler::{ReportSender, Scheduler, SystemClock};
use crate::store::Store;
use crate::telegram::build_bot;

/// How often a standby replica tries to become leader, and the leader checks it still is.
const ELECTION_INTERVAL: Duration = Duration::from_secs(1);
/// How often each replica rebuilds the performance category from the outcomes table.
const SIMILAR_REFRESH: Duration = Duration::from_secs(60);

pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    bot: Bot,
    limiter: Arc<std::sync::Mutex<Limiter>>,
}

impl App {
    /// Connects to the database (migrating it) and prepares the Telegram client.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let token = config.require_token()?.clone();
        let bot = build_bot(&token, &config.telegram_api_url)?;
        let store = Store::open(&config.database_url).await?;
        let limiter = Limiter::new(
            config.global_rate,
            config.delivery.per_chat_interval,
            config.delivery.group_per_minute,
        );
        Ok(App {
            config: Arc::new(config),
            store,
            bot,
            limiter: Arc::new(std::sync::Mutex::new(limiter)),
        })
    }

    /// Runs until `shutdown` is cancelled, then drains and returns.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let tiers = Arc::new(TierRules::default());
        let ingest = Ingest::new(self.store.clone(), tiers);
        let outcomes = Outcomes::new(
            self.store.clone(),
            ingest.clone(),
            Arc::new(self.config.performance.horizons.clone()),
        );
        let state = AppState {
            store: self.store.clone(),
            config: self.config.clone(),
            ingest,
            telegram: TelegramProbe::new(self.bot.clone()),
            outcomes: outcomes.clone(),
        };
        let tasks = TaskTracker::new();
        let leader_stop = CancellationToken::new();
        // Every replica takes signals, so every replica keeps its performance category fresh.
        tasks.spawn(
            outcomes
                .similar()
                .clone()
                .keep_fresh(SIMILAR_REFRESH, leader_stop.clone()),
        );
        tasks.spawn(lead_when_elected(
            self.store.clone(),
            self.bot.clone(),
            self.limiter.clone(),
            self.config.clone(),
            outcomes,
            leader_stop.clone(),
        ));
        tasks.close();

        let server_stop = shutdown.clone();
        let server = axum::serve(
            listener,
            http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move { server_stop.cancelled().await });
        let served = server.await;
        // Intake has stopped; now stop the leader's work and wait for in-flight sends.
        leader_stop.cancel();
        tasks.wait().await;
        self.store.close().await;
        served?;
        Ok(())
    }
}

/// Stands by until elected, then leads until leadership is lost or `stop` fires.
async fn lead_when_elected(
    store: Store,
    bot: Bot,
    limiter: Arc<std::sync::Mutex<Limiter>>,
    config: Arc<Config>,
    outcomes: Outcomes,
    stop: CancellationToken,
) {
    let mut announced_standby = false;
    loop {
        let leadership = tokio::select! {
            _ = stop.cancelled() => return,
            attempt = store.try_lead() => attempt,
        };
        let leadership = match leadership {
            Ok(Some(leadership)) => leadership,
            Ok(None) => {
                if !announced_standby {
                    tracing::info!("another replica leads; standing by");
                    announced_standby = true;
                }
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(ELECTION_INTERVAL) => continue,
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "leader election failed");
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(ELECTION_INTERVAL) => continue,
                }
            }
        };
        announced_standby = false;
        tracing::info!("elected leader: polling Telegram and dispatching deliveries");
        let leadership = Arc::new(Mutex::new(leadership));
        let term = stop.child_token();
        let work = TaskTracker::new();

        let bot_username = loop {
            match bot.get_me().await {
                Ok(me) => break me.username.clone().unwrap_or_default(),
                Err(_) => {
                    tracing::warn!("Telegram unreachable (getMe); retrying");
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                    }
                }
            }
        };
        let inbox_wake = Arc::new(Notify::new());
        let ctx = BotContext::new(store.clone(), bot.clone(), limiter.clone(), &bot_username);
        work.spawn(poller::poll(
            store.clone(),
            bot.clone(),
            inbox_wake.clone(),
            term.clone(),
        ));
        work.spawn(inbox::process(ctx, inbox_wake, term.clone()));
        let dispatcher = Dispatcher::new(
            store.clone(),
            bot.clone(),
            limiter.clone(),
            config.delivery.clone(),
        );
        let dispatch_leadership = leadership.clone();
        let dispatch_term = term.clone();
        work.spawn(async move {
            if let Err(err) = dispatcher
                .lead(dispatch_leadership, dispatch_term.clone())
                .await
            {
                tracing::error!(error = %err, "dispatcher stopped");
                dispatch_term.cancel();
            }
        });
        // Expiry and scheduled reports: leader-only, so one replica does them at a time.
        let scheduler = Scheduler::new(
            store.clone(),
            outcomes.clone(),
            config.performance.report_hour,
        );
        let sender = ReportSender::new(store.clone(), bot.clone(), limiter.clone());
        work.spawn(scheduler.run(sender, Arc::new(SystemClock), term.clone()));
        work.close();

        // Keep checking that the lock is still ours; a dead lock connection ends this term.
        loop {
            tokio::select! {
                _ = term.cancelled() => break,
                _ = tokio::time::sleep(ELECTION_INTERVAL) => {
                    if !leadership.lock().await.still_held().await {
                        tracing::error!("lost leadership (database connection gone)");
                        term.cancel();
                        break;
                    }
                }
            }
        }
        work.wait().await;
        if let Ok(leadership) = Arc::try_unwrap(leadership) {
            leadership.into_inner().release().await;
        }
        if stop.is_cancelled() {
            return;
        }
    }
}
