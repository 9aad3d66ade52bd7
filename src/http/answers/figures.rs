//! Answers of the figures, audit, login and health endpoints.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Schema, counts, exactly, reference, time, time_or_null};
use crate::domain::performance::{EquityPoint, Figures, Period, Summary};
use crate::domain::signal::Asset;
use crate::store::{AuditRow, DeliveryStats, UserStats};

/// `GET /api/performance`: the figures `/performance` shows, with every breakdown.
#[derive(Debug, Serialize)]
pub struct PerformanceReport {
    pub period: Period,
    pub asset: Option<Asset>,
    pub tz: &'static str,
    /// The window's start; `None` for all time.
    pub from: Option<DateTime<Utc>>,
    pub until: DateTime<Utc>,
    pub summary: Summary,
    pub equity_curve: Vec<EquityPoint>,
}

impl Schema for PerformanceReport {
    const NAME: &'static str = "PerformanceReport";
    fn schema() -> Value {
        exactly(json!({
            "period": {"enum": ["today", "7d", "30d", "all"]},
            "asset": {"type": ["string", "null"]},
            "tz": {"type": "string", "examples": ["UTC", "Europe/Berlin"]},
            "from": time_or_null(),
            "until": time(),
            "summary": reference(Summary::NAME),
            "equity_curve": {"type": "array", "items": exactly(json!({
                "at": time(),
                "total_pct": {"type": "number"},
            }))},
        }))
    }
}

/// The figures of one group of closed buy and sell signals, each counted with the same stake
/// (definitions in `domain::performance::stats`).
impl Schema for Figures {
    const NAME: &'static str = "Figures";
    fn schema() -> Value {
        let count = json!({"type": "integer", "minimum": 0});
        let number = json!({"type": "number"});
        let maybe =
            |description: &str| json!({"type": ["number", "null"], "description": description});
        exactly(json!({
            "count": {"type": "integer", "minimum": 0, "description": "closed with a result"},
            "wins": count,
            "losses": count,
            "breakeven": count,
            "unpriced": {"type": "integer", "minimum": 0, "description": "expired without a known price; in nothing else"},
            "win_rate_pct": maybe("wins / count × 100"),
            "avg_return_pct": maybe("mean return per signal: the expectancy in percent"),
            "total_return_pct": number,
            "gross_profit_pct": number,
            "gross_loss_pct": {"type": "number", "minimum": 0},
            "profit_factor": maybe("gross profit / gross loss; null without a loss"),
            "avg_win_pct": maybe("mean return of the wins"),
            "avg_loss_pct": maybe("mean size of the losses, a positive number"),
            "payoff_ratio": maybe("avg_win_pct / avg_loss_pct"),
            "expectancy_r": maybe("mean return in units of the entry-to-stop risk"),
            "max_drawdown_pct": {"type": "number", "minimum": 0},
            "avg_holding_secs": maybe("mean time from the signal to its exit"),
            "sharpe": maybe("mean / sample standard deviation of per-signal returns, not annualised"),
            "sortino": maybe("mean / downside deviation of per-signal returns"),
            "longest_win_streak": count,
            "longest_loss_streak": count,
        }))
    }
}

/// The figures overall and per asset, model, type, timeframe and confidence band.
impl Schema for Summary {
    const NAME: &'static str = "PerformanceSummary";
    fn schema() -> Value {
        let groups = |description: &str| {
            json!({"type": "object", "description": description,
                "additionalProperties": reference(Figures::NAME)})
        };
        exactly(json!({
            "overall": reference(Figures::NAME),
            "by": exactly(json!({
                "asset": groups("per asset"),
                "model": groups("per source model; \"(none)\" for signals without one"),
                "type": groups("buy and sell"),
                "timeframe": groups("per timeframe; \"-\" for signals without one"),
                "confidence": groups("per confidence band: 0-59, 60-69, 70-79, 80-89, 90-100"),
            })),
        }))
    }
}

/// `GET /api/stats`: delivery and performance figures for operators.
#[derive(Debug, Serialize)]
pub struct StatsReport {
    pub generated_at: DateTime<Utc>,
    pub deliveries: DeliveryFigures,
    pub users: UserStats,
    pub signals: SignalFigures,
    pub reports: BTreeMap<String, i64>,
    /// Cached for a short while: computing it reads every closed trade.
    pub performance: Value,
}

#[derive(Debug, Serialize)]
pub struct DeliveryFigures {
    pub all: DeliveryStats,
    pub last_24h: DeliveryStats,
    pub queue_depth: i64,
}

#[derive(Debug, Serialize)]
pub struct SignalFigures {
    pub all: BTreeMap<String, i64>,
    pub last_24h: BTreeMap<String, i64>,
    pub open: i64,
    pub last_accepted_at: Option<DateTime<Utc>>,
}

fn delivery_stats() -> Value {
    let millis = json!({"type": ["integer", "null"]});
    exactly(json!({
        "by_status": counts("deliveries per status"),
        "latency_ms": exactly(json!({
            "avg": {"type": ["number", "null"]},
            "p50": millis,
            "p95": millis,
            "max": millis,
        })),
        "read": {"type": "integer", "description": "deliveries whose message got a button tap"},
    }))
}

impl Schema for StatsReport {
    const NAME: &'static str = "Stats";
    fn schema() -> Value {
        let kinds = counts("signals per type");
        exactly(json!({
            "generated_at": time(),
            "deliveries": exactly(json!({
                "all": delivery_stats(),
                "last_24h": delivery_stats(),
                "queue_depth": {"type": "integer"},
            })),
            "users": exactly(json!({
                "total": {"type": "integer"},
                "active": {"type": "integer"},
                "subscribed": {"type": "integer"},
            })),
            "signals": exactly(json!({
                "all": kinds,
                "last_24h": kinds,
                "open": {"type": "integer"},
                "last_accepted_at": time_or_null(),
            })),
            "reports": counts("scheduled reports per status"),
            "performance": {"type": "object", "description": "figures over every closed trade"},
        }))
    }
}

/// `POST /api/auth/login`.
#[derive(Debug, Serialize)]
pub struct Token {
    pub token: String,
    pub token_type: &'static str,
    pub expires_at: DateTime<Utc>,
    pub expires_in: i64,
}

impl Schema for Token {
    const NAME: &'static str = "Token";
    fn schema() -> Value {
        exactly(json!({
            "token": {"type": "string", "description": "HS256 JWT, valid 15 minutes"},
            "token_type": {"const": "Bearer"},
            "expires_at": time(),
            "expires_in": {"type": "integer", "description": "seconds"},
        }))
    }
}

/// `GET /api/audit`, newest first.
#[derive(Debug, Serialize)]
pub struct AuditPage {
    pub events: Vec<AuditRow>,
    pub next: Option<i64>,
}

impl Schema for AuditPage {
    const NAME: &'static str = "AuditPage";
    fn schema() -> Value {
        let text = json!({"type": "string"});
        let text_or_null = json!({"type": ["string", "null"]});
        let state = json!({"description": "the state before or after, as JSON"});
        exactly(json!({
            "events": {"type": "array", "items": exactly(json!({
                "id": {"type": "integer"},
                "at": time(),
                "category": {"enum": ["audit", "security"]},
                "action": text,
                "outcome": text,
                "actor_kind": text,
                "actor_id": text_or_null,
                "actor_name": text_or_null,
                "target_kind": text_or_null,
                "target_id": text_or_null,
                "ip": text_or_null,
                "before": state,
                "after": state,
                "detail": text_or_null,
            }))},
            "next": {"type": ["integer", "null"], "description": "cursor of the next page"},
        }))
    }
}

/// `GET /api/health`.
#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
    pub telegram: &'static str,
}

fn up_or_down() -> Value {
    json!({"enum": ["ok", "unavailable"]})
}

impl Schema for Health {
    const NAME: &'static str = "Health";
    fn schema() -> Value {
        exactly(json!({
            "status": {"enum": ["ok", "degraded"]},
            "database": up_or_down(),
            "telegram": up_or_down(),
        }))
    }
}

/// `GET /api/ready`, with 200 or 503.
#[derive(Debug, Serialize)]
pub struct Ready {
    pub status: &'static str,
    pub database: &'static str,
    pub telegram: &'static str,
    pub migrations: &'static str,
}

impl Schema for Ready {
    const NAME: &'static str = "Ready";
    fn schema() -> Value {
        exactly(json!({
            "status": {"enum": ["ready", "unavailable", "draining"]},
            "database": up_or_down(),
            "telegram": up_or_down(),
            "migrations": {"enum": ["current", "pending", "unknown"]},
        }))
    }
}
