//! `GET /healthz`: liveness and database readiness, for load balancers and `rollcall demo`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rollcall_core::UserId;
use serde_json::{Value, json};

use crate::state::AppState;

/// 200 `{"status":"ok"}` when the database answers, else 503.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store().user(UserId(0)).await {
        Ok(_) => (StatusCode::OK, Json(json!({"status": "ok"}))),
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "database unavailable"})))
        }
    }
}
