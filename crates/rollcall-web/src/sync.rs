//! Syncing a teacher's classes: fetch from Clever, plan against the local snapshot, write the
//! plan and the run's record in one store call ([`rollcall_store::SyncStore::apply_sync`]).
//! Single-flight per teacher: a second request while a sync runs (login and the button at once)
//! waits for that run and shares its outcome. A login's sync runs in the background
//! ([`SyncService::start_login`]): the dashboard shows at once and waits for it
//! ([`SyncService::settle`]).

use std::collections::HashMap;
use std::sync::Arc;

use clever_client::{AccessToken, CleverClient};
use futures::future::{BoxFuture, FutureExt, Shared};
use parking_lot::Mutex;
use rollcall_core::{
    CleverId, Clock, FetchError, FetchErrorKind, SectionChange, SyncCounts, SyncPlan, UserId,
};
use rollcall_store::{RunRecord, Store, SyncTrigger};

use crate::crypto::TokenSealer;
use crate::metrics::Metrics;
use crate::roster_source::{RosterLists, complete_roster, fetch_roster};

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
    /// Nothing ran here because another Rollcall process is syncing this teacher right now.
    pub in_progress: bool,
}

type Flight = Shared<BoxFuture<'static, Arc<SyncOutcome>>>;

/// Syncs teachers' classes: what a sync needs (the store, the Clever client, the clock, the
/// sealer of stored Clever tokens, the counters, how often the background job re-syncs) and
/// the syncs in flight in this process. Cheap to clone.
#[derive(Clone)]
pub struct SyncService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    clever: CleverClient,
    clock: Arc<dyn Clock>,
    sealer: TokenSealer,
    metrics: Arc<Metrics>,
    every: Option<time::Duration>,
    instance: String,
    running: Mutex<HashMap<UserId, Flight>>,
}

impl AsRef<SyncService> for SyncService {
    fn as_ref(&self) -> &SyncService {
        self
    }
}

impl SyncService {
    /// A sync service; `every` is how often the background job re-syncs a teacher (`None`:
    /// background sync is off).
    pub fn new(
        store: Arc<dyn Store>,
        clever: CleverClient,
        clock: Arc<dyn Clock>,
        sealer: TokenSealer,
        metrics: Arc<Metrics>,
        every: Option<time::Duration>,
    ) -> Self {
        let instance = crate::crypto::random_token();
        let running = Mutex::default();
        Self { inner: Arc::new(Inner { store, clever, clock, sealer, metrics, every, instance, running }) }
    }

    /// Runs (or joins) a sync of `teacher`'s classes, with the Clever token the store holds.
    pub async fn teacher(
        &self,
        teacher: UserId,
        clever_id: CleverId,
        trigger: SyncTrigger,
    ) -> Arc<SyncOutcome> {
        flight(
            self,
            SyncRequest { teacher, clever_id, trigger, token: None, roster: None, stopped: None },
            None,
        )
        .await
    }

    /// Starts the sync of a teacher's login in the background and returns at once: the login
    /// shows its first page while the sync runs (the dashboard says so and waits for it, see
    /// [`SyncService::settle`]). The sync uses the token the login just received, so it need not
    /// read it back and unseal it; `refresh` is what the login is still hearing from Clever
    /// (`None`: the sync asks for the roster itself). When the sync ends, the teacher's
    /// background job is scheduled (unless they must reconnect Clever).
    ///
    /// The sync is registered before this returns, so the first page finds it running. A sync
    /// already in flight is joined; the `refresh` then still runs, as it may store the login's
    /// profile and token.
    pub fn start_login(
        &self,
        teacher: UserId,
        clever_id: CleverId,
        token: AccessToken,
        refresh: Option<Refresh>,
    ) {
        let trigger = SyncTrigger::Login;
        let request =
            SyncRequest { teacher, clever_id, trigger, token: Some(token), roster: None, stopped: None };
        let flight = flight(self, request, refresh);
        let sync = self.clone();
        tokio::spawn(async move {
            if !flight.await.reconnect {
                sync.schedule_next(teacher).await;
            }
        });
    }

    /// Schedules the teacher's background sync `every` from now (or keeps an earlier time), if
    /// background sync is on. Failures are logged, never shown: the sync that just ran stands.
    pub async fn schedule_next(&self, teacher: UserId) {
        let Some(every) = self.every() else { return };
        let now = self.now();
        if let Err(error) = self.store().schedule_sync(teacher, now + every, now).await {
            tracing::error!(%error, teacher = %teacher, "could not schedule a background sync");
        }
    }

    /// Whether a sync of the teacher's classes is running, in this process or another.
    pub async fn syncing(&self, teacher: UserId) -> bool {
        if self.inner.running.lock().contains_key(&teacher) {
            return true;
        }
        self.store().sync_in_progress(teacher, self.now()).await.unwrap_or_else(|error| {
            tracing::warn!(%error, teacher = %teacher, "could not read whether a sync is running");
            false
        })
    }

    /// Waits up to `limit` for the sync of the teacher's classes running now (in this process or
    /// another) to end; returns whether none is running any more.
    pub async fn settle(&self, teacher: UserId, limit: std::time::Duration) -> bool {
        let here = self.inner.running.lock().get(&teacher).cloned();
        if let Some(flight) = here {
            return tokio::time::timeout(limit, flight).await.is_ok();
        }
        // Another process's sync: its lease goes when its run is recorded.
        let waiting = async {
            while self.syncing(teacher).await {
                tokio::time::sleep(LEASE_POLL).await;
            }
        };
        tokio::time::timeout(limit, waiting).await.is_ok()
    }

    /// A random id for this app instance (replica), as the holder of a sync lease.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// How often the background job re-syncs a teacher (`None`: it is off).
    pub fn every(&self) -> Option<time::Duration> {
        self.inner.every
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }
}

/// Runs (or joins) a sync of `teacher`'s classes, with the Clever token the store holds: the
/// entry point for whatever holds a [`SyncService`] (the app's state, `rollcall sync`).
pub async fn sync_teacher(
    sync: &impl AsRef<SyncService>,
    teacher: UserId,
    teacher_clever_id: CleverId,
    trigger: SyncTrigger,
) -> Arc<SyncOutcome> {
    sync.as_ref().teacher(teacher, teacher_clever_id, trigger).await
}

/// Whose sync, started how, with which token (`None`: the one the store holds).
struct SyncRequest {
    teacher: UserId,
    clever_id: CleverId,
    trigger: SyncTrigger,
    token: Option<AccessToken>,
    /// Clever's answer for the roster's two lists, once the login's [`Refresh`] has given it.
    roster: Option<Arc<RosterLists>>,
    /// Set when the login's [`Refresh`] ended the sync before it began.
    stopped: Option<SyncOutcome>,
}

/// What a login is still hearing from Clever when its sync starts: the two roster lists, asked
/// during the login (see `Logins::identify`), and for a returning teacher signed in on `/me`'s
/// word the user record too (the profile and token are stored from it, as at every login). It
/// gives the lists, or the outcome that stops the sync.
pub type Refresh = BoxFuture<'static, Result<Arc<RosterLists>, SyncOutcome>>;

/// The sync of `request.teacher` in flight, started if none is; it runs on a task of its own,
/// so it finishes (and is recorded) even if whoever started it goes away.
fn flight(sync: &SyncService, request: SyncRequest, refresh: Option<Refresh>) -> Flight {
    let teacher = request.teacher;
    let mut running = sync.inner.running.lock();
    if let Some(flight) = running.get(&teacher) {
        if let Some(refresh) = refresh {
            tokio::spawn(refresh);
        }
        return flight.clone();
    }
    let task = sync.clone();
    let handle = tokio::spawn(async move {
        let outcome = run(&task, request, refresh).await;
        task.inner.running.lock().remove(&teacher);
        Arc::new(outcome)
    });
    let flight = async move {
        handle.await.unwrap_or_else(|_| {
            Arc::new(SyncOutcome {
                failed: true,
                problems: vec!["The sync stopped unexpectedly. Nothing was lost; please try again.".into()],
                ..SyncOutcome::default()
            })
        })
    }
    .boxed()
    .shared();
    running.insert(teacher, flight.clone());
    flight
}

/// How long a sync's lease lasts unless renewed. The holder renews it every [`LEASE_RENEWAL`]
/// while it syncs, however long that takes; a process that dies mid-sync (kill -9, a crash)
/// stops renewing, and its lease is taken over this long after its last renewal at the latest.
const SYNC_LEASE: time::Duration = time::Duration::seconds(60);

/// How often a sync renews its lease: well inside [`SYNC_LEASE`], so a slow store round trip
/// never lets a live sync's lease run out.
const LEASE_RENEWAL: std::time::Duration = std::time::Duration::from_secs(20);

/// How often a replica waiting for another's sync of the same teacher looks again.
const LEASE_POLL: std::time::Duration = std::time::Duration::from_millis(200);

async fn run(sync: &SyncService, mut request: SyncRequest, refresh: Option<Refresh>) -> SyncOutcome {
    // Across replicas: only the holder of the teacher's lease syncs; another replica's request
    // waits and shares the result that replica records.
    // Someone in front of a page (a login, the button) is never kept waiting for another
    // process's sync; `rollcall sync` and background jobs wait for it, and share its result.
    let waits = matches!(request.trigger, SyncTrigger::Cli | SyncTrigger::Background);
    // A login may still be hearing from Clever (the roster lists; a returning teacher's user
    // record too): that goes on while the lease is taken, and runs to its end whatever the lease
    // says (it may store the login's profile and token).
    let lease = match refresh {
        Some(refresh) => {
            let (lease, lists) = tokio::join!(wait_for_lease(sync, request.teacher, waits), refresh);
            match lists {
                Ok(lists) => request.roster = Some(lists),
                Err(outcome) => request.stopped = Some(outcome),
            }
            lease
        }
        None => wait_for_lease(sync, request.teacher, waits).await,
    };
    match lease {
        Lease::Held => {}
        Lease::SyncedElsewhere(outcome) => return outcome,
        Lease::Busy => {
            // The teacher's dashboard says the other sync is running and shows its result.
            return SyncOutcome { in_progress: true, ..SyncOutcome::default() };
        }
        Lease::Unavailable => {} // the store is failing; the sync will report it
    }
    // Records the run and gives the lease back (in one transaction), renewing the lease while
    // it runs.
    let _renewing = Renewal(tokio::spawn(renew_lease(sync.clone(), request.teacher)));
    run_holding_lease(sync, &request).await
}

/// Renews the teacher's lease every [`LEASE_RENEWAL`] until aborted.
async fn renew_lease(sync: SyncService, teacher: UserId) {
    loop {
        tokio::time::sleep(LEASE_RENEWAL).await;
        match sync.store().take_sync_lease(teacher, sync.instance(), sync.now(), SYNC_LEASE).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(teacher = %teacher, "a sync's lease was taken over while it ran"),
            Err(error) => tracing::warn!(%error, teacher = %teacher, "could not renew a sync lease"),
        }
    }
}

/// Stops renewing when the sync ends — however it ends (finished, failed, or dropped).
struct Renewal(tokio::task::JoinHandle<()>);

impl Drop for Renewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

enum Lease {
    Held,
    SyncedElsewhere(SyncOutcome),
    /// Another process holds the lease and the caller does not wait.
    Busy,
    Unavailable,
}

/// Takes the teacher's sync lease, waiting while another replica holds it. If that replica
/// recorded a sync run meanwhile, its outcome is returned instead of syncing again.
async fn wait_for_lease(sync: &SyncService, teacher: UserId, waits: bool) -> Lease {
    let store = sync.store();
    let latest = |runs: Vec<rollcall_store::SyncRun>| runs.into_iter().next();
    let before = match store.sync_runs(teacher, 1).await {
        Ok(runs) => latest(runs).map(|r| r.id),
        Err(_) => return Lease::Unavailable,
    };
    let mut waited = false;
    loop {
        match store.take_sync_lease(teacher, sync.instance(), sync.now(), SYNC_LEASE).await {
            Ok(true) if !waited => return Lease::Held,
            Ok(true) => {
                let newer =
                    store.sync_runs(teacher, 1).await.ok().and_then(latest).filter(|r| Some(r.id) != before);
                return match newer {
                    Some(run) => {
                        let _ = store.release_sync_lease(teacher, sync.instance()).await;
                        Lease::SyncedElsewhere(outcome_of(run))
                    }
                    None => Lease::Held,
                };
            }
            Ok(false) if !waits => return Lease::Busy,
            Ok(false) => {
                if !waited {
                    tracing::info!(
                        teacher = %teacher,
                        "waiting: another Rollcall process is syncing this teacher's classes \
                         (its lease runs out within a minute if that process has stopped)"
                    );
                }
                waited = true;
                tokio::time::sleep(LEASE_POLL).await;
            }
            Err(error) => {
                tracing::warn!(%error, teacher = %teacher, "could not take a sync lease");
                return Lease::Unavailable;
            }
        }
    }
}

/// The outcome another replica's run recorded.
fn outcome_of(run: rollcall_store::SyncRun) -> SyncOutcome {
    SyncOutcome {
        counts: run.counts,
        problems: run.problems,
        failed: run.failed,
        reconnect: run.needs_reconnect,
        in_progress: false,
    }
}

async fn run_holding_lease(sync: &SyncService, request: &SyncRequest) -> SyncOutcome {
    let (teacher, trigger) = (request.teacher, request.trigger);
    let started = sync.now();
    let timer = std::time::Instant::now();
    let store = sync.store();
    let record = |outcome: &SyncOutcome, finished_at| RunRecord {
        trigger,
        started_at: started,
        finished_at,
        counts: outcome.counts,
        problems: outcome.problems.clone(),
        failed: outcome.failed,
        needs_reconnect: outcome.reconnect,
        lease_holder: Some(sync.instance().to_owned()),
    };
    // A planned sync is written whole, with its run's record and the lease's return, in one
    // call; a sync that stopped before writing anything (or failed to write) is only recorded.
    let (outcome, written) = match attempt(sync, request).await {
        Ok(Attempt::Planned { plan, outcome }) => {
            let now = sync.now();
            // A section with nothing to change is not written: "last synced" is the run's time,
            // and an idle repeat login then writes only the run on the single SQLite writer.
            let changes: Vec<SectionChange> = plan.sections.into_iter().filter(|c| !c.is_noop()).collect();
            match store.apply_sync(teacher, &changes, &plan.unlinks, now, Some(&record(&outcome, now))).await
            {
                Ok(_) => (outcome, true),
                Err(error) => {
                    tracing::error!(%error, teacher = %teacher, "sync store error");
                    (stopped(SAVE_FAILED), false)
                }
            }
        }
        Ok(Attempt::Stopped(outcome)) => (outcome, false),
        Err(problem) => (stopped(&problem), false),
    };
    sync.inner.metrics.sync(outcome.failed, outcome.counts.errors, timer.elapsed());
    if !written {
        // The lease goes back with the run's record, so a replica waiting for it finds the run.
        let now = sync.now();
        if let Err(error) = store.record_sync_run(teacher, &record(&outcome, now)).await {
            tracing::error!(%error, teacher = %teacher, "could not record a sync run");
            if let Err(error) = store.release_sync_lease(teacher, sync.instance()).await {
                tracing::warn!(%error, teacher = %teacher, "could not release a sync lease (it will run out)");
            }
        }
    }
    tracing::info!(
        teacher = %teacher, trigger = trigger.as_str(), added = outcome.counts.added,
        updated = outcome.counts.updated, removed = outcome.counts.removed, errors = outcome.counts.errors,
        failed = outcome.failed, "sync finished"
    );
    outcome
}

/// What the teacher reads when the store failed mid-sync.
pub(crate) const SAVE_FAILED: &str = "Rollcall could not save the sync. Nothing was lost; please try again.";

/// A sync that did nothing, for this reason.
pub(crate) fn stopped(problem: &str) -> SyncOutcome {
    SyncOutcome { failed: true, problems: vec![problem.to_owned()], ..SyncOutcome::default() }
}

/// A sync that did nothing because Clever answered with `error`: the teacher reconnects if
/// Clever no longer accepts the token, else reads the error's advice.
pub(crate) fn stopped_by(error: &FetchError) -> SyncOutcome {
    if error.kind == FetchErrorKind::Unauthorized {
        return SyncOutcome { reconnect: true, ..stopped(rollcall_core::RECONNECT_ADVICE) };
    }
    stopped(error.advice())
}

/// How far a sync got before writing anything.
enum Attempt {
    /// The roster was fetched and planned: the plan (sections left untouched because Clever
    /// failed for them are already out of it) and the outcome it will have once written.
    Planned { plan: SyncPlan, outcome: SyncOutcome },
    /// Nothing to write: the teacher must reconnect Clever, or the login's refresh said why not.
    Stopped(SyncOutcome),
}

/// Fetches and plans one sync; `Err` carries the plain-words reason nothing was synced.
async fn attempt(sync: &SyncService, request: &SyncRequest) -> Result<Attempt, String> {
    let (teacher, clever_id) = (request.teacher, &request.clever_id);
    let store = sync.store();
    let internal = |e: rollcall_store::StoreError| {
        tracing::error!(error = %e, "sync store error");
        SAVE_FAILED.to_owned()
    };
    if let Some(outcome) = &request.stopped {
        return Ok(Attempt::Stopped(outcome.clone()));
    }
    let unauthorized = FetchError { kind: FetchErrorKind::Unauthorized, detail: String::new() };
    let reconnect = || Attempt::Stopped(stopped_by(&unauthorized));
    let token = match &request.token {
        Some(token) => token.clone(),
        None => {
            let Some(sealed) = store.clever_token(teacher).await.map_err(internal)? else {
                return Ok(reconnect());
            };
            if sealed.expires_at <= sync.now() {
                return Ok(reconnect());
            }
            match sync.inner.sealer.open(&sealed.sealed) {
                Ok(token) => AccessToken::new(token),
                Err(_) => return Ok(reconnect()),
            }
        }
    };
    let answer = match &request.roster {
        Some(lists) => complete_roster(&sync.inner.clever, &token, RosterLists::clone(lists)).await,
        None => fetch_roster(&sync.inner.clever, &token, clever_id).await,
    };
    let roster = match answer {
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
    let reconnect_needed = plan.skipped.iter().any(|s| s.error.kind == FetchErrorKind::Unauthorized);
    let skipped = plan.skipped.iter().map(|s| format!("{}: {}", s.name, s.error.advice()));
    let unknown = plan
        .sections
        .iter()
        .filter(|c| !c.section.roster_known)
        .map(|c| format!("{}: {}", c.section.name, rollcall_core::ROSTER_UNKNOWN_ADVICE));
    let problems = skipped.chain(unknown).collect();
    let outcome = SyncOutcome {
        counts: plan.counts(),
        problems,
        failed: false,
        reconnect: reconnect_needed,
        in_progress: false,
    };
    Ok(Attempt::Planned { plan, outcome })
}
