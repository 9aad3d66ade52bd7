//! Wiring: `App::build` connects the parts; `App::run` serves the HTTP API (and, in webhook mode,
//! the webhook route) and handles bot updates from the inbox on every replica, while only the
//! elected leader polls Telegram (polling mode) and dispatches deliveries.
//!
//! Shutdown, in order: readiness turns 503 at once; after `HERALD_SHUTDOWN_DELAY` the server stops
//! accepting and finishes the requests in hand (intake stopped); the poller stops, each chat's
//! update in hand is finished, in-flight sends finish (bounded by the dispatcher); leadership and
//! inbox leases are released so another replica takes over at once; then `run` returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use teloxide_core::prelude::Requester;
use tokio::net::TcpListener;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::bot::{BotContext, BotSettings, inbox, poller, reminders, setup};
use crate::config::{Config, Live};
use crate::delivery::Dispatcher;
use crate::http::health::Lifecycle;
use crate::http::{self, AppState};
use crate::ops::health::TelegramProbe;
use crate::scheduler::alerts::{AlertWiring, Alerter};
use crate::scheduler::{ReportSender, Scheduler, SystemClock};
use crate::signals::ingest::Ingest;
use crate::signals::outcomes::Outcomes;
use crate::store::{Leadership, Store};
use crate::telegram::{Limiter, Outbound, build_bot};

/// How often a standby replica tries to become leader, and the leader checks it still is.
const ELECTION_INTERVAL: Duration = Duration::from_secs(1);
/// How often each replica rebuilds the performance category from the outcomes table.
const SIMILAR_REFRESH: Duration = Duration::from_secs(60);
/// Database gauges (queue depth, active users) are refreshed this often.
const GAUGE_INTERVAL: Duration = Duration::from_secs(15);

pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    /// The one way out to Telegram, and the limiter every send shares.
    outbound: Outbound,
    live: Live,
    instance: Arc<str>,
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl App {
    /// Connects to the database (migrating it) and prepares the Telegram client.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let token = config.require_token()?.clone();
        let bot = build_bot(&token, &config.telegram_api_url)?;
        let tls = config
            .security
            .tls
            .as_ref()
            .map(http::tls::load)
            .transpose()?;
        // Opens with the encryption key checked against the database (a wrong key stops here).
        let store = crate::store::at_rest::open_store(&config).await?;
        let limiter = Limiter::new(
            config.global_rate,
            config.delivery.per_chat_interval,
            config.delivery.group_per_minute,
        );
        Ok(App {
            live: Live::new(config.ops.reloadable.clone()),
            config: Arc::new(config),
            store,
            outbound: Outbound::new(bot, limiter),
            instance: instance_id().into(),
            tls,
        })
    }

    /// The settings SIGHUP may change (`shutdown::reload_on_hangup`).
    pub fn live(&self) -> Live {
        self.live.clone()
    }

    /// This process's name in inbox leases and `handled_by`: the pod name plus a random suffix.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Serves the API on `listener` and `/metrics` on `metrics` (when given) until `shutdown` is
    /// cancelled, then drains and returns.
    pub async fn run(
        self,
        listener: TcpListener,
        metrics: Option<TcpListener>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        crate::ops::metrics::install();
        let lifecycle = Lifecycle::default();
        let probe = TelegramProbe::new(self.outbound.bot().clone());
        let ingest = Ingest::new(self.store.clone());
        let outcomes = Outcomes::new(
            self.store.clone(),
            ingest.clone(),
            Arc::new(self.config.performance.horizons.clone()),
        );
        let billing = crate::billing::Billing::new(
            self.store.clone(),
            self.outbound.clone(),
            Arc::new(self.config.plans.clone()),
            crate::config::reveal(self.config.require_token()?),
        );
        let state = AppState {
            store: self.store.clone(),
            config: self.config.clone(),
            ingest,
            outcomes: outcomes.clone(),
            telegram: probe.clone(),
            lifecycle: lifecycle.clone(),
            security: Arc::new(http::security::Security::new(&self.config)),
            billing: billing.clone(),
        };
        let security = state.security.clone();
        let (receiver, feed) = inbox::receiver(self.store.clone(), self.instance.clone());
        // Routes outside the route table: the webhook, which checks its own secret, and the Mini
        // App's page, which holds nothing personal.
        let mut routes = axum::Router::new();
        if self.config.public_url.is_some() {
            routes = routes.merge(http::mini_app::pages());
        }
        if let (Some(url), Some(secret)) = (&self.config.webhook_url, &self.config.webhook_secret) {
            let path = webhook_path(url);
            tracing::info!(%path, "webhook mode: receiving updates over HTTP");
            let access = http::webhook::WebhookAccess {
                secret: secret.clone(),
                allowed: self.config.webhook_allowed_ips.clone(),
                trusted_proxies: self.config.security.trusted_proxies.clone(),
            };
            routes = routes.merge(http::webhook::routes(&path, access, receiver.clone()));
        }

        let background = CancellationToken::new();
        let background_tasks = TaskTracker::new();
        background_tasks.spawn(crate::ops::metrics::upkeep(background.clone()));
        background_tasks.spawn(crate::ops::metrics::spawn_gauges(
            self.store.clone(),
            GAUGE_INTERVAL,
            background.clone(),
        ));
        let alert_owner = Arc::new(AtomicBool::new(false));
        let alerter = Alerter::new(AlertWiring {
            store: self.store.clone(),
            outbound: self.outbound.clone(),
            probe,
            config_admins: self.config.admin_ids.clone(),
            live: self.live.clone(),
            owner: alert_owner.clone(),
        });
        background_tasks.spawn(alerter.run(background.clone()));
        // Every replica takes signals, so every replica keeps its performance category fresh.
        background_tasks.spawn(
            outcomes
                .similar()
                .clone()
                .keep_fresh(SIMILAR_REFRESH, background.clone()),
        );
        let maintenance_stop = background.clone();
        background_tasks.spawn(async move { security.maintain(maintenance_stop).await });
        background_tasks.close();

        let stop = CancellationToken::new();
        let work = TaskTracker::new();
        work.spawn(run_conversations(
            self.store.clone(),
            self.outbound.clone(),
            self.config.clone(),
            self.instance.clone(),
            feed,
            billing,
            stop.clone(),
        ));
        let leader = Leader {
            store: self.store.clone(),
            outbound: self.outbound.clone(),
            config: self.config.clone(),
            live: self.live.clone(),
            receiver,
            alert_owner,
            outcomes,
        };
        work.spawn(leader.lead_when_elected(stop.clone()));
        work.close();

        let delay = self.config.ops.shutdown_delay;
        let intake_stop = CancellationToken::new();
        let stop_intake = intake_stop.clone();
        tokio::spawn(async move {
            shutdown.cancelled().await;
            lifecycle.start_draining();
            tokio::time::sleep(delay).await;
            stop_intake.cancel();
        });
        let router = http::router_with(routes, state);
        let limits = crate::ops::fit_to_open_files(
            self.config.connections.clone(),
            crate::ops::raise_open_file_limit(),
        );
        if let Some(metrics) = metrics {
            // Up until the very end, so the last scrape sees the drain.
            let serving = http::listener::serve(
                metrics,
                http::metrics_router(),
                None,
                limits.clone(),
                Vec::new(),
                background.clone(),
            );
            background_tasks.spawn(async move {
                if let Err(err) = serving.await {
                    tracing::error!(error = %err, "the metrics listener stopped");
                }
            });
        }
        let proxies = self.config.security.trusted_proxies.clone();
        let served =
            http::listener::serve(listener, router, self.tls, limits, proxies, intake_stop).await;
        tracing::info!("intake stopped; finishing updates and sends in hand");
        stop.cancel();
        work.wait().await;
        background.cancel();
        background_tasks.wait().await;
        self.store.close().await;
        tracing::info!("shut down cleanly");
        served?;
        Ok(())
    }
}

/// Learns the bot's username, then handles updates from the inbox until `stop`.
async fn run_conversations(
    store: Store,
    outbound: Outbound,
    config: Arc<Config>,
    instance: Arc<str>,
    feed: inbox::ReceiverFeed,
    billing: crate::billing::Billing,
    stop: CancellationToken,
) {
    let username = loop {
        match outbound.bot().get_me().await {
            Ok(me) => {
                // Share buttons open inline mode, which only BotFather can turn on.
                if !me.supports_inline_queries {
                    tracing::warn!(
                        "inline mode is off for this bot: 📤 Share cannot show its card until it \
                         is turned on with BotFather (/setinline)"
                    );
                }
                break me.username.clone().unwrap_or_default();
            }
            Err(_) => {
                tracing::warn!("Telegram unreachable (getMe); retrying");
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                }
            }
        }
    };
    crate::telegram::check_registration(outbound.bot(), &config).await;
    setup::register_commands(outbound.bot()).await;
    let settings = bot_settings(&config);
    if let Some(url) = &settings.mini_app {
        setup::set_menu_app(&outbound, url.clone()).await;
    }
    let ctx = BotContext::new(store.clone(), outbound, &username, settings, billing);
    // Reminders claim each row before sending, so every replica may run them.
    let reminders = tokio::spawn(reminders::run(
        store,
        ctx.replies.clone(),
        ctx.reminders_wake.clone(),
        stop.clone(),
    ));
    inbox::process(ctx, instance, feed, stop).await;
    let _ = reminders.await;
}

fn bot_settings(config: &Config) -> BotSettings {
    BotSettings {
        tiers: Arc::new(config.tiers.clone()),
        admin_ids: config.admin_ids.clone().into(),
        commands_per_minute: config.command_rate,
        mini_app: config.mini_app_url(),
    }
}

struct Leader {
    store: Store,
    outbound: Outbound,
    config: Arc<Config>,
    live: Live,
    receiver: inbox::UpdateReceiver,
    alert_owner: Arc<AtomicBool>,
    outcomes: Outcomes,
}

impl Leader {
    /// Stands by until elected, then leads until leadership is lost or `stop` fires.
    async fn lead_when_elected(self, stop: CancellationToken) {
        let mut announced_standby = false;
        loop {
            let attempt = tokio::select! {
                _ = stop.cancelled() => return,
                attempt = self.store.try_lead() => attempt,
            };
            match attempt {
                Ok(Some(leadership)) => {
                    announced_standby = false;
                    self.alert_owner.store(true, Ordering::SeqCst);
                    crate::ops::metrics::leader(true);
                    self.lead_one_term(leadership, &stop).await;
                    crate::ops::metrics::leader(false);
                    if stop.is_cancelled() {
                        return;
                    }
                }
                Ok(None) => {
                    // Someone else leads, so someone else alerts.
                    self.alert_owner.store(false, Ordering::SeqCst);
                    if !announced_standby {
                        tracing::info!("another replica leads; standing by");
                        announced_standby = true;
                    }
                }
                Err(err) => tracing::error!(error = %err, "leader election failed"),
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(ELECTION_INTERVAL) => {}
            }
        }
    }

    /// One term as leader: poll (polling mode) and dispatch (unless paused by the `deliveries`
    /// flag) until the lock is lost or `stop` fires; then release the lock.
    async fn lead_one_term(&self, leadership: Leadership, stop: &CancellationToken) {
        let polling = self.config.webhook_url.is_none();
        tracing::info!(polling, "elected leader: dispatching deliveries");
        let leadership = Arc::new(Mutex::new(leadership));
        let term = stop.child_token();
        let work = TaskTracker::new();
        work.spawn({
            let store = self.store.clone();
            let term = term.clone();
            async move { store.forward_notifications(term).await }
        });
        // Signals' delivery rows are written by one replica at a time, in acceptance order.
        work.spawn(
            crate::signals::fanout::Fanout::new(
                self.store.clone(),
                Arc::new(self.config.tiers.clone()),
                self.config.delivery.fanout_chunk,
            )
            .run(term.clone()),
        );
        // Expiry and scheduled reports: leader-only, so one replica does them at a time.
        let scheduler = Scheduler::new(
            self.store.clone(),
            self.outcomes.clone(),
            self.config.performance.report_hour,
        );
        let sender = ReportSender::new(self.store.clone(), self.outbound.clone());
        work.spawn(scheduler.run(sender, Arc::new(SystemClock), term.clone()));
        match crate::webhooks::Sender::new(self.store.clone()) {
            Ok(sender) => {
                work.spawn(sender.run(term.clone()));
            }
            Err(err) => tracing::error!(error = %err, "outgoing webhooks are off: no HTTP client"),
        }
        work.spawn(crate::scheduler::retention::run(
            self.store.clone(),
            self.config.security.clone(),
            term.clone(),
        ));
        if polling {
            work.spawn(poller::poll(
                self.store.clone(),
                self.outbound.bot().clone(),
                self.receiver.clone(),
                term.clone(),
            ));
        }
        let mut dispatching: Option<(CancellationToken, tokio::task::JoinHandle<()>)> = None;
        loop {
            let wanted = self.live.get().features.enabled("deliveries");
            dispatching = match (wanted, dispatching.take()) {
                (true, None) => Some(self.dispatch(leadership.clone(), &term)),
                (false, Some((token, task))) => {
                    tracing::warn!("deliveries paused by the `deliveries` feature flag");
                    token.cancel();
                    let _ = task.await;
                    None
                }
                (_, running) => running,
            };
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
        work.close();
        work.wait().await;
        if let Some((_, task)) = dispatching {
            let _ = task.await;
        }
        if let Ok(leadership) = Arc::try_unwrap(leadership) {
            leadership.into_inner().release().await;
            tracing::info!("leadership released");
        }
    }

    fn dispatch(
        &self,
        leadership: Arc<Mutex<Leadership>>,
        term: &CancellationToken,
    ) -> (CancellationToken, tokio::task::JoinHandle<()>) {
        let dispatcher = Dispatcher::new(
            self.store.clone(),
            self.outbound.clone(),
            self.config.delivery.clone(),
            Arc::new(self.config.tiers.clone()),
        );
        let token = term.child_token();
        let term = term.clone();
        let dispatch_stop = token.clone();
        let task = tokio::spawn(async move {
            if let Err(err) = dispatcher.lead(leadership, dispatch_stop).await {
                tracing::error!(error = %err, "dispatcher stopped");
                term.cancel();
            }
        });
        (token, task)
    }
}

/// The path Telegram posts to: that of `HERALD_WEBHOOK_URL`, so an ingress needs no rewriting.
pub fn webhook_path(url: &str) -> String {
    reqwest::Url::parse(url)
        .map(|url| url.path().to_owned())
        .unwrap_or_else(|_| "/".to_owned())
}

fn instance_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "herald".to_owned());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}", &suffix[..8])
}
