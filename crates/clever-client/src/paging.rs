//! Paginated lists: follow `links` `next` until it is absent, never building page URLs by hand.

use std::collections::HashSet;
use std::marker::PhantomData;

use clever_types::{LinkRel, ListEnvelope};
use futures::Stream;
use serde::de::DeserializeOwned;

use crate::client::{AccessToken, CleverClient};
use crate::error::ClientError;

/// The pages of one list. A failed page ends the list with that error: a caller never sees a
/// partial list as if it were complete.
pub struct Pages<T> {
    client: CleverClient,
    token: AccessToken,
    next: Option<String>,
    fetched: HashSet<String>,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Send + 'static> Pages<T> {
    pub(crate) fn new(client: CleverClient, token: AccessToken, first: String) -> Self {
        Self { client, token, next: Some(first), fetched: HashSet::new(), _item: PhantomData }
    }

    /// The next page, or `None` after the last one (or after an error).
    pub async fn next_page(&mut self) -> Option<Result<Vec<T>, ClientError>> {
        let path = self.next.take()?;
        if !self.fetched.insert(path.clone()) {
            return Some(Err(ClientError::Malformed { detail: format!("pagination loops back to {path}") }));
        }
        Some(match self.client.get_json::<ListEnvelope<T>>(&self.token, &path).await {
            Ok(page) => {
                self.next = page.link(&LinkRel::Next).map(str::to_owned);
                Ok(page.into_items())
            }
            Err(e) => Err(e),
        })
    }

    /// Every item of every page, or the first error.
    pub async fn collect_all(mut self) -> Result<Vec<T>, ClientError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(page?);
        }
        Ok(all)
    }

    /// The items as a stream, fetching pages lazily.
    pub fn into_stream(self) -> impl Stream<Item = Result<T, ClientError>> {
        use futures::StreamExt;
        futures::stream::unfold(self, |mut pages| async move {
            let page = pages.next_page().await?;
            let items: Vec<Result<T, ClientError>> = match page {
                Ok(items) => items.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            Some((futures::stream::iter(items), pages))
        })
        .flatten()
    }
}
