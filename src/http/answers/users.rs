//! Answers of the admin API over users.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::{Schema, counts, exactly, reference, text_or_null, time, time_or_null};
use crate::domain::preferences::Preferences;
use crate::store::{ReferralCounts, Subscription, UserSummary};

impl Schema for Subscription {
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
        "subscription": reference(Subscription::NAME),
    })
}

/// A user as the admin API shows one: the stored user and subscription, internals left out.
impl Schema for UserSummary {
    const NAME: &'static str = "User";
    fn schema() -> Value {
        exactly(user_properties())
    }
}

/// `GET /api/users`.
#[derive(Debug, Serialize)]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    pub next: Option<String>,
}

impl Schema for UserPage {
    const NAME: &'static str = "UserPage";
    fn schema() -> Value {
        exactly(json!({
            "users": {"type": "array", "items": reference(UserSummary::NAME)},
            "next": {"type": ["string", "null"], "description": "cursor of the next page"},
        }))
    }
}

/// `GET /api/users/{id}`: the user with preferences and a count of deliveries per status.
#[derive(Debug, Serialize)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: UserSummary,
    pub preferences: Preferences,
    pub deliveries: BTreeMap<String, i64>,
    pub referrals: ReferralCounts,
}

/// The user's referral code (null until first needed), users who joined through it, and those of
/// them with a granted, unrefunded Stars payment.
fn referrals() -> Value {
    let count = json!({"type": "integer", "minimum": 0});
    exactly(json!({
        "code": text_or_null(),
        "joined": count,
        "paid": count,
    }))
}

pub(super) fn preferences() -> Value {
    json!({"type": "object", "description": "the user's preferences as stored"})
}

impl Schema for UserDetail {
    const NAME: &'static str = "UserDetail";
    fn schema() -> Value {
        let mut properties = user_properties();
        properties["preferences"] = preferences();
        properties["deliveries"] = counts("count of deliveries per status");
        properties["referrals"] = referrals();
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
    pub subscription: Subscription,
}

impl Schema for SubscriptionChanged {
    const NAME: &'static str = "SubscriptionChanged";
    fn schema() -> Value {
        exactly(json!({"subscription": reference(Subscription::NAME)}))
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
