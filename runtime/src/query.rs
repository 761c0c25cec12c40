//! A typed query API with Django's QuerySet semantics.
//!
//! Generated code emits one [`Column`] constant per concrete column:
//!
//! ```ignore
//! impl Entry {
//!     pub const HEADLINE: Column<Entry, String> = Column::new("headline");
//! }
//! let entries = QuerySet::<Entry>::new()
//!     .filter(Entry::HEADLINE.contains("Lennon"))
//!     .exclude(Entry::RATING.lt(3))
//!     .order_by([Entry::PUB_DATE.desc()])
//!     .all(&db)?;
//! ```
//!
//! A misspelled column does not compile, values are always bound parameters,
//! and identifiers are double-quoted. Lookups compile to the SQL Django's
//! SQLite backend emits (`contains` is `LIKE '%x%' ESCAPE '\'`, which, as in
//! Django on SQLite, is case-insensitive for ASCII).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use rusqlite::types::Value;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::key::Key;
use crate::model::Model;
pub use crate::sql::query::Link;
use crate::sql::query::{update, AggFunc, ArithOp, CmpOp, Expr, FNode, FOp, Node, OrderTerm, Params, Query, Transform};
use crate::sql::Sql;
use crate::tz::TimeZoneSettings;
use crate::value::{try_to_value, DbValue};

pub use crate::error::MAX_GET_RESULTS;

/// The bound parameters per statement Django's SQLite backend assumes
/// (`DatabaseFeatures.max_query_params`, 999 in Django 5.2): what sizes
/// the batches of `bulk_create`, `bulk_update`, `in_bulk` and
/// `prefetch_related`.
pub const MAX_QUERY_PARAMS: usize = 999;

// ---------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------

/// A column of model `M` holding values of type `T`.
pub struct Column<M, T> {
    name: &'static str,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Column<M, T> {}

impl<M, T> std::fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Column").field(&self.name).finish()
    }
}

impl<M, T> Column<M, T> {
    /// The column named `column` (its name in the table, e.g. `blog_id`).
    pub const fn new(column: &'static str) -> Self {
        Column { name: column, _marker: PhantomData }
    }

    /// The column's name in the table.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<M: Model, T: crate::Choices> Column<M, T> {
    /// `exact` with the raw stored value of a choice field
    /// (`Entry::STATUS.eq_raw("d")`, Django's `filter(status="d")`); a
    /// value outside the choices matches rows storing it.
    pub fn eq_raw(self, value: impl Into<T::Value>) -> Condition<M> {
        self.eq(T::from_value(value.into()))
    }
}

impl<M: Model, T: crate::Choices> Column<M, Option<T>> {
    /// `exact` with the raw stored value of a nullable choice field.
    pub fn eq_raw(self, value: impl Into<T::Value>) -> Condition<M> {
        self.eq(Some(T::from_value(value.into())))
    }
}

impl<M: Model, R: Model> Column<M, Key<R>> {
    /// `exact` with a raw key value (Django's `filter(blog_id=5)`), for a
    /// key not held as a [`Key`]; `eq` takes the typed `Key<R>`.
    pub fn eq_raw(self, value: impl Into<R::Key>) -> Condition<M> {
        self.eq(Key::new(value.into()))
    }
}

impl<M: Model, R: Model> Column<M, Option<Key<R>>> {
    /// `exact` with a raw key value of a nullable relation.
    pub fn eq_raw(self, value: impl Into<R::Key>) -> Condition<M> {
        self.eq(Some(Key::new(value.into())))
    }
}

impl<M: Model, T: DbValue> Column<M, T> {
    /// Django's `filter(blog=blog)`: the ForeignKey / OneToOneField column
    /// equals the pk of `target`. As Django: an unsaved `target` fails when
    /// the query runs ("Model instances passed to related filters must be
    /// saved."), and so does an instance of a model the relation does not
    /// point at (`Cannot query "x": Must be "Blog" instance.`).
    pub fn eq_obj<R: Model + std::fmt::Display>(self, target: &R) -> Condition<M> {
        let meta = M::meta();
        let relation = meta.column_index(self.name).and_then(|i| meta.relation_at(i));
        let node = match relation {
            None => Node::Invalid(format!(
                "eq_obj() compares a ForeignKey or OneToOneField with an instance, and `{}` is not one of {}; compare its value with eq()",
                self.name, meta.name
            )),
            Some(r) if !R::meta().lineage().any(|m| std::ptr::eq(m, r.target)) => {
                Node::Invalid(format!("Cannot query \"{}\": Must be \"{}\" instance.", target, r.target.name))
            }
            Some(_) => match crate::model::pk_value(target) {
                None => Node::Invalid("Model instances passed to related filters must be saved.".into()),
                Some(pk) => {
                    Node::Cmp { column: self.name, op: CmpOp::Exact, value: pk, instant: meta.column_holds_instant(self.name) }
                }
            },
        };
        Condition::from_node(node)
    }
}

impl<M: Model, T: DbValue + DateTimeColumn> Column<M, T> {
    /// `SET col = col + duration`, computed by the database on the stored
    /// value (Django's `update(col=F("col") + timedelta(...))`): with
    /// `USE_TZ = False` the stored wall-clock time moves, so a day across
    /// a clock change is 23 or 25 hours of the instant, as in Django. NULL
    /// stays NULL.
    pub fn f_add_duration(self, duration: chrono::TimeDelta) -> Assignment<M> {
        self.shifted(false, duration)
    }

    /// `SET col = col - duration` (Django's `F("col") - timedelta(...)`).
    pub fn f_sub_duration(self, duration: chrono::TimeDelta) -> Assignment<M> {
        self.shifted(true, duration)
    }

    fn shifted(self, subtract: bool, duration: chrono::TimeDelta) -> Assignment<M> {
        let expr = match duration.num_microseconds() {
            Some(micros) => Expr::Shifted { subtract, micros },
            None => Expr::Invalid(format!("{duration} does not fit in 64-bit microseconds")),
        };
        Assignment::new(self.name, expr)
    }
}

/// Column types the text lookups (`contains`, `startswith`, ...) apply to.
pub trait TextColumn {}
impl TextColumn for String {}
impl TextColumn for Option<String> {}

fn owned_value<T: DbValue>(value: &T) -> std::result::Result<Value, String> {
    try_to_value(value).map_err(|e| e.to_string())
}

#[allow(clippy::should_implement_trait)]
impl<M: Model, T: DbValue> Column<M, T> {
    fn compare(self, op: CmpOp, value: T) -> Condition<M> {
        let node = match owned_value(&value) {
            Ok(Value::Null) if op == CmpOp::Exact => Node::IsNull { column: self.name, isnull: true },
            Ok(Value::Null) => Node::Invalid("Cannot use None as a query value".into()),
            Ok(value) => Node::Cmp { column: self.name, op, value, instant: T::is_instant() },
            Err(e) => Node::Invalid(e),
        };
        Condition::from_node(node)
    }

    /// `exact`: `col = value`; a NULL value (`None`) means `IS NULL`, as in
    /// Django.
    pub fn eq(self, value: impl Into<T>) -> Condition<M> {
        self.compare(CmpOp::Exact, value.into())
    }

    /// Same as [`Column::eq`] (Django's lookup name).
    pub fn exact(self, value: impl Into<T>) -> Condition<M> {
        self.eq(value)
    }

    /// `~Q(col=value)`: rows where the column is not `value`, NULLs
    /// included, as Django's `exclude(col=value)`.
    pub fn ne(self, value: impl Into<T>) -> Condition<M> {
        self.eq(value).not()
    }

    pub fn lt(self, value: impl Into<T>) -> Condition<M> {
        self.compare(CmpOp::Lt, value.into())
    }

    pub fn lte(self, value: impl Into<T>) -> Condition<M> {
        self.compare(CmpOp::Lte, value.into())
    }

    pub fn gt(self, value: impl Into<T>) -> Condition<M> {
        self.compare(CmpOp::Gt, value.into())
    }

    pub fn gte(self, value: impl Into<T>) -> Condition<M> {
        self.compare(CmpOp::Gte, value.into())
    }

    /// `range`: `col BETWEEN low AND high`.
    pub fn range(self, low: impl Into<T>, high: impl Into<T>) -> Condition<M> {
        let node = match (owned_value(&low.into()), owned_value(&high.into())) {
            (Ok(Value::Null), _) | (_, Ok(Value::Null)) => Node::Invalid("Cannot use None as a query value".into()),
            (Ok(low), Ok(high)) => Node::Range { column: self.name, low, high, instant: T::is_instant() },
            (Err(e), _) | (_, Err(e)) => Node::Invalid(e),
        };
        Condition::from_node(node)
    }

    /// `in`: `col IN (...)`. NULLs in the list are dropped and an empty list
    /// matches nothing, as in Django.
    pub fn in_<V: Into<T>>(self, values: impl IntoIterator<Item = V>) -> Condition<M> {
        let mut list = Vec::new();
        for v in values {
            match owned_value(&v.into()) {
                Ok(Value::Null) => {}
                Ok(v) => list.push(v),
                Err(e) => return Condition::from_node(Node::Invalid(e)),
            }
        }
        Condition::from_node(Node::In { column: self.name, values: list, instant: T::is_instant() })
    }

    /// `isnull`: `col IS NULL` (true) or `col IS NOT NULL` (false).
    pub fn isnull(self, isnull: bool) -> Condition<M> {
        Condition::from_node(Node::IsNull { column: self.name, isnull })
    }

    /// Ascending order on this column.
    pub fn asc(self) -> Order<M> {
        Order::new(self.name, false)
    }

    /// Descending order on this column.
    pub fn desc(self) -> Order<M> {
        Order::new(self.name, true)
    }

    /// `SET col = value` in [`QuerySet::update`].
    pub fn set(self, value: impl Into<T>) -> Assignment<M> {
        Assignment::new(
            self.name,
            match owned_value(&value.into()) {
                Ok(value) => Expr::Value { value, instant: T::is_instant() },
                Err(e) => Expr::Invalid(e),
            },
        )
    }

    /// `SET col = other` (Django's `F("other")`).
    pub fn set_column(self, other: Column<M, T>) -> Assignment<M> {
        Assignment::new(self.name, Expr::Column(other.name))
    }

    /// This column in an F expression (Django's `F("col")`), to combine
    /// with values and other columns: `Entry::RATING.f() + 2 * Entry::N_COMMENTS.f()`.
    pub fn f(self) -> F<M> {
        F::node(FNode::Column(self.name))
    }

    /// `SET col = <expression>`, computed by the database: any F
    /// expression of the model's columns, whatever their types and
    /// nullability (the database converts, as for Django's `update()`).
    pub fn set_f(self, expression: F<M>) -> Assignment<M> {
        Assignment::new(self.name, Expr::Tree(expression.node))
    }

    fn relative(self, op: ArithOp, value: T) -> Assignment<M> {
        Assignment::new(
            self.name,
            match owned_value(&value) {
                Ok(v) => Expr::Relative { op, value: v },
                Err(e) => Expr::Invalid(e),
            },
        )
    }

    /// `SET col = col + value`, computed by the database (`F("col") + value`).
    pub fn f_add(self, value: impl Into<T>) -> Assignment<M> {
        self.relative(ArithOp::Add, value.into())
    }

    /// `SET col = col - value`.
    pub fn f_sub(self, value: impl Into<T>) -> Assignment<M> {
        self.relative(ArithOp::Sub, value.into())
    }

    /// `SET col = col * value`.
    pub fn f_mul(self, value: impl Into<T>) -> Assignment<M> {
        self.relative(ArithOp::Mul, value.into())
    }

    /// `SET col = col / value`.
    pub fn f_div(self, value: impl Into<T>) -> Assignment<M> {
        self.relative(ArithOp::Div, value.into())
    }

    /// `SET col = col % value`.
    pub fn f_mod(self, value: impl Into<T>) -> Assignment<M> {
        self.relative(ArithOp::Mod, value.into())
    }
}

/// Django's `prep_for_like_query`: `\`, `%` and `_` escaped with `\`.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for ch in s.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

impl<M: Model, T: DbValue + TextColumn> Column<M, T> {
    fn like(self, pattern: String) -> Condition<M> {
        Condition::from_node(Node::Cmp {
            column: self.name,
            op: CmpOp::Like,
            value: Value::Text(pattern),
            instant: false,
        })
    }

    /// `like`, case-insensitive (`ILIKE` on PostgreSQL, as Django's
    /// `UPPER(...) LIKE UPPER(...)`).
    fn ilike(self, pattern: String) -> Condition<M> {
        Condition::from_node(Node::Cmp {
            column: self.name,
            op: CmpOp::ILike,
            value: Value::Text(pattern),
            instant: false,
        })
    }

    /// `contains`: `LIKE '%value%' ESCAPE '\'` (case-insensitive for ASCII
    /// on SQLite, as in Django).
    pub fn contains(self, value: &str) -> Condition<M> {
        self.like(format!("%{}%", escape_like(value)))
    }

    /// `icontains`: the same SQL as `contains` on SQLite.
    pub fn icontains(self, value: &str) -> Condition<M> {
        self.ilike(format!("%{}%", escape_like(value)))
    }

    /// `startswith`: `LIKE 'value%' ESCAPE '\'`.
    pub fn startswith(self, value: &str) -> Condition<M> {
        self.like(format!("{}%", escape_like(value)))
    }

    pub fn istartswith(self, value: &str) -> Condition<M> {
        self.ilike(format!("{}%", escape_like(value)))
    }

    /// `endswith`: `LIKE '%value' ESCAPE '\'`.
    pub fn endswith(self, value: &str) -> Condition<M> {
        self.like(format!("%{}", escape_like(value)))
    }

    pub fn iendswith(self, value: &str) -> Condition<M> {
        self.ilike(format!("%{}", escape_like(value)))
    }

    /// `iexact`: `LIKE 'value' ESCAPE '\'`.
    pub fn iexact(self, value: &str) -> Condition<M> {
        self.ilike(escape_like(value))
    }

    /// `regex`: `col REGEXP pattern`, case-sensitive (Rust's `regex`
    /// syntax, where Django has Python's `re`: no look-around, no
    /// backreferences; an invalid pattern fails the query).
    pub fn regex(self, pattern: &str) -> Condition<M> {
        Condition::from_node(Node::Cmp {
            column: self.name,
            op: CmpOp::Regex,
            value: Value::Text(pattern.into()),
            instant: false,
        })
    }

    /// `iregex`: `col REGEXP '(?i)' || pattern`.
    pub fn iregex(self, pattern: &str) -> Condition<M> {
        Condition::from_node(Node::Cmp {
            column: self.name,
            op: CmpOp::IRegex,
            value: Value::Text(pattern.into()),
            instant: false,
        })
    }
}

/// Column types with date parts (`year`, `month`, ...): dates and datetimes.
pub trait DateColumn {
    /// A datetime (Django's `django_datetime_extract`, read in the
    /// database's zone) rather than a date.
    const DATETIME: bool;
}
impl DateColumn for chrono::NaiveDate {
    const DATETIME: bool = false;
}
impl DateColumn for Option<chrono::NaiveDate> {
    const DATETIME: bool = false;
}
impl DateColumn for chrono::DateTime<chrono::Utc> {
    const DATETIME: bool = true;
}
impl DateColumn for Option<chrono::DateTime<chrono::Utc>> {
    const DATETIME: bool = true;
}
impl DateColumn for chrono::NaiveDateTime {
    const DATETIME: bool = true;
}
impl DateColumn for Option<chrono::NaiveDateTime> {
    const DATETIME: bool = true;
}

/// Column types with a time of day (`hour`, `minute`, `second`, `date`).
pub trait DateTimeColumn: DateColumn {}
impl DateTimeColumn for chrono::DateTime<chrono::Utc> {}
impl DateTimeColumn for Option<chrono::DateTime<chrono::Utc>> {}
impl DateTimeColumn for chrono::NaiveDateTime {}
impl DateTimeColumn for Option<chrono::NaiveDateTime> {}

macro_rules! date_parts {
    ($bound:ident: $($(#[$doc:meta])* $name:ident),*) => {
        impl<M: Model, T: DbValue + $bound> Column<M, T> {$(
            $(#[$doc])*
            pub fn $name(self) -> Part<M, i64> {
                Part::new(Vec::new(), self.name, Transform::Extract { part: stringify!($name), datetime: T::DATETIME })
            }
        )*}
    };
}
date_parts!(DateColumn:
    /// `year` (`pub_date__year=2008`).
    year,
    /// `month`, 1 to 12.
    month,
    /// `day` of the month.
    day,
    /// `week_day`: 1 = Sunday ... 7 = Saturday, as Django.
    week_day,
    /// `iso_week_day`: 1 = Monday ... 7 = Sunday.
    iso_week_day,
    /// `week`: the ISO-8601 week number.
    week,
    /// `iso_year`: the ISO-8601 week-numbering year.
    iso_year,
    /// `quarter`: 1 to 4.
    quarter
);
date_parts!(DateTimeColumn:
    /// `hour`, in the database's date-part zone (`TIME_ZONE` with `USE_TZ = True`).
    hour,
    /// `minute`.
    minute,
    /// `second`.
    second
);

impl<M: Model, T: DbValue + DateTimeColumn> Column<M, T> {
    /// `date`: the date of a datetime in the database's date-part zone, Django's `sold_at__date=d`.
    pub fn date(self) -> Part<M, chrono::NaiveDate> {
        Part::new(Vec::new(), self.name, Transform::Date)
    }
}

/// Django's `YearLookup`: a year compared with the column itself, between
/// the first and last instant of the year (an index serves it), rather
/// than through `django_date_extract`. A datetime's year is the one of the
/// database's date-part zone: its bounds are made when the SQL is built.
fn year_lookup(column: &'static str, op: CmpOp, year: i64, datetime: bool) -> Node {
    let bounds_op = matches!(op, CmpOp::Exact | CmpOp::Gt | CmpOp::Gte | CmpOp::Lt | CmpOp::Lte);
    if !bounds_op {
        return Node::Transformed {
            transform: Transform::Extract { part: "year", datetime },
            column,
            op,
            value: Value::Integer(year),
        };
    }
    if datetime {
        return Node::DateTimeYear { column, op, year };
    }
    let (first, last) = (Value::Text(format!("{year:04}-01-01")), Value::Text(format!("{year:04}-12-31")));
    match op {
        CmpOp::Exact => Node::Range { column, low: first, high: last, instant: false },
        CmpOp::Gt | CmpOp::Lte => Node::Cmp { column, op, value: last, instant: false },
        _ => Node::Cmp { column, op, value: first, instant: false },
    }
}

/// A column seen through a function (a date part, the date of a datetime),
/// compared with values of type `V`: Django's transforms (`__year`,
/// `__date`). Reached from a column (`Entry::PUB_DATE.year()`) or a path.
pub struct Part<M, V> {
    links: Vec<Link>,
    column: &'static str,
    transform: Transform,
    _marker: PhantomData<fn() -> (M, V)>,
}

impl<M, V> std::fmt::Debug for Part<M, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}{}__{:?}", self.links, self.column, self.transform)
    }
}

#[allow(clippy::should_implement_trait)]
impl<M, V: DbValue> Part<M, V> {
    pub(crate) fn new(links: Vec<Link>, column: &'static str, transform: Transform) -> Self {
        Part { links, column, transform, _marker: PhantomData }
    }

    fn node(self, leaf: Node) -> Condition<M> {
        Condition::from_node(if self.links.is_empty() {
            leaf
        } else {
            Node::Related { links: self.links, leaf: Box::new(leaf) }
        })
    }

    fn compare(self, op: CmpOp, value: V) -> Condition<M> {
        let leaf = match (owned_value(&value), self.transform) {
            (Ok(Value::Null), _) => Node::Invalid("Cannot use None as a query value".into()),
            (Ok(Value::Integer(year)), Transform::Extract { part: "year", datetime }) => {
                year_lookup(self.column, op, year, datetime)
            }
            (Ok(value), transform) => Node::Transformed { transform, column: self.column, op, value },
            (Err(e), _) => Node::Invalid(e),
        };
        self.node(leaf)
    }

    /// `exact` (`pub_date__year=2008`).
    pub fn eq(self, value: impl Into<V>) -> Condition<M> {
        self.compare(CmpOp::Exact, value.into())
    }

    pub fn lt(self, value: impl Into<V>) -> Condition<M> {
        self.compare(CmpOp::Lt, value.into())
    }

    pub fn lte(self, value: impl Into<V>) -> Condition<M> {
        self.compare(CmpOp::Lte, value.into())
    }

    pub fn gt(self, value: impl Into<V>) -> Condition<M> {
        self.compare(CmpOp::Gt, value.into())
    }

    pub fn gte(self, value: impl Into<V>) -> Condition<M> {
        self.compare(CmpOp::Gte, value.into())
    }

    /// `range`: both bounds included, one lookup (one related row).
    pub fn range(self, low: impl Into<V>, high: impl Into<V>) -> Condition<M> {
        let leaf = |op, value: V| match owned_value(&value) {
            Ok(Value::Null) => Node::Invalid("Cannot use None as a query value".into()),
            Ok(value) => Node::Transformed { transform: self.transform, column: self.column, op, value },
            Err(e) => Node::Invalid(e),
        };
        let both = Node::And(vec![leaf(CmpOp::Gte, low.into()), leaf(CmpOp::Lte, high.into())]);
        self.node(both)
    }
}

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

/// An F expression of model `M` (Django's `F()` and its combinations): a
/// tree of the model's columns, values and operators that the database
/// evaluates. Built from [`Column::f`] with `+ - * / %`, unary `-`,
/// [`F::pow`] and Django's `bitand`, `bitor`, `bitleftshift`,
/// `bitrightshift` as `& | << >>`; a number on either side of an
/// arithmetic operator is a bound value (`15 - F`, `2 * F`). Used by
/// [`Column::set_f`].
pub struct F<M> {
    node: FNode,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for F<M> {
    fn clone(&self) -> Self {
        F::node(self.node.clone())
    }
}

impl<M> std::fmt::Debug for F<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "F({:?})", self.node)
    }
}

impl<M> F<M> {
    fn node(node: FNode) -> Self {
        F { node, _marker: PhantomData }
    }

    /// A bound value in an expression (Django's `Value()`).
    pub fn value<T: DbValue>(value: T) -> Self {
        match owned_value(&value) {
            Ok(v) => F::node(FNode::Value { value: v, instant: T::is_instant() }),
            Err(e) => F::node(FNode::Invalid(e)),
        }
    }

    fn combine(self, op: FOp, rhs: F<M>) -> Self {
        F::node(FNode::Binary(op, Box::new(self.node), Box::new(rhs.node)))
    }

    /// `self ** rhs` (Django's `F("a") ** 2`, SQLite's `POWER`).
    pub fn pow(self, rhs: impl Into<F<M>>) -> Self {
        self.combine(FOp::Pow, rhs.into())
    }
}

/// `-F("a")` is Django's `F("a") * -1`.
impl<M> std::ops::Neg for F<M> {
    type Output = F<M>;
    fn neg(self) -> F<M> {
        self.combine(FOp::Mul, F::node(FNode::Value { value: Value::Integer(-1), instant: false }))
    }
}

macro_rules! f_operators {
    ($($trait:ident $method:ident $op:ident),*) => {$(
        impl<M, R: Into<F<M>>> std::ops::$trait<R> for F<M> {
            type Output = F<M>;
            fn $method(self, rhs: R) -> F<M> {
                self.combine(FOp::$op, rhs.into())
            }
        }
    )*};
}
f_operators!(
    Add add Add, Sub sub Sub, Mul mul Mul, Div div Div, Rem rem Mod,
    BitAnd bitand BitAnd, BitOr bitor BitOr, Shl shl ShiftLeft, Shr shr ShiftRight
);

/// Numbers as bound values on either side of an operator.
macro_rules! f_numbers {
    ($($t:ty),*) => {$(
        impl<M> From<$t> for F<M> {
            fn from(value: $t) -> F<M> {
                F::value(value)
            }
        }
        impl<M> std::ops::Add<F<M>> for $t {
            type Output = F<M>;
            fn add(self, rhs: F<M>) -> F<M> {
                F::from(self).combine(FOp::Add, rhs)
            }
        }
        impl<M> std::ops::Sub<F<M>> for $t {
            type Output = F<M>;
            fn sub(self, rhs: F<M>) -> F<M> {
                F::from(self).combine(FOp::Sub, rhs)
            }
        }
        impl<M> std::ops::Mul<F<M>> for $t {
            type Output = F<M>;
            fn mul(self, rhs: F<M>) -> F<M> {
                F::from(self).combine(FOp::Mul, rhs)
            }
        }
        impl<M> std::ops::Div<F<M>> for $t {
            type Output = F<M>;
            fn div(self, rhs: F<M>) -> F<M> {
                F::from(self).combine(FOp::Div, rhs)
            }
        }
    )*};
}
f_numbers!(i32, i64, f64);

/// How `db` wants bound values written (datetimes in its zone) and date
/// parts taken.
pub(crate) fn params(db: &Database) -> Params {
    Params { backend: db.backend(), ..params_in(db.time_zone()) }
}

/// [`params`] of a database handle with `settings`.
pub(crate) fn params_in(settings: TimeZoneSettings) -> Params {
    Params {
        zone: settings.storage_zone(),
        convert: crate::value::instant_text_in,
        date_part_zone: settings.use_tz.then_some(settings.time_zone),
        backend: crate::backend::Backend::Sqlite,
    }
}

/// Keys bound per statement by the key-list UPDATEs of a multi-table child
/// (Django batches by its backend's parameter limit; SQLite's old default
/// was 999).
const UPDATE_KEYS_PER_STATEMENT: usize = 900;

/// The optional extra condition of `get_next_by_<field>` and
/// `get_previous_by_<field>` (Django's `**kwargs` filter).
pub type Filter<M> = Option<Condition<M>>;

/// A WHERE condition on model `M` (Django's `Q`): built from [`Column`]
/// lookups, combined with [`Condition::and`], [`Condition::or`],
/// [`Condition::not`] (or `&`, `|`, `!`).
pub struct Condition<M> {
    node: Node,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Condition<M> {
    fn clone(&self) -> Self {
        Condition::from_node(self.node.clone())
    }
}

impl<M> std::fmt::Debug for Condition<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

#[allow(clippy::should_implement_trait)]
impl<M> Condition<M> {
    pub(crate) fn from_node(node: Node) -> Self {
        Condition { node, _marker: PhantomData }
    }

    pub(crate) fn into_node(self) -> Node {
        self.node
    }

    /// The empty condition (`Q()`): adds no condition, negated or not, and
    /// is dropped when combined (`x | Q()` is `x`), as in Django.
    pub fn all() -> Self {
        Condition::from_node(Node::And(Vec::new()))
    }

    /// Both conditions.
    pub fn and(self, other: Condition<M>) -> Self {
        Condition::from_node(match self.node {
            Node::And(mut children) => {
                children.push(other.node);
                Node::And(children)
            }
            node => Node::And(vec![node, other.node]),
        })
    }

    /// Either condition.
    pub fn or(self, other: Condition<M>) -> Self {
        Condition::from_node(match self.node {
            Node::Or(mut children) => {
                children.push(other.node);
                Node::Or(children)
            }
            node => Node::Or(vec![node, other.node]),
        })
    }

    /// The negation (`~Q(...)`), with Django's treatment of NULLs: a negated
    /// comparison on a nullable column matches the rows where it is NULL.
    pub fn not(self) -> Self {
        Condition::from_node(match self.node {
            Node::Not(inner) => *inner,
            node => Node::Not(Box::new(node)),
        })
    }
}

impl<M: Model> Condition<M> {
    /// `pk = value`.
    pub fn pk<V: DbValue>(value: V) -> Self {
        match try_to_value(&value) {
            Ok(v) => Condition::pk_value(v),
            Err(e) => Condition::from_node(Node::Invalid(e.to_string())),
        }
    }

    /// `pk = value`, with the stored value.
    pub fn pk_value(value: Value) -> Self {
        let pk = M::meta().pk_column();
        Condition::column_cmp(pk.column, CmpOp::Exact, value, pk.holds_instant())
    }

    /// `column = value` with a stored value (`IS NULL` for NULL).
    /// A DateTimeField's value (or a relation's to one) is bound in the
    /// database's zone.
    pub fn column_value(column: &'static str, value: Value) -> Self {
        Condition::column_cmp(column, CmpOp::Exact, value, M::meta().column_holds_instant(column))
    }

    /// `column <op> value` with a value as stored with datetimes in UTC
    /// (`instant`: a DateTimeField's); `IS NULL` for `= NULL`.
    pub(crate) fn column_cmp(column: &'static str, op: CmpOp, value: Value, instant: bool) -> Self {
        Condition::from_node(match value {
            Value::Null if op == CmpOp::Exact => Node::IsNull { column, isnull: true },
            value => Node::Cmp { column, op, value, instant },
        })
    }

    /// `column IN (...)` with stored values (NULLs dropped).
    pub(crate) fn column_in(column: &'static str, values: Vec<Value>) -> Self {
        Condition::from_node(Node::In {
            column,
            values: values.into_iter().filter(|v| *v != Value::Null).collect(),
            instant: M::meta().column_holds_instant(column),
        })
    }

    /// `pk IN (...)`.
    pub fn pk_in(values: impl IntoIterator<Item = Value>) -> Self {
        Condition::from_node(Node::In {
            column: M::meta().pk_column().column,
            values: values.into_iter().filter(|v| *v != Value::Null).collect(),
            instant: M::meta().pk_column().holds_instant(),
        })
    }
}

impl<M> std::ops::BitAnd for Condition<M> {
    type Output = Condition<M>;
    fn bitand(self, rhs: Self) -> Self {
        self.and(rhs)
    }
}

impl<M> std::ops::BitOr for Condition<M> {
    type Output = Condition<M>;
    fn bitor(self, rhs: Self) -> Self {
        self.or(rhs)
    }
}

impl<M> std::ops::Not for Condition<M> {
    type Output = Condition<M>;
    fn not(self) -> Self {
        Condition::not(self)
    }
}

// ---------------------------------------------------------------------------
// Ordering and assignments
// ---------------------------------------------------------------------------

/// One ORDER BY term on model `M`.
pub struct Order<M> {
    /// The relation path to the column's model (empty for `M`'s own).
    links: Vec<Link>,
    column: &'static str,
    descending: bool,
    /// An annotation's aggregate of the column (see `Annotate::order_by`).
    aggregate: Option<(AggFunc, bool)>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Order<M> {
    fn clone(&self) -> Self {
        Order {
            links: self.links.clone(),
            column: self.column,
            descending: self.descending,
            aggregate: self.aggregate,
            _marker: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for Order<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", if self.descending { "-" } else { "" })?;
        if let Some((func, distinct)) = self.aggregate {
            write!(f, "{func:?}({}", if distinct { "DISTINCT " } else { "" })?;
        }
        for link in &self.links {
            write!(f, "{link:?}__")?;
        }
        write!(f, "{}", self.column)?;
        if self.aggregate.is_some() {
            write!(f, ")")?;
        }
        Ok(())
    }
}

impl<M> Order<M> {
    pub(crate) fn new(column: &'static str, descending: bool) -> Self {
        Order { links: Vec::new(), column, descending, aggregate: None, _marker: PhantomData }
    }

    /// The same term on a model with a path to `M` (`links` from there to `M`).
    pub(crate) fn through<From>(self, mut links: Vec<Link>) -> Order<From> {
        links.extend(self.links);
        Order { links, column: self.column, descending: self.descending, aggregate: self.aggregate, _marker: PhantomData }
    }

    /// The term ordering by `aggregate` of `column` through `links`.
    pub(crate) fn aggregated(links: Vec<Link>, column: &'static str, aggregate: (AggFunc, bool), descending: bool) -> Self {
        Order { links, column, descending, aggregate: Some(aggregate), _marker: PhantomData }
    }

    /// Whether the term orders by an aggregate (an annotation's).
    pub(crate) fn is_aggregate(&self) -> bool {
        self.aggregate.is_some()
    }

    pub(crate) fn term(&self) -> OrderTerm {
        OrderTerm { links: self.links.clone(), column: self.column, descending: self.descending, aggregate: self.aggregate }
    }

    pub fn column(&self) -> &'static str {
        self.column
    }

    pub fn is_descending(&self) -> bool {
        self.descending
    }
}

impl<M: Model> Order<M> {
    /// Ascending by primary key (Django's `"pk"`).
    pub fn pk() -> Self {
        Order::new(M::meta().pk_column().column, false)
    }
}

/// One `SET column = ...` of [`QuerySet::update`].
pub struct Assignment<M> {
    column: &'static str,
    expr: Expr,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Assignment<M> {
    fn clone(&self) -> Self {
        Assignment::new(self.column, self.expr.clone())
    }
}

impl<M> std::fmt::Debug for Assignment<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {:?}", self.column, self.expr)
    }
}

impl<M> Assignment<M> {
    fn new(column: &'static str, expr: Expr) -> Self {
        Assignment { column, expr, _marker: PhantomData }
    }

    pub fn column(&self) -> &'static str {
        self.column
    }

    /// What the column is set to (bulk.rs reads plain values from it).
    pub(crate) fn expr(&self) -> &Expr {
        &self.expr
    }

    /// `SET <column> = <value>` for a column known by name (a
    /// DateTimeField's value, or a relation's to one, in the database's zone).
    pub(crate) fn column_to(column: &'static str, value: Value) -> Self
    where
        M: Model,
    {
        Assignment::new(column, Expr::Value { value, instant: M::meta().column_holds_instant(column) })
    }
}

// ---------------------------------------------------------------------------
// QuerySet
// ---------------------------------------------------------------------------

/// A lazy query on model `M` (Django's `QuerySet`): nothing runs until a
/// terminal method is given the database.
pub struct QuerySet<M> {
    conditions: Vec<Node>,
    /// `None`: the model's default ordering; `Some([])`: unordered.
    ordering: Option<Vec<OrderTerm>>,
    standard_ordering: bool,
    low_mark: usize,
    high_mark: Option<usize>,
    /// `SELECT DISTINCT` (Django's `distinct()`).
    distinct: bool,
    /// A misuse found while building, reported by the terminal method.
    error: Option<String>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for QuerySet<M> {
    fn clone(&self) -> Self {
        QuerySet {
            conditions: self.conditions.clone(),
            ordering: self.ordering.clone(),
            standard_ordering: self.standard_ordering,
            low_mark: self.low_mark,
            high_mark: self.high_mark,
            distinct: self.distinct,
            error: self.error.clone(),
            _marker: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for QuerySet<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuerySet")
            .field("conditions", &self.conditions)
            .field("ordering", &self.ordering)
            .field("standard_ordering", &self.standard_ordering)
            .field("low_mark", &self.low_mark)
            .field("high_mark", &self.high_mark)
            .field("distinct", &self.distinct)
            .finish()
    }
}

impl<M: Model> Default for QuerySet<M> {
    fn default() -> Self {
        QuerySet::new()
    }
}

impl<M: Model> QuerySet<M> {
    /// Every row of the model (`Model.objects.all()`).
    pub fn new() -> Self {
        QuerySet {
            conditions: Vec::new(),
            ordering: None,
            standard_ordering: true,
            low_mark: 0,
            high_mark: None,
            distinct: false,
            error: None,
            _marker: PhantomData,
        }
    }

    fn misuse_if_sliced(&mut self, message: &str) {
        if self.is_sliced() && self.error.is_none() {
            self.error = Some(message.to_owned());
        }
    }

    /// Keep the rows matching `condition` (AND with earlier filters).
    pub fn filter(mut self, condition: Condition<M>) -> Self {
        self.misuse_if_sliced("Cannot filter a query once a slice has been taken.");
        self.conditions.push(condition.node);
        self
    }

    /// Drop the rows matching `condition` (`exclude()`).
    pub fn exclude(mut self, condition: Condition<M>) -> Self {
        self.misuse_if_sliced("Cannot filter a query once a slice has been taken.");
        self.conditions.push(Node::Not(Box::new(condition.node)));
        self
    }

    /// Replace the ordering (an empty list removes the default ordering too,
    /// as Django's `order_by()`).
    pub fn order_by(mut self, terms: impl IntoIterator<Item = Order<M>>) -> Self {
        self.misuse_if_sliced("Cannot reorder a query once a slice has been taken.");
        let terms: Vec<Order<M>> = terms.into_iter().collect();
        if terms.iter().any(Order::is_aggregate) && self.error.is_none() {
            self.error = Some("order_by() of an aggregate orders an annotation: call it on annotate()".into());
        }
        self.ordering = Some(terms.iter().map(|o| o.term()).collect());
        self
    }

    /// Drop duplicate rows (`SELECT DISTINCT`, Django's `distinct()`): a
    /// filter across a multi-valued relation gives a row once per related
    /// row that matches, as in Django.
    pub fn distinct(mut self) -> Self {
        self.misuse_if_sliced("Cannot create distinct fields once a slice has been taken.");
        self.distinct = true;
        self
    }

    /// Reverse the ordering (default ordering included).
    pub fn reverse(mut self) -> Self {
        self.misuse_if_sliced("Cannot reverse a query once a slice has been taken.");
        self.standard_ordering = !self.standard_ordering;
        self
    }

    /// Django's `set_limits`: slicing a sliced query slices within it.
    fn set_limits(&mut self, low: Option<usize>, high: Option<usize>) {
        if let Some(high) = high {
            self.high_mark = Some(match self.high_mark {
                Some(h) => h.min(self.low_mark + high),
                None => self.low_mark + high,
            });
        }
        if let Some(low) = low {
            self.low_mark = match self.high_mark {
                Some(h) => h.min(self.low_mark + low),
                None => self.low_mark + low,
            };
        }
    }

    /// `qs[start..end]` in Python's terms (`end` `None` for open).
    pub fn slice(mut self, start: usize, end: Option<usize>) -> Self {
        if let Some(end) = end {
            if end < start {
                self.set_limits(Some(start), Some(start));
                return self;
            }
        }
        self.set_limits(Some(start), end);
        self
    }

    /// At most `n` rows: `qs[:n]`.
    pub fn limit(mut self, n: usize) -> Self {
        self.set_limits(None, Some(n));
        self
    }

    /// Skip `n` rows: `qs[n:]`.
    pub fn offset(mut self, n: usize) -> Self {
        self.set_limits(Some(n), None);
        self
    }

    /// Replace the ordering with `terms`, aggregates allowed (an
    /// annotation's `order_by`).
    pub(crate) fn set_ordering(&mut self, terms: Vec<OrderTerm>) {
        self.misuse_if_sliced("Cannot reorder a query once a slice has been taken.");
        self.ordering = Some(terms);
    }

    /// Whether `distinct()` was asked for.
    pub(crate) fn is_distinct(&self) -> bool {
        self.distinct
    }

    /// Whether `order_by()` replaced the model's default ordering.
    pub(crate) fn has_explicit_ordering(&self) -> bool {
        self.ordering.is_some()
    }

    /// Whether a slice (limit or offset) was taken.
    pub fn is_sliced(&self) -> bool {
        self.low_mark != 0 || self.high_mark.is_some()
    }

    /// Whether the query is ordered (explicitly or by `meta.ordering`):
    /// Django's `QuerySet.ordered`.
    pub fn is_ordered(&self) -> bool {
        match &self.ordering {
            Some(terms) => !terms.is_empty(),
            None => !M::meta().ordering.is_empty(),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        match &self.error {
            Some(message) => Err(Error::Misuse(message.clone())),
            None => Ok(()),
        }
    }

    /// The ordering terms: the explicit ones, or the model's default.
    pub(crate) fn ordering_terms(&self) -> std::borrow::Cow<'_, [OrderTerm]> {
        match &self.ordering {
            Some(terms) => std::borrow::Cow::Borrowed(terms),
            None => {
                M::meta().ordering.iter().map(|&(column, descending)| OrderTerm::plain(column, descending)).collect()
            }
        }
    }

    /// The filter's conditions, ANDed (bulk.rs reads the exact lookups
    /// get_or_create sets on the instance it creates).
    pub(crate) fn conditions(&self) -> &[Node] {
        &self.conditions
    }

    /// What the SQL of this query is built from (see [`crate::sql::query`]),
    /// its values bound as `params` say.
    pub(crate) fn parts<'a>(&'a self, ordering: &'a [OrderTerm], params: Params) -> Query<'a> {
        Query {
            meta: M::meta().query_shape(),
            conditions: &self.conditions,
            params,
            ordering,
            standard_ordering: self.standard_ordering,
            low_mark: self.low_mark,
            high_mark: self.high_mark,
            distinct: self.distinct,
            related: &[],
            exprs: &[],
            having: &[],
            conditions_after_annotate: &[],
        }
    }

    /// ` WHERE ...` (nothing when unfiltered) for an UPDATE or DELETE of
    /// the model's table.
    pub(crate) fn push_where(&self, db: &Database, out: &mut Sql) -> Result<()> {
        self.parts(&[], params(db)).push_where(out)
    }

    pub(crate) fn fetch(&self, db: &Database) -> Result<Vec<M>> {
        self.check()?;
        let ordering = self.ordering_terms();
        let sql = self.parts(&ordering, params(db)).select()?;
        let mut out = db.collect_rows(&sql.text, crate::backend::params_from_iter(sql.params.iter()), |row| {
            crate::model::read_row::<M>(row, 0, db.storage_zone())
        })?;
        for m in &mut out {
            crate::snapshot::mark_loaded(db, m);
        }
        Ok(out)
    }

    /// Django's `iterator()`: call `f` with each matching row, in order, as
    /// the statement yields it (on PostgreSQL, from a server-side cursor
    /// 2,000 rows at a time, as Django's): the rows are never all in
    /// memory. `f`
    /// returning an error stops the iteration with it. A callback rather
    /// than an `Iterator` because the statement lives in the handle's
    /// statement cache only while it is borrowed: an iterator would have to
    /// own both the statement and the rows borrowing it. `f` may run
    /// queries of its own on `db`.
    pub fn for_each(&self, db: &Database, mut f: impl FnMut(M) -> Result<()>) -> Result<()> {
        self.check()?;
        let ordering = self.ordering_terms();
        let sql = self.parts(&ordering, params(db)).select()?;
        db.for_each_row(&sql, |row| {
            let mut m = crate::model::read_row::<M>(row, 0, db.storage_zone())?;
            crate::snapshot::mark_loaded(db, &mut m);
            f(m)
        })
    }

    /// The SELECT this query runs and its bound values (Django's
    /// `qs.query.sql_with_params()`), for reading and logging, as a
    /// database handle with the default time zone settings runs it.
    pub fn sql_with_params(&self) -> Result<(String, Vec<Value>)> {
        self.check()?;
        let ordering = self.ordering_terms();
        let sql = self.parts(&ordering, params_in(TimeZoneSettings::UTC)).select()?;
        Ok((sql.text, sql.params))
    }

    /// [`QuerySet::sql_with_params`] as `db` runs it: datetimes bound and
    /// date parts taken as its time zone settings say.
    pub fn sql_with_params_on(&self, db: &Database) -> Result<(String, Vec<Value>)> {
        self.check()?;
        let ordering = self.ordering_terms();
        let sql = self.parts(&ordering, params(db)).select()?;
        Ok((sql.text, sql.params))
    }

    /// Every matching row, in order.
    pub fn all(&self, db: &Database) -> Result<Vec<M>> {
        self.fetch(db)
    }

    /// The one matching row: [`Error::DoesNotExist`] when there is none,
    /// [`Error::MultipleObjectsReturned`] when there are more (counted up to
    /// 21, as Django).
    pub fn get(&self, db: &Database) -> Result<M> {
        self.check()?;
        let mut qs = self.clone();
        if !qs.is_sliced() {
            qs.ordering = Some(Vec::new());
        }
        qs.set_limits(None, Some(MAX_GET_RESULTS));
        let mut rows = qs.fetch(db)?;
        match rows.len() {
            1 => rows.pop().ok_or(Error::DoesNotExist { model: M::meta().name }),
            0 => Err(Error::DoesNotExist { model: M::meta().name }),
            count => Err(Error::MultipleObjectsReturned { model: M::meta().name, count }),
        }
    }

    /// `Model.objects.get(<column>=value)` (`Model::get`, a ForeignKey's
    /// accessor): what [`QuerySet::get`] does for that filter, the same SQL
    /// text, rows and errors, with the text built once per model and column
    /// and its statement found by that key rather than by hashing the text
    /// (the text built per call was half the instructions of a `get()`).
    pub(crate) fn get_by_stored(db: &Database, column: &'static str, value: Value) -> Result<M> {
        let field = M::meta().fields().iter().position(|c| c.column == column);
        Self::get_by_field(db, field, column, value)
    }

    /// [`QuerySet::get_by_stored`] of the field at `field` in
    /// `M::meta().fields()` (`None`: not a field of the struct), whose
    /// column is `column`: `Model::get` knows the pk's index and skips the
    /// search by name.
    #[inline]
    pub(crate) fn get_by_field(db: &Database, field: Option<usize>, column: &'static str, value: Value) -> Result<M> {
        let column_bit = match field {
            // NULL is `IS NULL`, a different statement; the bit set names
            // one of the first 64 fields.
            Some(index) if index < 64 && !matches!(value, Value::Null) => 1u64 << index,
            _ => return QuerySet::<M>::new().filter(Condition::column_value(column, value)).get(db),
        };
        let meta = M::meta();
        let key =
            crate::backend::StatementKey::Built { what: "get_by_column", table: meta.table, columns: &[column_bit] };
        let mut unbuilt = None;
        let build = || {
            let mut qs = QuerySet::<M>::new().filter(Condition::column_value(column, value.clone()));
            qs.ordering = Some(Vec::new());
            qs.set_limits(None, Some(MAX_GET_RESULTS));
            match qs.parts(&[], params(db)).select() {
                Ok(sql) if sql.params.len() == 1 => sql.text,
                Ok(sql) => {
                    unbuilt = Some(Error::Misuse(format!("get by {column}: expected one bound value in {}", sql.text)));
                    String::new()
                }
                Err(error) => {
                    unbuilt = Some(error);
                    String::new()
                }
            }
        };
        // The one row is read straight into the `Result` this returns, and
        // only the number of rows comes back through the statement's
        // `Result`: the instance (200 bytes for weblog.Entry) is not moved
        // through every layer (three copies of it were 10% of what get()
        // adds to the hand-written code). Each row is read, as
        // QuerySet::get reads them, so a row that does not convert is the
        // error there too.
        let mut found: Result<M> = Err(Error::DoesNotExist { model: meta.name });
        let zone = db.storage_zone();
        // Bound as the query's own parameter would be (a DateTimeField
        // key in the database's zone); the SQL above is only its text.
        let bound = match field.and_then(|index| meta.fields().get(index)) {
            Some(column_meta) => crate::model::bound_value(db, column_meta, &value),
            None => Cow::Borrowed(&value),
        };
        let read = db.with_built(key, build, |stmt| {
            stmt.raw_bind_parameter(1, &*bound)?;
            let mut rows = stmt.raw_query();
            let mut count = 0usize;
            while let Some(row) = rows.next()? {
                if count == 0 {
                    found = crate::model::read_row::<M>(row, 0, zone);
                    if found.is_err() {
                        // The conversion's error, in `found`.
                        return Ok(1);
                    }
                } else {
                    crate::model::read_row::<M>(row, 0, zone)?;
                }
                count += 1;
            }
            Ok(count)
        });
        if let Some(error) = unbuilt {
            return Err(error);
        }
        match read? {
            0 | 1 => {
                if let Ok(m) = &mut found {
                    crate::snapshot::mark_loaded(db, m);
                }
                found
            }
            count => Err(Error::MultipleObjectsReturned { model: meta.name, count }),
        }
    }

    /// The first row by the query's ordering, or by pk when unordered.
    pub fn first(&self, db: &Database) -> Result<Option<M>> {
        self.check()?;
        let qs = if self.is_ordered() { self.clone() } else { self.clone().order_by([Order::pk()]) };
        Ok(qs.limit(1).fetch(db)?.pop())
    }

    /// The last row: the first of the reversed ordering, or by pk
    /// descending when unordered.
    pub fn last(&self, db: &Database) -> Result<Option<M>> {
        self.check()?;
        let qs = if self.is_ordered() {
            self.clone().reverse()
        } else {
            self.clone().order_by([Order::<M>::pk().reversed()])
        };
        Ok(qs.limit(1).fetch(db)?.pop())
    }

    fn earliest_impl(&self, db: &Database, fields: Option<&[Order<M>]>) -> Result<M> {
        let terms: Vec<OrderTerm> = match fields {
            Some(fields) if !fields.is_empty() => fields.iter().map(|o| o.term()).collect(),
            _ => match M::meta().get_latest_by {
                Some(name) => {
                    let (name, descending) = match name.strip_prefix('-') {
                        Some(rest) => (rest, true),
                        None => (name, false),
                    };
                    let meta = M::meta();
                    let column = meta
                        .columns
                        .iter()
                        .find(|c| c.column == name)
                        .or_else(|| meta.columns.iter().find(|c| c.field == name))
                        .map_or(name, |c| c.column);
                    vec![OrderTerm::plain(column, descending)]
                }
                None => {
                    let meta = M::meta();
                    return Err(Error::Misuse(format!(
                        "earliest() and latest() need an ordering: {} has no `get_latest_by`; pass the columns to \
                         earliest_by() / latest_by() (e.g. `&[{}::ID.asc()]`), or add `meta: {{get_latest_by: <field>}}` \
                         to {} in the schema of app `{}`",
                        meta.name, meta.name, meta.name, meta.app
                    )));
                }
            },
        };
        let mut qs = self.clone();
        qs.set_limits(None, Some(1));
        qs.ordering = Some(terms);
        qs.get(db)
    }

    fn check_not_sliced_for_change(&self) -> Result<()> {
        self.check()?;
        if self.is_sliced() {
            return Err(Error::Misuse("Cannot change a query once a slice has been taken.".into()));
        }
        Ok(())
    }

    /// The earliest row by `meta.get_latest_by`; [`Error::DoesNotExist`]
    /// when there is none.
    pub fn earliest(&self, db: &Database) -> Result<M> {
        self.check_not_sliced_for_change()?;
        self.earliest_impl(db, None)
    }

    /// The latest row by `meta.get_latest_by`; [`Error::DoesNotExist`] when
    /// there is none.
    pub fn latest(&self, db: &Database) -> Result<M> {
        self.check_not_sliced_for_change()?;
        self.clone().reverse().earliest_impl(db, None)
    }

    /// The earliest row by the given ordering (`earliest("pub_date", ...)`).
    pub fn earliest_by(&self, db: &Database, fields: &[Order<M>]) -> Result<M> {
        self.check_not_sliced_for_change()?;
        self.earliest_impl(db, Some(fields))
    }

    /// The latest row by the given ordering, reversed (`latest("pub_date")`
    /// is `earliest_by([PUB_DATE.desc()])`).
    pub fn latest_by(&self, db: &Database, fields: &[Order<M>]) -> Result<M> {
        self.check_not_sliced_for_change()?;
        self.clone().reverse().earliest_impl(db, Some(fields))
    }

    /// The number of matching rows.
    pub fn count(&self, db: &Database) -> Result<usize> {
        self.check()?;
        let ordering = self.ordering_terms();
        let sql = self.parts(&ordering, params(db)).count(self.is_sliced())?;
        let count: i64 = db.with_sql(&sql.text, |stmt| {
            stmt.query_row(crate::backend::params_from_iter(sql.params.iter()), |r| r.get(0))
        })?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Whether any row matches.
    pub fn exists(&self, db: &Database) -> Result<bool> {
        self.check()?;
        let ordering = self.ordering_terms();
        let sql = self.parts(&ordering, params(db)).exists(self.is_sliced())?;
        db.with_sql(&sql.text, |stmt| Ok(stmt.query(crate::backend::params_from_iter(sql.params.iter()))?.next()?.is_some()))
    }

    /// The keys of the matching rows, in order (`values_list("pk",
    /// flat=True)`), typed by the model.
    pub fn pks(&self, db: &Database) -> Result<Vec<Key<M>>> {
        self.pk_values(db)?.into_iter().map(|pk| crate::value::from_value(pk).map(Key::new)).collect()
    }

    /// [`QuerySet::pks`] as stored values.
    fn pk_values(&self, db: &Database) -> Result<Vec<Value>> {
        self.check()?;
        let ordering = self.ordering_terms();
        db.first_column(&self.parts(&ordering, params(db)).select_pks()?)
    }

    /// `UPDATE` every matching row (`QuerySet.update()`), in one statement;
    /// returns the number of rows matched. No signal is sent and `auto_now`
    /// is not applied, as in Django.
    pub fn update(&self, db: &Database, assignments: &[Assignment<M>]) -> Result<usize> {
        self.check()?;
        if self.is_sliced() {
            return Err(Error::Misuse("Cannot update a query once a slice has been taken.".into()));
        }
        if assignments.is_empty() {
            return Ok(0);
        }
        let meta = M::meta();
        if meta.parent.is_some() {
            return self.update_inherited(db, assignments);
        }
        let mut sql = update(meta.table, assignments.iter().map(|a| (a.column, &a.expr)), params(db))?;
        self.push_where(db, &mut sql)?;
        db.execute_sql(&sql)
    }

    /// `update()` of a multi-table-inheritance child: each assignment goes
    /// to the table that holds its column (Django's related updates). As in
    /// Django (`SQLUpdateCompiler.pre_sql_setup`), the keys of the matching
    /// rows are selected once, before any table is written, so a filter on
    /// a column the update changes selects the same rows for every table.
    /// Returns the rows the child's own table matched, or, when only
    /// ancestors' columns are set, the first ancestor's (Django's count).
    fn update_inherited(&self, db: &Database, assignments: &[Assignment<M>]) -> Result<usize> {
        let meta = M::meta();
        db.transaction(|db| {
            let keys = self.pk_values(db)?;
            let mut matched = None;
            for table_meta in meta.lineage() {
                let mine: Vec<&Assignment<M>> =
                    assignments.iter().filter(|a| table_meta.column_index(a.column()).is_some()).collect();
                if mine.is_empty() || keys.is_empty() {
                    continue;
                }
                let mut count = 0;
                for chunk in keys.chunks(UPDATE_KEYS_PER_STATEMENT) {
                    let mut sql = update(table_meta.table, mine.iter().map(|a| (a.column, &a.expr)), params(db))?;
                    sql.push_where_in(table_meta.pk_column().column, chunk);
                    count += db.execute_sql(&sql)?;
                }
                matched.get_or_insert(count);
            }
            Ok(matched.unwrap_or(0))
        })
    }

    /// Delete every matching row through the delete collector (on_delete,
    /// signals), in one transaction; returns the total and the count per
    /// model label, as Django's `QuerySet.delete()`.
    pub fn delete(&self, db: &Database) -> Result<(usize, BTreeMap<String, usize>)> {
        self.check()?;
        if self.is_sliced() {
            return Err(Error::Misuse("Cannot use 'limit' or 'offset' with delete().".into()));
        }
        let mut where_sql = Sql::default();
        self.push_where(db, &mut where_sql)?;
        crate::delete::delete_where(db, M::meta(), where_sql)
    }
}

impl<M> Order<M> {
    /// The same term, in the other direction.
    pub fn reversed(self) -> Self {
        Order { descending: !self.descending, ..self }
    }
}
