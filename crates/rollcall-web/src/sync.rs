//! Syncing a teacher's classes: fetch from Clever, plan against the local snapshot, apply one
//! section per transaction, record the run. Single-flight per teacher: a second request while a
//! sync runs (login and the button at once) waits for that run and shares its outcome.

use std::collections::HashMap;
use std::sync::Arc;

use clever_client::AccessToken;
use futures::future::{BoxFuture, FutureExt, Shared};
use parking_lot::Mutex;
use rollcall_core::{CleverId, FetchErrorKind, SyncCounts, UserId};
use rollcall_store::SyncTrigger;

use crate::roster_source::fetch_roster;
use crate::state::AppState;

/// What a sync did, as the teacher sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    /// Added / updated / removed / unchanged / errors.
    pub counts: SyncCounts,
    /// Plain-words problems, one per section left untouched (or the reason nothing ran).
    pub problems: Vec<String>,
    /// Nothing was synced at all.
    pub failed: bool,
    /// The Clever authorization expired: the teacher must log in with Clever again.
    pub reconnect: bool,
}

type Flight = Shared<BoxFuture<'static, Arc<SyncOutcome>>>;

/// Syncs in flight, by teacher.
#[derive(Default)]
pub struct SyncFlights {
    running: Mutex<HashMap<UserId, Flight>>,
}

/// Runs (or joins) a sync of `teacher`'s classes.
pub async fn sync_teacher(
    state: &AppState,
    teacher: UserId,
    teacher_clever_id: CleverId,
    trigger: SyncTrigger,
) -> Arc<SyncOutcome> {
    let flight = {
        let mut running = state.sync_flights().running.lock();
        match running.get(&teacher) {
            Some(flight) => flight.clone(),
            None => {
                let task_state = state.clone();
                // Spawned, so the sync finishes (and is recorded) even if the request that
                // started it goes away.
                let handle = tokio::spawn(async move {
                    let outcome = run(&task_state, teacher, &teacher_clever_id, trigger).await;
                    task_state.sync_flights().running.lock().remove(&teacher);
                    Arc::new(outcome)
                });
                let flight = async move {
                    handle.await.unwrap_or_else(|_| {
                        Arc::new(SyncOutcome {
                            failed: true,
                            problems: vec![
                                "The sync stopped unexpectedly. Nothing was lost; please try again.".into(),
                            ],
                            ..SyncOutcome::default()
                        })
                    })
                }
                .boxed()
                .shared();
                running.insert(teacher, flight.clone());
                flight
            }
        }
    };
    flight.await
}

async fn run(state: &AppState, teacher: UserId, clever_id: &CleverId, trigger: SyncTrigger) -> SyncOutcome {
    let started = state.now();
    let timer = std::time::Instant::now();
    let outcome = match attempt(state, teacher, clever_id).await {
        Ok(outcome) => outcome,
        Err(problem) => SyncOutcome { failed: true, problems: vec![problem], ..SyncOutcome::default() },
    };
    let finished = state.now();
    state.metrics().sync(outcome.failed, outcome.counts.errors, timer.elapsed());
    if let Err(error) = state
        .store()
        .record_sync_run(
            teacher,
            trigger,
            started,
            finished,
            outcome.counts,
            &outcome.problems,
            outcome.failed,
        )
        .await
    {
        tracing::error!(%error, teacher = %teacher, "could not record a sync run");
    }
    tracing::info!(
        teacher = %teacher, trigger = trigger.as_str(), added = outcome.counts.added,
        updated = outcome.counts.updated, removed = outcome.counts.removed, errors = outcome.counts.errors,
        failed = outcome.failed, "sync finished"
    );
    outcome
}

/// One sync; `Err` carries the plain-words reason nothing was synced.
async fn attempt(state: &AppState, teacher: UserId, clever_id: &CleverId) -> Result<SyncOutcome, String> {
    let store = state.store();
    let internal = |e: rollcall_store::StoreError| {
        tracing::error!(error = %e, "sync store error");
        "Rollcall could not save the sync. Nothing was lost; please try again.".to_owned()
    };
    let reconnect = || SyncOutcome {
        failed: true,
        reconnect: true,
        problems: vec![rollcall_core::RECONNECT_ADVICE.into()],
        ..Default::default()
    };
    let Some(sealed) = store.clever_token(teacher).await.map_err(internal)? else {
        return Ok(reconnect());
    };
    if sealed.expires_at <= state.now() {
        return Ok(reconnect());
    }
    let token = match state.sealer().open(&sealed.sealed) {
        Ok(token) => AccessToken::new(token),
        Err(_) => return Ok(reconnect()),
    };
    let roster = match fetch_roster(state.clever(), &token, clever_id).await {
        Ok(roster) => roster,
        Err(e) if e.kind == FetchErrorKind::Unauthorized => return Ok(reconnect()),
        Err(e) => {
            tracing::warn!(detail = %e.detail, "sync: section list failed");
            return Err(e.advice().to_owned());
        }
    };
    let ids: Vec<CleverId> = roster.sections.iter().map(|s| s.section.clever_id.clone()).collect();
    let local = store.snapshot(teacher, &ids).await.map_err(internal)?;
    let plan = rollcall_core::plan(&local, &roster);
    let now = state.now();
    // A section with nothing to change is not written: "last synced" is the run's time, and an
    // idle repeat login then costs no section transactions on the single SQLite writer.
    for change in plan.sections.iter().filter(|c| !c.is_noop()) {
        store.apply_section(teacher, change, now).await.map_err(internal)?;
    }
    for unlink in &plan.unlinks {
        store.apply_unlink(teacher, unlink, now).await.map_err(internal)?;
    }
    let reconnect_needed = plan.skipped.iter().any(|s| s.error.kind == FetchErrorKind::Unauthorized);
    let problems = plan.skipped.iter().map(|s| format!("{}: {}", s.name, s.error.advice())).collect();
    Ok(SyncOutcome { counts: plan.counts(), problems, failed: false, reconnect: reconnect_needed })
}
