//! OAuth 2.0 and identity responses: `/oauth/tokens`, `/oauth/tokeninfo`, `/me`, `/userinfo`.
//! None of these are in Clever's swagger; shapes follow its docs and RFC 6749.

use serde::{Deserialize, Serialize};

use crate::Name;
use crate::envelope::Link;

/// `POST /oauth/tokens` success body. Clever documents only `access_token` and `token_type`;
/// every other field is optional and a client must not require it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Present only for OIDC-enabled (non-Library) apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Lifetime in seconds, when the server says (real Clever does not document it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
}

/// RFC 6749 §5.2 error body of the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type` or `invalid_scope`.
    pub error: String,
    /// A human-readable explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// `GET /oauth/tokeninfo` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// The app the token was issued to.
    pub client_id: String,
    /// Granted scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// The owner of a district-app token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenOwner {
    /// Always `district`.
    #[serde(rename = "type")]
    pub owner_type: String,
    /// The district id.
    pub id: String,
}

/// One entry of `GET /oauth/tokens?owner_type=district`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictToken {
    /// Token record id.
    pub id: String,
    /// Creation time (ISO 8601).
    pub created: String,
    /// The authorizing district.
    pub owner: TokenOwner,
    /// The district-app bearer token.
    pub access_token: String,
    /// Granted scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `GET /oauth/tokens?owner_type=district` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictTokens {
    /// One token per district that authorized the app.
    pub data: Vec<DistrictToken>,
    /// `self`.
    #[serde(default)]
    pub links: Vec<Link>,
}

/// `data` of `GET /v3.0/me`. `type` is `"user"` in v3 and does not carry the role: fetch the
/// canonical user (or `/userinfo`) for that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeData {
    /// The user's Clever id.
    pub id: String,
    /// Present for district-shared users only; absent for Library (teacher-shared) users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// `"user"` in v3 (`teacher`/`student` in v2).
    #[serde(rename = "type")]
    pub kind: String,
}

/// `GET /userinfo` body (OIDC-style). Unknown keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The v3 multi-role user id.
    pub sub: String,
    /// The role-specific (legacy) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The v3 multi-role user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_role_user_id: Option<String>,
    /// The role of this login: `teacher`, `student`, `staff` or `district_admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// District id (district-shared only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district_id: Option<String>,
    /// District id, again (district-shared only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Unverified email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Always false unless Clever verified it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Structured name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// School ids (empty for Library users).
    #[serde(default)]
    pub schools: Vec<String>,
}

/// The Data API's error body, `{"message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// What went wrong.
    pub message: String,
}
