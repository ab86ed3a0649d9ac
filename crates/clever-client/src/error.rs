//! What can go wrong talking to Clever, split by what the caller should do about it.

/// A failed Clever call. The variants answer "what now?": sign in again, tell the teacher the class
/// is not shared, wait, or report that Clever is failing. None of them means "empty".
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// 401: the access token expired or was revoked. The user must sign in with Clever again.
    #[error("Clever no longer accepts this authorization (expired or revoked): {message}")]
    Unauthorized {
        /// Clever's message.
        message: String,
    },
    /// 403/404: the record is not shared with this app, or no longer exists.
    ///
    /// On an endpoint that not every Clever-compatible server offers (`/sections/{id}/users`,
    /// `/users/{id}/mystudents`), a 404 may instead mean the server has no such path: see
    /// [`ClientError::is_not_found`].
    #[error("Clever has not shared this with the app, or it no longer exists ({status}): {message}")]
    NotShared {
        /// 403 or 404.
        status: u16,
        /// Clever's message.
        message: String,
    },
    /// 429 on a Data API read that did not reset within the policy's patience, or any 429 on the
    /// code exchange (never retried: the code is single-use). The server is busy; nothing is wrong
    /// with the app's credentials or the user's sign-in.
    #[error("Clever's rate limit was reached; it resets at unix time {reset_at:?}")]
    RateLimited {
        /// When the window resets, if Clever said.
        reset_at: Option<i64>,
    },
    /// 5xx, a timeout or a connection failure that persisted through every retry.
    #[error("Clever is failing ({detail}) after {attempts} attempt(s)")]
    CleverFailed {
        /// HTTP status, if a response arrived.
        status: Option<u16>,
        /// What happened last.
        detail: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A body that is not the JSON shape Clever documents (truncated, HTML, wrong type).
    #[error("Clever sent a response that cannot be read: {detail}")]
    Malformed {
        /// What was wrong.
        detail: String,
    },
    /// The code exchange was refused because the code is expired, used, or not this app's.
    #[error("Clever refused the sign-in code ({error}): {description}")]
    InvalidGrant {
        /// The OAuth `error` code.
        error: String,
        /// Clever's explanation.
        description: String,
    },
    /// The app's client id or secret was refused: a configuration problem, not the user's.
    #[error("Clever refused the app's client credentials: check the client id and secret")]
    InvalidClient,
    /// Any other refusal (400, 413, 501): a bug in the request; retrying will not help.
    #[error("Clever refused the request ({status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Clever's message.
        message: String,
    },
}

impl ClientError {
    /// True when signing in with Clever again would fix it.
    pub fn needs_reauthorization(&self) -> bool {
        matches!(self, ClientError::Unauthorized { .. })
    }

    /// True for a 404: the server has nothing at that path. From Clever that is a record that
    /// does not exist or is not shared; from a server that does not offer an optional endpoint
    /// (`/sections/{id}/users`, `/users/{id}/mystudents`) it is the endpoint itself that is
    /// missing, so a caller of those endpoints should read a 404 as "not offered here" and fall
    /// back (say, to a section's `students` list). A 403 is never this: it always means "not
    /// shared".
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClientError::NotShared { status: 404, .. })
    }
}
