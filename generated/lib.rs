//! The checked-in output of `modelgen generate` for `schemas/`.
//!
//! Every `<app>.rs` and `<app>.sql` beside this file is generated (see its
//! `@generated` header); this file is hand-written and only declares the
//! modules. Apps are sibling modules because generated code refers to other
//! apps as `super::<app>`.
//!
//! # Typed: mistakes do not compile
//!
//! Every field is a typed column constant, so a query names fields and
//! values the compiler checks, and values are always bound parameters:
//!
//! ```
//! use modelgen_runtime::prelude::*;
//! use modelgen_examples::weblog::{self, Entry, EntryStatus};
//! use modelgen_runtime::Database;
//!
//! let db = Database::open_in_memory()?;
//! db.create_tables(&[&weblog::APP])?;
//! let drafts = Entry::objects()
//!     .filter(Entry::STATUS.eq(EntryStatus::Draft) & Entry::RATING.gte(3))
//!     .filter(Entry::HEADLINE.contains("'; DROP TABLE weblog_entry; --"))
//!     .count(&db)?;
//! assert_eq!(drafts, 0);
//! # Ok::<(), modelgen_runtime::Error>(())
//! ```
//!
//! A misspelled field is a compile error, not a runtime SQL error:
//!
//! ```compile_fail,E0599
//! use modelgen_examples::weblog::Entry;
//! let _ = Entry::objects().filter(Entry::HEADLNE.eq("x"));
//! ```
//!
//! So is a value of the wrong type:
//!
//! ```compile_fail,E0277
//! use modelgen_examples::weblog::Entry;
//! let _ = Entry::objects().filter(Entry::RATING.eq("five"));
//! ```
//!
//! a column of another model:
//!
//! ```compile_fail,E0308
//! use modelgen_examples::weblog::{Blog, Entry};
//! let _ = Entry::objects().filter(Blog::NAME.eq("x"));
//! ```
//!
//! a text lookup on a column that is not text:
//!
//! ```compile_fail,E0599
//! use modelgen_examples::weblog::Entry;
//! let _ = Entry::objects().filter(Entry::RATING.contains("5"));
//! ```
//!
//! `None` in a field that is not `null`:
//!
//! ```compile_fail,E0308
//! use modelgen_examples::weblog::Entry;
//! let mut entry = Entry::new(modelgen_runtime::Key::new(1), modelgen_runtime::chrono::NaiveDate::MIN);
//! entry.pub_date = None;
//! ```
//!
//! a required field left out of the constructor:
//!
//! ```compile_fail,E0061
//! use modelgen_examples::weblog::Entry;
//! let _ = Entry::new(modelgen_runtime::Key::new(1));
//! ```
//!
//! keys of two models swapped (a relation takes its target's typed key,
//! `Key<Author>`, not the raw `i64` both keys are):
//!
//! ```compile_fail,E0308
//! use modelgen_runtime::prelude::*;
//! use modelgen_examples::library::{Author, Authorship, Book};
//! fn link(author: Key<Author>, book: Key<Book>) -> Authorship {
//!     Authorship::new(book, author)
//! }
//! ```
//!
//! (in the right order it compiles:
//!
//! ```
//! use modelgen_runtime::prelude::*;
//! use modelgen_examples::library::{Author, Authorship, Book};
//! fn link(author: Key<Author>, book: Key<Book>) -> Authorship {
//!     Authorship::new(author, book)
//! }
//! let link = link(Key::new(1), Key::new(2));
//! assert_eq!((link.author_id, link.book_id), (1, 2));
//! ```
//!
//! ), a raw key where a typed one is expected:
//!
//! ```compile_fail,E0308
//! use modelgen_examples::library::Authorship;
//! let _ = Authorship::new(1, 2);
//! ```
//!
//! a filter on a relation with another model's key:
//!
//! ```compile_fail,E0277
//! use modelgen_runtime::prelude::*;
//! use modelgen_examples::library::{Authorship, Book};
//! let book: Key<Book> = Key::new(1);
//! let _ = Authorship::objects().filter(Authorship::AUTHOR.eq(book));
//! ```
//!
//! and `get_next_by_<field>` of a date field that is `null` (Django
//! generates it only for non-null DateField and DateTimeField):
//!
//! ```compile_fail,E0599
//! use modelgen_examples::people::Person;
//! let db = modelgen_runtime::Database::open_in_memory().unwrap();
//! let _ = Person::new().get_next_by_birth_date(&db, None);
//! ```

// Generated code never panics on data: clippy denies unwrap, expect and
// panic in every generated module (the attribute is here, not in the
// generated files, which users may `include!` inside a module, where an
// inner attribute is not allowed).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod library;
pub mod notifications;
pub mod people;
pub mod places;
pub mod publishing;
pub mod shop;
pub mod vault;
pub mod weblog;

/// Every app, in an order in which their tables can be created.
pub static APPS: &[&modelgen_runtime::AppMeta] =
    &[&library::APP, &people::APP, &notifications::APP, &places::APP, &shop::APP, &weblog::APP, &vault::APP];

/// The guide to the generated API (docs/models.md): its examples run as
/// doc-tests, so the guide cannot drift from the code.
#[doc = include_str!("../docs/models.md")]
#[cfg(doctest)]
pub struct ModelsGuide;

/// The concurrency guide (docs/concurrency.md): its example of one handle
/// per thread runs as a doc-test.
#[doc = include_str!("../docs/concurrency.md")]
#[cfg(doctest)]
pub struct ConcurrencyGuide;

/// The query guide (docs/queries.md): its examples, and the lookups that
/// must not compile, run as doc-tests.
#[doc = include_str!("../docs/queries.md")]
#[cfg(doctest)]
pub struct QueriesGuide;
