//! `GET /oauth/tokens?owner_type=district`: a district (Secure Sync) app lists the tokens of the
//! districts that authorized it. Library apps have none.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{Extensions, HeaderMap};
use axum::response::{IntoResponse, Response};
use clever_types::{DistrictToken, DistrictTokens, Link, LinkRel, TokenOwner};

use super::client_auth::{peer, respond};
use super::params::Params;
use super::scopes::DISTRICT_SCOPES;
use super::tokens::refuse_query_credentials;
use crate::clock::rfc3339;
use crate::error::{OAuthError, no_store};
use crate::ids::digest;
use crate::state::Emulator;

const SELF_URI: &str = "/oauth/tokens?owner_type=district";

/// `GET /oauth/tokens?owner_type=district[&district=<id>]`. The `district` filter is used by a
/// community SDK; whether Clever supports it is unconfirmed, so it is accepted but optional.
pub async fn list(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    extensions: Extensions,
    RawQuery(query): RawQuery,
) -> Response {
    match list_inner(&emulator, &headers, peer(&extensions), query.as_deref()) {
        Ok(response) => response,
        Err(error) => respond(error),
    }
}

fn list_inner(
    emulator: &Emulator,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    query: Option<&str>,
) -> Result<Response, OAuthError> {
    refuse_query_credentials(query)?;
    let app = emulator.authenticate_basic(headers, peer)?;
    let params = Params::from_urlencoded(query.unwrap_or_default().as_bytes());
    let bad = |d: String| OAuthError::invalid_request(d);
    match params.get("owner_type") {
        Ok(Some("district")) => {}
        Ok(Some(other)) => {
            return Err(bad(format!("owner_type \"{other}\" is not supported; use owner_type=district.")));
        }
        Ok(None) => {
            return Err(
                bad("GET /oauth/tokens needs owner_type=district (to exchange a code, POST).".into()),
            );
        }
        Err(e) => return Err(bad(e.describe())),
    }
    let filter = params.get("district").map_err(|e| bad(e.describe()))?;
    let data = app
        .districts
        .iter()
        .filter(|d| filter.is_none_or(|f| f == d.as_str()))
        .map(|district| {
            let access_token = emulator.district_token(&app.client_id, district);
            let created =
                emulator.check_token(&access_token).map_or_else(|_| emulator.now(), |(_, rec)| rec.issued_at);
            DistrictToken {
                // A stable record id derived from the token, so listings agree across calls.
                id: hex::encode(&digest(&access_token)[..12]),
                created: rfc3339(created),
                owner: TokenOwner { owner_type: "district".into(), id: district.clone() },
                access_token,
                scopes: DISTRICT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            }
        })
        .collect();
    let body = DistrictTokens { data, links: vec![Link::new(LinkRel::SelfLink, SELF_URI)] };
    let mut response = Json(body).into_response();
    no_store(response.headers_mut());
    Ok(response)
}
