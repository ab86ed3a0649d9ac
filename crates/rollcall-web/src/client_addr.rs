//! Who is asking: the client's IP address, for the per-client login limit and the logs.
//!
//! Directly on the internet it is the connection's peer address. Behind a reverse proxy or load
//! balancer every connection comes from the proxy, so the operator names the header the proxy
//! writes (`--client-ip-header x-forwarded-for`); the app then takes the **last** address in it,
//! the one the trusted proxy appended (earlier ones are whatever the client claimed).

use std::net::IpAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::config::WebConfig;

/// A request's client address (`None` when neither the header nor the connection tells).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// A key for counting this client's attempts (`unknown` clients share one).
    pub fn key(&self) -> String {
        self.0.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

impl<S: AsRef<WebConfig> + Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config: &WebConfig = state.as_ref();
        Ok(ClientAddr(client_ip(parts, config.serving.client_ip_header.as_deref())))
    }
}

fn client_ip(parts: &Parts, header: Option<&str>) -> Option<IpAddr> {
    if let Some(name) = header {
        let last = parts
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty());
        return last.and_then(|v| v.parse().ok());
    }
    parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder();
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let mut parts = request.body(()).unwrap().into_parts().0;
        parts.extensions.insert(ConnectInfo(std::net::SocketAddr::from(([10, 0, 0, 1], 4000))));
        parts
    }

    #[test]
    fn the_proxys_last_address_counts_and_the_socket_otherwise() {
        let forwarded =
            parts(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9"), ("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(client_ip(&forwarded, Some("x-forwarded-for")), "198.51.100.7".parse().ok());
        assert_eq!(client_ip(&forwarded, None), "10.0.0.1".parse().ok(), "no header configured: the peer");
        assert_eq!(client_ip(&parts(&[]), Some("x-forwarded-for")), None, "configured but missing");
        assert_eq!(client_ip(&parts(&[("x-forwarded-for", "junk")]), Some("x-forwarded-for")), None);
    }
}
