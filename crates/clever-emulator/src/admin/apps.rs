//! `/__admin/apps`: registered OAuth clients. Listings never include secrets.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::{AdminError, AdminResult, ErrorBody, parse_json};
use crate::ids::digest;
use crate::model::{AppKind, AppRec};
use crate::seed::validate_redirect_uri;
use crate::state::Emulator;

/// An app as listed (no secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppView {
    /// OAuth client id.
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// `library` or `district`.
    pub kind: &'static str,
    /// Registered redirect URIs, primary first.
    pub redirect_uris: Vec<String>,
    /// Ids of the districts that authorized a district app.
    pub districts: Vec<String>,
}

impl From<&AppRec> for AppView {
    fn from(app: &AppRec) -> Self {
        Self {
            client_id: app.client_id.clone(),
            name: app.name.clone(),
            kind: match app.kind {
                AppKind::Library => "library",
                AppKind::District => "district",
            },
            redirect_uris: app.redirect_uris.clone(),
            districts: app.districts.clone(),
        }
    }
}

/// A Library app to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApp {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// Display name (defaults to the client id).
    #[serde(default)]
    pub name: Option<String>,
    /// Redirect URIs, primary first; absolute http(s), no fragment.
    pub redirect_uris: Vec<String>,
    /// Only `library`: district apps need district tokens, which only a seed can set up.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub kind: Option<AppKind>,
}

/// Lists registered apps (never their secrets).
#[utoipa::path(get, path = "/__admin/apps", tag = "apps", responses((status = 200, body = Vec<AppView>)))]
pub async fn list(State(emulator): State<Emulator>) -> Json<Vec<AppView>> {
    Json(emulator.world().apps.values().map(AppView::from).collect())
}

/// Registers a Library app.
#[utoipa::path(post, path = "/__admin/apps", tag = "apps", request_body = NewApp,
    responses((status = 201, body = AppView), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(emulator): State<Emulator>,
    body: Bytes,
) -> AdminResult<(StatusCode, Json<AppView>)> {
    let new: NewApp = parse_json(&body)?;
    if new.kind == Some(AppKind::District) {
        return Err(AdminError::unprocessable(
            "district apps are registered in the seed (PUT /__admin/seed with kind = \"district\" and \
             districts = [...]) so their district tokens exist; POST /__admin/apps registers Library apps",
        ));
    }
    if new.client_id.is_empty() || new.client_secret.is_empty() {
        return Err(AdminError::unprocessable("client_id and client_secret must not be empty"));
    }
    if new.redirect_uris.is_empty() {
        return Err(AdminError::unprocessable("give at least one redirect URI"));
    }
    for uri in &new.redirect_uris {
        validate_redirect_uri(uri)
            .map_err(|why| AdminError::unprocessable(format!("redirect URI {uri:?} {why}")))?;
    }
    let mut world = emulator.world_mut();
    if world.apps.contains_key(&new.client_id) {
        return Err(AdminError::conflict(format!(
            "an app with client_id {:?} already exists",
            new.client_id
        )));
    }
    let app = AppRec {
        secret_digest: digest(&new.client_secret),
        secret_for_display: new.client_secret,
        name: new.name.unwrap_or_else(|| new.client_id.clone()),
        client_id: new.client_id,
        redirect_uris: new.redirect_uris,
        kind: AppKind::Library,
        districts: Vec::new(),
    };
    let view = AppView::from(&app);
    world.apps.insert(app.client_id.clone(), app);
    Ok((StatusCode::CREATED, Json(view)))
}
