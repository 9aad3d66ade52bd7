//! Answers of the admin API over users.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Schema, counts, exactly, reference, text_or_null, time, time_or_null};
use crate::domain::preferences::{Preferences, Tier};
use crate::store::{Subscription, UserSummary};

#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionView {
    pub tier: Tier,
    pub subscribed: bool,
    pub started_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&Subscription> for SubscriptionView {
    fn from(subscription: &Subscription) -> Self {
        Self {
            tier: subscription.tier,
            subscribed: subscription.subscribed,
            started_at: subscription.started_at,
            expires_at: subscription.expires_at,
        }
    }
}

impl Schema for SubscriptionView {
    const NAME: &'static str = "Subscription";
    fn schema() -> Value {
        exactly(json!({
            "tier": {"type": "string", "enum": ["free", "premium"]},
            "subscribed": {"type": "boolean"},
            "started_at": time(),
            "expires_at": time_or_null(),
        }))
    }
}

/// A user as the admin API shows one.
#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: Uuid,
    pub telegram_id: i64,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub is_active: bool,
    pub is_admin: bool,
    pub disclaimer_accepted_at: Option<DateTime<Utc>>,
    pub subscription: SubscriptionView,
}

impl From<&UserSummary> for UserView {
    fn from(summary: &UserSummary) -> Self {
        let user = &summary.user;
        Self {
            id: user.id,
            telegram_id: user.telegram_id,
            username: user.username.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            language_code: user.language_code.clone(),
            created_at: user.created_at,
            is_active: user.is_active,
            is_admin: user.is_admin,
            disclaimer_accepted_at: user.disclaimer_accepted_at,
            subscription: SubscriptionView::from(&summary.subscription),
        }
    }
}

fn user_properties() -> Value {
    json!({
        "id": {"type": "string", "format": "uuid"},
        "telegram_id": {"type": "integer"},
        "username": text_or_null(),
        "first_name": text_or_null(),
        "last_name": text_or_null(),
        "language_code": text_or_null(),
        "created_at": time(),
        "is_active": {"type": "boolean"},
        "is_admin": {"type": "boolean"},
        "disclaimer_accepted_at": time_or_null(),
        "subscription": reference(SubscriptionView::NAME),
    })
}

impl Schema for UserView {
    const NAME: &'static str = "User";
    fn schema() -> Value {
        exactly(user_properties())
    }
}

/// `GET /api/users`.
#[derive(Debug, Serialize)]
pub struct UserPage {
    pub users: Vec<UserView>,
    pub next: Option<String>,
}

impl Schema for UserPage {
    const NAME: &'static str = "UserPage";
    fn schema() -> Value {
        exactly(json!({
            "users": {"type": "array", "items": reference(UserView::NAME)},
            "next": {"type": ["string", "null"], "description": "cursor of the next page"},
        }))
    }
}

/// `GET /api/users/{id}`: the user with preferences and a count of deliveries per status.
#[derive(Debug, Serialize)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: UserView,
    pub preferences: Preferences,
    pub deliveries: BTreeMap<String, i64>,
}

fn preferences() -> Value {
    json!({"type": "object", "description": "the user's preferences as stored"})
}

impl Schema for UserDetail {
    const NAME: &'static str = "UserDetail";
    fn schema() -> Value {
        let mut properties = user_properties();
        properties["preferences"] = preferences();
        properties["deliveries"] = counts("count of deliveries per status");
        exactly(properties)
    }
}

/// `PUT /api/users/{id}/preferences`: the preferences after the change.
#[derive(Debug, Serialize)]
pub struct PreferencesChanged {
    pub preferences: Preferences,
}

impl Schema for PreferencesChanged {
    const NAME: &'static str = "PreferencesChanged";
    fn schema() -> Value {
        exactly(json!({"preferences": preferences()}))
    }
}

/// `PUT` and `DELETE /api/users/{id}/tier`: the subscription after the change.
#[derive(Debug, Serialize)]
pub struct SubscriptionChanged {
    pub subscription: SubscriptionView,
}

impl Schema for SubscriptionChanged {
    const NAME: &'static str = "SubscriptionChanged";
    fn schema() -> Value {
        exactly(json!({"subscription": reference(SubscriptionView::NAME)}))
    }
}

/// `POST /api/users/{id}/activate` and `…/deactivate`.
#[derive(Debug, Serialize)]
pub struct Activity {
    pub is_active: bool,
}

impl Schema for Activity {
    const NAME: &'static str = "Activity";
    fn schema() -> Value {
        exactly(json!({"is_active": {"type": "boolean"}}))
    }
}
