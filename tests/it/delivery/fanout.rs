//! The fan-out under crashes: Herald killed right after the 202 or halfway through writing a
//! signal's rows loses no recipient and writes none twice; the next process picks the job up
//! where the last committed chunk left it. (Killed mid-send: `queue::killed_mid_broadcast`.)

use std::time::Duration;

use herald::store::{Backend, DeliveryStatus, FanoutPhase};
use telegram_emulator::{Emulator, EmulatorConfig};

use super::queue::{assert_once_or_flagged, limits, post, signal_messages};
use crate::harness::app::{WAIT, buy_signal};
use crate::harness::db::{TestDb, settled};
use crate::harness::process::{HeraldProcess, seed_subscribers};

const RECIPIENTS: usize = 800;
/// Four recipients per transaction: 200 chunks, so a kill lands between two of them.
const CHUNK: &str = "4";
const RATE: u32 = 400;

#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// As soon as the 202 is in: the job is committed, few or none of its rows are.
    AfterAccept,
    /// Once some chunks are written (and some of them sent), before the last.
    MidExpansion,
}

async fn killed_during_fanout(backend: Backend, point: KillPoint) {
    let emulator = Emulator::start(EmulatorConfig {
        limits: limits(RATE),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let chats = seed_subscribers(&store, &emulator, RECIPIENTS).await;
    let env = [
        ("HERALD_GLOBAL_RATE", RATE.to_string()),
        ("HERALD_FANOUT_CHUNK", CHUNK.to_owned()),
    ];

    let first = HeraldProcess::start(&emulator, &db.url, &env).await;
    first.wait_for_log("elected leader").await;
    let accepted = post(&first.api, &buy_signal()).await;
    assert_eq!(accepted["recipients"], RECIPIENTS);
    let id = accepted["id"].as_str().unwrap().parse().unwrap();
    if let KillPoint::MidExpansion = point {
        let deadline = tokio::time::Instant::now() + WAIT;
        while store.fanout_job(id).await.unwrap().unwrap().written < 40 {
            assert!(tokio::time::Instant::now() < deadline, "no chunk written");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    first.kill().await;
    let job = store.fanout_job(id).await.unwrap().unwrap();
    assert_ne!(
        job.cursor.phase,
        FanoutPhase::Done,
        "the crash came before the fan-out was written out ({point:?})"
    );
    let written_before_restart = job.written;

    let second = HeraldProcess::start(&emulator, &db.url, &env).await;
    second.wait_for_log("elected leader").await;
    // 200 transactions and 800 paced sends: slow on a loaded machine, and not what is measured.
    let deadline = tokio::time::Instant::now() + 4 * WAIT;
    while !settled(&store).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the restarted herald did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = store.deliveries_of_signal(id).await.unwrap();
    assert_eq!(rows.len(), RECIPIENTS, "one row per recipient, none twice");
    let received = signal_messages(&emulator, &chats);
    // In flight at the kill: as many as fill the rate at the latency seen (rate × latency × 1.5),
    // which on a loaded machine can reach half a second's worth; never more than a second's.
    let flagged = assert_once_or_flagged(&received, RATE as usize, 1);
    let counts = store.delivery_counts(id).await.unwrap();
    assert_eq!(
        counts.get(&DeliveryStatus::Sent),
        Some(&(RECIPIENTS as i64)),
        "{counts:?}"
    );
    assert_eq!(emulator.counters().rate_limited, 0);
    println!(
        "{point:?}: killed with {written_before_restart} rows written; {flagged} chats got a flagged copy"
    );
    assert_eq!(second.terminate().await.code(), Some(0));
}

async fn killed_after_the_202(backend: Backend) {
    killed_during_fanout(backend, KillPoint::AfterAccept).await;
}
crate::both_backends!(crash_after_accept_loses_nothing, killed_after_the_202);

async fn killed_mid_expansion(backend: Backend) {
    killed_during_fanout(backend, KillPoint::MidExpansion).await;
}
crate::both_backends!(crash_mid_expansion_loses_nothing, killed_mid_expansion);
