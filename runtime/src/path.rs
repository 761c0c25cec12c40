//! Lookups across relations (Django's `blog__name`, `entry__authors__name`).
//!
//! Generated code emits one [`Rel`] constant per relation, forward and
//! reverse; a path is relations joined with [`Rel::join`] and ended by a
//! column with [`Rel::then`]:
//!
//! ```ignore
//! // Entry.objects.filter(blog__name="Beatles Blog")
//! Entry::objects().filter(Entry::BLOG_REL.then(Blog::NAME).eq("Beatles Blog"));
//! // Blog.objects.filter(entries__authors__name="Paul")
//! Blog::objects().filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).eq("Paul"));
//! ```
//!
//! Every lookup of a column is there on a path, typed by the column at its
//! end. How the joins are made (reused within one `filter()` call, a new
//! one per call for multi-valued relations, a subquery when negated) is
//! Django's; see `crate::sql::query::Compiler`.

use crate::model::Model;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use rusqlite::types::Value;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::model::KeyValue;
use crate::query::{Column, Condition, DateColumn, DateTimeColumn, Order, Part, QuerySet, TextColumn};
use crate::sql::query::OrderTerm;
use crate::sql::query::{Join, Link, Node, Params, RelatedStep, Transform};
use crate::sql::QueryShape;
use crate::sql::Sql;
use crate::value::DbValue;

/// A relation of model `From` to model `To` (a ForeignKey, OneToOneField
/// or ManyToManyField, or the reverse side of one), for lookups across it.
pub struct Rel<From, To> {
    link: Link,
    _marker: PhantomData<fn() -> (From, To)>,
}

impl<From, To> Clone for Rel<From, To> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<From, To> Copy for Rel<From, To> {}

impl<From, To> std::fmt::Debug for Rel<From, To> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rel({:?})", self.link)
    }
}

/// What the query compiler knows of `To`.
fn shape_of<To: Model>() -> &'static QueryShape {
    To::meta().query_shape()
}

const fn target<To: Model>() -> fn() -> &'static QueryShape {
    shape_of::<To>
}

impl<From, To: Model> Rel<From, To> {
    /// A ForeignKey or OneToOneField of `From`: its `column` holds
    /// `target_column` of `To`'s `target_table`; `null` when it is nullable.
    pub const fn forward(
        column: &'static str,
        target_table: &'static str,
        target_column: &'static str,
        null: bool,
    ) -> Self {
        Rel {
            link: Link {
                first: Join { table: target_table, from_column: column, to_column: target_column },
                second: None,
                through_pk: "",
                multi: false,
                nullable: null,
                forward: true,
                target: target::<To>(),
            },
            _marker: PhantomData,
        }
    }

    /// The reverse side of a ForeignKey (`one_to_one`: of a
    /// OneToOneField) of `To`: its `source_column` in `source_table` holds
    /// `own_column` of `From`.
    pub const fn reverse(
        own_column: &'static str,
        source_table: &'static str,
        source_column: &'static str,
        one_to_one: bool,
    ) -> Self {
        Rel {
            link: Link {
                first: Join { table: source_table, from_column: own_column, to_column: source_column },
                second: None,
                through_pk: "",
                multi: !one_to_one,
                nullable: true,
                forward: false,
                target: target::<To>(),
            },
            _marker: PhantomData,
        }
    }

    /// A many-to-many between `From` and `To` (either side): the join
    /// table (primary key `through_pk`)'s `source_column` holds
    /// `own_column` of `From`, its `target_column` holds `target_pk` of
    /// `To`'s `target_table`.
    pub const fn many_to_many(
        own_column: &'static str,
        through_table: &'static str,
        through_pk: &'static str,
        source_column: &'static str,
        target_column: &'static str,
        target_table: &'static str,
        target_pk: &'static str,
    ) -> Self {
        Rel {
            link: Link {
                first: Join { table: through_table, from_column: own_column, to_column: source_column },
                second: Some(Join { table: target_table, from_column: target_column, to_column: target_pk }),
                through_pk,
                multi: true,
                nullable: true,
                forward: false,
                target: target::<To>(),
            },
            _marker: PhantomData,
        }
    }
}

impl<From, To> Rel<From, To> {
    pub(crate) fn link(self) -> Link {
        self.link
    }

    fn via(self) -> Via<From, To> {
        Via { links: vec![self.link], _marker: PhantomData }
    }

    /// A column of the related model: `blog__name` is
    /// `Entry::BLOG_REL.then(Blog::NAME)`.
    pub fn then<T>(self, column: Column<To, T>) -> Path<From, To, T> {
        self.via().then(column)
    }

    /// On through another relation: `entries__authors` is
    /// `Blog::ENTRIES_REL.join(Entry::AUTHORS_REL)`.
    pub fn join<Next>(self, next: Rel<To, Next>) -> Via<From, Next> {
        self.via().join(next)
    }

    /// `isnull` on the relation: `featured__isnull=True` (no related row;
    /// for a reverse or many-to-many relation, none at all).
    pub fn isnull(self, isnull: bool) -> Condition<From> {
        self.via().isnull(isnull)
    }
}

/// A path of relations from `From` to `To` (`entries__authors`).
pub struct Via<From, To> {
    links: Vec<Link>,
    _marker: PhantomData<fn() -> (From, To)>,
}

impl<From, To> Clone for Via<From, To> {
    fn clone(&self) -> Self {
        Via { links: self.links.clone(), _marker: PhantomData }
    }
}

impl<From, To> std::fmt::Debug for Via<From, To> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Via({:?})", self.links)
    }
}

impl<From, To> Via<From, To> {
    pub(crate) fn into_links(self) -> Vec<Link> {
        self.links
    }

    /// A column of the model the path arrives at.
    pub fn then<T>(self, column: Column<To, T>) -> Path<From, To, T> {
        Path { links: self.links, column, _marker: PhantomData }
    }

    /// On through another relation.
    pub fn join<Next>(mut self, next: Rel<To, Next>) -> Via<From, Next> {
        self.links.push(next.link);
        Via { links: self.links, _marker: PhantomData }
    }

    /// `isnull` on the last relation of the path.
    pub fn isnull(self, isnull: bool) -> Condition<From> {
        Condition::from_node(Node::Related { links: self.links, leaf: Box::new(Node::Missing(isnull)) })
    }
}

/// A column of model `To` reached from model `M` through relations
/// (`blog__name`): the lookups of [`Column`], on the related row.
pub struct Path<M, To, T> {
    links: Vec<Link>,
    column: Column<To, T>,
    _marker: PhantomData<fn() -> M>,
}

impl<M, To, T> Clone for Path<M, To, T> {
    fn clone(&self) -> Self {
        Path { links: self.links.clone(), column: self.column, _marker: PhantomData }
    }
}

impl<M, To, T> std::fmt::Debug for Path<M, To, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Path({:?}, {})", self.links, self.column.name())
    }
}

impl<M, To, T> Path<M, To, T> {
    /// The relations and the column at their end.
    pub(crate) fn into_parts(self) -> (Vec<Link>, &'static str) {
        (self.links, self.column.name())
    }

    /// The lookup `leaf` (built on the column) through this path.
    fn wrap(self, leaf: Condition<To>) -> Condition<M> {
        Condition::from_node(Node::Related { links: self.links, leaf: Box::new(leaf.into_node()) })
    }

    fn part<V: DbValue>(self, transform: Transform) -> Part<M, V> {
        Part::new(self.links, self.column.name(), transform)
    }
}

/// Lookups of a path, each the column's lookup on the related row.
macro_rules! path_lookups {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        $(#[$doc])*
        pub fn $name(self, $($arg: $ty),*) -> Condition<M> {
            let column = self.column;
            self.wrap(column.$name($($arg),*))
        }
    )*};
}

#[allow(clippy::should_implement_trait)]
impl<M, To: Model, T: DbValue> Path<M, To, T> {
    path_lookups! {
        /// `exact` on the related row (`blog__name="x"`); `None` is `isnull`.
        eq(value: impl Into<T>);
        /// Same as [`Path::eq`].
        exact(value: impl Into<T>);
        lt(value: impl Into<T>);
        lte(value: impl Into<T>);
        gt(value: impl Into<T>);
        gte(value: impl Into<T>);
        /// `range`: both bounds included.
        range(low: impl Into<T>, high: impl Into<T>);
        /// `isnull` of the related row's column (a missing related row
        /// counts as NULL, as Django's LEFT OUTER JOIN has it).
        isnull(isnull: bool);
    }

    /// `in`: NULLs dropped, an empty list matching nothing.
    pub fn in_<V: Into<T>>(self, values: impl IntoIterator<Item = V>) -> Condition<M> {
        let column = self.column;
        self.wrap(column.in_(values))
    }

    /// `~Q(path=value)`: Django's `exclude(blog__name=value)`.
    pub fn ne(self, value: impl Into<T>) -> Condition<M> {
        self.eq(value).not()
    }

    /// Ascending order on the related column (`order_by("blog__name")`).
    pub fn asc(self) -> Order<M> {
        let column = self.column;
        column.asc().through(self.links)
    }

    /// Descending order on the related column (`order_by("-blog__name")`).
    pub fn desc(self) -> Order<M> {
        let column = self.column;
        column.desc().through(self.links)
    }
}

impl<M, To: Model, T: DbValue + TextColumn> Path<M, To, T> {
    path_lookups! {
        contains(value: &str);
        icontains(value: &str);
        startswith(value: &str);
        istartswith(value: &str);
        endswith(value: &str);
        iendswith(value: &str);
        iexact(value: &str);
        regex(pattern: &str);
        iregex(pattern: &str);
    }
}

impl<M, To: Model, T: crate::Choices> Path<M, To, T>
where
    T: DbValue,
{
    /// `exact` with the raw stored value of a choice field.
    pub fn eq_raw(self, value: impl Into<T::Value>) -> Condition<M> {
        let column = self.column;
        self.wrap(column.eq_raw(value))
    }
}

macro_rules! path_date_parts {
    ($bound:ident: $($name:ident),*) => {
        impl<M, To: Model, T: DbValue + $bound> Path<M, To, T> {$(
            #[doc = concat!("`", stringify!($name), "` of the related row's column.")]
            pub fn $name(self) -> Part<M, i64> {
                self.part(Transform::Extract { part: stringify!($name), datetime: T::DATETIME })
            }
        )*}
    };
}
path_date_parts!(DateColumn: year, month, day, week_day, iso_week_day, week, iso_year, quarter);
path_date_parts!(DateTimeColumn: hour, minute, second);

impl<M, To: Model, T: DbValue + DateTimeColumn> Path<M, To, T> {
    /// `date` of the related row's datetime.
    pub fn date(self) -> Part<M, chrono::NaiveDate> {
        self.part(Transform::Date)
    }
}

// ---------------------------------------------------------------------------
// select_related and prefetch_related
// ---------------------------------------------------------------------------

impl<M: Model> QuerySet<M> {
    /// Django's `select_related`: the rows with the object a ForeignKey or
    /// OneToOneField (either side) points at, read by the same query (one
    /// JOIN), so that no query per row follows. `Entry::objects()
    /// .select_related(Entry::BLOG_REL).all(&db)` gives `(Entry, Option<Blog>)`
    /// pairs; the related object is `None` only where there is none (a
    /// nullable key, a missing reverse one-to-one).
    pub fn select_related<R: Model>(self, relation: Rel<M, R>) -> SelectRelated<M, R> {
        SelectRelated { query: self, link: relation.link(), _marker: PhantomData }
    }

    /// Django's `prefetch_related` of a reverse ForeignKey or a
    /// many-to-many: the rows, each with its related objects (in the
    /// related model's default ordering), read by one more query for all
    /// the rows: `Blog::objects().prefetch_related(Blog::ENTRIES_REL).all(&db)`
    /// gives `(Blog, Vec<Entry>)` pairs in two queries.
    pub fn prefetch_related<R: Model>(self, relation: Rel<M, R>) -> PrefetchRelated<M, R> {
        PrefetchRelated { query: self, link: relation.link(), _marker: PhantomData }
    }
}

/// A query whose rows come with a related object read by the same SELECT
/// (Django's `select_related`); see [`QuerySet::select_related`].
pub struct SelectRelated<M, R> {
    query: QuerySet<M>,
    link: Link,
    _marker: PhantomData<fn() -> R>,
}

impl<M, R> std::fmt::Debug for SelectRelated<M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectRelated").field("query", &self.query).field("link", &self.link).finish()
    }
}

/// The SELECT of `query`'s rows with the rows `steps` reach, each
/// checked to be single-valued (`names`: the steps' target models).
fn select_related_sql<M: Model>(
    query: &QuerySet<M>,
    steps: &[RelatedStep],
    names: &[&str],
    params: Params,
) -> Result<Sql> {
    query.check()?;
    for (step, name) in steps.iter().zip(names) {
        if step.link.multi {
            // Django: "Invalid field name(s) given in select_related".
            return Err(Error::Misuse(format!(
                "select_related() follows ForeignKeys and OneToOneFields only, not the multi-valued relation to {name}: use prefetch_related"
            )));
        }
    }
    let ordering = query.ordering_terms();
    let mut parts = query.parts(&ordering, params);
    parts.related = steps;
    parts.select()
}

/// The related object whose columns start at `offset`, `None` where the
/// LEFT OUTER JOIN found no row (a NULL primary key).
fn read_related<R: Model>(row: crate::backend::DbRow<'_>, offset: usize, db: &Database) -> Result<Option<R>> {
    let related_pk = R::meta().fields().iter().position(|c| c.primary_key).unwrap_or(0);
    let missing = row.with_ref(offset + related_pk, |pk| pk == rusqlite::types::ValueRef::Null)?;
    Ok(if missing { None } else { Some(crate::model::read_row::<R>(row, offset, db.storage_zone())?) })
}

impl<M: Model, R: Model> SelectRelated<M, R> {
    /// The SELECT this runs and its bound values, as a database handle
    /// with the default time zone settings runs it.
    pub fn sql_with_params(&self) -> Result<(String, Vec<Value>)> {
        let sql = self.sql(crate::query::params_in(crate::tz::TimeZoneSettings::UTC))?;
        Ok((sql.text, sql.params))
    }

    fn sql(&self, params: Params) -> Result<Sql> {
        let steps = [RelatedStep { parent: 0, link: self.link }];
        select_related_sql(&self.query, &steps, &[R::meta().name], params)
    }

    /// Django's `select_related("blog__featured")`: the related object's
    /// own related object too, read by the same query; `None` where a
    /// link of the chain has no row (LEFT OUTER JOIN from the first
    /// nullable link on, as Django). `Entry::objects()
    /// .select_related(Entry::BLOG_REL).then_related(Blog::FEATURED_REL)`
    /// gives `(Entry, Option<Blog>, Option<Entry>)`.
    pub fn then_related<S: Model>(self, relation: Rel<R, S>) -> SelectRelated2<M, R, S> {
        SelectRelated2 { query: self.query, first: self.link, second: (1, relation.link()), _marker: PhantomData }
    }

    /// Django's `select_related("book", "home")`: a second relation of the
    /// model, read by the same query. `Copy::objects()
    /// .select_related(Copy::BOOK_REL).and_related(Copy::HOME_REL)` gives
    /// `(Copy, Option<Book>, Option<Shelf>)`.
    pub fn and_related<S: Model>(self, relation: Rel<M, S>) -> SelectRelated2<M, R, S> {
        SelectRelated2 { query: self.query, first: self.link, second: (0, relation.link()), _marker: PhantomData }
    }

    /// Every matching row with its related object, in order: one query.
    pub fn all(&self, db: &Database) -> Result<Vec<(M, Option<R>)>> {
        let sql = self.sql(crate::query::params(db))?;
        let offset = M::meta().fields().len();
        let mut out = db.collect_rows(&sql.text, crate::backend::params_from_iter(sql.params.iter()), |row| {
            let model = crate::model::read_row::<M>(row, 0, db.storage_zone())?;
            Ok((model, read_related::<R>(row, offset, db)?))
        })?;
        for (model, related) in &mut out {
            crate::snapshot::mark_loaded(db, model);
            if let Some(related) = related {
                crate::snapshot::mark_loaded(db, related);
            }
        }
        Ok(out)
    }
}

/// A row of [`SelectRelated2::all`]: the model and its two related
/// objects (`None` where there is none).
pub type WithTwoRelated<M, R, S> = (M, Option<R>, Option<S>);

/// A query whose rows come with two related objects read by the same
/// SELECT: a chain (`select_related("blog__featured")`, see
/// [`SelectRelated::then_related`]) or two relations of the model
/// (`select_related("book", "home")`, see [`SelectRelated::and_related`]).
pub struct SelectRelated2<M, R, S> {
    query: QuerySet<M>,
    first: Link,
    /// The second relation and where it starts: 0 the model, 1 `R`.
    second: (usize, Link),
    _marker: PhantomData<fn() -> (R, S)>,
}

impl<M, R, S> std::fmt::Debug for SelectRelated2<M, R, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectRelated2")
            .field("query", &self.query)
            .field("first", &self.first)
            .field("second", &self.second)
            .finish()
    }
}

impl<M: Model, R: Model, S: Model> SelectRelated2<M, R, S> {
    /// The SELECT this runs and its bound values, as a database handle
    /// with the default time zone settings runs it.
    pub fn sql_with_params(&self) -> Result<(String, Vec<Value>)> {
        let sql = self.sql(crate::query::params_in(crate::tz::TimeZoneSettings::UTC))?;
        Ok((sql.text, sql.params))
    }

    /// Whether the second relation is joined and selected first: Django
    /// walks the model's forward keys in field order whatever order
    /// `select_related()` named them in (so `("home", "shelf")` joins
    /// `shelf` first), then the reverse one-to-ones.
    fn second_first(&self) -> bool {
        let position = |link: &Link| {
            let fields = M::meta().fields();
            let own = fields.iter().position(|c| c.column == link.first.from_column);
            own.filter(|_| link.forward).unwrap_or(usize::MAX)
        };
        self.second.0 == 0 && position(&self.second.1) < position(&self.first)
    }

    fn sql(&self, params: Params) -> Result<Sql> {
        let first = RelatedStep { parent: 0, link: self.first };
        let second = RelatedStep { parent: self.second.0, link: self.second.1 };
        if self.second_first() {
            select_related_sql(&self.query, &[second, first], &[S::meta().name, R::meta().name], params)
        } else {
            select_related_sql(&self.query, &[first, second], &[R::meta().name, S::meta().name], params)
        }
    }

    /// Every matching row with its two related objects, in order: one query.
    pub fn all(&self, db: &Database) -> Result<Vec<WithTwoRelated<M, R, S>>> {
        let sql = self.sql(crate::query::params(db))?;
        let own = M::meta().fields().len();
        let (first, second) = if self.second_first() {
            (own + S::meta().fields().len(), own)
        } else {
            (own, own + R::meta().fields().len())
        };
        let mut out = db.collect_rows(&sql.text, crate::backend::params_from_iter(sql.params.iter()), |row| {
            let model = crate::model::read_row::<M>(row, 0, db.storage_zone())?;
            Ok((model, read_related::<R>(row, first, db)?, read_related::<S>(row, second, db)?))
        })?;
        for (model, r, s) in &mut out {
            crate::snapshot::mark_loaded(db, model);
            if let Some(r) = r {
                crate::snapshot::mark_loaded(db, r);
            }
            if let Some(s) = s {
                crate::snapshot::mark_loaded(db, s);
            }
        }
        Ok(out)
    }
}

impl<M: Model, R: Model, S: Model> SelectRelated2<M, R, S> {
    /// One relation further from `S` (Django's `select_related(
    /// "blog__featured__blog")` after `blog__featured`, or
    /// `("book__x", "home")`'s `x` after `and_related`), read by the same
    /// query: `(M, Option<R>, Option<S>, Option<T>)`.
    pub fn then_related<T: Model>(self, relation: Rel<S, T>) -> SelectRelated3<M, R, S, T> {
        SelectRelated3 { two: self, third: relation.link(), _marker: PhantomData }
    }
}

/// A query whose rows come with three related objects read by the same
/// SELECT; see [`SelectRelated2::then_related`].
pub struct SelectRelated3<M, R, S, T> {
    two: SelectRelated2<M, R, S>,
    /// The relation from `S`.
    third: Link,
    _marker: PhantomData<fn() -> T>,
}

impl<M, R, S, T> std::fmt::Debug for SelectRelated3<M, R, S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectRelated3").field("two", &self.two).field("third", &self.third).finish()
    }
}

/// A row with three related objects.
pub type WithThreeRelated<M, R, S, T> = (M, Option<R>, Option<S>, Option<T>);

impl<M: Model, R: Model, S: Model, T: Model> SelectRelated3<M, R, S, T> {
    /// The SELECT this runs and its bound values, as a database handle
    /// with the default time zone settings runs it.
    pub fn sql_with_params(&self) -> Result<(String, Vec<Value>)> {
        let sql = self.sql(crate::query::params_in(crate::tz::TimeZoneSettings::UTC))?;
        Ok((sql.text, sql.params))
    }

    /// The steps in the order Django joins and selects them (depth first:
    /// a relation's own relations right after it) and the column offset of
    /// `R`, `S` and `T` in the row.
    fn layout(&self) -> ([RelatedStep; 3], [&'static str; 3], [usize; 3]) {
        let own = M::meta().fields().len();
        let (r, s, t) = (R::meta().fields().len(), S::meta().fields().len(), T::meta().fields().len());
        let first = |parent| RelatedStep { parent, link: self.two.first };
        let second = |parent| RelatedStep { parent, link: self.two.second.1 };
        let third = |parent| RelatedStep { parent, link: self.third };
        let (rn, sn, tn) = (R::meta().name, S::meta().name, T::meta().name);
        if self.two.second.0 == 1 {
            // A chain M -> R -> S -> T.
            ([first(0), second(1), third(2)], [rn, sn, tn], [own, own + r, own + r + s])
        } else if self.two.second_first() {
            // S (and T under it) before R.
            ([second(0), third(1), first(0)], [sn, tn, rn], [own + s + t, own, own + s])
        } else {
            ([first(0), second(0), third(2)], [rn, sn, tn], [own, own + r, own + r + s])
        }
    }

    fn sql(&self, params: Params) -> Result<Sql> {
        let (steps, names, _) = self.layout();
        select_related_sql(&self.two.query, &steps, &names, params)
    }

    /// Every matching row with its three related objects, in order: one query.
    pub fn all(&self, db: &Database) -> Result<Vec<WithThreeRelated<M, R, S, T>>> {
        let sql = self.sql(crate::query::params(db))?;
        let (_, _, [r, s, t]) = self.layout();
        let mut out = db.collect_rows(&sql.text, crate::backend::params_from_iter(sql.params.iter()), |row| {
            let model = crate::model::read_row::<M>(row, 0, db.storage_zone())?;
            Ok((model, read_related::<R>(row, r, db)?, read_related::<S>(row, s, db)?, read_related::<T>(row, t, db)?))
        })?;
        for (model, r, s, t) in &mut out {
            crate::snapshot::mark_loaded(db, model);
            if let Some(r) = r {
                crate::snapshot::mark_loaded(db, r);
            }
            if let Some(s) = s {
                crate::snapshot::mark_loaded(db, s);
            }
            if let Some(t) = t {
                crate::snapshot::mark_loaded(db, t);
            }
        }
        Ok(out)
    }
}

/// A query whose rows come with their related objects through a
/// multi-valued relation, read by one more query (Django's
/// `prefetch_related`); see [`QuerySet::prefetch_related`].
pub struct PrefetchRelated<M, R> {
    query: QuerySet<M>,
    link: Link,
    _marker: PhantomData<fn() -> R>,
}

impl<M, R> std::fmt::Debug for PrefetchRelated<M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrefetchRelated").field("query", &self.query).field("link", &self.link).finish()
    }
}

impl<M: Model, R: Model> PrefetchRelated<M, R> {
    /// Every matching row with its related objects: two queries (none more
    /// when no row matches, as Django), or one more per
    /// [`crate::MAX_QUERY_PARAMS`] keys beyond the first batch.
    pub fn all(&self, db: &Database) -> Result<Vec<(M, Vec<R>)>> {
        let rows = self.query.fetch(db)?;
        let related = prefetch_for::<M, R>(db, &rows, &self.link)?;
        Ok(rows.into_iter().zip(related).collect())
    }

    /// A second relation prefetched beside the first (Django's
    /// `prefetch_related("entries", "featured_in")`): one more query, run
    /// after the first relation's, as Django runs them in the order named.
    pub fn and_prefetch<R2: Model>(self, relation: Rel<M, R2>) -> PrefetchRelated2<M, R, R2> {
        PrefetchRelated2 { first: self, link: relation.link(), _marker: PhantomData }
    }
}

/// A query whose rows come with the objects of two relations, each read by
/// a query of its own; see [`PrefetchRelated::and_prefetch`].
pub struct PrefetchRelated2<M, R, R2> {
    first: PrefetchRelated<M, R>,
    link: Link,
    _marker: PhantomData<fn() -> R2>,
}

impl<M, R, R2> std::fmt::Debug for PrefetchRelated2<M, R, R2> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrefetchRelated2").field("first", &self.first).field("link", &self.link).finish()
    }
}

/// A row with the related objects of two prefetched relations.
pub type WithTwoPrefetched<M, R, R2> = (M, Vec<R>, Vec<R2>);

impl<M: Model, R: Model, R2: Model> PrefetchRelated2<M, R, R2> {
    /// Every matching row with the objects of both relations: three queries
    /// (the rows, then each relation's, as Django), none more when no row
    /// matches.
    pub fn all(&self, db: &Database) -> Result<Vec<WithTwoPrefetched<M, R, R2>>> {
        let rows = self.first.query.fetch(db)?;
        let first = prefetch_for::<M, R>(db, &rows, &self.first.link)?;
        let second = prefetch_for::<M, R2>(db, &rows, &self.link)?;
        Ok(rows.into_iter().zip(first).zip(second).map(|((m, a), b)| (m, a, b)).collect())
    }
}

/// The objects `link` relates to each of `rows`, in the rows' order: one
/// query per [`crate::MAX_QUERY_PARAMS`] distinct keys (none for no keys).
fn prefetch_for<M: Model, R: Model>(db: &Database, rows: &[M], link: &Link) -> Result<Vec<Vec<R>>> {
    // The column of `M` the relation starts from, as `M`'s fields index it.
    let Some(key_field) = M::meta().fields().iter().position(|c| c.column == link.first.from_column) else {
        return Err(Error::Misuse(format!("{} has no column {}", M::meta().name, link.first.from_column)));
    };
    // As the database holds it (a DateTimeField key in its zone): bound
    // as it is, and matched with the keys the query reads back.
    let zone = db.storage_zone();
    let key_of = |m: &M| m.field(key_field).map_or(Value::Null, |field| field.stored_in(zone));
    // Each row's key, and the rows holding it (a NULL key relates to nothing).
    let mut owners: BTreeMap<KeyValue, Vec<usize>> = BTreeMap::new();
    let mut keys: Vec<Value> = Vec::new();
    for (i, m) in rows.iter().enumerate() {
        let key = key_of(m);
        if key == Value::Null {
            continue;
        }
        let entry = owners.entry(KeyValue::from_value(key.clone())).or_default();
        if entry.is_empty() {
            keys.push(key);
        }
        entry.push(i);
    }
    // One query per MAX_QUERY_PARAMS keys (SQLite's old variable limit);
    // each key is in one batch, so each row's related objects keep the
    // related model's ordering.
    let mut related: Vec<(Value, R)> = Vec::new();
    let ordering: Vec<OrderTerm> =
        R::meta().ordering.iter().map(|&(column, descending)| OrderTerm::plain(column, descending)).collect();
    let key_column = R::meta().fields().len();
    for batch in keys.chunks(crate::query::MAX_QUERY_PARAMS) {
        let sql = crate::sql::query::prefetch(R::meta().query_shape(), link, batch, &ordering, crate::query::params(db))?;
        db.with_sql(&sql.text, |stmt| {
            let mut result = stmt.query(crate::backend::params_from_iter(sql.params.iter()))?;
            while let Some(row) = result.next()? {
                let object = crate::model::read_row::<R>(row, 0, db.storage_zone())?;
                related.push((row.get_value(key_column)?, object));
            }
            Ok(())
        })?;
    }
    let mut out: Vec<Vec<R>> = (0..rows.len()).map(|_| Vec::new()).collect();
    for (key, mut object) in related {
        crate::snapshot::mark_loaded(db, &mut object);
        let Some(holders) = owners.get(&KeyValue::from_value(key)) else { continue };
        for &i in holders {
            out[i].push(object.clone());
        }
    }
    Ok(out)
}
