//! Cursor pagination as Clever documents it: items sorted by ascending id, `limit`,
//! `starting_after=<id>` and `ending_before=<id>`, and `next`/`prev`/`self` links.
//!
//! Clever says user (SSO/Library) tokens "cannot paginate". The emulator paginates every list for
//! every token anyway: a Library teacher with hundreds of students must still follow `next` links
//! correctly, and an app that only works when everything fits on one page would fail in
//! production the day a district grows. Following `next` until it is absent works either way.

use std::ops::Range;

use axum::http::Uri;
use clever_types::{Link, LinkRel};

use crate::config::EmulatorConfig;
use crate::error::ApiError;

/// Which side of an id a page starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cursor {
    First,
    After(String),
    Before(String),
}

/// A parsed list request: the page it asks for and its filter.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// The `role` filter, if given.
    pub role: Option<String>,
    limit: usize,
    cursor: Cursor,
    path: String,
    /// Every parameter but the cursors, in request order, repeated on `next`/`prev` links.
    kept: Vec<(String, String)>,
    /// The request's own path and query, for the `self` link.
    self_uri: String,
}

impl ListQuery {
    /// Parses `limit`, `starting_after`, `ending_before` and `role`; `count` and unknown
    /// parameters are accepted and ignored.
    pub fn parse(uri: &Uri, config: &EmulatorConfig) -> Result<Self, ApiError> {
        let mut query = ListQuery {
            role: None,
            limit: config.default_page_limit,
            cursor: Cursor::First,
            path: uri.path().to_owned(),
            kept: Vec::new(),
            self_uri: uri.path_and_query().map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        };
        let mut after = None;
        let mut before = None;
        for (key, value) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
            match &*key {
                "starting_after" => after = Some(value.into_owned()),
                "ending_before" => before = Some(value.into_owned()),
                other => {
                    if other == "limit" {
                        query.limit = parse_limit(&value, config.max_page_limit)?;
                    } else if other == "role" {
                        query.role = Some(value.clone().into_owned());
                    }
                    query.kept.push((key.into_owned(), value.into_owned()));
                }
            }
        }
        query.cursor = match (after, before) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request("starting_after and ending_before cannot be combined"));
            }
            (Some(id), None) => Cursor::After(id),
            (None, Some(id)) => Cursor::Before(id),
            (None, None) => Cursor::First,
        };
        Ok(query)
    }

    /// Picks this page out of `items` (sorted by ascending id) and builds its links.
    pub fn page<T>(&self, items: &[T], id: impl Fn(&T) -> &str) -> (Range<usize>, Vec<Link>) {
        let len = items.len();
        let range = match &self.cursor {
            Cursor::First => 0..self.limit.min(len),
            Cursor::After(after) => {
                let start = items.partition_point(|item| id(item) <= after.as_str());
                start..(start + self.limit).min(len)
            }
            Cursor::Before(before) => {
                let end = items.partition_point(|item| id(item) < before.as_str());
                end.saturating_sub(self.limit)..end
            }
        };
        let mut links = vec![Link::new(LinkRel::SelfLink, self.self_uri.clone())];
        if let (Some(first), Some(last)) = (items[range.clone()].first(), items[range.clone()].last()) {
            if range.end < len {
                links.push(Link::new(LinkRel::Next, self.link("starting_after", id(last))));
            }
            if range.start > 0 {
                links.push(Link::new(LinkRel::Prev, self.link("ending_before", id(first))));
            }
        }
        (range, links)
    }

    fn link(&self, cursor: &str, id: &str) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.kept {
            query.append_pair(key, value);
        }
        query.append_pair(cursor, id);
        format!("{}?{}", self.path, query.finish())
    }
}

/// `limit` must be a whole number from 1 to `max`; above `max` is Clever's 413.
fn parse_limit(value: &str, max: usize) -> Result<usize, ApiError> {
    let invalid = || ApiError::bad_request(format!("limit must be a whole number from 1 to {max}"));
    let limit: u128 = value.parse().map_err(|_| invalid())?;
    if limit == 0 {
        return Err(invalid());
    }
    match usize::try_from(limit) {
        Ok(limit) if limit <= max => Ok(limit),
        _ => Err(ApiError::limit_too_large(max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str) -> Result<ListQuery, ApiError> {
        let uri: Uri = format!("/v3.0/users?{q}").parse().map_err(|_| ApiError::bad_request("uri"))?;
        ListQuery::parse(&uri, &EmulatorConfig::default())
    }

    fn ids() -> Vec<String> {
        (1..=7).map(|n| format!("id{n}")).collect()
    }

    #[test]
    fn limits_are_validated() {
        assert_eq!(query("limit=0").err().map(|e| e.status.as_u16()), Some(400));
        assert_eq!(query("limit=-1").err().map(|e| e.status.as_u16()), Some(400));
        assert_eq!(query("limit=abc").err().map(|e| e.status.as_u16()), Some(400));
        assert_eq!(query("limit=10001").err().map(|e| e.status.as_u16()), Some(413));
        assert_eq!(query("limit=99999999999999999999999").err().map(|e| e.status.as_u16()), Some(413));
        assert!(query("limit=10000&count=true").is_ok());
    }

    #[test]
    fn cursors_select_the_right_window() -> Result<(), ApiError> {
        let ids = ids();
        let (range, links) = query("limit=3&starting_after=id2")?.page(&ids, |s| s.as_str());
        assert_eq!(range, 2..5);
        assert_eq!(links[1].uri, "/v3.0/users?limit=3&starting_after=id5");
        assert_eq!(links[2].uri, "/v3.0/users?limit=3&ending_before=id3");
        let (range, links) = query("limit=3&ending_before=id3")?.page(&ids, |s| s.as_str());
        assert_eq!(range, 0..2);
        assert!(links.iter().all(|l| l.rel != LinkRel::Prev));
        let (range, links) = query("starting_after=id7")?.page(&ids, |s| s.as_str());
        assert!(range.is_empty());
        assert_eq!(links.len(), 1);
        Ok(())
    }
}
