//! Sessions and exactly-once OAuth callbacks.

use std::sync::Arc;

use rollcall_store::{CallbackClaim, Session, Store, StoreError};
use time::Duration;

use super::{at, teacher};

pub async fn sessions_expire(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let s = Session {
        id_hash: [7; 32],
        user_id: t.id,
        csrf_token: "csrf".to_owned(),
        created_at: at(0),
        expires_at: at(60),
    };
    store.create_session(&s).await.unwrap();
    assert_eq!(store.session(&[7; 32], at(59)).await.unwrap().map(|(s, _)| s), Some(s.clone()));
    let (_, account) = store.session(&[7; 32], at(59)).await.unwrap().unwrap();
    assert_eq!(account, t, "the session's account comes with it");
    assert_eq!(store.session(&[8; 32], at(1)).await.unwrap().map(|(s, _)| s), None, "unknown cookie");
    assert_eq!(store.session(&[7; 32], at(60)).await.unwrap().map(|(s, _)| s), None, "expired at expires_at");
    assert_eq!(
        store.session(&[7; 32], at(60) - Duration::milliseconds(1)).await.unwrap().map(|(s, _)| s),
        Some(s.clone())
    );
    store.delete_session(&[7; 32]).await.unwrap();
    assert_eq!(store.session(&[7; 32], at(1)).await.unwrap().map(|(s, _)| s), None);
    store.delete_session(&[7; 32]).await.unwrap();
}

pub async fn callbacks_are_claimed_once(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let (ok, bad) = ([1; 32], [2; 32]);

    let claims = futures::future::join_all((0..8).map(|_| store.claim_callback(&ok, at(0)))).await;
    let claims: Vec<_> = claims.into_iter().map(Result::unwrap).collect();
    assert_eq!(claims.iter().filter(|c| **c == CallbackClaim::First).count(), 1);
    assert!(claims.iter().all(|c| matches!(c, CallbackClaim::First | CallbackClaim::InProgress)));

    store.finish_callback(&ok, Some(t.id)).await.unwrap();
    assert_eq!(store.claim_callback(&ok, at(1)).await.unwrap(), CallbackClaim::Done(t.id));

    assert_eq!(store.claim_callback(&bad, at(1)).await.unwrap(), CallbackClaim::First);
    store.finish_callback(&bad, None).await.unwrap();
    assert_eq!(store.claim_callback(&bad, at(2)).await.unwrap(), CallbackClaim::Failed);

    // Long after Clever's code died, the hash can be claimed afresh.
    assert_eq!(store.claim_callback(&ok, at(30)).await.unwrap(), CallbackClaim::First);
    let err = store.finish_callback(&[3; 32], None).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
}

pub async fn a_login_finishes_with_its_session(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let s = Session {
        id_hash: [7; 32],
        user_id: t.id,
        csrf_token: "csrf".to_owned(),
        created_at: at(0),
        expires_at: at(60),
    };
    assert_eq!(store.claim_callback(&[1; 32], at(0)).await.unwrap(), CallbackClaim::First);
    store.finish_callback_with_session(&[1; 32], &s).await.unwrap();
    assert_eq!(store.claim_callback(&[1; 32], at(1)).await.unwrap(), CallbackClaim::Done(t.id));
    assert_eq!(store.session(&[7; 32], at(1)).await.unwrap().map(|(s, _)| s), Some(s.clone()));

    // A code nobody claimed: refused, and no session is left behind.
    let stray = Session { id_hash: [8; 32], ..s.clone() };
    let err = store.finish_callback_with_session(&[2; 32], &stray).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(store.session(&[8; 32], at(1)).await.unwrap().map(|(s, _)| s), None);

    // Failing part-way (the session's id is taken) changes nothing, and the store writes on.
    assert_eq!(store.claim_callback(&[3; 32], at(2)).await.unwrap(), CallbackClaim::First);
    store.finish_callback_with_session(&[3; 32], &s).await.unwrap_err();
    assert_eq!(store.claim_callback(&[3; 32], at(2)).await.unwrap(), CallbackClaim::InProgress, "still open");
    store.finish_callback(&[3; 32], None).await.unwrap();
    assert_eq!(store.claim_callback(&[3; 32], at(3)).await.unwrap(), CallbackClaim::Failed);
    assert_eq!(store.session(&[7; 32], at(3)).await.unwrap().map(|(s, _)| s), Some(s));
}

backend_tests!(sessions_expire, callbacks_are_claimed_once, a_login_finishes_with_its_session,);
