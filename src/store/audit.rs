//! The audit trail (who changed what, with before and after) and the security log (every
//! authentication attempt and denial): one table, told apart by `category`. Every event is also a
//! log line (target `herald::audit`), so it reaches the log pipeline even if the row cannot be
//! written. Events name users by their internal id, never by Telegram id or name.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{Store, StoreResult, from_millis, to_millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }
}

/// One event. Build it with [`AuditEvent::audit`] or [`AuditEvent::security`] and the setters.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub category: &'static str,
    pub action: String,
    pub outcome: Outcome,
    pub actor_kind: &'static str,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub target_kind: Option<&'static str>,
    pub target_id: Option<String>,
    pub ip: Option<IpAddr>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub detail: Option<String>,
}

impl AuditEvent {
    fn new(category: &'static str, action: &str) -> Self {
        Self {
            category,
            action: action.to_owned(),
            outcome: Outcome::Ok,
            actor_kind: "system",
            actor_id: None,
            actor_name: None,
            target_kind: None,
            target_id: None,
            ip: None,
            before: None,
            after: None,
            detail: None,
        }
    }

    /// A change made by someone (`user.subscribe`, `admin.user.tier`, …).
    pub fn audit(action: &str) -> Self {
        Self::new("audit", action)
    }

    /// An authentication attempt or a denial (`auth.login`, `auth.api_key`, `auth.ip`, …).
    pub fn security(action: &str, outcome: Outcome) -> Self {
        Self {
            outcome,
            ..Self::new("security", action)
        }
    }

    /// A Telegram user acting on their own account; `target` is set to them too.
    pub fn by_user(mut self, user_id: Uuid) -> Self {
        self.actor_kind = "user";
        self.actor_id = Some(user_id.to_string());
        self.target("user", user_id.to_string())
    }

    pub fn by_admin(mut self, admin_id: Uuid, name: &str) -> Self {
        self.actor_kind = "admin";
        self.actor_id = Some(admin_id.to_string());
        self.actor_name = Some(name.to_owned());
        self
    }

    pub fn by_api_key(mut self, key_id: Option<&str>, name: &str) -> Self {
        self.actor_kind = "api_key";
        self.actor_id = key_id.map(str::to_owned);
        self.actor_name = Some(name.to_owned());
        self
    }

    /// Someone not (yet) authenticated; `claimed` is the name they gave, if any.
    pub fn by_anonymous(mut self, claimed: Option<&str>) -> Self {
        self.actor_kind = "anonymous";
        // A name typed into a login form may be a password pasted in the wrong field: keep little.
        self.actor_name = claimed.map(|name| name.chars().take(64).collect());
        self
    }

    pub fn target(mut self, kind: &'static str, id: impl Into<String>) -> Self {
        self.target_kind = Some(kind);
        self.target_id = Some(id.into());
        self
    }

    pub fn ip(mut self, ip: Option<IpAddr>) -> Self {
        self.ip = ip;
        self
    }

    pub fn change(mut self, before: Value, after: Value) -> Self {
        self.before = Some(before);
        self.after = Some(after);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds `note` to the detail, after what is there.
    pub fn note(mut self, note: impl AsRef<str>) -> Self {
        let note = note.as_ref();
        self.detail = Some(match self.detail.take() {
            Some(detail) => format!("{detail} ({note})"),
            None => note.to_owned(),
        });
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
}

/// A stored event, as `GET /api/audit` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub category: String,
    pub action: String,
    pub outcome: String,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub detail: Option<String>,
}

/// Filters of `GET /api/audit`; newest first, `before_id` is the paging cursor.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub category: Option<String>,
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

fn json_column(row: &AnyRow, column: &str) -> StoreResult<Option<Value>> {
    // Written by us as JSON; anything else is shown as a string rather than failing the page.
    Ok(row
        .try_get::<Option<String>, _>(column)?
        .map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

fn audit_from_row(row: &AnyRow) -> StoreResult<AuditRow> {
    Ok(AuditRow {
        id: row.try_get("id")?,
        at: from_millis(row.try_get("at")?),
        category: row.try_get("category")?,
        action: row.try_get("action")?,
        outcome: row.try_get("outcome")?,
        actor_kind: row.try_get("actor_kind")?,
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        target_kind: row.try_get("target_kind")?,
        target_id: row.try_get("target_id")?,
        ip: row.try_get("ip")?,
        before: json_column(row, "state_before")?,
        after: json_column(row, "state_after")?,
        detail: row.try_get("detail")?,
    })
}

impl Store {
    /// Writes the event to the log and the table. Never fails the caller: the action it records
    /// has already happened, so a database error is logged instead.
    pub async fn audit(&self, event: AuditEvent) {
        log_event(&event);
        if let Err(err) = self.insert_audit(&event, Utc::now()).await {
            tracing::error!(error = %err, action = %event.action, "cannot write an audit row");
        }
    }

    async fn insert_audit(&self, event: &AuditEvent, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, category, action, outcome, actor_kind, actor_id, actor_name, \
             target_kind, target_id, ip, state_before, state_after, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(to_millis(now))
        .bind(event.category)
        .bind(&event.action)
        .bind(event.outcome.as_str())
        .bind(event.actor_kind)
        .bind(&event.actor_id)
        .bind(&event.actor_name)
        .bind(event.target_kind)
        .bind(&event.target_id)
        .bind(event.ip.map(|ip| ip.to_string()))
        .bind(event.before.as_ref().map(Value::to_string))
        .bind(event.after.as_ref().map(Value::to_string))
        .bind(&event.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRow>> {
        let mut conditions = Vec::new();
        let mut texts = Vec::new();
        let mut numbers = Vec::new();
        for (column, value) in [
            ("category", &query.category),
            ("action", &query.action),
            ("actor_id", &query.actor_id),
            ("target_id", &query.target_id),
        ] {
            if let Some(value) = value {
                texts.push(value.clone());
                conditions.push(format!("{column} = ${}", texts.len()));
            }
        }
        if let Some(since) = query.since {
            numbers.push(to_millis(since));
            conditions.push(format!("at >= ${}", texts.len() + numbers.len()));
        }
        if let Some(before) = query.before_id {
            numbers.push(before);
            conditions.push(format!("id < ${}", texts.len() + numbers.len()));
        }
        numbers.push(query.limit);
        let limit_param = texts.len() + numbers.len();
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT id, at, category, action, outcome, actor_kind, actor_id, actor_name, target_kind, \
             target_id, ip, state_before, state_after, detail FROM audit_log {filter} ORDER BY id DESC LIMIT ${limit_param}"
        );
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql));
        for text in texts {
            statement = statement.bind(text);
        }
        for number in numbers {
            statement = statement.bind(number);
        }
        let rows = statement.fetch_all(&self.pool).await?;
        rows.iter().map(audit_from_row).collect()
    }
}

fn log_event(event: &AuditEvent) {
    let ip = event.ip.map(|ip| ip.to_string());
    let before = event.before.as_ref().map(Value::to_string);
    let after = event.after.as_ref().map(Value::to_string);
    macro_rules! emit {
        ($level:ident) => {
            tracing::$level!(
                target: "herald::audit",
                category = event.category,
                action = %event.action,
                outcome = event.outcome.as_str(),
                actor_kind = event.actor_kind,
                actor_id = event.actor_id.as_deref(),
                actor_name = event.actor_name.as_deref(),
                target_kind = event.target_kind,
                target_id = event.target_id.as_deref(),
                ip = ip.as_deref(),
                before = before.as_deref(),
                after = after.as_deref(),
                detail = event.detail.as_deref(),
                "{} event",
                event.category
            )
        };
    }
    match event.outcome {
        Outcome::Ok => emit!(info),
        Outcome::Denied | Outcome::Failed => emit!(warn),
    }
}
