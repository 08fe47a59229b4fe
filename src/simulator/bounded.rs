//! A map that keeps at most a given number of entries, forgetting the oldest inserted first:
//! what the simulator keeps per client (tokens, async actions) must not grow with every
//! client that ever called (issue 28).

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// Entries by key, and the keys in the order they were inserted. A removed or replaced entry
/// leaves a stale key in the order; stale keys are skipped when evicting and dropped when they
/// outnumber the entries, so the order stays bounded too.
pub(crate) struct BoundedMap<K, V> {
    limit: usize,
    entries: HashMap<K, (u64, V)>,
    order: VecDeque<(u64, K)>,
    next: u64,
}

impl<K: Hash + Eq + Clone, V> BoundedMap<K, V> {
    /// Keeps at most `limit` entries (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        BoundedMap {
            limit: limit.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
            next: 0,
        }
    }

    /// Inserts (or replaces, as the newest) the entry; forgets the oldest beyond the limit.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        let serial = self.next;
        self.next += 1;
        self.entries.insert(key.clone(), (serial, value));
        self.order.push_back((serial, key));
        while self.entries.len() > self.limit {
            let Some((serial, key)) = self.order.pop_front() else {
                break;
            };
            if self.entries.get(&key).is_some_and(|(s, _)| *s == serial) {
                self.entries.remove(&key);
            }
        }
        if self.order.len() > 2 * self.entries.len() + 16 {
            let entries = &self.entries;
            self.order
                .retain(|(serial, key)| entries.get(key).is_some_and(|(s, _)| s == serial));
        }
    }

    pub(crate) fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key).map(|(_, value)| value)
    }

    pub(crate) fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.entries.get_mut(key).map(|(_, value)| value)
    }

    pub(crate) fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.entries.remove(key).map(|(_, value)| value)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::BoundedMap;

    #[test]
    fn beyond_the_limit_the_oldest_entry_goes_first() {
        let mut map = BoundedMap::new(2);
        map.insert("a", 1);
        map.insert("b", 2);
        map.insert("c", 3);
        assert_eq!(map.get(&"a"), None);
        assert_eq!((map.get(&"b"), map.get(&"c")), (Some(&2), Some(&3)));
        // Replacing makes an entry the newest.
        map.insert("b", 20);
        map.insert("d", 4);
        assert_eq!(map.get(&"c"), None);
        assert_eq!((map.get(&"b"), map.get(&"d")), (Some(&20), Some(&4)));
    }

    #[test]
    fn inserting_and_removing_forever_keeps_the_order_bounded() {
        let mut map = BoundedMap::new(3);
        for n in 0..10_000 {
            map.insert(n, n);
            assert_eq!(map.remove(&n), Some(n));
        }
        assert_eq!(map.len(), 0);
        assert!(map.order.len() <= 16 + 1, "{}", map.order.len());
    }
}
