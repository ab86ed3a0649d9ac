//! Background sync jobs: one per teacher, claimed by exactly one worker, reclaimable when a
//! worker's lease runs out.

use std::sync::Arc;

use rollcall_store::Store;
use time::Duration;

use super::{at, teacher};

const LEASE: Duration = Duration::minutes(5);

pub async fn twenty_concurrent_claimers_get_one_job_once(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    store.schedule_sync(t.id, at(10), at(0)).await.unwrap();
    assert_eq!(store.claim_sync_job("early", at(9), LEASE).await.unwrap(), None, "not due yet");

    let workers: Vec<String> = (0..20).map(|i| format!("worker-{i}")).collect();
    let claims =
        futures::future::join_all(workers.iter().map(|w| store.claim_sync_job(w, at(10), LEASE))).await;
    let won: Vec<_> = claims.into_iter().filter_map(Result::unwrap).collect();
    assert_eq!(won.len(), 1, "exactly one claimer gets the job: {won:?}");
    let job = &won[0];
    assert_eq!(job.user_id, t.id);
    assert_eq!(job.claimed_until, Some(at(10) + LEASE));
    assert_eq!(job.attempts, 1);
    assert_eq!(job.created_at, at(0));
    let holder = job.claimed_by.clone().unwrap();
    assert!(workers.contains(&holder));
    assert_eq!(store.sync_job(t.id).await.unwrap().as_ref(), Some(job));
    assert_eq!(store.claim_sync_job("late", at(11), LEASE).await.unwrap(), None, "held");
}

pub async fn an_expired_lease_is_reclaimed_and_the_stale_holder_cannot_finish(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    store.schedule_sync(t.id, at(0), at(0)).await.unwrap();
    let a = store.claim_sync_job("a", at(1), LEASE).await.unwrap().unwrap();
    assert_eq!(a.claimed_by.as_deref(), Some("a"));
    assert_eq!(store.claim_sync_job("b", at(5), LEASE).await.unwrap(), None, "a's lease is live");

    // `a` dies; at the end of its lease the job is due again.
    let b = store.claim_sync_job("b", at(6), LEASE).await.unwrap().unwrap();
    assert_eq!((b.claimed_by.as_deref(), b.attempts), (Some("b"), 2));
    assert!(!store.finish_sync_job(t.id, "a", Some(at(100)), None).await.unwrap(), "a no longer holds it");
    assert!(!store.finish_sync_job(t.id, "a", None, None).await.unwrap());
    assert_eq!(store.sync_job(t.id).await.unwrap(), Some(b.clone()), "unchanged by the stale holder");

    assert!(store.finish_sync_job(t.id, "b", Some(at(60)), Some("Clever is slow")).await.unwrap());
    let job = store.sync_job(t.id).await.unwrap().unwrap();
    assert_eq!((job.run_after, job.claimed_by, job.claimed_until), (at(60), None, None));
    assert_eq!((job.attempts, job.last_error.as_deref()), (2, Some("Clever is slow")));
    assert!(!store.finish_sync_job(t.id, "b", Some(at(70)), None).await.unwrap(), "finished already");

    assert_eq!(store.claim_sync_job("c", at(59), LEASE).await.unwrap(), None);
    let c = store.claim_sync_job("c", at(60), LEASE).await.unwrap().unwrap();
    assert_eq!(c.attempts, 3);
    assert!(store.finish_sync_job(t.id, "c", Some(at(120)), None).await.unwrap());
    let job = store.sync_job(t.id).await.unwrap().unwrap();
    assert_eq!((job.attempts, job.last_error), (0, None), "a good run resets the count");
}

pub async fn finishing_without_a_next_run_removes_the_job(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    store.schedule_sync(t.id, at(0), at(0)).await.unwrap();
    store.claim_sync_job("a", at(0), LEASE).await.unwrap().unwrap();
    assert!(store.finish_sync_job(t.id, "a", None, Some("reconnect")).await.unwrap());
    assert_eq!(store.sync_job(t.id).await.unwrap(), None);
    assert_eq!(store.claim_sync_job("a", at(100), LEASE).await.unwrap(), None);
    assert!(!store.finish_sync_job(t.id, "a", None, None).await.unwrap(), "no job");
}

pub async fn scheduling_keeps_one_job_at_the_earliest_time(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let u = teacher(&*store, "t2", "Uma", "Ode").await;
    store.schedule_sync(t.id, at(30), at(0)).await.unwrap();
    store.schedule_sync(t.id, at(60), at(1)).await.unwrap();
    let job = store.sync_job(t.id).await.unwrap().unwrap();
    assert_eq!((job.run_after, job.created_at), (at(30), at(0)), "a later time changes nothing");
    store.schedule_sync(t.id, at(20), at(2)).await.unwrap();
    assert_eq!(store.sync_job(t.id).await.unwrap().unwrap().run_after, at(20), "an earlier one wins");
    futures::future::join_all((0..10).map(|i| store.schedule_sync(u.id, at(40 + i), at(3)))).await;
    assert_eq!(store.sync_job(u.id).await.unwrap().unwrap().run_after, at(40), "racing schedules");

    // Due jobs are claimed earliest first, one per teacher.
    let first = store.claim_sync_job("w", at(100), LEASE).await.unwrap().unwrap();
    let second = store.claim_sync_job("w", at(100), LEASE).await.unwrap().unwrap();
    assert_eq!((first.user_id, second.user_id), (t.id, u.id));
    assert_eq!(store.claim_sync_job("w", at(100), LEASE).await.unwrap(), None);

    // Scheduling a held job moves its time but keeps its holder.
    store.schedule_sync(t.id, at(0), at(100)).await.unwrap();
    let held = store.sync_job(t.id).await.unwrap().unwrap();
    assert_eq!((held.run_after, held.claimed_by.as_deref()), (at(0), Some("w")));
    assert_eq!(store.claim_sync_job("x", at(101), LEASE).await.unwrap(), None);
}

backend_tests!(
    twenty_concurrent_claimers_get_one_job_once,
    an_expired_lease_is_reclaimed_and_the_stale_holder_cannot_finish,
    finishing_without_a_next_run_removes_the_job,
    scheduling_keeps_one_job_at_the_earliest_time,
);
