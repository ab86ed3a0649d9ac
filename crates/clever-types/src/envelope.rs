//! The `{"data": …, "links": […]}` envelopes every Data API response uses.

use serde::{Deserialize, Serialize};

use crate::LinkRel;

/// One entry of a `links` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// What the link points at: `next`, `prev`, `self`, or on `/me` `canonical` and `district`.
    pub rel: LinkRel,
    /// A path relative to the API host, e.g. `/v3.0/users?starting_after=…`.
    pub uri: String,
}

impl Link {
    /// Builds a link.
    pub fn new(rel: LinkRel, uri: impl Into<String>) -> Self {
        Self { rel, uri: uri.into() }
    }
}

/// A single object: `{"data": {...}, "links": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// The object.
    pub data: T,
    /// Related links; may be absent on the wire.
    #[serde(default)]
    pub links: Vec<Link>,
}

/// One element of a list: `{"data": {...}, "uri": "..."}`. The spec shows only `data`; real
/// responses also carry the item's `uri`, so it is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListItem<T> {
    /// The object.
    pub data: T,
    /// The object's canonical path, when the server sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// A page of a list: `{"data": [{"data": {...}}, ...], "links": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListEnvelope<T> {
    /// The items of this page, sorted by ascending id.
    pub data: Vec<ListItem<T>>,
    /// `self`, and `next`/`prev` when there are more pages that way.
    #[serde(default)]
    pub links: Vec<Link>,
}

impl<T> ListEnvelope<T> {
    /// The `uri` of the link with this `rel`, if present.
    pub fn link(&self, rel: &LinkRel) -> Option<&str> {
        find_link(&self.links, rel)
    }

    /// The items without their wrappers.
    pub fn into_items(self) -> Vec<T> {
        self.data.into_iter().map(|item| item.data).collect()
    }
}

impl<T> Envelope<T> {
    /// The `uri` of the link with this `rel`, if present.
    pub fn link(&self, rel: &LinkRel) -> Option<&str> {
        find_link(&self.links, rel)
    }
}

fn find_link<'a>(links: &'a [Link], rel: &LinkRel) -> Option<&'a str> {
    links.iter().find(|l| &l.rel == rel).map(|l| l.uri.as_str())
}
