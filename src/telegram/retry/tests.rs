use super::*;

fn transient() -> SendFailure {
    SendFailure::Transient("Bad Gateway".into())
}

fn uncertain() -> SendFailure {
    SendFailure::Uncertain("network: timed out".into())
}

fn rate_limited(seconds: u64) -> SendFailure {
    SendFailure::RetryAfter(Duration::from_secs(seconds))
}

#[test]
fn backoff_grows_and_is_capped() {
    assert_eq!(backoff(1, 0.5), Duration::from_millis(500));
    assert_eq!(backoff(3, 0.5), Duration::from_secs(2));
    assert_eq!(backoff(30, 0.5), Duration::from_secs(60));
    assert!(backoff(2, 0.0) < backoff(2, 1.0));
    assert!(backoff(2, 1.0) <= Duration::from_secs_f64(1.2));
}

#[test]
fn a_429_waits_telegrams_delay_until_the_chat_is_given_up_on() {
    for policy in [RetryPolicy::deliveries(8), RetryPolicy::REPORTS] {
        let wait = Decision::Retry {
            after: Duration::from_secs(7),
            uncertain: false,
        };
        assert_eq!(policy.decide(&rate_limited(7), 1, 0.5), wait);
        assert_eq!(policy.decide(&rate_limited(7), 29, 0.5), wait);
        assert_eq!(policy.decide(&rate_limited(7), 30, 0.5), Decision::GiveUp);
    }
}

#[test]
fn a_reply_waits_out_three_429s_and_nothing_else() {
    let policy = RetryPolicy::REPLIES;
    for attempts in 1..=3 {
        assert!(matches!(
            policy.decide(&rate_limited(1), attempts, 0.5),
            Decision::Retry { .. }
        ));
    }
    assert_eq!(policy.decide(&rate_limited(1), 4, 0.5), Decision::GiveUp);
    assert_eq!(policy.decide(&transient(), 1, 0.5), Decision::GiveUp);
    assert_eq!(
        policy.decide(&uncertain(), 1, 0.5),
        Decision::LeaveUncertain
    );
}

#[test]
fn a_delivery_backs_off_then_fails_and_resends_a_cut_request_flagged() {
    let policy = RetryPolicy::deliveries(3);
    assert_eq!(
        policy.decide(&transient(), 2, 0.5),
        Decision::Retry {
            after: Duration::from_secs(1),
            uncertain: false
        }
    );
    assert_eq!(
        policy.decide(&uncertain(), 1, 0.5),
        Decision::Retry {
            after: Duration::from_millis(500),
            uncertain: true
        }
    );
    assert_eq!(policy.decide(&transient(), 3, 0.5), Decision::GiveUp);
    assert_eq!(policy.decide(&uncertain(), 3, 0.5), Decision::GiveUp);
}

#[test]
fn a_report_is_never_sent_twice_after_a_cut_request() {
    let policy = RetryPolicy::REPORTS;
    for attempts in [1, 6, 7] {
        assert_eq!(
            policy.decide(&uncertain(), attempts, 0.5),
            Decision::LeaveUncertain
        );
    }
    assert!(matches!(
        policy.decide(&transient(), 5, 0.5),
        Decision::Retry {
            uncertain: false,
            ..
        }
    ));
    assert_eq!(policy.decide(&transient(), 6, 0.5), Decision::GiveUp);
}

#[test]
fn blocked_and_rejected_are_never_retried() {
    for policy in [
        RetryPolicy::deliveries(8),
        RetryPolicy::REPORTS,
        RetryPolicy::REPLIES,
    ] {
        let blocked = SendFailure::Blocked("Forbidden: bot was blocked by the user".into());
        assert_eq!(policy.decide(&blocked, 1, 0.5), Decision::ChatBlocked);
        let rejected = SendFailure::Permanent("Bad Request: chat not found".into());
        assert_eq!(policy.decide(&rejected, 1, 0.5), Decision::GiveUp);
    }
}

#[test]
fn outcomes_carry_the_words_the_rows_keep() {
    let now = Utc::now();
    let policy = RetryPolicy::deliveries(8);
    assert!(matches!(
        policy.outcome(&rate_limited(7), 1, now),
        DeliveryOutcome::Retry { at, error, uncertain: false }
            if at == now + chrono::Duration::seconds(7) && error == "Too Many Requests: retry after 7"
    ));
    assert!(matches!(
        policy.outcome(&rate_limited(7), 30, now),
        DeliveryOutcome::Failed { error } if error == "Too Many Requests: gave up"
    ));
    assert!(matches!(
        policy.outcome(&transient(), 8, now),
        DeliveryOutcome::Failed { error } if error == "Bad Gateway"
    ));
    let blocked = SendFailure::Blocked("Forbidden: user is deactivated".into());
    assert!(matches!(
        policy.outcome(&blocked, 1, now),
        DeliveryOutcome::Blocked { error } if error == "Forbidden: user is deactivated"
    ));
    assert!(matches!(
        RetryPolicy::REPORTS.outcome(&uncertain(), 1, now),
        DeliveryOutcome::Retry { at, error, uncertain: true }
            if at == now && error == "network: timed out"
    ));
}
