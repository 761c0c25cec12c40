//! The SQL of queries: conditions (Django's lookups, `Q` trees, with
//! Django's `IS NOT NULL` guard inside negations), assignments of
//! `update()`, and the statements around them.

use rusqlite::types::Value;

use super::{push_placeholders, push_quoted, Sql};
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
}

impl CmpOp {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            CmpOp::Exact => " = ?",
            CmpOp::Lt => " < ?",
            CmpOp::Lte => " <= ?",
            CmpOp::Gt => " > ?",
            CmpOp::Gte => " >= ?",
            CmpOp::Like => " LIKE ? ESCAPE '\\'",
        }
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
    IsNull {
        column: &'static str,
        isnull: bool,
    },
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
}

/// `<column><rest>`, and when `guard`, `(<column><rest> AND <column> IS NOT NULL)`.
fn lookup(out: &mut Sql, column: &str, guard: bool, rest: impl FnOnce(&mut Sql)) {
    if guard {
        out.text.push('(');
    }
    out.push_quoted(column);
    rest(out);
    if guard {
        out.text.push_str(" AND ");
        out.push_quoted(column);
        out.text.push_str(" IS NOT NULL)");
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
}

impl Params {
    fn push(self, out: &mut Sql, value: &Value, instant: bool) {
        out.params.push(match self.zone {
            Some(zone) if instant => (self.convert)(value, zone),
            _ => value.clone(),
        });
    }
}

/// Render `node`; `negated` tells whether an odd number of NOTs encloses it
/// (Django's `current_negated`).
fn render(node: &Node, nullable: &dyn Fn(&str) -> bool, params: Params, negated: bool, out: &mut Sql) -> Result<()> {
    // Django adds `AND col IS NOT NULL` inside a negated lookup on a
    // nullable column, so that `exclude(col=x)` keeps the NULL rows.
    let guard_null = |column: &str| negated && nullable(column);
    match node {
        Node::Cmp { column, op, value, instant } => lookup(out, column, guard_null(column), |out| {
            out.text.push_str(op.sql());
            params.push(out, value, *instant);
        }),
        Node::In { column, values, instant } => {
            if values.is_empty() {
                // Django's EmptyResultSet: nothing matches.
                out.text.push_str("0 = 1");
                return Ok(());
            }
            lookup(out, column, guard_null(column), |out| {
                out.text.push_str(" IN (");
                push_placeholders(&mut out.text, values.len());
                out.text.push(')');
                for value in values {
                    params.push(out, value, *instant);
                }
            })
        }
        Node::Range { column, low, high, instant } => lookup(out, column, guard_null(column), |out| {
            out.text.push_str(" BETWEEN ? AND ?");
            params.push(out, low, *instant);
            params.push(out, high, *instant);
        }),
        Node::IsNull { column, isnull } => {
            push_quoted(&mut out.text, column);
            out.text.push_str(if *isnull { " IS NULL" } else { " IS NOT NULL" });
        }
        Node::And(children) | Node::Or(children) => {
            // Empty conditions (`Q()`) are dropped, as Django drops them.
            let mut children = children.iter().filter(|c| !c.is_empty()).peekable();
            if children.peek().is_none() {
                out.text.push_str("1 = 1");
                return Ok(());
            }
            let connector = if matches!(node, Node::And(_)) { " AND " } else { " OR " };
            out.text.push('(');
            for (i, child) in children.enumerate() {
                if i > 0 {
                    out.text.push_str(connector);
                }
                render(child, nullable, params, negated, out)?;
            }
            out.text.push(')');
        }
        Node::Not(inner) => {
            out.text.push_str("NOT (");
            render(inner, nullable, params, !negated, out)?;
            out.text.push(')');
        }
        Node::Invalid(message) => return Err(Error::Misuse(message.clone())),
    }
    Ok(())
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
    Value { value: Value, instant: bool },
    Relative { op: ArithOp, value: Value },
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
    Value(Value),
    Binary(FOp, Box<FNode>, Box<FNode>),
    Invalid(String),
}

impl FNode {
    /// `(lhs op rhs)`, as Django's `CombinedExpression.as_sql` writes it.
    fn render(&self, out: &mut Sql) -> Result<()> {
        match self {
            FNode::Column(column) => push_quoted(&mut out.text, column),
            FNode::Value(value) => {
                out.text.push('?');
                out.params.push(value.clone());
            }
            FNode::Binary(op, lhs, rhs) => match op.infix() {
                Some(symbol) => {
                    out.text.push('(');
                    lhs.render(out)?;
                    out.text.push_str(symbol);
                    rhs.render(out)?;
                    out.text.push(')');
                }
                None => {
                    out.text.push_str("POWER(");
                    lhs.render(out)?;
                    out.text.push_str(", ");
                    rhs.render(out)?;
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
        Expr::Column(other) => push_quoted(&mut out.text, other),
        Expr::Tree(tree) => tree.render(out)?,
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

/// What a query's SQL is built from: its conditions (ANDed), its ordering
/// and its slice.
pub(crate) struct Query<'a> {
    pub(crate) conditions: &'a [Node],
    /// Whether a column is nullable (Django's guard in negations).
    pub(crate) nullable: Box<dyn Fn(&str) -> bool + 'a>,
    /// How bound values are written.
    pub(crate) params: Params,
    /// `(column, descending)` terms.
    pub(crate) ordering: &'a [(&'static str, bool)],
    /// False after `reverse()`: every term flips.
    pub(crate) standard_ordering: bool,
    pub(crate) low_mark: usize,
    pub(crate) high_mark: Option<usize>,
}

impl Query<'_> {
    /// ` WHERE ...` (nothing when unfiltered).
    pub(crate) fn push_where(&self, out: &mut Sql) -> Result<()> {
        let conditions = self.conditions.iter().filter(|c| !c.is_empty());
        for (i, node) in conditions.enumerate() {
            out.text.push_str(if i == 0 { " WHERE " } else { " AND " });
            render(node, &*self.nullable, self.params, false, out)?;
        }
        Ok(())
    }

    fn push_order(&self, out: &mut Sql) {
        for (i, (column, descending)) in self.ordering.iter().enumerate() {
            out.text.push_str(if i == 0 { " ORDER BY " } else { ", " });
            push_quoted(&mut out.text, column);
            let descending = if self.standard_ordering { *descending } else { !*descending };
            out.text.push_str(if descending { " DESC" } else { " ASC" });
        }
    }

    fn push_limits(&self, out: &mut Sql) {
        match self.high_mark {
            Some(high) => {
                out.text.push_str(" LIMIT ?");
                out.params.push(Value::Integer(high.saturating_sub(self.low_mark) as i64));
                if self.low_mark > 0 {
                    out.text.push_str(" OFFSET ?");
                    out.params.push(Value::Integer(self.low_mark as i64));
                }
            }
            None if self.low_mark > 0 => {
                out.text.push_str(" LIMIT -1 OFFSET ?");
                out.params.push(Value::Integer(self.low_mark as i64));
            }
            None => {}
        }
    }

    /// `<head> WHERE ... ORDER BY ... LIMIT ...`.
    pub(crate) fn select(&self, head: &str) -> Result<Sql> {
        let mut sql = Sql::default();
        sql.text.push_str(head);
        self.push_where(&mut sql)?;
        self.push_order(&mut sql);
        self.push_limits(&mut sql);
        Ok(sql)
    }

    /// `SELECT COUNT(*)` of the rows selected from `from` (a subquery when
    /// sliced).
    pub(crate) fn count(&self, from: &str, sliced: bool) -> Result<Sql> {
        self.aggregate(
            from,
            sliced,
            ("SELECT COUNT(*) FROM (SELECT 1 FROM ", ") subquery"),
            ("SELECT COUNT(*) FROM ", ""),
        )
    }

    /// Whether any row selected from `from` exists, as Django asks it.
    pub(crate) fn exists(&self, from: &str, sliced: bool) -> Result<Sql> {
        self.aggregate(
            from,
            sliced,
            ("SELECT 1 FROM (SELECT 1 FROM ", ") subquery LIMIT 1"),
            ("SELECT 1 AS \"a\" FROM ", " LIMIT 1"),
        )
    }

    /// `<head> <from> <where> <tail>`: sliced, around the whole selection
    /// (ordered and limited) as a subquery, else around its WHERE only.
    fn aggregate(&self, from: &str, sliced: bool, subquery: (&str, &str), plain: (&str, &str)) -> Result<Sql> {
        let (head, tail) = if sliced { subquery } else { plain };
        let head = format!("{head}{from}");
        let mut sql = if sliced {
            self.select(&head)?
        } else {
            let mut sql = Sql::default();
            sql.text.push_str(&head);
            self.push_where(&mut sql)?;
            sql
        };
        sql.text.push_str(tail);
        Ok(sql)
    }
}
