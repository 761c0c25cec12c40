//! A short tour of the generated weblog models against an SQLite file
//! (`target/demo.sqlite3`, recreated on every run):
//!
//! ```sh
//! cargo run -p modelgen-cli -- generate && cargo run -p modelgen-examples --bin demo
//! ```

use std::path::PathBuf;

use modelgen_examples::people::Person;
use modelgen_examples::weblog::{self, Author, Blog, Entry, EntryStatus};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::NaiveDate;
use modelgen_runtime::{Database, Signal, Tracking};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let path = database_path()?;
    println!("Database: {}", path.display());
    let db = Database::open(&path)?;
    db.create_tables(&[&weblog::APP])?;

    // Signals: a receiver per model, connected to this handle.
    db.connect::<Entry>(Signal::PostSave, |event| {
        let verb = if event.created { "inserted" } else { "updated" };
        println!("  [post_save] entry #{} {verb}", event.instance.id.unwrap_or_default());
        Ok(())
    });

    step("save() with no primary key INSERTs and fills in the id");
    let mut blog = Blog::new();
    blog.name = "Cheddar Talk".into();
    blog.tagline = "All the latest cheese news.".into();
    blog.save(&db)?;
    println!("  blog \"{blog}\" has id {}", id(blog.id));

    // A relation is given as its target's typed key: a saved blog's key is
    // a `Key<Blog>`, which an `Author` key could not stand in for.
    let blog_key = blog.key()?;
    let mut entries = Vec::new();
    for (headline, day) in [("Aged to perfection", 3), ("A brie encounter", 1), ("Gouda news", 2)] {
        // Required fields (no default, no empty value) are the arguments.
        let mut entry = Entry::new(blog_key, date(2024, 5, day)?);
        entry.headline = headline.into();
        entry.body_text = format!("{headline}: the full story.");
        entry.save(&db)?;
        entries.push(entry);
    }

    step("save() of a saved object UPDATEs its row");
    let first = &mut entries[0];
    first.headline = "Aged to perfection (updated)".into();
    first.save(&db)?;

    step("a relative update (Django's F expression) is computed by the database");
    first.update_relative(&db, &[Entry::N_COMMENTS.f_add(1), Entry::RATING.f_add(2)])?;
    println!("  in memory, before refresh_from_db: n_comments = {}, rating = {}", first.n_comments, first.rating);
    first.refresh_from_db(&db)?;
    println!("  after refresh_from_db:             n_comments = {}, rating = {}", first.n_comments, first.rating);

    step("an update of a filtered set runs one UPDATE (no signals, as in Django)");
    let early_drafts =
        Entry::objects().filter(Entry::STATUS.eq(EntryStatus::Draft) & Entry::PUB_DATE.lt(date(2024, 5, 3)?));
    let published = early_drafts.update(&db, &[Entry::STATUS.set(EntryStatus::Published)])?;
    println!("  published the {published} drafts dated before 2024-05-03");

    step("Display comes from `str`, labels from the choices");
    for entry in Entry::objects().all(&db)? {
        println!("  {entry}  ({}, {}, rating {})", entry.get_status_display(), entry.pub_date, entry.rating);
    }

    step("get_absolute_url() percent-encodes non-ASCII, as Django's iri_to_uri");
    println!("  {}  ->  {}", entries[1], entries[1].get_absolute_url());
    // Entry URLs hold only the id; people.Person's is built from names.
    let mut person = Person::new();
    person.first_name = "José".into();
    person.last_name = "Müller".into();
    println!("  {person}  ->  {}", person.get_absolute_url());

    step("get_next_by_pub_date() walks the entries by date, then ends");
    let mut current = Entry::objects().earliest(&db)?;
    print!("  {current}");
    loop {
        match current.get_next_by_pub_date(&db, None) {
            Ok(next) => {
                print!("  ->  {next}");
                current = next;
            }
            Err(err) if err.is_does_not_exist() => {
                println!("  ->  ({err})");
                break;
            }
            Err(err) => return Err(err.into()),
        }
    }

    step("dirty tracking (turned on per handle): what changed since the load, and a save of only that");
    db.set_track_changes(true);
    let mut edited = Entry::get(&db, id(entries[2].id))?;
    edited.rating = 4;
    println!("  dirty fields: {:?}", edited.dirty_fields());
    edited.save_dirty(&db)?;
    println!("  after save_dirty: dirty = {}", edited.is_dirty());

    step("duplicate() saves a copy with a new id (Clone::clone stays a memory copy)");
    let copy = entries[2].duplicate(&db, |e| e.headline = "Gouda news, again".into())?;
    println!("  \"{}\" #{} copied to \"{copy}\" #{}", entries[2], id(entries[2].id), id(copy.id));

    step("fork() deep-copies the blog with its entries in one transaction (blog: `entries: copy`)");
    let fork = blog.fork(&db)?;
    println!("  new blog #{} with {} entries", id(fork.root.id), fork.root.entries().count(&db)?);
    for (model, pairs) in fork.map.models() {
        let pairs: Vec<String> = pairs.iter().map(|(old, new)| format!("{} -> {}", key(old), key(new))).collect();
        println!("    {model}: {}", pairs.join(", "));
    }
    let mut fork_root = fork.root;
    fork_root.delete(&db)?;

    step("delete() applies on_delete: CASCADE removes the blog's entries and their author links");
    let mut author = Author::new();
    author.name = "Ann".into();
    author.email = "ann@example.com".into();
    author.save(&db)?;
    for entry in &entries[..2] {
        entry.authors().add(&db, &[&author])?;
    }
    let (total, per_model) = blog.delete(&db)?;
    println!("  deleted {total} rows:");
    for (model, count) in &per_model {
        println!("    {model}: {count}");
    }
    println!("  the blog keeps its values, its id is cleared: name = {:?}, id = {:?}", blog.name, blog.id);
    println!(
        "  left: {} blogs, {} entries, {} author",
        Blog::objects().count(&db)?,
        Entry::objects().count(&db)?,
        Author::objects().count(&db)?
    );

    println!("\nDone.");
    Ok(())
}

/// `target/demo.sqlite3` (under `CARGO_TARGET_DIR` when set), removed first
/// so that every run starts from an empty database.
fn database_path() -> Result<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"));
    std::fs::create_dir_all(&target)?;
    let path = target.join("demo.sqlite3");
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(path)
}

/// A stored primary key as Django prints one.
fn key(value: &modelgen_runtime::rusqlite::types::Value) -> String {
    use modelgen_runtime::rusqlite::types::Value;
    match value {
        Value::Integer(i) => i.to_string(),
        Value::Text(t) => format!("{t:?}"),
        other => format!("{other:?}"),
    }
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn id(pk: Option<i64>) -> i64 {
    pk.unwrap_or_default()
}

fn date(year: i32, month: u32, day: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| format!("invalid date {year}-{month}-{day}").into())
}
