//! Models written by hand exactly as modelgen's generated code implements
//! them: a `static ModelMeta` with the SQL strings, `column_value` through
//! `DbValue`, `from_row` through `read`. The DDL is what Django 6 creates
//! for the same models (`weblog.sql`, `shop.sql`).
//!
//! `Blog` and `Entry` are spelled out in full; the other models use the
//! `model!` macro below for the boilerplate of `impl Model`.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use modelgen_runtime::chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use modelgen_runtime::prelude::*;
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::uuid::Uuid;
use modelgen_runtime::{rusqlite, serde_json};

pub const WEBLOG_DDL: &str = include_str!("weblog.sql");
pub const SHOP_DDL: &str = include_str!("shop.sql");

pub static WEBLOG: AppMeta = AppMeta {
    label: "weblog",
    ddl: WEBLOG_DDL,
    models: &[
        &BLOG_META,
        &AUTHOR_META,
        &ENTRY_META,
        &COMMENT_META,
        &TARGET_META,
        &CASCADER_META,
        &NULLER_META,
        &DEFAULTER_META,
        &NOTHER_META,
        &ARTIST_META,
        &ALBUM_META,
        &SONG_META,
        &TAG_META,
        &STAMP_META,
        &TOKEN_META,
        &SAMPLE_META,
        &PLACE_META,
        &RESTAURANT_META,
        &REVIEW_META,
        &SOLO_META,
        &NODE_META,
    ],
};

pub static SHOP: AppMeta = AppMeta { label: "shop", ddl: SHOP_DDL, models: &[&PRODUCT_META, &MENTION_META] };

/// A fresh in-memory database with both apps' tables.
pub fn setup() -> Database {
    let db = Database::open_in_memory().expect("open");
    db.create_tables(&[&WEBLOG, &SHOP]).expect("create tables");
    db
}

/// The raw stored value of one column, quoted by SQLite (`quote(col)`).
pub fn raw(db: &Database, table: &str, column: &str, id: i64) -> String {
    db.connection()
        .query_row(&format!("SELECT quote(\"{column}\") FROM \"{table}\" WHERE \"id\" = ?"), [id], |r| r.get(0))
        .expect("raw value")
}

pub fn count_rows(db: &Database, table: &str) -> i64 {
    db.connection().query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |r| r.get(0)).expect("count")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A shared log for signal receivers.
#[derive(Clone, Default)]
pub struct Log(pub Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: String) {
        self.0.lock().expect("log").push(entry);
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("log"))
    }
}

// ---------------------------------------------------------------------------
// Blog (by hand)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Blog {
    pub id: Option<i64>,
    pub name: String,
    pub tagline: String,
    pub state: ModelState,
}

impl Blog {
    pub const ID: Column<Blog, Option<i64>> = Column::new("id");
    pub const NAME: Column<Blog, String> = Column::new("name");
    pub const TAGLINE: Column<Blog, String> = Column::new("tagline");

    pub fn new(name: &str) -> Self {
        Blog { id: None, name: name.to_owned(), tagline: String::new(), state: ModelState::new_adding() }
    }
}

pub static BLOG_META: ModelMeta = ModelMeta {
    app: "weblog",
    name: "Blog",
    table: "weblog_blog",
    columns: &[
        ColumnMeta { field: "id", column: "id", primary_key: true, auto: true, null: false, unique: true, copy: CopyPolicy::Keep },
        ColumnMeta { field: "name", column: "name", primary_key: false, auto: false, null: false, unique: false, copy: CopyPolicy::Keep },
        ColumnMeta { field: "tagline", column: "tagline", primary_key: false, auto: false, null: false, unique: false, copy: CopyPolicy::Keep },
    ],
    pk: 0,
    relations: &[],
    many_to_many: &[],
    ordering: &[],
    get_latest_by: None,
    pk_has_default: false,
    select_sql: r#"SELECT "id", "name", "tagline" FROM "weblog_blog""#,
    from_sql: r#""weblog_blog""#,
    parent: None,
    insert_sql: r#"INSERT INTO "weblog_blog" ("name", "tagline") VALUES (?, ?) RETURNING "id""#,
    insert_with_pk_sql: r#"INSERT INTO "weblog_blog" ("id", "name", "tagline") VALUES (?, ?, ?)"#,
    update_sql: r#"UPDATE "weblog_blog" SET "name" = ?, "tagline" = ? WHERE "id" = ?"#,
    load_erased: load_erased::<Blog>,
    reverse_copies: &[],
    copy_default: |_, _| None,
    build_erased: build_erased::<Blog>,
};

impl Model for Blog {
    // No auto_now/auto_now_add field.
    const HAS_PRE_SAVE: bool = false;

    fn meta() -> &'static ModelMeta {
        &BLOG_META
    }

    fn pk_value(&self) -> Option<Value> {
        self.id.map(Value::Integer)
    }

    fn set_pk_value(&mut self, value: Option<Value>) -> modelgen_runtime::Result<()> {
        self.id = match value {
            None => None,
            Some(Value::Integer(i)) => Some(i),
            Some(other) => {
                return Err(Error::Misuse(format!("invalid pk for Blog: {other:?}")));
            }
        };
        Ok(())
    }

    fn column_value(&self, index: usize) -> rusqlite::Result<ToSqlOutput<'_>> {
        match index {
            0 => DbValue::to_sql(&self.id),
            1 => DbValue::to_sql(&self.name),
            2 => DbValue::to_sql(&self.tagline),
            _ => Err(column_index_error(index)),
        }
    }

    fn from_row(row: &rusqlite::Row<'_>, offset: usize) -> rusqlite::Result<Self> {
        Ok(Blog {
            id: read(row, offset)?,
            name: read(row, offset + 1)?,
            tagline: read(row, offset + 2)?,
            state: ModelState::loaded(),
        })
    }

    fn pre_save(&mut self, _adding: bool, _now: DateTime<Utc>) {}

    fn state(&self) -> &ModelState {
        &self.state
    }

    fn state_mut(&mut self) -> &mut ModelState {
        &mut self.state
    }
}

// ---------------------------------------------------------------------------
// Entry (by hand): FK to Blog (CASCADE), auto_now mod_date, M2M authors,
// ordering -pub_date, get_latest_by pub_date
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: Option<i64>,
    pub blog_id: i64,
    pub headline: String,
    pub pub_date: NaiveDate,
    pub mod_date: NaiveDate,
    pub n_comments: i32,
    pub rating: Option<i32>,
    pub state: ModelState,
}

impl Entry {
    pub const ID: Column<Entry, Option<i64>> = Column::new("id");
    pub const BLOG: Column<Entry, i64> = Column::new("blog_id");
    pub const HEADLINE: Column<Entry, String> = Column::new("headline");
    pub const PUB_DATE: Column<Entry, NaiveDate> = Column::new("pub_date");
    pub const MOD_DATE: Column<Entry, NaiveDate> = Column::new("mod_date");
    pub const N_COMMENTS: Column<Entry, i32> = Column::new("n_comments");
    pub const RATING: Column<Entry, Option<i32>> = Column::new("rating");

    pub fn new(blog: &Blog, headline: &str, pub_date: NaiveDate) -> Self {
        Entry {
            id: None,
            blog_id: blog.id.unwrap_or(0),
            headline: headline.to_owned(),
            pub_date,
            mod_date: NaiveDate::default(),
            n_comments: 0,
            rating: Some(5),
            state: ModelState::new_adding(),
        }
    }
}

pub static ENTRY_META: ModelMeta = ModelMeta {
    app: "weblog",
    name: "Entry",
    table: "weblog_entry",
    columns: &[
        ColumnMeta { field: "id", column: "id", primary_key: true, auto: true, null: false, unique: true, copy: CopyPolicy::Keep },
        ColumnMeta { field: "blog", column: "blog_id", primary_key: false, auto: false, null: false, unique: false, copy: CopyPolicy::Keep },
        ColumnMeta {
            field: "headline",
            column: "headline",
            primary_key: false,
            auto: false,
            null: false,
            unique: false, copy: CopyPolicy::Keep,
        },
        ColumnMeta {
            field: "pub_date",
            column: "pub_date",
            primary_key: false,
            auto: false,
            null: false,
            unique: false, copy: CopyPolicy::Keep,
        },
        ColumnMeta {
            field: "mod_date",
            column: "mod_date",
            primary_key: false,
            auto: false,
            null: false,
            unique: false, copy: CopyPolicy::Keep,
        },
        ColumnMeta {
            field: "n_comments",
            column: "n_comments",
            primary_key: false,
            auto: false,
            null: false,
            unique: false, copy: CopyPolicy::Keep,
        },
        ColumnMeta { field: "rating", column: "rating", primary_key: false, auto: false, null: true, unique: false, copy: CopyPolicy::Keep },
    ],
    pk: 0,
    relations: &[RelationMeta {
        column: 1,
        target_table: "weblog_blog",
        target_column: "id",
        on_delete: OnDelete::Cascade,
        default: None,
        one_to_one: false,
        parent_link: false, target: &BLOG_META,
    }],
    many_to_many: &[ManyToManyMeta {
        field: "authors",
        through_table: "weblog_entry_authors",
        source_column: "entry_id",
        target_column: "author_id",
        target_table: "weblog_author",
        auto_created: true, symmetrical: false, target: &AUTHOR_META, through: None, copy: RelationCopy::Link,
    }],
    ordering: &[("pub_date", true)],
    get_latest_by: Some("pub_date"),
    pk_has_default: false,
    select_sql: r#"SELECT "id", "blog_id", "headline", "pub_date", "mod_date", "n_comments", "rating" FROM "weblog_entry""#,
    from_sql: r#""weblog_entry""#,
    parent: None,
    insert_sql: r#"INSERT INTO "weblog_entry" ("blog_id", "headline", "pub_date", "mod_date", "n_comments", "rating") VALUES (?, ?, ?, ?, ?, ?) RETURNING "id""#,
    insert_with_pk_sql: r#"INSERT INTO "weblog_entry" ("id", "blog_id", "headline", "pub_date", "mod_date", "n_comments", "rating") VALUES (?, ?, ?, ?, ?, ?, ?)"#,
    update_sql: r#"UPDATE "weblog_entry" SET "blog_id" = ?, "headline" = ?, "pub_date" = ?, "mod_date" = ?, "n_comments" = ?, "rating" = ? WHERE "id" = ?"#,
    load_erased: load_erased::<Entry>,
    reverse_copies: &[],
    copy_default: |_, _| None,
    build_erased: build_erased::<Entry>,
};

impl Model for Entry {
    fn meta() -> &'static ModelMeta {
        &ENTRY_META
    }

    fn pk_value(&self) -> Option<Value> {
        self.id.map(Value::Integer)
    }

    fn set_pk_value(&mut self, value: Option<Value>) -> modelgen_runtime::Result<()> {
        self.id = match value {
            None => None,
            Some(Value::Integer(i)) => Some(i),
            Some(other) => {
                return Err(Error::Misuse(format!("invalid pk for Entry: {other:?}")));
            }
        };
        Ok(())
    }

    fn column_value(&self, index: usize) -> rusqlite::Result<ToSqlOutput<'_>> {
        match index {
            0 => DbValue::to_sql(&self.id),
            1 => DbValue::to_sql(&self.blog_id),
            2 => DbValue::to_sql(&self.headline),
            3 => DbValue::to_sql(&self.pub_date),
            4 => DbValue::to_sql(&self.mod_date),
            5 => DbValue::to_sql(&self.n_comments),
            6 => DbValue::to_sql(&self.rating),
            _ => Err(column_index_error(index)),
        }
    }

    fn from_row(row: &rusqlite::Row<'_>, offset: usize) -> rusqlite::Result<Self> {
        Ok(Entry {
            id: read(row, offset)?,
            blog_id: read(row, offset + 1)?,
            headline: read(row, offset + 2)?,
            pub_date: read(row, offset + 3)?,
            mod_date: read(row, offset + 4)?,
            n_comments: read(row, offset + 5)?,
            rating: read(row, offset + 6)?,
            state: ModelState::loaded(),
        })
    }

    fn pre_save(&mut self, _adding: bool, now: DateTime<Utc>) {
        // mod_date: DateField(auto_now=True)
        self.mod_date = now.date_naive();
    }

    fn pre_save_columns(&mut self, columns: &ColumnSet, now: DateTime<Utc>) {
        if columns.contains(4) {
            self.mod_date = now.date_naive();
        }
    }

    fn state(&self) -> &ModelState {
        &self.state
    }

    fn state_mut(&mut self) -> &mut ModelState {
        &mut self.state
    }
}

// ---------------------------------------------------------------------------
// The other models: the same code, through a macro
// ---------------------------------------------------------------------------

/// `impl Model` for a struct whose first column is the pk.
macro_rules! model {
    (
        $name:ident, $meta:ident, pk = $pk:ident: $pkty:ty,
        fields { $($f:ident: $t:ty),* $(,)? }
        $(pre_save = |$this:ident, $cols:ident, $add:ident, $now:ident| $body:block)?
    ) => {
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            pub $pk: $pkty,
            $(pub $f: $t,)*
            pub state: ModelState,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $pk: Default::default(),
                    $($f: Default::default(),)*
                    state: ModelState::new_adding(),
                }
            }
        }

        impl Model for $name {
            const HAS_PRE_SAVE: bool = model!(@has_pre_save $($body)?);

            fn meta() -> &'static ModelMeta {
                &$meta
            }

            fn pk_value(&self) -> Option<Value> {
                match to_value(&self.$pk) {
                    Value::Null => None,
                    v => Some(v),
                }
            }

            fn set_pk_value(&mut self, value: Option<Value>) -> modelgen_runtime::Result<()> {
                self.$pk = match value {
                    None => Default::default(),
                    Some(v) => from_value(v)?,
                };
                Ok(())
            }

            fn column_value(&self, index: usize) -> rusqlite::Result<ToSqlOutput<'_>> {
                let columns: [&dyn DbValue; 1 $(+ { let _ = stringify!($f); 1 })*] =
                    [&self.$pk $(, &self.$f)*];
                match columns.get(index) {
                    Some(c) => {
                        let c: &dyn DbValue = *c;
                        c.to_sql()
                    }
                    None => Err(column_index_error(index)),
                }
            }

            #[allow(unused_assignments)]
            fn from_row(row: &rusqlite::Row<'_>, offset: usize) -> rusqlite::Result<Self> {
                let mut i = offset;
                let mut next = || {
                    let j = i;
                    i += 1;
                    j
                };
                Ok($name {
                    $pk: read(row, next())?,
                    $($f: read(row, next())?,)*
                    state: ModelState::loaded(),
                })
            }

            #[allow(unused_variables)]
            fn pre_save(&mut self, adding: bool, now: DateTime<Utc>) {
                $(
                    let $this = self;
                    let $cols: Option<&ColumnSet> = None;
                    let $add = adding;
                    let $now = now;
                    $body
                )?
            }

            #[allow(unused_variables)]
            fn pre_save_columns(&mut self, columns: &ColumnSet, now: DateTime<Utc>) {
                $(
                    let $this = self;
                    let $cols: Option<&ColumnSet> = Some(columns);
                    let $add = false;
                    let $now = now;
                    $body
                )?
            }

            fn state(&self) -> &ModelState {
                &self.state
            }

            fn state_mut(&mut self) -> &mut ModelState {
                &mut self.state
            }
        }
    };
    (@has_pre_save) => { false };
    (@has_pre_save $body:block) => { true };
}

const fn col(field: &'static str, column: &'static str, null: bool) -> ColumnMeta {
    ColumnMeta { field, column, primary_key: false, auto: false, null, unique: false, copy: CopyPolicy::Keep }
}

const fn auto_pk(column: &'static str) -> ColumnMeta {
    ColumnMeta { field: column, column, primary_key: true, auto: true, null: false, unique: true, copy: CopyPolicy::Keep }
}

const fn fk(column: usize, target_table: &'static str, target: &'static ModelMeta, on_delete: OnDelete) -> RelationMeta {
    RelationMeta {
        column,
        target_table,
        target_column: "id",
        on_delete,
        default: None,
        one_to_one: false,
        parent_link: false, target,
    }
}

macro_rules! meta {
    (
        $name:literal, $table:literal, columns: [$($c:expr),* $(,)?],
        relations: [$($r:expr),* $(,)?],
        select: $select:literal, insert: $insert:literal, insert_pk: $insert_pk:literal,
        update: $update:literal, load: $ty:ty
        $(, ordering: $ordering:expr)? $(, latest: $latest:expr)? $(, pk_default: $pkd:expr)?
        $(, app: $app:literal)?
    ) => {
        ModelMeta {
            app: meta!(@app $($app)?),
            name: $name,
            table: $table,
            columns: &[$($c),*],
            pk: 0,
            relations: &[$($r),*],
            many_to_many: &[],
            ordering: meta!(@ordering $($ordering)?),
            get_latest_by: meta!(@latest $($latest)?),
            pk_has_default: meta!(@pkd $($pkd)?),
            select_sql: $select,
            from_sql: concat!("\"", $table, "\""),
            parent: None,
            insert_sql: $insert,
            insert_with_pk_sql: $insert_pk,
            update_sql: $update,
            load_erased: load_erased::<$ty>,
    reverse_copies: &[],
    copy_default: |_, _| None,
    build_erased: build_erased::<$ty>,
        }
    };
    (@app) => { "weblog" };
    (@app $app:literal) => { $app };
    (@ordering) => { &[] };
    (@ordering $o:expr) => { $o };
    (@latest) => { None };
    (@latest $l:expr) => { $l };
    (@pkd) => { false };
    (@pkd $p:expr) => { $p };
}

// --- Author -----------------------------------------------------------------

model!(Author, AUTHOR_META, pk = id: Option<i64>, fields { name: String });
impl Author {
    pub const NAME: Column<Author, String> = Column::new("name");
}
pub static AUTHOR_META: ModelMeta = meta!(
    "Author", "weblog_author",
    columns: [auto_pk("id"), col("name", "name", false)],
    relations: [],
    select: r#"SELECT "id", "name" FROM "weblog_author""#,
    insert: r#"INSERT INTO "weblog_author" ("name") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_author" ("id", "name") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_author" SET "name" = ? WHERE "id" = ?"#,
    load: Author
);

// --- Comment: entry PROTECT -------------------------------------------------

model!(Comment, COMMENT_META, pk = id: Option<i64>, fields { entry_id: i64, text: String });
pub static COMMENT_META: ModelMeta = meta!(
    "Comment", "weblog_comment",
    columns: [auto_pk("id"), col("entry", "entry_id", false), col("text", "text", false)],
    relations: [fk(1, "weblog_entry", &ENTRY_META, OnDelete::Protect)],
    select: r#"SELECT "id", "entry_id", "text" FROM "weblog_comment""#,
    insert: r#"INSERT INTO "weblog_comment" ("entry_id", "text") VALUES (?, ?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_comment" ("id", "entry_id", "text") VALUES (?, ?, ?)"#,
    update: r#"UPDATE "weblog_comment" SET "entry_id" = ?, "text" = ? WHERE "id" = ?"#,
    load: Comment
);

// --- Target and one referrer per on_delete -----------------------------------

model!(Target, TARGET_META, pk = id: Option<i64>, fields { name: String });
pub static TARGET_META: ModelMeta = meta!(
    "Target", "weblog_target",
    columns: [auto_pk("id"), col("name", "name", false)],
    relations: [],
    select: r#"SELECT "id", "name" FROM "weblog_target""#,
    insert: r#"INSERT INTO "weblog_target" ("name") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_target" ("id", "name") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_target" SET "name" = ? WHERE "id" = ?"#,
    load: Target
);

model!(Cascader, CASCADER_META, pk = id: Option<i64>, fields { target_id: i64 });
pub static CASCADER_META: ModelMeta = meta!(
    "Cascader", "weblog_cascader",
    columns: [auto_pk("id"), col("target", "target_id", false)],
    relations: [fk(1, "weblog_target", &TARGET_META, OnDelete::Cascade)],
    select: r#"SELECT "id", "target_id" FROM "weblog_cascader""#,
    insert: r#"INSERT INTO "weblog_cascader" ("target_id") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_cascader" ("id", "target_id") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_cascader" SET "target_id" = ? WHERE "id" = ?"#,
    load: Cascader
);

model!(Nuller, NULLER_META, pk = id: Option<i64>, fields { target_id: Option<i64> });
pub static NULLER_META: ModelMeta = meta!(
    "Nuller", "weblog_nuller",
    columns: [auto_pk("id"), col("target", "target_id", true)],
    relations: [fk(1, "weblog_target", &TARGET_META, OnDelete::SetNull)],
    select: r#"SELECT "id", "target_id" FROM "weblog_nuller""#,
    insert: r#"INSERT INTO "weblog_nuller" ("target_id") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_nuller" ("id", "target_id") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_nuller" SET "target_id" = ? WHERE "id" = ?"#,
    load: Nuller
);

model!(Defaulter, DEFAULTER_META, pk = id: Option<i64>, fields { target_id: i64 });
pub static DEFAULTER_META: ModelMeta = meta!(
    "Defaulter", "weblog_defaulter",
    columns: [auto_pk("id"), col("target", "target_id", false)],
    relations: [RelationMeta {
        column: 1,
        target_table: "weblog_target",
        target_column: "id",
        on_delete: OnDelete::SetDefault,
        default: Some(DefaultValue::Integer(2)),
        one_to_one: false,
        parent_link: false, target: &TARGET_META,
    }],
    select: r#"SELECT "id", "target_id" FROM "weblog_defaulter""#,
    insert: r#"INSERT INTO "weblog_defaulter" ("target_id") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_defaulter" ("id", "target_id") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_defaulter" SET "target_id" = ? WHERE "id" = ?"#,
    load: Defaulter
);

model!(Nother, NOTHER_META, pk = id: Option<i64>, fields { target_id: i64 });
pub static NOTHER_META: ModelMeta = meta!(
    "Nother", "weblog_nother",
    columns: [auto_pk("id"), col("target", "target_id", false)],
    relations: [fk(1, "weblog_target", &TARGET_META, OnDelete::DoNothing)],
    select: r#"SELECT "id", "target_id" FROM "weblog_nother""#,
    insert: r#"INSERT INTO "weblog_nother" ("target_id") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_nother" ("id", "target_id") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_nother" SET "target_id" = ? WHERE "id" = ?"#,
    load: Nother
);

// --- Artist / Album / Song: Django's RESTRICT example -----------------------

model!(Artist, ARTIST_META, pk = id: Option<i64>, fields { name: String });
pub static ARTIST_META: ModelMeta = meta!(
    "Artist", "weblog_artist",
    columns: [auto_pk("id"), col("name", "name", false)],
    relations: [],
    select: r#"SELECT "id", "name" FROM "weblog_artist""#,
    insert: r#"INSERT INTO "weblog_artist" ("name") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_artist" ("id", "name") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_artist" SET "name" = ? WHERE "id" = ?"#,
    load: Artist
);

model!(Album, ALBUM_META, pk = id: Option<i64>, fields { artist_id: i64 });
pub static ALBUM_META: ModelMeta = meta!(
    "Album", "weblog_album",
    columns: [auto_pk("id"), col("artist", "artist_id", false)],
    relations: [fk(1, "weblog_artist", &ARTIST_META, OnDelete::Cascade)],
    select: r#"SELECT "id", "artist_id" FROM "weblog_album""#,
    insert: r#"INSERT INTO "weblog_album" ("artist_id") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_album" ("id", "artist_id") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_album" SET "artist_id" = ? WHERE "id" = ?"#,
    load: Album
);

model!(Song, SONG_META, pk = id: Option<i64>, fields { artist_id: i64, album_id: i64 });
pub static SONG_META: ModelMeta = meta!(
    "Song", "weblog_song",
    columns: [auto_pk("id"), col("artist", "artist_id", false), col("album", "album_id", false)],
    relations: [
        fk(1, "weblog_artist", &ARTIST_META, OnDelete::Cascade),
        fk(2, "weblog_album", &ALBUM_META, OnDelete::Restrict),
    ],
    select: r#"SELECT "id", "artist_id", "album_id" FROM "weblog_song""#,
    insert: r#"INSERT INTO "weblog_song" ("artist_id", "album_id") VALUES (?, ?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_song" ("id", "artist_id", "album_id") VALUES (?, ?, ?)"#,
    update: r#"UPDATE "weblog_song" SET "artist_id" = ?, "album_id" = ? WHERE "id" = ?"#,
    load: Song
);

// --- Tag: a text primary key -------------------------------------------------

model!(Tag, TAG_META, pk = slug: String, fields { label: String });
impl Tag {
    pub const SLUG: Column<Tag, String> = Column::new("slug");
    pub const LABEL: Column<Tag, String> = Column::new("label");
}
pub static TAG_META: ModelMeta = meta!(
    "Tag", "weblog_tag",
    columns: [
        ColumnMeta { field: "slug", column: "slug", primary_key: true, auto: false, null: false, unique: true, copy: CopyPolicy::Keep },
        col("label", "label", false),
    ],
    relations: [],
    select: r#"SELECT "slug", "label" FROM "weblog_tag""#,
    insert: r#"INSERT INTO "weblog_tag" ("label") VALUES (?) RETURNING "slug""#,
    insert_pk: r#"INSERT INTO "weblog_tag" ("slug", "label") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_tag" SET "label" = ? WHERE "slug" = ?"#,
    load: Tag
);

// --- Stamp: auto_now_add and auto_now ----------------------------------------

model!(Stamp, STAMP_META, pk = id: Option<i64>,
    fields { name: String, created: DateTime<Utc>, updated: DateTime<Utc> }
    pre_save = |this, cols, add, now| {
        if add {
            this.created = now;
        }
        if cols.is_none_or(|c| c.contains(3)) {
            this.updated = now;
        }
    }
);
pub static STAMP_META: ModelMeta = meta!(
    "Stamp", "weblog_stamp",
    columns: [auto_pk("id"), col("name", "name", false), col("created", "created", false),
              col("updated", "updated", false)],
    relations: [],
    select: r#"SELECT "id", "name", "created", "updated" FROM "weblog_stamp""#,
    insert: r#"INSERT INTO "weblog_stamp" ("name", "created", "updated") VALUES (?, ?, ?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_stamp" ("id", "name", "created", "updated") VALUES (?, ?, ?, ?)"#,
    update: r#"UPDATE "weblog_stamp" SET "name" = ?, "created" = ?, "updated" = ? WHERE "id" = ?"#,
    load: Stamp
);

// --- Token: a UUID pk with a default (uuid4) ---------------------------------

model!(Token, TOKEN_META, pk = id: Uuid, fields { name: String });
impl Token {
    pub fn new(name: &str) -> Self {
        Token { id: Uuid::new_v4(), name: name.to_owned(), state: ModelState::new_adding() }
    }
}
pub static TOKEN_META: ModelMeta = meta!(
    "Token", "weblog_token",
    columns: [
        ColumnMeta { field: "id", column: "id", primary_key: true, auto: false, null: false, unique: true, copy: CopyPolicy::Keep },
        col("name", "name", false),
    ],
    relations: [],
    select: r#"SELECT "id", "name" FROM "weblog_token""#,
    insert: r#"INSERT INTO "weblog_token" ("name") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_token" ("id", "name") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_token" SET "name" = ? WHERE "id" = ?"#,
    load: Token,
    pk_default: true
);

// --- Sample: one nullable column of every type ------------------------------

model!(Sample, SAMPLE_META, pk = id: Option<i64>, fields {
    i16: Option<i16>,
    f: Option<f64>,
    b: Option<bool>,
    d: Option<NaiveDate>,
    dt: Option<DateTime<Utc>>,
    t: Option<NaiveTime>,
    dur: Option<TimeDelta>,
    dec: Option<Decimal>,
    u: Option<Uuid>,
    j: Option<serde_json::Value>,
    bin: Option<Vec<u8>>,
});
impl Sample {
    pub const DT: Column<Sample, Option<DateTime<Utc>>> = Column::new("dt");
    pub const D: Column<Sample, Option<NaiveDate>> = Column::new("d");
    pub const U: Column<Sample, Option<Uuid>> = Column::new("u");
}
pub static SAMPLE_META: ModelMeta = meta!(
    "Sample", "weblog_sample",
    columns: [auto_pk("id"), col("i16", "i16", true), col("f", "f", true), col("b", "b", true),
              col("d", "d", true), col("dt", "dt", true), col("t", "t", true),
              col("dur", "dur", true), col("dec", "dec", true), col("u", "u", true),
              col("j", "j", true), col("bin", "bin", true)],
    relations: [],
    select: r#"SELECT "id", "i16", "f", "b", "d", "dt", "t", "dur", "dec", "u", "j", "bin" FROM "weblog_sample""#,
    insert: r#"INSERT INTO "weblog_sample" ("i16", "f", "b", "d", "dt", "t", "dur", "dec", "u", "j", "bin") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_sample" ("id", "i16", "f", "b", "d", "dt", "t", "dur", "dec", "u", "j", "bin") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
    update: r#"UPDATE "weblog_sample" SET "i16" = ?, "f" = ?, "b" = ?, "d" = ?, "dt" = ?, "t" = ?, "dur" = ?, "dec" = ?, "u" = ?, "j" = ?, "bin" = ? WHERE "id" = ?"#,
    load: Sample
);

// --- Place / Restaurant(Place) / Review: multi-table inheritance ------------

model!(Place, PLACE_META, pk = id: Option<i64>, fields { name: String });
pub static PLACE_META: ModelMeta = meta!(
    "Place", "weblog_place",
    columns: [auto_pk("id"), col("name", "name", false)],
    relations: [],
    select: r#"SELECT "id", "name" FROM "weblog_place""#,
    insert: r#"INSERT INTO "weblog_place" ("name") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_place" ("id", "name") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_place" SET "name" = ? WHERE "id" = ?"#,
    load: Place
);

model!(Restaurant, RESTAURANT_META, pk = place_ptr_id: Option<i64>, fields { serves_pizza: bool });
pub static RESTAURANT_META: ModelMeta = meta!(
    "Restaurant", "weblog_restaurant",
    columns: [
        ColumnMeta { field: "place_ptr", column: "place_ptr_id", primary_key: true, auto: false, null: false, unique: true, copy: CopyPolicy::Keep },
        col("serves_pizza", "serves_pizza", false),
    ],
    relations: [RelationMeta {
        column: 0,
        target_table: "weblog_place",
        target_column: "id",
        on_delete: OnDelete::Cascade,
        default: None,
        one_to_one: true,
        parent_link: true, target: &PLACE_META,
    }],
    select: r#"SELECT "place_ptr_id", "serves_pizza" FROM "weblog_restaurant""#,
    insert: r#"INSERT INTO "weblog_restaurant" ("serves_pizza") VALUES (?) RETURNING "place_ptr_id""#,
    insert_pk: r#"INSERT INTO "weblog_restaurant" ("place_ptr_id", "serves_pizza") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_restaurant" SET "serves_pizza" = ? WHERE "place_ptr_id" = ?"#,
    load: Restaurant
);

model!(Review, REVIEW_META, pk = id: Option<i64>, fields { place_id: i64 });
pub static REVIEW_META: ModelMeta = meta!(
    "Review", "weblog_review",
    columns: [auto_pk("id"), col("place", "place_id", false)],
    relations: [fk(1, "weblog_place", &PLACE_META, OnDelete::Cascade)],
    select: r#"SELECT "id", "place_id" FROM "weblog_review""#,
    insert: r#"INSERT INTO "weblog_review" ("place_id") VALUES (?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_review" ("id", "place_id") VALUES (?, ?)"#,
    update: r#"UPDATE "weblog_review" SET "place_id" = ? WHERE "id" = ?"#,
    load: Review
);

// --- Solo: a model of just a pk ---------------------------------------------

model!(Solo, SOLO_META, pk = id: Option<i64>, fields {});
pub static SOLO_META: ModelMeta = meta!(
    "Solo", "weblog_solo",
    columns: [auto_pk("id")],
    relations: [],
    select: r#"SELECT "id" FROM "weblog_solo""#,
    insert: r#"INSERT INTO "weblog_solo" DEFAULT VALUES RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_solo" ("id") VALUES (?)"#,
    update: "",
    load: Solo
);

// --- Node: a nullable self-referencing CASCADE -------------------------------

model!(Node, NODE_META, pk = id: Option<i64>, fields { name: String, parent_id: Option<i64> });
impl Node {
    pub const NAME: Column<Node, String> = Column::new("name");
    pub const PARENT: Column<Node, Option<i64>> = Column::new("parent_id");
}
pub static NODE_META: ModelMeta = meta!(
    "Node", "weblog_node",
    columns: [auto_pk("id"), col("name", "name", false), col("parent", "parent_id", true)],
    relations: [fk(2, "weblog_node", &NODE_META, OnDelete::Cascade)],
    select: r#"SELECT "id", "name", "parent_id" FROM "weblog_node""#,
    insert: r#"INSERT INTO "weblog_node" ("name", "parent_id") VALUES (?, ?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "weblog_node" ("id", "name", "parent_id") VALUES (?, ?, ?)"#,
    update: r#"UPDATE "weblog_node" SET "name" = ?, "parent_id" = ? WHERE "id" = ?"#,
    load: Node
);

// --- shop: Product (relative updates) and Mention (a relation across apps) --

model!(Product, PRODUCT_META, pk = id: Option<i64>, fields { name: String, number_sold: i32, price: Decimal });
impl Product {
    pub const NAME: Column<Product, String> = Column::new("name");
    pub const NUMBER_SOLD: Column<Product, i32> = Column::new("number_sold");
    pub const PRICE: Column<Product, Decimal> = Column::new("price");
}
pub static PRODUCT_META: ModelMeta = meta!(
    "Product", "shop_product",
    columns: [auto_pk("id"), col("name", "name", false), col("number_sold", "number_sold", false),
              col("price", "price", false)],
    relations: [],
    select: r#"SELECT "id", "name", "number_sold", "price" FROM "shop_product""#,
    insert: r#"INSERT INTO "shop_product" ("name", "number_sold", "price") VALUES (?, ?, ?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "shop_product" ("id", "name", "number_sold", "price") VALUES (?, ?, ?, ?)"#,
    update: r#"UPDATE "shop_product" SET "name" = ?, "number_sold" = ?, "price" = ? WHERE "id" = ?"#,
    load: Product,
    app: "shop"
);

model!(Mention, MENTION_META, pk = id: Option<i64>, fields { entry_id: i64, product_id: Option<i64> });
pub static MENTION_META: ModelMeta = meta!(
    "Mention", "shop_mention",
    columns: [auto_pk("id"), col("entry", "entry_id", false), col("product", "product_id", true)],
    relations: [
        fk(1, "weblog_entry", &ENTRY_META, OnDelete::Cascade),
        fk(2, "shop_product", &PRODUCT_META, OnDelete::SetNull),
    ],
    select: r#"SELECT "id", "entry_id", "product_id" FROM "shop_mention""#,
    insert: r#"INSERT INTO "shop_mention" ("entry_id", "product_id") VALUES (?, ?) RETURNING "id""#,
    insert_pk: r#"INSERT INTO "shop_mention" ("id", "entry_id", "product_id") VALUES (?, ?, ?)"#,
    update: r#"UPDATE "shop_mention" SET "entry_id" = ?, "product_id" = ? WHERE "id" = ?"#,
    load: Mention,
    app: "shop"
);

/// Save with default options, panicking on error (tests only).
pub fn create<M: Model>(db: &Database, mut m: M) -> M {
    save(db, &mut m, SaveOptions::default()).expect("save");
    m
}

/// Link an entry to an author through the auto-created join table.
pub fn add_author(db: &Database, entry: &Entry, author: &Author) {
    db.connection()
        .execute(r#"INSERT INTO "weblog_entry_authors" ("entry_id", "author_id") VALUES (?, ?)"#, [entry.id, author.id])
        .expect("add author");
}
