//! The SQL of queries: conditions (Django's lookups, `Q` trees, with
//! Django's `IS NOT NULL` guard inside negations), assignments of
//! `update()`, and the statements around them.

use std::cell::Cell;

use rusqlite::types::Value;

use super::QueryShape;
use super::{push_placeholders, push_quoted, Sql};
use crate::backend::Dialect;
use crate::error::{Error, Result};
use crate::tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Exact,
    Lt,
    Lte,
    Gt,
    Gte,
    Like,
    /// The case-insensitive lookups (`iexact`, `icontains`, ...): `LIKE`
    /// on SQLite (case-insensitive for ASCII there), `ILIKE` on PostgreSQL.
    ILike,
    /// `regex`: `REGEXP` on SQLite (a function the runtime registers, as
    /// Django does), `~` on PostgreSQL.
    Regex,
    /// `iregex`: `REGEXP '(?i)' || pattern` on SQLite, `~*` on PostgreSQL.
    IRegex,
}

impl CmpOp {
    /// The operator and its parameter, after the column, as `dialect`
    /// spells it.
    pub(crate) fn sql(self, dialect: &impl Dialect) -> &'static str {
        match self {
            CmpOp::Exact => " = ?",
            CmpOp::Lt => " < ?",
            CmpOp::Lte => " <= ?",
            CmpOp::Gt => " > ?",
            CmpOp::Gte => " >= ?",
            CmpOp::Like => " LIKE ? ESCAPE '\\'",
            CmpOp::ILike => dialect.case_insensitive_like(),
            CmpOp::Regex => dialect.regex_match(false),
            CmpOp::IRegex => dialect.regex_match(true),
        }
    }
}

/// A function applied to a column before the lookup (Django's
/// transforms): date parts and the date of a datetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transform {
    /// `year`, `month`, `day`, `week_day`, ... of a date or a datetime.
    Extract { part: &'static str, datetime: bool },
    /// `date` of a datetime.
    Date,
}

impl Transform {
    /// The transform of `column` (SQL), as the backend's dialect spells
    /// it; a datetime's parts and date are taken in
    /// `params.date_part_zone`.
    fn push(self, out: &mut Sql, params: Params, column: &str) {
        let dialect = params.backend;
        let zone = params.date_part_zone.map(|zone| zone.name());
        match self {
            Transform::Extract { part, datetime: false } => dialect.push_date_extract(&mut out.text, part, column),
            Transform::Extract { part, datetime: true } => {
                dialect.push_datetime_extract(&mut out.text, part, column, zone);
            }
            Transform::Date => dialect.push_datetime_cast_date(&mut out.text, column, zone),
        }
    }
}

/// One join of a relation path: `JOIN <table> ON (<previous>.<from_column>
/// = <table>.<to_column>)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Join {
    pub(crate) table: &'static str,
    pub(crate) from_column: &'static str,
    pub(crate) to_column: &'static str,
}

/// One relation of a lookup path (Django's path infos of one field): one
/// join, or two through a many-to-many's join table.
#[derive(Clone, Copy)]
pub struct Link {
    pub(crate) first: Join,
    pub(crate) second: Option<Join>,
    /// The primary key of a many-to-many's join table (empty otherwise).
    pub(crate) through_pk: &'static str,
    /// Many rows per source row (reverse ForeignKey, many-to-many): Django
    /// reuses the join only within one `filter()` call, and a negated
    /// lookup through it is a subquery.
    pub(crate) multi: bool,
    /// The joined row may be missing (nullable ForeignKey, any reverse
    /// relation): LEFT OUTER JOIN where a missing row must still match.
    pub(crate) nullable: bool,
    /// A ForeignKey or OneToOneField seen from its own model: its column
    /// holds the key, so `isnull` on it needs no join.
    pub(crate) forward: bool,
    /// The model the path arrives at.
    pub(crate) target: fn() -> &'static QueryShape,
}

impl PartialEq for Link {
    fn eq(&self, other: &Link) -> bool {
        self.first == other.first
            && self.second == other.second
            && self.through_pk == other.through_pk
            && self.multi == other.multi
            && self.nullable == other.nullable
            && self.forward == other.forward
    }
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.first.table)?;
        if let Some(second) = self.second {
            write!(f, "->{}", second.table)?;
        }
        Ok(())
    }
}

/// How bound values are written: a DateTimeField's (`instant`) as
/// wall-clock time in `zone` when datetimes are stored so (Django's
/// `USE_TZ = False`), converted by `convert` (the value layer's, above
/// this one); every other value as it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    pub(crate) zone: Option<Tz>,
    pub(crate) convert: fn(&Value, Tz) -> Value,
    /// The zone a datetime's date parts and date are taken in: Django's
    /// `tzname`, the current time zone (`TIME_ZONE`) with `USE_TZ = True`,
    /// `None` (the stored wall-clock value as it is) with `USE_TZ = False`.
    pub(crate) date_part_zone: Option<Tz>,
    /// The backend the SQL is for: its dialect spells what differs.
    pub(crate) backend: crate::backend::Backend,
}

impl Params {
    fn push(self, out: &mut Sql, value: &Value, instant: bool) {
        out.params.push(match self.zone {
            Some(zone) if instant => (self.convert)(value, zone),
            _ => value.clone(),
        });
    }

    /// The first and last instant of `year` as stored, Django's
    /// `year_lookup_bounds_for_datetime_field`: midnight on January 1st and
    /// the last microsecond of December 31st in the date-part zone, as UTC
    /// with `USE_TZ = True`; wall-clock time as it is stored without.
    fn year_bounds(self, year: i64) -> (Value, Value) {
        let text = |month: u32, day: u32, time: (u32, u32, u32, u32)| {
            let local = i32::try_from(year)
                .ok()
                .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, month, day))
                .and_then(|d| d.and_hms_micro_opt(time.0, time.1, time.2, time.3));
            let stored = match (local, self.date_part_zone) {
                (Some(local), Some(zone)) if zone != Tz::UTC => crate::tz::from_wall_clock(local, zone),
                (local, _) => local,
            };
            match stored {
                Some(at) if at.and_utc().timestamp_subsec_micros() == 0 => at.format("%Y-%m-%d %H:%M:%S").to_string(),
                Some(at) => at.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
                // Out of chrono's range: the text Django would compare with.
                None if month == 1 => format!("{year:04}-01-01 00:00:00"),
                None => format!("{year:04}-12-31 23:59:59.999999"),
            }
        };
        (Value::Text(text(1, 1, (0, 0, 0, 0))), Value::Text(text(12, 31, (23, 59, 59, 999_999))))
    }
}

/// The values of a lookup are held as stored with datetimes in UTC;
/// `instant` marks a DateTimeField's, converted to the database's zone
/// when the SQL is built (see [`Params`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Cmp {
        column: &'static str,
        op: CmpOp,
        value: Value,
        instant: bool,
    },
    /// `<transform>(column) <op> value` (`pub_date__month=3`).
    Transformed {
        transform: Transform,
        column: &'static str,
        op: CmpOp,
        value: Value,
    },
    In {
        column: &'static str,
        values: Vec<Value>,
        instant: bool,
    },
    Range {
        column: &'static str,
        low: Value,
        high: Value,
        instant: bool,
    },
    /// Django's `YearLookup` on a DateTimeField (`exact`, `gt`, `gte`,
    /// `lt`, `lte`): the column compared with the first or last instant of
    /// `year` in the date-part zone (see [`Params::year_bounds`]).
    DateTimeYear {
        column: &'static str,
        op: CmpOp,
        year: i64,
    },
    IsNull {
        column: &'static str,
        isnull: bool,
    },
    /// A lookup on the model a relation path arrives at (`blog__name`):
    /// `leaf` names a column of the last link's target.
    Related {
        links: Vec<Link>,
        leaf: Box<Node>,
    },
    /// As the leaf of [`Node::Related`]: whether the related row is
    /// missing (`entries__isnull=True`).
    Missing(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// A misuse found while building (reported by the terminal method).
    Invalid(String),
}

impl Node {
    /// Django's empty `Q()` (also negated or combined with empties only):
    /// it adds no condition at all.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Node::And(children) | Node::Or(children) => children.iter().all(Node::is_empty),
            Node::Not(inner) => inner.is_empty(),
            _ => false,
        }
    }

    /// Whether a relation path occurs in the tree (the query then joins,
    /// and every column is qualified).
    pub(crate) fn has_path(&self) -> bool {
        match self {
            Node::Related { .. } => true,
            Node::And(children) | Node::Or(children) => children.iter().any(Node::has_path),
            Node::Not(inner) => inner.has_path(),
            _ => false,
        }
    }
}

/// One table of a query's FROM: the base (index 0) or a join.
#[derive(Debug)]
struct Table {
    /// The quoted name or alias columns are qualified with.
    alias: String,
    /// The table it joins to and how (`None` for the base).
    join: Option<(usize, Join)>,
    /// The left side of the ON clause, the joined-to column qualified by
    /// the table that holds it (an ancestor's for an inherited column).
    on_left: String,
    /// The model whose table this is (`None` for a many-to-many's join table).
    meta: Option<&'static QueryShape>,
    nullable: bool,
    multi: bool,
    /// The `filter()` call that made the join (multi-valued joins are
    /// reused within it only).
    call: usize,
    /// A condition that a missing row cannot satisfy uses the join:
    /// INNER JOIN. Otherwise a nullable join is a LEFT OUTER JOIN.
    required: bool,
}

/// Where a condition stands in its tree, which decides joins and guards.
#[derive(Debug, Clone, Copy)]
struct Context {
    /// Under an odd number of NOTs (Django's `current_negated`).
    negated: bool,
    /// Every row the condition matches has the joined rows (only ANDs
    /// above it, not negated): its joins can be INNER.
    required: bool,
}

/// Builds the FROM and WHERE of one query: the joins the relation paths
/// need, reused as Django reuses them, and the conditions qualified by
/// table when there are joins.
pub(crate) struct Compiler<'n> {
    /// `tables[0]` is the base model's table (its ancestors' are joined by
    /// the model's FROM, under their own names).
    tables: Vec<Table>,
    /// Names already taken in this query's FROM (an alias must be new).
    taken: Vec<String>,
    qualify: bool,
    /// The `filter()` call being rendered (1-based).
    call: usize,
    /// Next `U<n>` alias of a subquery (shared with nested compilers).
    subquery_aliases: &'n Cell<usize>,
    /// Whether this compiles a subquery (aliases `U<n>`).
    subquery: bool,
    /// How bound values are written (shared with nested compilers).
    params: Params,
}

/// A column reference: `"t"."c"` or `"c"`.
fn push_column(out: &mut String, qualifier: Option<&str>, column: &str) {
    if let Some(q) = qualifier {
        out.push_str(q);
        out.push('.');
    }
    push_quoted(out, column);
}

fn quoted_name(name: &str) -> String {
    let mut out = String::new();
    push_quoted(&mut out, name);
    out
}

impl<'n> Compiler<'n> {
    /// A compiler for the base model `meta`; `qualify` when the columns
    /// must name their table (the query joins).
    pub(crate) fn new(meta: &'static QueryShape, qualify: bool, aliases: &'n Cell<usize>, params: Params) -> Self {
        Compiler {
            tables: vec![Table {
                alias: quoted_name(meta.table),
                join: None,
                on_left: String::new(),
                meta: Some(meta),
                nullable: false,
                multi: false,
                call: 0,
                required: true,
            }],
            taken: meta.lineage().map(|m| m.table.to_owned()).collect(),
            qualify,
            call: 0,
            subquery_aliases: aliases,
            subquery: false,
            params,
        }
    }

    /// A subquery's compiler: its base is `table`, aliased `U<n>`.
    fn for_subquery(
        table: &'static str,
        meta: Option<&'static QueryShape>,
        aliases: &'n Cell<usize>,
        params: Params,
    ) -> Self {
        let mut compiler = Compiler {
            tables: Vec::new(),
            taken: Vec::new(),
            qualify: true,
            call: 0,
            subquery_aliases: aliases,
            subquery: true,
            params,
        };
        let alias = compiler.new_alias(table);
        compiler.tables.push(Table {
            alias,
            join: None,
            on_left: String::new(),
            meta,
            nullable: false,
            multi: false,
            call: 0,
            required: true,
        });
        compiler
    }

    /// A fresh alias for `table`, as Django's: the table's own name the
    /// first time, then `T<n>`; `U<n>` in subqueries.
    fn new_alias(&mut self, table: &str) -> String {
        if self.subquery {
            let n = self.subquery_aliases.get();
            self.subquery_aliases.set(n + 1);
            return format!("U{n}");
        }
        if !self.taken.iter().any(|t| t == table) {
            self.taken.push(table.to_owned());
            return quoted_name(table);
        }
        let alias = format!("T{}", self.taken.len() + 1);
        self.taken.push(alias.clone());
        alias
    }

    /// [`Compiler::join_table`] for a join of `link`.
    fn join(
        &mut self,
        parent: usize,
        join: Join,
        link: &Link,
        meta: Option<&'static QueryShape>,
        required: bool,
        any_call: bool,
    ) -> usize {
        self.join_table(parent, join, link.multi, link.nullable, meta, required, any_call)
    }

    /// The table `join` from `parent` leads to: an existing one when Django
    /// would reuse it (single-valued joins always; multi-valued ones made
    /// by the same `filter()` call, or any when `any_call`), else a new one.
    #[allow(clippy::too_many_arguments)]
    fn join_table(
        &mut self,
        parent: usize,
        join: Join,
        multi: bool,
        nullable: bool,
        meta: Option<&'static QueryShape>,
        required: bool,
        any_call: bool,
    ) -> usize {
        let call = self.call;
        let found =
            self.tables.iter().position(|t| t.join == Some((parent, join)) && (!t.multi || any_call || t.call == call));
        let index = match found {
            Some(index) => index,
            None => {
                let mut on_left = String::new();
                let qualifier = self.qualifier(parent, join.from_column);
                push_column(
                    &mut on_left,
                    Some(qualifier.as_deref().unwrap_or(&self.tables[parent].alias)),
                    join.from_column,
                );
                let alias = self.new_alias(join.table);
                self.tables.push(Table {
                    alias,
                    join: Some((parent, join)),
                    on_left,
                    meta,
                    nullable,
                    multi,
                    call,
                    required: false,
                });
                self.tables.len() - 1
            }
        };
        if required {
            self.tables[index].required = true;
        }
        index
    }

    /// Follow `links` from table `from`; the table of the last target.
    fn walk(&mut self, from: usize, links: &[Link], required: bool, any_call: bool) -> usize {
        let mut at = from;
        for link in links {
            let target = (link.target)();
            at = match link.second {
                None => self.join(at, link.first, link, Some(target), required, any_call),
                Some(second) => {
                    let through = self.join(at, link.first, link, None, required, any_call);
                    self.join(through, second, link, Some(target), required, any_call)
                }
            };
        }
        at
    }

    /// The qualifier of `column` of table `at` (`None`: unqualified). For
    /// a multi-table-inheritance model, the ancestor's table that holds
    /// the column (joined to a joined table on first use).
    fn qualifier(&mut self, at: usize, column: &str) -> Option<String> {
        if !self.qualify {
            return None;
        }
        let own = Some(self.tables[at].alias.clone());
        let Some(meta) = self.tables[at].meta else { return own };
        let Some((parent, link_column)) = meta.parent else { return own };
        if meta.has_own(column) {
            return own;
        }
        if at == 0 && !self.subquery {
            // The base's ancestors are joined by its FROM, under their names.
            let owner = meta.lineage().find(|m| m.has_own(column)).unwrap_or(meta);
            return Some(quoted_name(owner.table));
        }
        let join = Join { table: parent.table, from_column: link_column, to_column: parent.pk };
        let required = self.tables[at].required;
        let up = self.join_table(at, join, false, false, Some(parent), required, true);
        self.qualifier(up, column)
    }

    pub(crate) fn push_col(&mut self, out: &mut Sql, at: usize, column: &str) {
        let qualifier = self.qualifier(at, column);
        push_column(&mut out.text, qualifier.as_deref(), column);
    }

    /// ` WHERE ...` of `conditions`, one per `filter()` call (nothing when
    /// unfiltered).
    pub(crate) fn push_where(&mut self, conditions: &[Node], out: &mut Sql) -> Result<()> {
        self.push_where_calls(conditions, 0, false, out)
    }

    /// [`Compiler::push_where`] of `filter()` calls numbered from
    /// `first_call + 1` (the calls after an `annotate()` follow the ones
    /// before it), after a `WHERE` already written when `where_written`.
    fn push_where_calls(
        &mut self,
        conditions: &[Node],
        first_call: usize,
        where_written: bool,
        out: &mut Sql,
    ) -> Result<()> {
        let conditions = conditions.iter().filter(|c| !c.is_empty());
        for (i, node) in conditions.enumerate() {
            self.call = first_call + i + 1;
            out.text.push_str(if i == 0 && !where_written { " WHERE " } else { " AND " });
            self.render(node, Context { negated: false, required: true }, 0, out)?;
        }
        Ok(())
    }

    /// ` ORDER BY ...`: paths reuse any join the filters made, as Django's.
    pub(crate) fn push_order(&mut self, ordering: &[OrderTerm], standard: bool, out: &mut Sql) {
        for (i, term) in ordering.iter().enumerate() {
            out.text.push_str(if i == 0 { " ORDER BY " } else { ", " });
            self.push_expr(out, &term.links, term.column, term.aggregate);
            let descending = if standard { term.descending } else { !term.descending };
            out.text.push_str(if descending { " DESC" } else { " ASC" });
        }
    }

    /// `column` of the model `links` arrive at, inside `aggregate`
    /// (`COUNT(DISTINCT ...)`) when there is one; joins as ORDER BY does.
    pub(crate) fn push_expr(
        &mut self,
        out: &mut Sql,
        links: &[Link],
        column: &str,
        aggregate: Option<(AggFunc, bool)>,
    ) {
        let (at, column) = self.walk_expr(links, column);
        if let Some((func, distinct)) = aggregate {
            out.text.push_str(func.sql());
            out.text.push_str(if distinct { "(DISTINCT " } else { "(" });
            self.push_col(out, at, column);
            out.text.push(')');
        } else {
            self.push_col(out, at, column);
        }
    }

    /// The table and column of `column` at the end of `links` from the
    /// base, joining as ORDER BY does, without the last join when the
    /// column is the one that join arrives on (Django's `trim_joins`):
    /// `Count("authors")` counts the join table's `author_id` and does not
    /// join the authors' table, `Count("blog")` counts `blog_id`.
    pub(crate) fn walk_expr<'c>(&mut self, links: &[Link], column: &'c str) -> (usize, &'c str) {
        if let Some((last, init)) = links.split_last() {
            match last.second {
                None if last.first.to_column == column => {
                    return (self.walk(0, init, false, true), last.first.from_column);
                }
                Some(second) if second.to_column == column => {
                    let from = self.walk(0, init, false, true);
                    return (self.join(from, last.first, last, None, false, true), second.from_column);
                }
                _ => {}
            }
        }
        (self.walk(0, links, false, true), column)
    }

    /// ` HAVING ...` of `terms` (nothing when there are none).
    pub(crate) fn push_having(&mut self, terms: &[HavingTerm], out: &mut Sql) {
        for (i, term) in terms.iter().enumerate() {
            out.text.push_str(if i == 0 { " HAVING " } else { " AND " });
            self.push_expr(out, &term.expr.links, term.expr.column, term.expr.aggregate);
            out.text.push_str(term.op.sql(&self.params.backend));
            self.params.push(out, &term.value, term.instant);
        }
    }

    /// The base's columns, qualified when the query joins: the select list.
    pub(crate) fn push_base_column(&mut self, out: &mut Sql, column: &str) {
        self.push_col(out, 0, column);
    }

    /// The JOIN clauses, once everything that adds joins is rendered.
    pub(crate) fn joins(&self) -> String {
        let mut out = String::new();
        let mut outer = vec![false; self.tables.len()];
        for (i, table) in self.tables.iter().enumerate() {
            let Some((parent, join)) = table.join else { continue };
            // Rows joined to a LEFT OUTER JOIN's missing row are missing too.
            outer[i] = (table.nullable && !table.required) || outer[parent];
            out.push_str(if outer[i] { " LEFT OUTER JOIN " } else { " INNER JOIN " });
            push_quoted(&mut out, join.table);
            if table.alias != quoted_name(join.table) {
                out.push(' ');
                out.push_str(&table.alias);
            }
            out.push_str(" ON (");
            out.push_str(&table.on_left);
            out.push_str(" = ");
            push_column(&mut out, Some(&table.alias), join.to_column);
            out.push(')');
        }
        out
    }

    /// Whether `column` of table `at` can be NULL there: a nullable column,
    /// or a table reached through a nullable join (Django's guard in
    /// negations).
    fn nullable(&self, at: usize, column: &str) -> bool {
        let mut t = at;
        while let Some((parent, _)) = self.tables[t].join {
            if self.tables[t].nullable {
                return true;
            }
            t = parent;
        }
        self.tables[at].meta.is_some_and(|meta| meta.nullable(column))
    }

    /// `<column><rest>`, and when negated on a column that can be NULL,
    /// `(<column><rest> AND <column> IS NOT NULL)`.
    fn lookup(
        &mut self,
        out: &mut Sql,
        at: usize,
        column: &str,
        ctx: Context,
        transform: Option<Transform>,
        rest: impl FnOnce(&mut Sql),
    ) {
        // Django adds `AND col IS NOT NULL` inside a negated lookup on a
        // nullable column, so that `exclude(col=x)` keeps the NULL rows.
        let guard = ctx.negated && self.nullable(at, column);
        if guard {
            out.text.push('(');
        }
        let qualifier = self.qualifier(at, column);
        match transform {
            None => push_column(&mut out.text, qualifier.as_deref(), column),
            Some(transform) => {
                let mut written = String::new();
                push_column(&mut written, qualifier.as_deref(), column);
                transform.push(out, self.params, &written);
            }
        }
        rest(out);
        if guard {
            out.text.push_str(" AND ");
            push_column(&mut out.text, qualifier.as_deref(), column);
            out.text.push_str(" IS NOT NULL)");
        }
    }

    /// Render `node`, whose columns belong to table `at`.
    fn render(&mut self, node: &Node, ctx: Context, at: usize, out: &mut Sql) -> Result<()> {
        match node {
            Node::Cmp { column, op, value, instant } => {
                let params = self.params;
                self.lookup(out, at, column, ctx, None, |out| {
                    out.text.push_str(op.sql(&params.backend));
                    params.push(out, value, *instant);
                })
            }
            Node::Transformed { transform, column, op, value } => {
                let backend = self.params.backend;
                self.lookup(out, at, column, ctx, Some(*transform), |out| {
                    out.text.push_str(op.sql(&backend));
                    out.params.push(value.clone());
                })
            }
            Node::In { column, values, instant } => {
                if values.is_empty() {
                    // Django's EmptyResultSet: nothing matches.
                    out.text.push_str("0 = 1");
                    return Ok(());
                }
                let params = self.params;
                self.lookup(out, at, column, ctx, None, |out| {
                    out.text.push_str(" IN (");
                    push_placeholders(&mut out.text, values.len());
                    out.text.push(')');
                    for value in values {
                        params.push(out, value, *instant);
                    }
                })
            }
            Node::Range { column, low, high, instant } => {
                let params = self.params;
                self.lookup(out, at, column, ctx, None, |out| {
                    out.text.push_str(" BETWEEN ? AND ?");
                    params.push(out, low, *instant);
                    params.push(out, high, *instant);
                })
            }
            Node::DateTimeYear { column, op, year } => {
                let (first, last) = self.params.year_bounds(*year);
                let node = match op {
                    CmpOp::Exact => Node::Range { column, low: first, high: last, instant: false },
                    CmpOp::Gt | CmpOp::Lte => Node::Cmp { column, op: *op, value: last, instant: false },
                    _ => Node::Cmp { column, op: *op, value: first, instant: false },
                };
                return self.render(&node, ctx, at, out);
            }
            Node::IsNull { column, isnull } => {
                self.push_col(out, at, column);
                out.text.push_str(if *isnull { " IS NULL" } else { " IS NOT NULL" });
            }
            Node::Missing(_) => return Err(Error::Misuse("isnull on a relation outside a relation path".into())),
            Node::Related { links, leaf } => return self.render_related(links, leaf, ctx, at, out),
            Node::And(children) | Node::Or(children) => {
                // Empty conditions (`Q()`) are dropped, as Django drops them.
                let mut children = children.iter().filter(|c| !c.is_empty()).peekable();
                if children.peek().is_none() {
                    out.text.push_str("1 = 1");
                    return Ok(());
                }
                let or = matches!(node, Node::Or(_));
                let connector = if or { " OR " } else { " AND " };
                // A row matching an OR need not have what one branch joins.
                let ctx = Context { required: ctx.required && !or, ..ctx };
                out.text.push('(');
                for (i, child) in children.enumerate() {
                    if i > 0 {
                        out.text.push_str(connector);
                    }
                    self.render(child, ctx, at, out)?;
                }
                out.text.push(')');
            }
            Node::Not(inner) => {
                out.text.push_str("NOT (");
                self.render(inner, Context { negated: !ctx.negated, required: false }, at, out)?;
                out.text.push(')');
            }
            Node::Invalid(message) => return Err(Error::Misuse(message.clone())),
        }
        Ok(())
    }

    /// A lookup through `links` from table `at`.
    fn render_related(&mut self, links: &[Link], leaf: &Node, ctx: Context, at: usize, out: &mut Sql) -> Result<()> {
        // Django's split_exclude: negated, a lookup through a multi-valued
        // relation is a subquery of its own.
        if ctx.negated {
            if let Some(k) = links.iter().position(|l| l.multi) {
                return self.render_exists(links, k, leaf, at, out);
            }
        }
        let Node::Missing(isnull) = leaf else {
            // `isnull=True` (or `=None`) on the related row matches a missing
            // row too: Django's `require_outer`.
            let required = ctx.required && !matches!(leaf, Node::IsNull { isnull: true, .. });
            let target = self.walk(at, links, required, false);
            return self.render(leaf, ctx, target, out);
        };
        // `isnull=True` matches rows without the related row: the joins
        // must keep them.
        let required = ctx.required && !*isnull;
        let Some((last, init)) = links.split_last() else {
            return Err(Error::Misuse("isnull on an empty relation path".into()));
        };
        let from = self.walk(at, init, required, false);
        // As Django, the last join is left out where a column before it
        // answers: a ForeignKey's own column, a join table's column.
        let (table, column) = match last.second {
            None if last.forward => (from, last.first.from_column),
            None => (self.join(from, last.first, last, Some((last.target)()), required, false), last.first.to_column),
            Some(second) => (self.join(from, last.first, last, None, required, false), second.from_column),
        };
        self.push_col(out, table, column);
        out.text.push_str(if *isnull { " IS NULL" } else { " IS NOT NULL" });
        Ok(())
    }

    /// `EXISTS(SELECT 1 ...)` of the rows through the multi-valued link
    /// `links[k]` (and the links after it) that match `leaf`, correlated
    /// with the outer row (`isnull` is `render_exists_missing`'s). The
    /// caller's NOT makes it Django's negated lookup.
    fn render_exists(&mut self, links: &[Link], k: usize, leaf: &Node, at: usize, out: &mut Sql) -> Result<()> {
        let outer = self.walk(at, &links[..k], false, false);
        if matches!(leaf, Node::Missing(_)) {
            return self.render_exists_missing(links, k, leaf, outer, out);
        }
        let link = &links[k];
        let first_meta = if link.second.is_none() { Some((link.target)()) } else { None };
        // Within one filter() call, a negated lookup through a join that a
        // positive lookup made refers to the same related row (Django
        // correlates the subquery on that row's pk).
        let call = self.call;
        let reused = self.tables.iter().position(|t| t.join == Some((outer, link.first)) && t.multi && t.call == call);
        let mut sub = Compiler::for_subquery(link.first.table, first_meta, self.subquery_aliases, self.params);
        let mut condition = Sql::default();
        let mut target = 0;
        if let Some(second) = link.second {
            target = sub.join(0, second, link, Some((link.target)()), true, true);
        }
        let target = sub.walk(target, &links[k + 1..], true, true);
        sub.render(leaf, Context { negated: false, required: true }, target, &mut condition)?;
        let mut correlation = Sql::default();
        // The pk of the row the link's first join reaches: the related
        // row's, or a many-to-many's join table row's.
        let first_pk = first_meta.map_or(link.through_pk, |meta| meta.pk);
        match reused {
            Some(joined) if !first_pk.is_empty() => {
                sub.push_col(&mut correlation, 0, first_pk);
                correlation.text.push_str(" = (");
                self.push_col(&mut correlation, joined, first_pk);
            }
            _ => {
                sub.push_col(&mut correlation, 0, link.first.to_column);
                correlation.text.push_str(" = (");
                self.push_col(&mut correlation, outer, link.first.from_column);
            }
        }
        correlation.text.push(')');
        push_exists(out, link.first.table, &sub, &condition, &correlation);
        Ok(())
    }

    /// `isnull` negated through the multi-valued link `links[k]`, as
    /// Django's subquery has it: the row the link starts from (`U0`,
    /// correlated by pk) joined down the path, LEFT OUTER for `isnull=True`,
    /// so that a missing related row anywhere on the path counts.
    fn render_exists_missing(
        &mut self,
        links: &[Link],
        k: usize,
        leaf: &Node,
        outer: usize,
        out: &mut Sql,
    ) -> Result<()> {
        let Some(meta) = self.tables[outer].meta else {
            return Err(Error::Misuse("isnull through a join table".into()));
        };
        let mut sub = Compiler::for_subquery(meta.table, Some(meta), self.subquery_aliases, self.params);
        let mut condition = Sql::default();
        sub.render_related(&links[k..], leaf, Context { negated: false, required: true }, 0, &mut condition)?;
        let pk = meta.pk;
        let mut correlation = Sql::default();
        sub.push_col(&mut correlation, 0, pk);
        correlation.text.push_str(" = (");
        self.push_col(&mut correlation, outer, pk);
        correlation.text.push(')');
        push_exists(out, meta.table, &sub, &condition, &correlation);
        Ok(())
    }
}

/// `EXISTS(SELECT 1 AS "a" FROM <table> <alias> <joins> WHERE (<condition>
/// AND <correlation>) LIMIT 1)`, as Django writes it.
fn push_exists(out: &mut Sql, table: &str, sub: &Compiler<'_>, condition: &Sql, correlation: &Sql) {
    out.text.push_str("EXISTS(SELECT 1 AS \"a\" FROM ");
    push_quoted(&mut out.text, table);
    out.text.push(' ');
    out.text.push_str(&sub.tables[0].alias);
    out.text.push_str(&sub.joins());
    out.text.push_str(" WHERE (");
    out.push_sql(condition);
    out.text.push_str(" AND ");
    out.push_sql(correlation);
    out.text.push_str(") LIMIT 1)");
}

/// Django's prefetch query of a multi-valued relation: every field of the
/// related model `target`, then the key of the row each is related to
/// (`link.first.to_column` of the join table or the related table), for
/// the rows whose key is in `keys`, in `ordering`. One query per relation.
pub(crate) fn prefetch(
    target: &'static QueryShape,
    link: &Link,
    keys: &[Value],
    ordering: &[OrderTerm],
    params: Params,
) -> Result<Sql> {
    let aliases = Cell::new(0);
    let mut compiler = Compiler::new(target, true, &aliases, params);
    // The table holding the key: the join table of a many-to-many, joined
    // back from the target; the target itself for a reverse ForeignKey.
    let key_table = match link.second {
        Some(second) => {
            let back = Join { table: link.first.table, from_column: second.to_column, to_column: second.from_column };
            compiler.join_table(0, back, true, false, None, true, true)
        }
        None => 0,
    };
    let mut head = Sql::default();
    head.text.push_str("SELECT ");
    for column in &target.fields {
        compiler.push_col(&mut head, 0, column);
        head.text.push_str(", ");
    }
    compiler.push_col(&mut head, key_table, link.first.to_column);
    let mut filter = Sql::default();
    filter.text.push_str(" WHERE ");
    compiler.push_col(&mut filter, key_table, link.first.to_column);
    filter.text.push_str(" IN (");
    push_placeholders(&mut filter.text, keys.len());
    filter.text.push(')');
    filter.params.extend(keys.iter().cloned());
    let mut order = Sql::default();
    compiler.push_order(ordering, true, &mut order);
    head.text.push_str(" FROM ");
    head.text.push_str(target.from);
    head.text.push_str(&compiler.joins());
    head.push_sql(&filter);
    head.push_sql(&order);
    Ok(head)
}

/// One ORDER BY term: a column of the model a path arrives at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrderTerm {
    pub(crate) links: Vec<Link>,
    pub(crate) column: &'static str,
    pub(crate) descending: bool,
    /// Ordered by this aggregate of the column (an annotation's).
    pub(crate) aggregate: Option<(AggFunc, bool)>,
}

impl OrderTerm {
    pub(crate) fn plain(column: &'static str, descending: bool) -> Self {
        OrderTerm { links: Vec::new(), column, descending, aggregate: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl ArithOp {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            ArithOp::Add => " + ?)",
            ArithOp::Sub => " - ?)",
            ArithOp::Mul => " * ?)",
            ArithOp::Div => " / ?)",
            ArithOp::Mod => " % ?)",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A value (see [`Node`] for `instant`).
    Value {
        value: Value,
        instant: bool,
    },
    Relative {
        op: ArithOp,
        value: Value,
    },
    /// A DateTimeField moved by a duration (Django's `F("col") +
    /// timedelta`), computed by the database on the stored value: on
    /// SQLite Django's `django_format_dtdelta`, on PostgreSQL timestamptz
    /// plus an interval.
    Shifted {
        subtract: bool,
        micros: i64,
    },
    Column(&'static str),
    /// An F-expression tree (Django's `CombinedExpression`).
    Tree(FNode),
    Invalid(String),
}

/// The operators of Django's combinable expressions, as SQLite spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// `POWER(a, b)` (Django registers it on SQLite).
    Pow,
    BitAnd,
    BitOr,
    ShiftLeft,
    ShiftRight,
}

impl FOp {
    /// The infix operator; `None` for a power, written `POWER(a, b)`.
    fn infix(self) -> Option<&'static str> {
        Some(match self {
            FOp::Add => " + ",
            FOp::Sub => " - ",
            FOp::Mul => " * ",
            FOp::Div => " / ",
            FOp::Mod => " % ",
            FOp::BitAnd => " & ",
            FOp::BitOr => " | ",
            FOp::ShiftLeft => " << ",
            FOp::ShiftRight => " >> ",
            FOp::Pow => return None,
        })
    }
}

/// A node of an F-expression tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FNode {
    Column(&'static str),
    /// A bound value (see [`Node`] for `instant`).
    Value {
        value: Value,
        instant: bool,
    },
    Binary(FOp, Box<FNode>, Box<FNode>),
    Invalid(String),
}

impl FNode {
    /// `(lhs op rhs)`, as Django's `CombinedExpression.as_sql` writes it.
    fn render(&self, params: Params, out: &mut Sql) -> Result<()> {
        match self {
            FNode::Column(column) => push_quoted(&mut out.text, column),
            FNode::Value { value, instant } => {
                out.text.push('?');
                params.push(out, value, *instant);
            }
            FNode::Binary(op, lhs, rhs) => match op.infix() {
                Some(symbol) => {
                    out.text.push('(');
                    lhs.render(params, out)?;
                    out.text.push_str(symbol);
                    rhs.render(params, out)?;
                    out.text.push(')');
                }
                None => {
                    out.text.push_str("POWER(");
                    lhs.render(params, out)?;
                    out.text.push_str(", ");
                    rhs.render(params, out)?;
                    out.text.push(')');
                }
            },
            FNode::Invalid(message) => return Err(Error::Misuse(message.clone())),
        }
        Ok(())
    }
}

/// `<column> = <expr>` of an UPDATE.
fn render_assignment(column: &str, expr: &Expr, params: Params, out: &mut Sql) -> Result<()> {
    push_quoted(&mut out.text, column);
    out.text.push_str(" = ");
    match expr {
        Expr::Value { value, instant } => {
            out.text.push('?');
            params.push(out, value, *instant);
        }
        Expr::Relative { op, value } => {
            out.text.push('(');
            push_quoted(&mut out.text, column);
            out.text.push_str(op.sql());
            out.params.push(value.clone());
        }
        Expr::Shifted { subtract, micros } => {
            let sign = if *subtract { '-' } else { '+' };
            match params.backend {
                crate::backend::Backend::Sqlite => {
                    out.text.push_str("django_format_dtdelta('");
                    out.text.push(sign);
                    out.text.push_str("', ");
                    push_quoted(&mut out.text, column);
                    out.text.push_str(", ?)");
                }
                // An interval, sent as Django sends a timedelta (days and
                // the rest): a day is a calendar day in the session's zone.
                crate::backend::Backend::PostgreSql => {
                    out.text.push('(');
                    push_quoted(&mut out.text, column);
                    out.text.push(' ');
                    out.text.push(sign);
                    out.text.push_str(" CAST(? AS interval))");
                }
            }
            out.params.push(Value::Integer(*micros));
        }
        Expr::Column(other) => push_quoted(&mut out.text, other),
        Expr::Tree(tree) => tree.render(params, out)?,
        Expr::Invalid(message) => return Err(Error::Misuse(message.clone())),
    }
    Ok(())
}

/// `UPDATE <table> SET <column> = <expr>, ...`, for a WHERE clause to follow.
pub(crate) fn update<'e>(
    table: &str,
    assignments: impl IntoIterator<Item = (&'e str, &'e Expr)>,
    params: Params,
) -> Result<Sql> {
    let mut sql = Sql::update(table);
    for (i, (column, expr)) in assignments.into_iter().enumerate() {
        if i > 0 {
            sql.text.push_str(", ");
        }
        render_assignment(column, expr, params, &mut sql)?;
    }
    Ok(sql)
}

/// What a query's SQL is built from: its model, its conditions (one per
/// `filter()` call, ANDed), its ordering, its slice and `distinct()`.
pub(crate) struct Query<'a> {
    pub(crate) meta: &'static QueryShape,
    pub(crate) conditions: &'a [Node],
    /// How bound values are written.
    pub(crate) params: Params,
    pub(crate) ordering: &'a [OrderTerm],
    /// False after `reverse()`: every term flips.
    pub(crate) standard_ordering: bool,
    pub(crate) low_mark: usize,
    pub(crate) high_mark: Option<usize>,
    pub(crate) distinct: bool,
    /// `select_related`: single-valued relations whose rows are selected
    /// too, after the model's fields, in this order.
    pub(crate) related: &'a [RelatedStep],
    /// What [`Head::Exprs`] selects (`values_list()`, `aggregate()`) and
    /// what [`Head::Annotated`] selects after the model's fields.
    pub(crate) exprs: &'a [SelectExpr],
    /// `HAVING` conditions on aggregates (a filter on an annotation).
    pub(crate) having: &'a [HavingTerm],
    /// The `filter()` calls made after `annotate()` on the rows (not on an
    /// aggregate): a `WHERE`, whose multi-valued joins are new ones, not
    /// the annotation's (Django's `annotate(n=Count("entries"))
    /// .filter(entries__rating__gte=4)` counts every entry of a blog with
    /// such an entry).
    pub(crate) conditions_after_annotate: &'a [Node],
}

/// One relation `select_related` follows: `link` from the model
/// (`parent` 0) or from the target of the `parent`-th step (1-based), so
/// that `blog__featured` is `[(0, blog), (1, featured)]`.
#[derive(Debug, Clone)]
pub(crate) struct RelatedStep {
    pub(crate) parent: usize,
    pub(crate) link: Link,
}

/// One condition of `HAVING`: an aggregate compared with a value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HavingTerm {
    pub(crate) expr: SelectExpr,
    pub(crate) op: CmpOp,
    pub(crate) value: Value,
    /// The value is a DateTimeField's instant (bound in the storage zone).
    pub(crate) instant: bool,
}

/// An aggregate function (Django's `Count`, `Sum`, `Avg`, `Min`, `Max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggFunc {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFunc {
    fn sql(self) -> &'static str {
        match self {
            AggFunc::Count => "COUNT",
            AggFunc::Sum => "SUM",
            AggFunc::Avg => "AVG",
            AggFunc::Min => "MIN",
            AggFunc::Max => "MAX",
        }
    }
}

/// One selected expression: a column of the model a path arrives at,
/// bare or inside an aggregate (`DISTINCT` when `distinct`).
#[derive(Debug, Clone, PartialEq)]
pub struct SelectExpr {
    pub(crate) links: Vec<Link>,
    pub(crate) column: &'static str,
    pub(crate) aggregate: Option<(AggFunc, bool)>,
}

impl SelectExpr {
    fn is_aggregate(&self) -> bool {
        self.aggregate.is_some()
    }
}

/// What goes between `SELECT` and `FROM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Head {
    /// Every field of the model, as `from_row` reads them.
    Fields,
    /// The primary key.
    Pk,
    /// `1` (a count or an existence test of the rows).
    One,
    /// The query's [`SelectExpr`]s (`values_list()`, `aggregate()`);
    /// grouped by the bare ones when some are aggregates.
    Exprs,
    /// The pk, then the columns the query's [`SelectExpr`]s aggregate,
    /// bare, named `__col1`, ...: the inner query of an aggregate over a
    /// sliced or distinct query.
    AggregateSource,
    /// Every field of the model, then the query's aggregates, grouped by
    /// the model's fields (Django's `annotate()` on SQLite).
    Annotated,
}

impl Query<'_> {
    /// Whether the query joins (a relation path in a filter or the ordering).
    fn joins(&self) -> bool {
        !self.related.is_empty()
            || self.exprs.iter().any(|e| !e.links.is_empty())
            || self.having.iter().any(|h| !h.expr.links.is_empty())
            || self.conditions.iter().any(Node::has_path)
            || self.conditions_after_annotate.iter().any(Node::has_path)
            || self.ordering.iter().any(|t| !t.links.is_empty())
    }

    /// ` LIMIT n [OFFSET m]` with the numbers written into the text, as
    /// Django writes them (`limit_offset_sql`). Not bound: SQLite (the
    /// bundled 3.50, `sqlite3ExprIsInteger`) reads a bound LIMIT's value
    /// while planning and marks the statement to be prepared again whenever
    /// that parameter is bound, so a cached `... LIMIT ?` was parsed and
    /// planned anew on every run (about 72,000 instructions per `get()`,
    /// measured with benches/reads.rs).
    fn push_limits(&self, out: &mut Sql) {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        match self.high_mark {
            Some(high) => {
                let _ = write!(out.text, " LIMIT {}", high.saturating_sub(self.low_mark));
                if self.low_mark > 0 {
                    let _ = write!(out.text, " OFFSET {}", self.low_mark);
                }
            }
            // Django's `limit_offset_sql`: the backend's `no_limit_value()`
            // (`-1` on SQLite, none on PostgreSQL) and the offset.
            None if self.low_mark > 0 => match self.params.backend.no_limit_value() {
                Some(no_limit) => {
                    let _ = write!(out.text, " LIMIT {no_limit} OFFSET {}", self.low_mark);
                }
                None => {
                    let _ = write!(out.text, " OFFSET {}", self.low_mark);
                }
            },
            None => {}
        }
    }

    /// `SELECT [DISTINCT] <head> FROM <from> <joins> WHERE ... [ORDER BY
    /// ... LIMIT ...]`.
    fn build(&self, head: Head, ordered: bool) -> Result<Sql> {
        let aliases = Cell::new(0);
        let qualify = self.joins();
        let mut compiler = Compiler::new(self.meta, qualify, &aliases, self.params);
        let mut where_sql = Sql::default();
        compiler.push_where(self.conditions, &mut where_sql)?;
        if !self.conditions_after_annotate.is_empty() {
            // The annotation's joins first (they reuse the joins of the
            // calls before annotate()), then the later calls' own.
            for expr in self.exprs {
                compiler.walk_expr(&expr.links, expr.column);
            }
            let where_written = !where_sql.text.is_empty();
            compiler.push_where_calls(
                self.conditions_after_annotate,
                self.conditions.len(),
                where_written,
                &mut where_sql,
            )?;
        }
        let mut order_sql = Sql::default();
        if ordered {
            compiler.push_order(self.ordering, self.standard_ordering, &mut order_sql);
        }
        let mut having_sql = Sql::default();
        compiler.push_having(self.having, &mut having_sql);
        // Django's select_related: INNER JOIN through a non-null key, LEFT
        // OUTER JOIN where the related row may be missing; after the
        // filters, so that it reuses their joins.
        // Each step joins from its parent's table (a chain reaches through
        // its parent's join; a row missing there makes the rest missing, as
        // Compiler::joins makes them LEFT OUTER).
        let mut related: Vec<(usize, &Link)> = Vec::new();
        if head == Head::Fields {
            let mut tables = vec![0];
            for step in self.related {
                let from = tables.get(step.parent).copied().unwrap_or(0);
                let at = compiler.walk(from, std::slice::from_ref(&step.link), !step.link.nullable, true);
                tables.push(at);
                related.push((at, &step.link));
            }
        }
        let mut sql = Sql::default();
        let mut group_by: Vec<Sql> = Vec::new();
        let select = if self.distinct { "SELECT DISTINCT " } else { "SELECT " };
        // Under DISTINCT, Django selects the columns of related models the
        // rows are ordered by too (after the model's, read by no one), so
        // rows that differ only in them stay apart: a blog ordered by its
        // entries' dates comes once per entry.
        let ordered_by_related: Vec<(usize, &str)> = if head == Head::Fields && self.distinct && ordered {
            self.ordering
                .iter()
                .filter(|term| !term.links.is_empty() && term.aggregate.is_none())
                .map(|term| compiler.walk_expr(&term.links, term.column))
                .filter(|&(at, _)| at != 0)
                .collect()
        } else {
            Vec::new()
        };
        match head {
            // The model's own SELECT when it need not be qualified (or is
            // already: a multi-table-inheritance child's).
            Head::Fields
                if (!qualify || self.meta.parent.is_some()) && related.is_empty() && ordered_by_related.is_empty() =>
            {
                let own = self.meta.select;
                sql.text.push_str(select);
                sql.text.push_str(own.strip_prefix("SELECT ").unwrap_or(own));
            }
            Head::Fields => {
                sql.text.push_str(select);
                for (i, column) in self.meta.fields.iter().enumerate() {
                    if i > 0 {
                        sql.text.push_str(", ");
                    }
                    compiler.push_base_column(&mut sql, column);
                }
                for &(at, link) in &related {
                    for column in &(link.target)().fields {
                        sql.text.push_str(", ");
                        compiler.push_col(&mut sql, at, column);
                    }
                }
                for &(at, column) in &ordered_by_related {
                    sql.text.push_str(", ");
                    compiler.push_col(&mut sql, at, column);
                }
                sql.text.push_str(" FROM ");
                sql.text.push_str(self.meta.from);
            }
            Head::Pk => {
                sql.text.push_str(select);
                compiler.push_base_column(&mut sql, self.meta.pk);
                sql.text.push_str(" FROM ");
                sql.text.push_str(self.meta.from);
            }
            Head::One => {
                sql.text.push_str("SELECT 1 FROM ");
                sql.text.push_str(self.meta.from);
            }
            Head::AggregateSource => {
                sql.text.push_str(select);
                compiler.push_base_column(&mut sql, self.meta.pk);
                for (i, expr) in self.exprs.iter().enumerate() {
                    sql.text.push_str(", ");
                    let (at, column) = compiler.walk_expr(&expr.links, expr.column);
                    compiler.push_col(&mut sql, at, column);
                    sql.text.push_str(&format!(" AS \"__col{}\"", i + 1));
                }
                sql.text.push_str(" FROM ");
                sql.text.push_str(self.meta.from);
            }
            Head::Exprs | Head::Annotated => {
                sql.text.push_str(select);
                if head == Head::Annotated {
                    for column in &self.meta.fields {
                        compiler.push_base_column(&mut sql, column);
                        sql.text.push_str(", ");
                        let mut group = Sql::default();
                        compiler.push_base_column(&mut group, column);
                        group_by.push(group);
                    }
                }
                let grouped = head == Head::Annotated || self.exprs.iter().any(SelectExpr::is_aggregate);
                for (i, expr) in self.exprs.iter().enumerate() {
                    if i > 0 {
                        sql.text.push_str(", ");
                    }
                    let mut column = Sql::default();
                    compiler.push_expr(&mut column, &expr.links, expr.column, expr.aggregate);
                    sql.push_sql(&column);
                    if grouped && expr.aggregate.is_none() {
                        group_by.push(column);
                    }
                }
                // Django selects the ordering's columns too under DISTINCT
                // (so rows differing only in them stay apart); they are
                // read by no one.
                if self.distinct && ordered && head == Head::Exprs {
                    for term in self.ordering {
                        sql.text.push_str(", ");
                        compiler.push_expr(&mut sql, &term.links, term.column, term.aggregate);
                    }
                }
                sql.text.push_str(" FROM ");
                sql.text.push_str(self.meta.from);
            }
        }
        sql.text.push_str(&compiler.joins());
        sql.push_sql(&where_sql);
        for (i, column) in group_by.iter().enumerate() {
            sql.text.push_str(if i == 0 { " GROUP BY " } else { ", " });
            sql.push_sql(column);
        }
        sql.push_sql(&having_sql);
        if ordered {
            sql.push_sql(&order_sql);
            self.push_limits(&mut sql);
        }
        Ok(sql)
    }

    /// ` WHERE ...` for an UPDATE or DELETE of the model's table: the
    /// conditions, or when they join, `pk IN (<the matching pks>)`.
    pub(crate) fn push_where(&self, out: &mut Sql) -> Result<()> {
        if self.joins() {
            let subquery = self.build(Head::Pk, false)?;
            out.text.push_str(" WHERE ");
            out.push_quoted(self.meta.pk);
            out.text.push_str(" IN (");
            out.push_sql(&subquery);
            out.text.push(')');
            return Ok(());
        }
        let aliases = Cell::new(0);
        Compiler::new(self.meta, false, &aliases, self.params).push_where(self.conditions, out)
    }

    /// Every field of the matching rows, ordered and sliced.
    pub(crate) fn select(&self) -> Result<Sql> {
        self.build(Head::Fields, true)
    }

    /// The query's expressions of the matching rows (`values_list()`,
    /// `aggregate()`), ordered and sliced when `ordered`.
    pub(crate) fn select_exprs(&self, ordered: bool) -> Result<Sql> {
        self.build(Head::Exprs, ordered)
    }

    /// `exprs` (aggregates) over the rows of this sliced or distinct query:
    /// `SELECT SUM("__col1") FROM (SELECT pk, col AS "__col1" ... LIMIT
    /// ...) subquery`, as Django.
    pub(crate) fn aggregate_over_subquery(&self, exprs: &[SelectExpr]) -> Result<Sql> {
        // Django's `get_aggregation` clears the inner query's ordering
        // unless it is sliced (`clear_ordering(force=False)`): an order
        // the aggregate cannot see, and one PostgreSQL refuses under
        // DISTINCT when it is not selected.
        let sliced = self.high_mark.is_some() || self.low_mark > 0;
        let inner = Query { exprs, ..*self }.build(Head::AggregateSource, sliced)?;
        let mut sql = Sql::default();
        sql.text.push_str("SELECT ");
        for (i, expr) in exprs.iter().enumerate() {
            if i > 0 {
                sql.text.push_str(", ");
            }
            let (func, distinct) = expr.aggregate.unwrap_or((AggFunc::Count, false));
            sql.text.push_str(func.sql());
            sql.text.push_str(if distinct { "(DISTINCT " } else { "(" });
            sql.text.push_str(&format!("\"__col{}\")", i + 1));
        }
        sql.text.push_str(" FROM (");
        sql.push_sql(&inner);
        sql.text.push_str(") subquery");
        Ok(sql)
    }

    /// Every field of the matching rows and the query's aggregates per row
    /// (`annotate()`), ordered and sliced.
    pub(crate) fn select_annotated(&self) -> Result<Sql> {
        self.build(Head::Annotated, true)
    }

    /// The pks of the matching rows, ordered and sliced.
    pub(crate) fn select_pks(&self) -> Result<Sql> {
        self.build(Head::Pk, true)
    }

    /// `SELECT COUNT(*)` of the matching rows (of a subquery when sliced or
    /// distinct, as Django).
    pub(crate) fn count(&self, sliced: bool) -> Result<Sql> {
        self.aggregate(sliced, ("SELECT COUNT(*) FROM (", ") subquery"), "SELECT COUNT(*) FROM ")
    }

    /// Whether any row matches, as Django asks it.
    pub(crate) fn exists(&self, sliced: bool) -> Result<Sql> {
        let mut sql = self.aggregate(sliced, ("SELECT 1 FROM (", ") subquery"), "SELECT 1 AS \"a\" FROM ")?;
        sql.text.push_str(" LIMIT 1");
        Ok(sql)
    }

    /// `<around.0> <the selection> <around.1>` when sliced or distinct,
    /// else `<plain> <from> <joins> <where>`.
    fn aggregate(&self, sliced: bool, around: (&str, &str), plain: &str) -> Result<Sql> {
        if sliced || self.distinct {
            let head = if self.distinct { Head::Fields } else { Head::One };
            let inner = self.build(head, sliced)?;
            let mut sql = Sql::default();
            sql.text.push_str(around.0);
            sql.push_sql(&inner);
            sql.text.push_str(around.1);
            return Ok(sql);
        }
        let inner = self.build(Head::One, false)?;
        let mut sql = Sql::default();
        sql.text.push_str(plain);
        sql.text.push_str(inner.text.strip_prefix("SELECT 1 FROM ").unwrap_or(&inner.text));
        sql.params = inner.params;
        Ok(sql)
    }
}
