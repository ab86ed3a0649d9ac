//! Cursor pagination as Clever documents it: items sorted by ascending id, `limit`,
//! `starting_after=<id>` and `ending_before=<id>`, and `next`/`prev`/`self` links.
//!
//! Clever says user (SSO/Library) tokens "cannot paginate". The emulator paginates every list for
//! every token anyway: a Library teacher with hundreds of students must still follow `next` links
//! correctly, and an app that only works when everything fits on one page would fail in
//! production the day a district grows. Following `next` until it is absent works either way.

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

    /// A list request without paging: every item on one page, whatever `limit`,
    /// `starting_after` and `ending_before` say (they are ignored, not checked). Only `role` is
    /// read.
    pub fn unpaged(uri: &Uri) -> Self {
        let role = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .find(|(key, _)| key == "role")
            .map(|(_, value)| value.into_owned());
        ListQuery {
            role,
            limit: usize::MAX,
            cursor: Cursor::First,
            path: uri.path().to_owned(),
            kept: Vec::new(),
            self_uri: uri.path_and_query().map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        }
    }

    /// Picks this page out of `candidates` (sorted by ascending id, ids unique), keeping only
    /// those `keep` accepts, and builds its links. The page is what slicing the kept candidates
    /// would give, but `keep` is asked only about as many candidates as the page needs: those on
    /// it, the next kept one beyond it (is there a next page?) and the nearest kept one on the
    /// other side of the cursor (is there a previous page?). Resolving and scoping a record is
    /// the costly part of a list request, and a client walking a long list asks for every page.
    pub fn page<'c, C, T>(
        &self,
        candidates: &'c [C],
        id: impl Fn(&C) -> &str,
        mut keep: impl FnMut(&'c C) -> Option<T>,
    ) -> (Vec<T>, Vec<Link>) {
        let split = match &self.cursor {
            Cursor::First => 0,
            Cursor::After(after) => candidates.partition_point(|c| id(c) <= after.as_str()),
            Cursor::Before(before) => candidates.partition_point(|c| id(c) < before.as_str()),
        };
        let (before, after) = candidates.split_at(split);
        let mut page: Vec<(&C, T)> = Vec::with_capacity(self.limit.min(candidates.len()));
        let (more_before, more_after) = match self.cursor {
            Cursor::First | Cursor::After(_) => {
                let more_after = fill(&mut page, self.limit, after.iter(), &mut keep);
                let more_before = !page.is_empty() && before.iter().rev().any(|c| keep(c).is_some());
                (more_before, more_after)
            }
            Cursor::Before(_) => {
                let more_before = fill(&mut page, self.limit, before.iter().rev(), &mut keep);
                page.reverse();
                let more_after = !page.is_empty() && after.iter().any(|c| keep(c).is_some());
                (more_before, more_after)
            }
        };
        let mut links = vec![Link::new(LinkRel::SelfLink, self.self_uri.clone())];
        if let (Some((first, _)), Some((last, _))) = (page.first(), page.last()) {
            if more_after {
                links.push(Link::new(LinkRel::Next, self.link("starting_after", id(last))));
            }
            if more_before {
                links.push(Link::new(LinkRel::Prev, self.link("ending_before", id(first))));
            }
        }
        (page.into_iter().map(|(_, item)| item).collect(), links)
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

/// Moves up to `limit` kept candidates from `walk` onto `page`, walking away from the cursor.
/// True when a kept candidate is left over beyond them.
fn fill<'c, C, T>(
    page: &mut Vec<(&'c C, T)>,
    limit: usize,
    walk: impl Iterator<Item = &'c C>,
    keep: &mut impl FnMut(&'c C) -> Option<T>,
) -> bool {
    for candidate in walk {
        if let Some(item) = keep(candidate) {
            if page.len() == limit {
                return true;
            }
            page.push((candidate, item));
        }
    }
    false
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
        let (page, links) =
            query("limit=3&starting_after=id2")?.page(&ids, |s| s.as_str(), |s| Some(s.as_str()));
        assert_eq!(page, ["id3", "id4", "id5"]);
        assert_eq!(links[1].uri, "/v3.0/users?limit=3&starting_after=id5");
        assert_eq!(links[2].uri, "/v3.0/users?limit=3&ending_before=id3");
        let (page, links) =
            query("limit=3&ending_before=id3")?.page(&ids, |s| s.as_str(), |s| Some(s.as_str()));
        assert_eq!(page, ["id1", "id2"]);
        assert!(links.iter().all(|l| l.rel != LinkRel::Prev));
        let (page, links) = query("starting_after=id7")?.page(&ids, |s| s.as_str(), |s| Some(s.as_str()));
        assert!(page.is_empty());
        assert_eq!(links.len(), 1);
        Ok(())
    }

    /// Paging as it was first written: filter everything, then slice. `page` must agree with it.
    fn sliced(query: &ListQuery, kept: &[&str]) -> (Vec<String>, Vec<Link>) {
        let len = kept.len();
        let range = match &query.cursor {
            Cursor::First => 0..query.limit.min(len),
            Cursor::After(after) => {
                let start = kept.partition_point(|id| *id <= after.as_str());
                start..(start + query.limit).min(len)
            }
            Cursor::Before(before) => {
                let end = kept.partition_point(|id| *id < before.as_str());
                end.saturating_sub(query.limit)..end
            }
        };
        let mut links = vec![Link::new(LinkRel::SelfLink, query.self_uri.clone())];
        if let (Some(first), Some(last)) = (kept[range.clone()].first(), kept[range.clone()].last()) {
            if range.end < len {
                links.push(Link::new(LinkRel::Next, query.link("starting_after", last)));
            }
            if range.start > 0 {
                links.push(Link::new(LinkRel::Prev, query.link("ending_before", first)));
            }
        }
        (kept[range].iter().map(|id| (*id).to_owned()).collect(), links)
    }

    #[test]
    fn a_lazy_page_is_the_slice_of_the_kept_items_and_asks_about_few_of_them() -> Result<(), ApiError> {
        for n in 0..=6 {
            let ids: Vec<String> = (0..n).map(|i| format!("id{i}")).collect();
            // Cursors on every id, between ids, and before and after them all.
            let mut cursors: Vec<String> = vec![String::new(), "idz".into()];
            cursors.extend(ids.iter().flat_map(|id| [id.clone(), format!("{id}5")]));
            let mut queries = Vec::new();
            for limit in 1..=n + 1 {
                queries.push(format!("limit={limit}"));
                for c in &cursors {
                    queries.push(format!("role=student&limit={limit}&starting_after={c}"));
                    queries.push(format!("limit={limit}&ending_before={c}"));
                }
            }
            for mask in 0..1u32 << n {
                let is_kept = |id: &String| id[2..].parse::<u32>().is_ok_and(|i| mask & (1 << i) != 0);
                let kept: Vec<&str> = ids.iter().filter(|id| is_kept(id)).map(String::as_str).collect();
                for q in &queries {
                    let query = query(q)?;
                    let mut asked = 0;
                    let (page, links) = query.page(
                        &ids,
                        |id| id.as_str(),
                        |id| {
                            asked += usize::from(is_kept(id));
                            is_kept(id).then(|| id.clone())
                        },
                    );
                    let context = format!("{q} over {kept:?}");
                    assert_eq!((page, links), sliced(&query, &kept), "{context}");
                    assert!(asked <= query.limit + 2, "{context}: asked about {asked} kept ids");
                }
            }
        }
        Ok(())
    }
}
