//! [`Key<M>`]: the primary key of a row of model `M`, typed by the model.
//!
//! Generated code takes a relation's target as a `Key<Target>` wherever it
//! takes a key (constructors, copy methods, filters, `get_by_`), so two
//! keys of one Rust type (two `i64`) but of different models cannot be
//! swapped: `Authorship::new(book_key, author_key)` does not compile.
//!
//! A key is made from a saved instance ([`Key::of`], or `blog.key()` of
//! [`Model`]), which is an error for an unsaved one, or from a raw value
//! the caller vouches for ([`Key::new`]); [`Key::get`] gives the raw value
//! back. There is no `From<i64>`: an implicit conversion from the raw
//! value would let the swap compile again.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use rusqlite::types::{FromSqlResult, ToSqlOutput, ValueRef};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::value::DbValue;

/// The primary key of a row of `M`: a transparent wrapper of `M::Key`
/// (`i64` for an auto key). `Copy`, `Eq`, `Ord` and `Hash` as the raw
/// value is; stored and bound as the raw value.
#[repr(transparent)]
pub struct Key<M: Model> {
    value: M::Key,
    _model: PhantomData<fn() -> M>,
}

impl<M: Model> Key<M> {
    /// The key `value` of a row of `M` (`Key::<Blog>::new(5)`), for a raw
    /// key read elsewhere; the model is the caller's word.
    #[inline]
    pub const fn new(value: M::Key) -> Self {
        Key { value, _model: PhantomData }
    }

    /// The key of a saved `instance`; an unsaved one has none, which is
    /// Django's "unsaved related object" error, not a panic.
    pub fn of(instance: &M) -> Result<Self> {
        match crate::model::pk_value(instance) {
            Some(pk) => crate::value::from_value(pk).map(Key::new),
            None => Err(Error::Misuse(format!(
                "{} instance has no primary key: save it before using its key (Django: unsaved related object).",
                M::meta().name
            ))),
        }
    }

    /// The raw key value.
    #[inline]
    pub fn get(self) -> M::Key {
        self.value
    }

    /// The raw key value, borrowed.
    #[inline]
    pub fn as_raw(&self) -> &M::Key {
        &self.value
    }

    /// The same row's key as a key of an ancestor `P`: a multi-table
    /// child's row is a row of each ancestor, with the same key (Django: a
    /// `Restaurant` is a `Place`, `filter(place=restaurant)` matches it).
    #[inline]
    pub fn upcast<P: Model>(self) -> Key<P>
    where
        M: Extends<P>,
    {
        Key::new(self.value)
    }
}

/// `Self` is a multi-table-inheritance child of `P` (at any depth), so its
/// key is a key of `P` (see [`Key::upcast`]); generated for every ancestor.
pub trait Extends<P: Model>: Model<Key = <P as Model>::Key> {}

impl<M: Model> Clone for Key<M>
where
    M::Key: Clone,
{
    #[inline]
    fn clone(&self) -> Self {
        Key::new(self.value.clone())
    }
}

impl<M: Model> Copy for Key<M> where M::Key: Copy {}

impl<M: Model> PartialEq for Key<M>
where
    M::Key: PartialEq,
{
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<M: Model> Eq for Key<M> where M::Key: Eq {}

impl<M: Model> PartialOrd for Key<M>
where
    M::Key: PartialOrd,
{
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.value.partial_cmp(&other.value)
    }
}

impl<M: Model> Ord for Key<M>
where
    M::Key: Ord,
{
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl<M: Model> Hash for Key<M>
where
    M::Key: Hash,
{
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

/// `Key<Blog>(5)`.
impl<M: Model> fmt::Debug for Key<M>
where
    M::Key: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key<{}>({:?})", M::meta().name, self.value)
    }
}

/// The raw value, as Django prints a pk.
impl<M: Model> fmt::Display for Key<M>
where
    M::Key: fmt::Display,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

/// Stored and bound exactly as the raw key.
impl<M: Model> DbValue for Key<M> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.value.to_sql()
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        M::Key::from_sql(value).map(Key::new)
    }

    // A key to a DateTimeField primary key is an instant too, bound and
    // read in the database's zone as the key itself is.
    fn to_sql_in(&self, zone: crate::tz::Tz) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.value.to_sql_in(zone)
    }

    fn from_sql_in(value: ValueRef<'_>, zone: crate::tz::Tz) -> FromSqlResult<Self> {
        M::Key::from_sql_in(value, zone).map(Key::new)
    }

    fn is_instant() -> bool {
        M::Key::is_instant()
    }

    fn from_now(now: &crate::tz::Now) -> Option<Self> {
        M::Key::from_now(now).map(Key::new)
    }

    fn is_blank(&self) -> bool {
        self.value.is_blank()
    }

    fn as_text(&self) -> Option<&str> {
        self.value.as_text()
    }

    fn as_integer(&self) -> Option<i64> {
        self.value.as_integer()
    }
}
