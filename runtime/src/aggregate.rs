//! Aggregates, annotations and typed value lists (Django's `aggregate()`,
//! `annotate()`, `values_list()`), generic over the model: no generated
//! code per model.
//!
//! ```ignore
//! // Entry.objects.aggregate(Count("id"), Avg("rating"))
//! let (count, avg) = Entry::objects().aggregate(&db, (Count(Entry::ID), Avg(Entry::RATING)))?;
//! // Blog.objects.annotate(Count("entries"))
//! let rows: Vec<(Blog, i64)> = Blog::objects().annotate(Count(Blog::ENTRIES_REL)).all(&db)?;
//! // Entry.objects.values_list("headline", "blog__name")
//! let rows: Vec<(String, String)> =
//!     Entry::objects().values_list(&db, (Entry::HEADLINE, Entry::BLOG_REL.then(Blog::NAME)))?;
//! ```
//!
//! Result types are Django's on SQLite: `Count` is an `i64`; `Sum` of an
//! integer column an `Option<i64>` (`None` when no row matches), of a
//! DecimalField an `Option<Decimal>`; `Avg` of an integer or float column
//! an `Option<f64>`, of a DecimalField an `Option<Decimal>`; `Min`/`Max`
//! an `Option` of the column's type.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use rusqlite::types::Value;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::key::Key;
use crate::model::{KeyValue, Model};
use crate::path::{Path, Rel, Via};
use crate::query::{params, Column, Condition, Order, QuerySet};
pub use crate::sql::query::SelectExpr;
use crate::sql::query::{AggFunc, CmpOp, HavingTerm, Link, Node};
use crate::tz::Tz;
use crate::value::DbValue;

// ---------------------------------------------------------------------------
// What an aggregate is over
// ---------------------------------------------------------------------------

/// A column of `M`, or of a model a relation path from `M` arrives at,
/// holding `T`: what an aggregate is computed over.
pub struct Target<M, T> {
    links: Vec<Link>,
    column: &'static str,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> From<Column<M, T>> for Target<M, T> {
    fn from(column: Column<M, T>) -> Self {
        Target { links: Vec::new(), column: column.name(), _marker: PhantomData }
    }
}

impl<M, To, T> From<Path<M, To, T>> for Target<M, T> {
    fn from(path: Path<M, To, T>) -> Self {
        let (links, column) = path.into_parts();
        Target { links, column, _marker: PhantomData }
    }
}

/// A relation counts its related rows by their primary key (Django's
/// `Count("entries")`).
impl<M, R: Model> From<Rel<M, R>> for Target<M, Key<R>> {
    fn from(relation: Rel<M, R>) -> Self {
        Target { links: vec![relation.link()], column: R::meta().pk_column().column, _marker: PhantomData }
    }
}

impl<M, R: Model> From<Via<M, R>> for Target<M, Key<R>> {
    fn from(via: Via<M, R>) -> Self {
        Target { links: via.into_links(), column: R::meta().pk_column().column, _marker: PhantomData }
    }
}

// ---------------------------------------------------------------------------
// Column types
// ---------------------------------------------------------------------------

/// A column type and its non-null value type (`Option<T>` and `T` both
/// give `T`): what `Min` and `Max` return, wrapped in an `Option`.
pub trait Scalar {
    type Inner: DbValue;
}

/// A numeric column type: what `Sum` and `Avg` of it return on SQLite, as
/// Django's output fields there (integers sum to an integer and average to
/// a float; decimals stay decimals).
pub trait Numeric: Scalar {
    type Sum: DbValue;
    type Avg: DbValue;
}

macro_rules! scalar {
    ($($t:ty),*) => {$(
        impl Scalar for $t { type Inner = $t; }
        impl Scalar for Option<$t> { type Inner = $t; }
    )*};
}
scalar!(
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    bool,
    String,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    chrono::TimeDelta,
    rust_decimal::Decimal,
    uuid::Uuid
);

impl<R: Model> Scalar for Key<R> {
    type Inner = Key<R>;
}
impl<R: Model> Scalar for Option<Key<R>> {
    type Inner = Key<R>;
}

macro_rules! numeric {
    ($sum:ty, $avg:ty: $($t:ty),*) => {$(
        impl Numeric for $t { type Sum = $sum; type Avg = $avg; }
        impl Numeric for Option<$t> { type Sum = $sum; type Avg = $avg; }
    )*};
}
numeric!(i64, f64: i8, i16, i32, i64, u8, u16, u32, u64);
numeric!(f64, f64: f32, f64);
numeric!(rust_decimal::Decimal, rust_decimal::Decimal: rust_decimal::Decimal);

// ---------------------------------------------------------------------------
// Aggregates
// ---------------------------------------------------------------------------

/// Marks an aggregate that takes `distinct()` (Count, Sum, Avg).
#[derive(Debug, Clone, Copy)]
pub enum AllowsDistinct {}
/// Marks an aggregate that does not (Min, Max: Django's "Max does not
/// allow distinct.").
#[derive(Debug, Clone, Copy)]
pub enum NoDistinct {}

/// An aggregate over the rows of a query of `M` giving `Out`; build one
/// with [`Count`], [`Sum`], [`Avg`], [`Min`], [`Max`].
pub struct Aggregate<M, Out, D = AllowsDistinct> {
    expr: SelectExpr,
    _marker: AggregateMarker<M, Out, D>,
}

/// What an [`Aggregate`] is typed by: its model, its result and whether it
/// takes `distinct()`.
type AggregateMarker<M, Out, D> = PhantomData<fn() -> (M, Out, D)>;

impl<M, Out, D> Clone for Aggregate<M, Out, D> {
    fn clone(&self) -> Self {
        Aggregate { expr: self.expr.clone(), _marker: PhantomData }
    }
}

impl<M, Out, D> std::fmt::Debug for Aggregate<M, Out, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.expr.fmt(f)
    }
}

impl<M, Out, D> Aggregate<M, Out, D> {
    fn new<T>(func: AggFunc, target: Target<M, T>) -> Self {
        Aggregate {
            expr: SelectExpr { links: target.links, column: target.column, aggregate: Some((func, false)) },
            _marker: PhantomData,
        }
    }
}

impl<M, Out> Aggregate<M, Out, AllowsDistinct> {
    /// Over the distinct values only (`Count("x", distinct=True)`).
    pub fn distinct(mut self) -> Self {
        if let Some((func, _)) = self.expr.aggregate {
            self.expr.aggregate = Some((func, true));
        }
        self
    }
}

impl<M, Out: Scalar, D> Aggregate<M, Out, D> {
    fn compare(&self, op: CmpOp, value: Out::Inner) -> Having<M> {
        Having {
            term: crate::value::try_to_value(&value)
                .map(|value| HavingTerm {
                    expr: self.expr.clone(),
                    op,
                    value,
                    instant: <Out::Inner as DbValue>::is_instant(),
                })
                .map_err(|e| e.to_string()),
            _marker: PhantomData,
        }
    }

    /// The annotation equals `value` (`filter(n=2)` after `annotate(n=...)`).
    pub fn eq(&self, value: impl Into<Out::Inner>) -> Having<M> {
        self.compare(CmpOp::Exact, value.into())
    }

    /// `filter(n__lt=value)` on the annotation.
    pub fn lt(&self, value: impl Into<Out::Inner>) -> Having<M> {
        self.compare(CmpOp::Lt, value.into())
    }

    /// `filter(n__lte=value)` on the annotation.
    pub fn lte(&self, value: impl Into<Out::Inner>) -> Having<M> {
        self.compare(CmpOp::Lte, value.into())
    }

    /// `filter(n__gt=value)` on the annotation.
    pub fn gt(&self, value: impl Into<Out::Inner>) -> Having<M> {
        self.compare(CmpOp::Gt, value.into())
    }

    /// `filter(n__gte=value)` on the annotation.
    pub fn gte(&self, value: impl Into<Out::Inner>) -> Having<M> {
        self.compare(CmpOp::Gte, value.into())
    }
}

impl<M, Out, D> Aggregate<M, Out, D> {
    fn order(&self, descending: bool) -> Order<M> {
        let (func, distinct) = self.expr.aggregate.unwrap_or((AggFunc::Count, false));
        Order::aggregated(self.expr.links.clone(), self.expr.column, (func, distinct), descending)
    }

    /// Ascending by the annotation (`order_by("n")`), for
    /// [`Annotate::order_by`].
    pub fn asc(&self) -> Order<M> {
        self.order(false)
    }

    /// Descending by the annotation (`order_by("-n")`).
    pub fn desc(&self) -> Order<M> {
        self.order(true)
    }
}

/// A condition on an aggregate (Django's filter on an annotation, which
/// it compiles to `HAVING`); see [`Annotate::filter`].
pub struct Having<M> {
    term: std::result::Result<HavingTerm, String>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Having<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.term.fmt(f)
    }
}

/// Django's `Count(target)`: the non-NULL values (a relation: the related
/// rows); 0 when there are none.
#[allow(non_snake_case)]
pub fn Count<M, T>(target: impl Into<Target<M, T>>) -> Aggregate<M, i64> {
    Aggregate::new(AggFunc::Count, target.into())
}

/// Django's `Sum(target)`: `None` when there is no non-NULL value.
#[allow(non_snake_case)]
pub fn Sum<M, T: Numeric>(target: impl Into<Target<M, T>>) -> Aggregate<M, Option<T::Sum>> {
    Aggregate::new(AggFunc::Sum, target.into())
}

/// Django's `Avg(target)`: `None` when there is no non-NULL value.
#[allow(non_snake_case)]
pub fn Avg<M, T: Numeric>(target: impl Into<Target<M, T>>) -> Aggregate<M, Option<T::Avg>> {
    Aggregate::new(AggFunc::Avg, target.into())
}

/// Django's `Min(target)`: `None` when there is no non-NULL value.
#[allow(non_snake_case)]
pub fn Min<M, T: Scalar>(target: impl Into<Target<M, T>>) -> Aggregate<M, Option<T::Inner>, NoDistinct> {
    Aggregate::new(AggFunc::Min, target.into())
}

/// Django's `Max(target)`: `None` when there is no non-NULL value.
#[allow(non_snake_case)]
pub fn Max<M, T: Scalar>(target: impl Into<Target<M, T>>) -> Aggregate<M, Option<T::Inner>, NoDistinct> {
    Aggregate::new(AggFunc::Max, target.into())
}

// ---------------------------------------------------------------------------
// Selections
// ---------------------------------------------------------------------------

fn read_value<T: DbValue>(row: crate::backend::DbRow<'_>, index: usize, zone: Option<Tz>) -> rusqlite::Result<T> {
    match zone {
        Some(zone) => crate::value::read_in(row, index, zone),
        None => crate::value::read(row, index),
    }
}

/// One selected expression of a query of `M`, read as `Output`: a column,
/// a column through a relation path, or an aggregate.
pub trait Selectable<M> {
    type Output;
    #[doc(hidden)]
    fn select_expr(&self) -> SelectExpr;
    #[doc(hidden)]
    fn read(row: crate::backend::DbRow<'_>, index: usize, zone: Option<Tz>) -> rusqlite::Result<Self::Output>;
}

impl<M, T: DbValue> Selectable<M> for Column<M, T> {
    type Output = T;
    fn select_expr(&self) -> SelectExpr {
        SelectExpr { links: Vec::new(), column: self.name(), aggregate: None }
    }
    fn read(row: crate::backend::DbRow<'_>, index: usize, zone: Option<Tz>) -> rusqlite::Result<T> {
        read_value(row, index, zone)
    }
}

/// A column through a relation: a missing related row (a nullable or
/// reverse relation) reads as NULL, so select an `Option` column there or
/// expect a conversion error.
impl<M, To, T: DbValue> Selectable<M> for Path<M, To, T> {
    type Output = T;
    fn select_expr(&self) -> SelectExpr {
        let (links, column) = self.clone().into_parts();
        SelectExpr { links, column, aggregate: None }
    }
    fn read(row: crate::backend::DbRow<'_>, index: usize, zone: Option<Tz>) -> rusqlite::Result<T> {
        read_value(row, index, zone)
    }
}

/// A column through a relation read as an `Option`: `None` where the
/// related row is missing (Django's `None` in `values_list("authors__name")`
/// for an entry without authors); see [`Path::optional`].
pub struct Optional<P>(P);

impl<M, To, T> Path<M, To, T> {
    /// Select the column as an `Option`: `None` where the LEFT OUTER JOIN
    /// finds no related row.
    pub fn optional(self) -> Optional<Path<M, To, T>> {
        Optional(self)
    }
}

impl<M, To, T: DbValue> Selectable<M> for Optional<Path<M, To, T>> {
    type Output = Option<T>;
    fn select_expr(&self) -> SelectExpr {
        self.0.select_expr()
    }
    fn read(row: crate::backend::DbRow<'_>, index: usize, zone: Option<Tz>) -> rusqlite::Result<Option<T>> {
        read_value(row, index, zone)
    }
}

impl<M, Out: DbValue, D> Selectable<M> for Aggregate<M, Out, D> {
    type Output = Out;
    fn select_expr(&self) -> SelectExpr {
        self.expr.clone()
    }
    fn read(row: crate::backend::DbRow<'_>, index: usize, zone: Option<Tz>) -> rusqlite::Result<Out> {
        read_value(row, index, zone)
    }
}

/// What `values_list()`, `aggregate()` and `annotate()` select: one
/// [`Selectable`] (read as its value: Django's `flat=True`) or a tuple of
/// up to eight (read as a tuple).
pub trait Selection<M> {
    type Output;
    #[doc(hidden)]
    fn select_exprs(&self) -> Vec<SelectExpr>;
    #[doc(hidden)]
    fn read(row: crate::backend::DbRow<'_>, offset: usize, zone: Option<Tz>) -> rusqlite::Result<Self::Output>;
}

macro_rules! single_selection {
    ($($ty:ident<$($param:ident),*>),*) => {$(
        impl<M, $($param),*> Selection<M> for $ty<$($param),*>
        where
            $ty<$($param),*>: Selectable<M>,
        {
            type Output = <Self as Selectable<M>>::Output;
            fn select_exprs(&self) -> Vec<SelectExpr> {
                vec![self.select_expr()]
            }
            fn read(row: crate::backend::DbRow<'_>, offset: usize, zone: Option<Tz>) -> rusqlite::Result<Self::Output> {
                <Self as Selectable<M>>::read(row, offset, zone)
            }
        }
    )*};
}
single_selection!(Column<Mc, T>, Path<Mp, To, T>, Aggregate<Ma, Out, D>, Optional<P>);

macro_rules! tuple_selection {
    ($(($($name:ident $index:tt),+))*) => {$(
        impl<M, $($name: Selectable<M>),+> Selection<M> for ($($name,)+) {
            type Output = ($($name::Output,)+);
            fn select_exprs(&self) -> Vec<SelectExpr> {
                vec![$(self.$index.select_expr()),+]
            }
            fn read(row: crate::backend::DbRow<'_>, offset: usize, zone: Option<Tz>) -> rusqlite::Result<Self::Output> {
                Ok(($($name::read(row, offset + $index, zone)?,)+))
            }
        }
    )*};
}
tuple_selection! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

// ---------------------------------------------------------------------------
// QuerySet methods
// ---------------------------------------------------------------------------

impl<M: Model> QuerySet<M> {
    /// Django's `aggregate()`: the aggregates over every matching row, in
    /// one query (the ordering dropped, as Django). `Entry::objects()
    /// .aggregate(&db, (Count(Entry::ID), Max(Entry::RATING)))` gives
    /// `(i64, Option<i64>)`. On a sliced or `distinct()` query the
    /// aggregates are over that query's rows (a subquery, as Django).
    pub fn aggregate<S: Selection<M>>(&self, db: &Database, selection: S) -> Result<S::Output> {
        self.check()?;
        let exprs = selection.select_exprs();
        if let Some(bare) = exprs.iter().find(|e| e.aggregate.is_none()) {
            // Django: "... is not an aggregate expression".
            return Err(Error::Misuse(format!("{} is not an aggregate expression", bare.column)));
        }
        let sql = if self.is_sliced() || self.is_distinct() {
            let ordering = self.ordering_terms();
            self.parts(&ordering, params(db)).aggregate_over_subquery(&exprs)?
        } else {
            let mut parts = self.parts(&[], params(db));
            parts.exprs = &exprs;
            parts.select_exprs(false)?
        };
        let zone = db.storage_zone();
        db.with_sql(&sql.text, |stmt| {
            let mut rows = stmt.query(crate::backend::params_from_iter(sql.params.iter()))?;
            match rows.next()? {
                Some(row) => Ok(S::read(row, 0, zone)?),
                None => Err(Error::Misuse("an aggregate query returned no row".into())),
            }
        })
    }

    /// Django's `values_list()`: the selected columns of every matching
    /// row, in order, typed: one column gives a `Vec` of its values
    /// (`flat=True`), a tuple a `Vec` of tuples. Columns through relation
    /// paths are joined as in filters (`blog__name`). Aggregates in the
    /// selection group the rows by the plain columns (Django's
    /// `values("blog").annotate(Count("id"))`); such a query drops the
    /// model's default ordering, as Django's GROUP BY queries do.
    pub fn values_list<S: Selection<M>>(&self, db: &Database, selection: S) -> Result<Vec<S::Output>> {
        self.check()?;
        let exprs = selection.select_exprs();
        let grouped = exprs.iter().any(|e| e.aggregate.is_some());
        let ordering = if grouped && !self.has_explicit_ordering() {
            std::borrow::Cow::Borrowed(&[][..])
        } else {
            self.ordering_terms()
        };
        let mut parts = self.parts(&ordering, params(db));
        parts.exprs = &exprs;
        let sql = parts.select_exprs(true)?;
        let zone = db.storage_zone();
        db.collect_rows(&sql.text, crate::backend::params_from_iter(sql.params.iter()), |row| {
            Ok(S::read(row, 0, zone)?)
        })
    }

    /// Django's `annotate()`: each matching row with the aggregates over
    /// its related rows, grouped by the model (`Blog::objects()
    /// .annotate(Count(Blog::ENTRIES_REL)).all(&db)` gives `(Blog, i64)`
    /// pairs). Aggregates over two multi-valued relations multiply, as in
    /// Django (both are joined in one query): use `distinct()` on a Count.
    /// The model's default ordering is dropped (Django's rule for GROUP BY
    /// queries); an explicit `order_by()` is kept.
    pub fn annotate<S: Selection<M>>(self, selection: S) -> Annotate<M, S> {
        Annotate { query: self, selection, having: Vec::new(), after: Vec::new(), error: None, _marker: PhantomData }
    }

    /// Django's `in_bulk(ids)`: the rows whose primary key is in `ids`, by
    /// key, in as many queries as SQLite's variable limit needs
    /// ([`crate::MAX_QUERY_PARAMS`] keys each); missing keys are absent,
    /// and no query runs for no keys (as Django). Not on a sliced query
    /// (Django: "Cannot use 'limit' or 'offset' with in_bulk().").
    pub fn in_bulk<K: DbValue + Ord>(&self, db: &Database, ids: impl IntoIterator<Item = K>) -> Result<BTreeMap<K, M>> {
        self.in_bulk_by(db, M::meta().pk_column().column, ids)
    }

    /// `in_bulk(values, field_name=...)`: by a unique column instead of
    /// the primary key (Django: "in_bulk()'s field_name must be a unique
    /// field but 'x' isn't.").
    pub fn in_bulk_by_column<K: DbValue + Ord>(
        &self,
        db: &Database,
        column: Column<M, K>,
        values: impl IntoIterator<Item = K>,
    ) -> Result<BTreeMap<K, M>> {
        let unique = M::meta().columns.iter().any(|c| c.column == column.name() && (c.unique || c.primary_key));
        if !unique {
            return Err(Error::Misuse(format!(
                "in_bulk()'s field_name must be a unique field but '{}' isn't.",
                column.name()
            )));
        }
        self.in_bulk_by(db, column.name(), values)
    }

    fn in_bulk_by<K: DbValue + Ord>(
        &self,
        db: &Database,
        column: &'static str,
        ids: impl IntoIterator<Item = K>,
    ) -> Result<BTreeMap<K, M>> {
        self.check()?;
        if self.is_sliced() {
            return Err(Error::Misuse("Cannot use 'limit' or 'offset' with in_bulk().".into()));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut values: Vec<Value> = Vec::new();
        for id in ids {
            let value = crate::value::try_to_value(&id)?;
            if value != Value::Null && seen.insert(KeyValue::from_value(value.clone())) {
                values.push(value);
            }
        }
        let Some(index) = M::meta().fields().iter().position(|c| c.column == column) else {
            return Err(Error::Misuse(format!("{} has no column {column}", M::meta().name)));
        };
        let mut out = BTreeMap::new();
        for chunk in values.chunks(crate::query::MAX_QUERY_PARAMS) {
            let qs = self.clone().filter(crate::query::Condition::column_in(column, chunk.to_vec()));
            for m in qs.fetch(db)? {
                let key = m.field(index).map_or(Value::Null, crate::Field::stored);
                out.insert(crate::value::from_value::<K>(key)?, m);
            }
        }
        Ok(out)
    }
}

/// What [`Annotate::filter`] takes: a condition on an aggregate (a
/// `HAVING`) or on the rows (a `WHERE`).
pub enum AnnotateFilter<M> {
    Aggregate(Having<M>),
    Rows(Condition<M>),
}

impl<M> From<Having<M>> for AnnotateFilter<M> {
    fn from(having: Having<M>) -> Self {
        AnnotateFilter::Aggregate(having)
    }
}

impl<M> From<Condition<M>> for AnnotateFilter<M> {
    fn from(condition: Condition<M>) -> Self {
        AnnotateFilter::Rows(condition)
    }
}

/// A query whose rows come with aggregates over their related rows
/// (Django's `annotate()`); see [`QuerySet::annotate`].
pub struct Annotate<M, S> {
    query: QuerySet<M>,
    selection: S,
    having: Vec<HavingTerm>,
    /// The `filter()` / `exclude()` calls on the rows made after
    /// `annotate()`, one node per call.
    after: Vec<Node>,
    /// A value of a `having` condition that could not be bound.
    error: Option<String>,
    _marker: PhantomData<fn() -> M>,
}

impl<M, S> std::fmt::Debug for Annotate<M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Annotate").field("query", &self.query).finish_non_exhaustive()
    }
}

impl<M: Model, S: Selection<M>> Annotate<M, S> {
    /// Keep the rows whose aggregate matches (Django's
    /// `annotate(n=Count("entries")).filter(n__gt=1)`, a `HAVING`):
    /// `.filter(Count(Blog::ENTRIES_REL).gt(1))`. The aggregate reuses the
    /// annotation's joins, so it is the annotated value.
    ///
    /// A [`Condition`] on the rows (Django's `annotate(...).filter(
    /// name__startswith="B")`) is a `WHERE`, as a `filter()` before
    /// `annotate()`; across a multi-valued relation it joins anew rather
    /// than reusing the annotation's join, as Django: the aggregate still
    /// counts every related row of the rows kept.
    pub fn filter(mut self, condition: impl Into<AnnotateFilter<M>>) -> Self {
        match condition.into() {
            AnnotateFilter::Aggregate(Having { term: Ok(term), .. }) => self.having.push(term),
            AnnotateFilter::Aggregate(Having { term: Err(message), .. }) => {
                self.error.get_or_insert(message);
            }
            AnnotateFilter::Rows(condition) => self.after.push(condition.into_node()),
        }
        self
    }

    /// Drop the rows matching `condition` (Django's `annotate(...)
    /// .exclude(...)` of a condition on the rows): `filter(!condition)`.
    pub fn exclude(mut self, condition: Condition<M>) -> Self {
        self.after.push(Node::Not(Box::new(condition.into_node())));
        self
    }

    /// Replace the ordering; the terms may be aggregates
    /// (`order_by("-n")` is `.order_by([Count(Blog::ENTRIES_REL).desc()])`).
    pub fn order_by(mut self, terms: impl IntoIterator<Item = Order<M>>) -> Self {
        self.query.set_ordering(terms.into_iter().map(|o| o.term()).collect());
        self
    }

    fn sql(&self, params: crate::sql::query::Params) -> Result<(crate::sql::Sql, Vec<SelectExpr>)> {
        self.query.check()?;
        if let Some(message) = &self.error {
            return Err(Error::Misuse(message.clone()));
        }
        let exprs = self.selection.select_exprs();
        if let Some(bare) = exprs.iter().find(|e| e.aggregate.is_none()) {
            return Err(Error::Misuse(format!("annotate() takes aggregates; {} is a column", bare.column)));
        }
        // Django drops the model's default ordering from GROUP BY queries.
        let ordering = if self.query.has_explicit_ordering() {
            self.query.ordering_terms()
        } else {
            std::borrow::Cow::Borrowed(&[][..])
        };
        let mut parts = self.query.parts(&ordering, params);
        parts.exprs = &exprs;
        parts.having = &self.having;
        parts.conditions_after_annotate = &self.after;
        let sql = parts.select_annotated()?;
        Ok((sql, exprs))
    }

    /// The SELECT this runs and its bound values, as a database handle
    /// with the default time zone settings runs it.
    pub fn sql_with_params(&self) -> Result<(String, Vec<Value>)> {
        let (sql, _) = self.sql(crate::query::params_in(crate::tz::TimeZoneSettings::UTC))?;
        Ok((sql.text, sql.params))
    }

    /// Every matching row with its aggregates, in order: one query.
    pub fn all(&self, db: &Database) -> Result<Vec<(M, S::Output)>> {
        let (sql, _) = self.sql(params(db))?;
        let offset = M::meta().fields().len();
        let zone = db.storage_zone();
        let mut out = db.collect_rows(&sql.text, crate::backend::params_from_iter(sql.params.iter()), |row| {
            let model = crate::model::read_row::<M>(row, 0, zone)?;
            Ok((model, S::read(row, offset, zone)?))
        })?;
        for (model, _) in &mut out {
            crate::snapshot::mark_loaded(db, model);
        }
        Ok(out)
    }
}
