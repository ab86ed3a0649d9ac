//! A map with a size cap and optional expiry, for state that strangers can make grow (pending
//! authorizations, codes, portal sessions, CSRF tokens). Two ordered indexes make both jobs
//! cheap: expired entries are swept from the front of the expiry index on every insert (each
//! entry is swept once, so the cost is O(log n) per insert, amortized), and when the map is full
//! the oldest entry is evicted. Time is always the caller's `now` from the emulator's clock.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use time::OffsetDateTime;

#[derive(Debug)]
struct Entry<V> {
    value: V,
    seq: u64,
    expires_at: Option<OffsetDateTime>,
}

/// At most `CAP` entries; entries past their expiry are dropped at the next insert.
#[derive(Debug)]
pub struct Bounded<K, V, const CAP: usize> {
    entries: HashMap<K, Entry<V>>,
    by_age: BTreeMap<u64, K>,
    by_expiry: BTreeMap<(OffsetDateTime, u64), K>,
    next: u64,
}

impl<K, V, const CAP: usize> Default for Bounded<K, V, CAP> {
    fn default() -> Self {
        Self { entries: HashMap::new(), by_age: BTreeMap::new(), by_expiry: BTreeMap::new(), next: 0 }
    }
}

impl<K: Hash + Eq + Clone, V, const CAP: usize> Bounded<K, V, CAP> {
    /// The cap.
    pub const CAP: usize = CAP;

    /// Inserts (or replaces) `key`, after sweeping what expired by `now` and, when full,
    /// evicting the oldest entry.
    pub fn insert(&mut self, key: K, value: V, expires_at: Option<OffsetDateTime>, now: OffsetDateTime) {
        self.remove(&key);
        self.sweep(now);
        while self.entries.len() >= CAP.max(1) {
            let Some((_, oldest)) = self.by_age.pop_first() else { break };
            self.remove(&oldest);
        }
        let seq = self.next;
        self.next = self.next.wrapping_add(1);
        self.by_age.insert(seq, key.clone());
        if let Some(at) = expires_at {
            self.by_expiry.insert((at, seq), key.clone());
        }
        self.entries.insert(key, Entry { value, seq, expires_at });
    }

    /// Drops every entry whose expiry is at or before `now`.
    pub fn sweep(&mut self, now: OffsetDateTime) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let key = entry.remove();
            self.remove(&key);
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let entry = self.entries.remove(key)?;
        self.by_age.remove(&entry.seq);
        if let Some(at) = entry.expires_at {
            self.by_expiry.remove(&(at, entry.seq));
        }
        Some(entry.value)
    }

    /// The value of `key`, expired or not (callers check expiry themselves).
    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key).map(|e| &e.value)
    }

    /// The value of `key`, mutably. The expiry cannot change.
    pub fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.entries.get_mut(key).map(|e| &mut e.value)
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, e)| (k, &e.value))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    #[test]
    fn expired_entries_are_swept_and_the_oldest_evicted_when_full() {
        let now = datetime!(2026-01-01 0:00 UTC);
        let mut map: Bounded<u32, &str, 3> = Bounded::default();
        map.insert(1, "a", Some(now + Duration::seconds(10)), now);
        map.insert(2, "b", None, now);
        map.insert(3, "c", Some(now + Duration::seconds(60)), now);
        map.insert(4, "d", None, now + Duration::seconds(10));
        assert_eq!((map.get(&1), map.len()), (None, 3), "1 expired and was swept");
        map.insert(5, "e", None, now + Duration::seconds(11));
        assert_eq!(map.get(&2), None, "full: the oldest went");
        assert_eq!(map.get(&3), Some(&"c"));
        assert_eq!(map.remove(&3), Some("c"));
        map.insert(6, "f", None, now + Duration::seconds(61));
        assert_eq!(map.len(), 3);
    }
}
