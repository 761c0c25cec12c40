//! The schema features of `schemas/publishing.yaml`, against SQLite: file
//! fields as stored paths, `meta.constraints`, `db_default`, `to_field`
//! and a one-to-one primary key. Values are what Django 5.2 gave for the
//! same models (run through the django-oracle).

mod common;

use modelgen_examples::publishing::{
    self, Author, Book, Edition, EditionStatus, Note, PenName, Profile, Review, Royalty, Stamp,
};
use modelgen_runtime::chrono::{NaiveDate, TimeDelta, Utc};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::{Database, Error};

fn setup() -> Database {
    let db = common::empty_database();
    db.create_tables(&[&publishing::APP]).expect("create the tables");
    db
}

fn book(title: &str) -> Book {
    let mut book = Book::new();
    book.title = title.into();
    book.manuscript = "manuscripts/2024/a.pdf".into();
    book
}

/// Django: a FileField's value is the stored name (`FieldFile.name`), a
/// varchar(100) column; filtering works on the path
/// (`Book.objects.filter(manuscript__endswith=".pdf").count()` gave 1).
#[test]
fn file_field_stores_the_file_name_as_text() {
    let db = setup();
    let mut saved = book("Dune");
    saved.save(&db).unwrap();
    let loaded = Book::get(&db, saved.id.unwrap()).unwrap();
    assert_eq!(loaded.manuscript, "manuscripts/2024/a.pdf");
    // Django: an unset FileField is '' (`b.scan.name` gave ''), an unset nullable one NULL.
    assert_eq!(loaded.scan, "");
    assert_eq!(loaded.cover, None);
    assert_eq!(Book::objects().filter(Book::MANUSCRIPT.endswith(".pdf")).count(&db).unwrap(), 1);
}

/// Django's `full_clean` checks a FileField for blank (`{'manuscript':
/// ['This field cannot be blank.']}`) but not its length: a 150-character
/// name in a max_length 100 field passed (only the form field checks it).
#[test]
fn file_field_full_clean_checks_blank_not_max_length() {
    let mut long = book("Dune");
    long.manuscript = "a".repeat(150);
    assert_eq!(long.full_clean(), Ok(()));
    let mut empty = book("Dune");
    empty.manuscript = String::new();
    let errors: Vec<(String, Vec<String>)> = empty.full_clean().unwrap_err().0.into_iter().collect();
    assert_eq!(errors, vec![("manuscript".to_string(), vec!["This field cannot be blank.".to_string()])]);
}

fn saved_book(db: &Database) -> Book {
    let mut saved = book("Dune");
    saved.save(db).unwrap();
    saved
}

/// Tries to save an edition; SQLite's message of the integrity error, or "saved".
fn attempt(db: &Database, edit: impl FnOnce(&mut Edition)) -> String {
    let mut edition = Edition::new(Key::new(0), 0, Decimal::from(5));
    edition.printed = Some(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap());
    edit(&mut edition);
    match edition.save(db) {
        Ok(()) => "saved".into(),
        Err(Error::Integrity(message)) => message,
        Err(other) => panic!("expected an integrity error, got {other:?}"),
    }
}

/// Django's `UniqueConstraint` and `CheckConstraint`: every violation is an
/// `IntegrityError` whose message is SQLite's. Django 5.2 gave, for the same
/// models and the same saves in this order:
/// `UNIQUE constraint failed: publishing_edition.book_id, publishing_edition.number`,
/// `CHECK constraint failed: edition_price_positive`,
/// `CHECK constraint failed: edition_pages_range`,
/// `CHECK constraint failed: edition_status_valid`,
/// `UNIQUE constraint failed: publishing_edition.isbn`, saved, saved,
/// `UNIQUE constraint failed: publishing_edition.book_id` (twice).
#[test]
fn unique_and_check_constraint_violations_are_integrity_errors() {
    let db = setup();
    let book_id = saved_book(&db).id.unwrap();
    let with = |number: i64| {
        move |e: &mut Edition| {
            e.book_id = book_id;
            e.number = number;
        }
    };
    let first = attempt(&db, |e| {
        with(1)(e);
        e.status = EditionStatus::Published;
        e.isbn = "1".into();
    });
    assert_eq!(first, "saved");
    let results = [
        attempt(&db, with(1)),
        attempt(&db, |e| {
            with(2)(e);
            e.price = Decimal::ZERO;
        }),
        attempt(&db, |e| {
            with(3)(e);
            e.pages = 0;
        }),
        attempt(&db, |e| {
            with(4)(e);
            e.status = EditionStatus::Other("gone".into());
        }),
        // A conditional UniqueConstraint: one published edition per ISBN ...
        attempt(&db, |e| {
            with(5)(e);
            e.status = EditionStatus::Published;
            e.isbn = "1".into();
            e.printed = None;
        }),
        attempt(&db, |e| {
            with(6)(e);
            e.status = EditionStatus::Published;
            e.isbn = "2".into();
            e.printed = None;
        }),
        // ... which a draft does not count against.
        attempt(&db, |e| {
            with(7)(e);
            e.isbn = "1".into();
            e.printed = None;
        }),
        // One unprinted draft per book (`%(app_label)s_%(class)s_one_draft`).
        attempt(&db, |e| {
            with(8)(e);
            e.printed = None;
        }),
        attempt(&db, |e| {
            with(9)(e);
            e.printed = None;
        }),
    ];
    if common::on_postgresql() {
        // psycopg's texts (their first lines; a DETAIL line names the row).
        let first_lines: Vec<&str> = results.iter().map(|r| r.lines().next().unwrap_or_default()).collect();
        assert_eq!(
            first_lines,
            [
                r#"duplicate key value violates unique constraint "edition_book_number_uniq""#,
                r#"new row for relation "publishing_edition" violates check constraint "edition_price_positive""#,
                r#"new row for relation "publishing_edition" violates check constraint "edition_pages_range""#,
                r#"new row for relation "publishing_edition" violates check constraint "edition_status_valid""#,
                r#"duplicate key value violates unique constraint "edition_published_isbn_uniq""#,
                "saved",
                "saved",
                r#"duplicate key value violates unique constraint "publishing_edition_one_draft""#,
                r#"duplicate key value violates unique constraint "publishing_edition_one_draft""#,
            ]
        );
        return;
    }
    assert_eq!(
        results,
        [
            "UNIQUE constraint failed: publishing_edition.book_id, publishing_edition.number",
            "CHECK constraint failed: edition_price_positive",
            "CHECK constraint failed: edition_pages_range",
            "CHECK constraint failed: edition_status_valid",
            "UNIQUE constraint failed: publishing_edition.isbn",
            "saved",
            "saved",
            "UNIQUE constraint failed: publishing_edition.book_id",
            "UNIQUE constraint failed: publishing_edition.book_id",
        ]
    );
}

/// Django 5's `db_default`: an unset field is `DatabaseDefault` before the
/// save, the INSERT leaves the value to the database, and the stored value
/// is read back (`RETURNING` on SQLite). Django 5.2 gave, for
/// `Item(name="a")` with `pages = IntegerField(db_default=100)`, `label =
/// CharField(db_default="x")`, `both = IntegerField(default=5,
/// db_default=7)` and `created = DateTimeField(db_default=Now())`: after
/// save `pages` 100, `label` 'x', `both` 5 (the Python default wins), and
/// `created` the database's current time with milliseconds.
#[test]
fn db_default_is_filled_by_the_database_and_read_back_on_save() {
    let db = setup();
    let book_id = saved_book(&db).id.unwrap();
    let mut review = Review::new(Key::new(book_id));
    assert_eq!((review.stars, review.created, review.featured), (None, None, None), "unset until saved");
    assert_eq!(review.votes, 5, "a `default` gives the value at once");
    assert_eq!(review.full_clean(), Ok(()), "Django's full_clean skips DatabaseDefault values");
    let before = Utc::now() - TimeDelta::seconds(1);
    review.save(&db).unwrap();
    assert_eq!(review.stars, Some(3));
    assert_eq!(review.state.as_deref(), Some("it's new"));
    assert_eq!(review.featured, Some(false));
    assert_eq!(review.weight, Some(1.0));
    assert_eq!(review.fee, Some(Decimal::new(50, 2)));
    assert_eq!(review.votes, 5);
    let created = review.created.expect("the database's time, read back");
    assert!(created >= before && created <= Utc::now() + TimeDelta::seconds(1), "{created}");
    // STRFTIME('%f') keeps milliseconds, as Django's Now() does on SQLite;
    // on PostgreSQL Django's Now() is STATEMENT_TIMESTAMP(), to the
    // microsecond.
    if !common::on_postgresql() {
        assert_eq!(created.timestamp_subsec_micros() % 1000, 0);
    }
    let loaded = Review::get(&db, review.id.unwrap()).unwrap();
    assert_eq!((loaded.stars, loaded.created), (Some(3), Some(created)));

    // A value that is set is written as it is (Django's INSERT sent pages=5).
    let mut explicit = Review::new(Key::new(book_id));
    explicit.stars = Some(5);
    explicit.save(&db).unwrap();
    assert_eq!(Review::get(&db, explicit.id.unwrap()).unwrap().stars, Some(5));
}

fn author(db: &Database, code: &str, name: &str) -> Author {
    let mut author = Author::new();
    author.code = code.into();
    author.name = name.into();
    author.save(db).unwrap();
    author
}

/// Django's `ForeignKey(to_field="code")`: the column holds the target's
/// `code` (Django inserted `"author_id" = 'ursula'`), the accessor loads the
/// target by it, the reverse accessor finds the rows by the source's
/// `code`, and deleting the target collects by `code`: Django ran
/// `DELETE FROM royalty WHERE author_id IN ('ursula')` and `UPDATE book SET
/// editor_id = NULL WHERE editor_id IN ('ursula')` and returned
/// `(2, {'Royalty': 1, 'Author': 1})`.
#[test]
fn foreign_key_to_field_stores_and_follows_the_target_field() {
    let db = setup();
    let ursula = author(&db, "ursula", "Ursula");
    let frank = author(&db, "frank", "Frank");
    let mut royalty = Royalty::new(String::new(), Decimal::from(5));
    royalty.set_author(&ursula).unwrap();
    assert_eq!(royalty.author_id, "ursula");
    royalty.save(&db).unwrap();
    let stored = common::scalar_text(&db, "SELECT author_id FROM publishing_royalty WHERE id = ?1", &[royalty.id.unwrap().into()]);
    assert_eq!(stored, "ursula");
    assert_eq!(Royalty::get(&db, royalty.id.unwrap()).unwrap().author(&db).unwrap().name, "Ursula");
    let ids = |a: &Author| -> Vec<Option<i64>> {
        a.royalties().query().unwrap().all(&db).unwrap().iter().map(|r| r.id).collect()
    };
    assert_eq!((ids(&ursula), ids(&frank)), (vec![royalty.id], vec![]));

    let mut dune = book("Dune");
    dune.set_editor(Some(&ursula)).unwrap();
    dune.save(&db).unwrap();
    assert_eq!(dune.editor_id.as_deref(), Some("ursula"));
    assert_eq!(ursula.edited_book(&db).unwrap().map(|b| b.title), Some("Dune".to_string()));

    let mut ursula = ursula;
    let (total, per_model) = ursula.delete(&db).unwrap();
    assert_eq!(total, 2);
    assert_eq!(
        per_model.into_iter().collect::<Vec<_>>(),
        [("publishing.Author".to_string(), 1), ("publishing.Royalty".to_string(), 1)]
    );
    assert_eq!(Book::get(&db, dune.id.unwrap()).unwrap().editor_id, None, "SET_NULL by code");
    assert_eq!(Royalty::objects().count(&db).unwrap(), 0);
}

/// Django's profile pattern, `OneToOneField(Author, primary_key=True)`: the
/// key is `author_id`, a save with the key set runs UPDATE and then INSERT
/// (Django: `UPDATE profile SET bio = 'hi' WHERE author_id = 1` then
/// `INSERT INTO profile (author_id, bio) VALUES (1, 'hi')`), `get` takes the
/// author's id, `author.profile` is the reverse side, and deleting the
/// author cascades through the profile to its notes: Django returned
/// `(4, {'Note': 1, 'Stamp': 1, 'Profile': 1, 'Author': 1})`.
#[test]
fn one_to_one_primary_key_saves_gets_and_cascades_like_django() {
    let db = setup();
    let mut ursula = author(&db, "u", "Ursula");
    let ursula_id = ursula.id.unwrap();
    let mut profile = Profile::new(Key::new(ursula_id));
    profile.bio = "hi".into();
    profile.save(&db).unwrap();
    assert_eq!(profile.pk(), ursula_id);
    profile.bio = "changed".into();
    profile.save(&db).unwrap();
    assert_eq!(Profile::objects().count(&db).unwrap(), 1, "the second save updated the row");
    assert_eq!(Profile::get(&db, ursula_id).unwrap().bio, "changed");
    assert_eq!(ursula.profile(&db).unwrap().map(|p| p.bio), Some("changed".to_string()));
    assert_eq!(profile.author(&db).unwrap().name, "Ursula");

    let mut note = Note::new(Key::new(0));
    note.set_profile(&profile).unwrap();
    assert_eq!(note.profile_id, ursula_id, "a ForeignKey to the profile holds the author's id");
    note.text = "n".into();
    note.save(&db).unwrap();
    assert_eq!(profile.notes().query().unwrap().count(&db).unwrap(), 1);

    // A ForeignKey as the key: many per target in Django's API, one row per key.
    let mut stamp = Stamp::new(Key::new(ursula_id));
    stamp.mark = "m".into();
    stamp.save(&db).unwrap();
    assert_eq!(
        ursula.stamps().query().unwrap().all(&db).unwrap().iter().map(|s| s.pk()).collect::<Vec<_>>(),
        [ursula_id]
    );

    let (total, per_model) = ursula.delete(&db).unwrap();
    assert_eq!(total, 4);
    assert_eq!(
        per_model.into_iter().collect::<Vec<_>>(),
        [
            ("publishing.Author".to_string(), 1),
            ("publishing.Note".to_string(), 1),
            ("publishing.Profile".to_string(), 1),
            ("publishing.Stamp".to_string(), 1),
        ]
    );
}

/// Multi-table inheritance from a model keyed by a one-to-one: Django
/// saved `PenName(author=b, bio="pb", alias="Tip")` as `UPDATE profile ...
/// WHERE author_id = 2`, `INSERT INTO profile (author_id, bio)`, `INSERT
/// INTO penname (profile_ptr_id, alias) VALUES (2, 'Tip')`; `pn.pk` was 2;
/// deleting the author returned `(3, {'PenName': 1, 'Profile': 1, 'Author': 1})`.
#[test]
fn multi_table_child_of_a_one_to_one_keyed_model() {
    let db = setup();
    let mut frank = author(&db, "f", "Frank");
    let frank_id = frank.id.unwrap();
    let mut pen_name = PenName::new(Key::new(frank_id));
    pen_name.bio = "pb".into();
    pen_name.alias = "Tip".into();
    pen_name.save(&db).unwrap();
    assert_eq!((pen_name.pk(), pen_name.profile_ptr_id), (Some(frank_id), Some(frank_id)));
    let profile = Profile::get(&db, frank_id).unwrap();
    assert_eq!(profile.penname(&db).unwrap().map(|p| p.alias), Some("Tip".to_string()));
    let (total, per_model) = frank.delete(&db).unwrap();
    assert_eq!(total, 3);
    assert_eq!(
        per_model.into_iter().collect::<Vec<_>>(),
        [
            ("publishing.Author".to_string(), 1),
            ("publishing.PenName".to_string(), 1),
            ("publishing.Profile".to_string(), 1),
        ]
    );
}

/// A copy of a model keyed by a one-to-one cannot take a fresh key: the
/// caller supplies the new target's key, as for any key that is neither
/// automatic nor generated.
#[test]
fn copy_of_a_one_to_one_keyed_model_takes_the_new_target() {
    let db = setup();
    let ursula = author(&db, "u", "Ursula");
    let frank = author(&db, "f", "Frank");
    let mut profile = Profile::new(Key::new(ursula.id.unwrap()));
    profile.bio = "shared bio".into();
    profile.save(&db).unwrap();
    let copy = profile.duplicate(&db, Key::new(frank.id.unwrap()), |_| {}).unwrap();
    assert_eq!((copy.author_id, copy.bio.as_str()), (frank.id.unwrap(), "shared bio"));
    assert_eq!(frank.profile(&db).unwrap().map(|p| p.bio), Some("shared bio".to_string()));
    assert_eq!(Profile::objects().count(&db).unwrap(), 2);

    // A fork takes the new target too; the profile's notes are linked rows
    // of the source (no `clone: copy`), so they stay with it.
    let ann = author(&db, "a", "Ann");
    let mut note = Note::new(Key::new(ursula.id.unwrap()));
    note.text = "n".into();
    note.save(&db).unwrap();
    let fork = profile.fork(&db, Key::new(ann.id.unwrap())).unwrap();
    assert_eq!((fork.root.author_id, fork.root.bio.as_str()), (ann.id.unwrap(), "shared bio"));
    assert_eq!(Profile::get(&db, ann.id.unwrap()).unwrap().bio, "shared bio");
    assert_eq!(profile.notes().query().unwrap().count(&db).unwrap(), 1);
    // The key is the target: a copy onto a target that has a profile already fails.
    assert!(matches!(profile.duplicate(&db, Key::new(frank.id.unwrap()), |_| {}), Err(Error::Integrity(_))));
}

/// Django's UPDATE of an unset `db_default` field writes the default
/// (`UPDATE item SET pages = 100 WHERE code = 1` for `Item(code=1).save()`
/// over a row holding 5) and leaves the instance's value unset
/// (`DatabaseDefault`); `refresh_from_db` then gave 100.
#[test]
fn db_default_on_update_writes_the_default_and_leaves_the_value_unset() {
    let db = setup();
    let book_id = saved_book(&db).id.unwrap();
    let mut stored = Review::new(Key::new(book_id));
    stored.stars = Some(5);
    stored.save(&db).unwrap();
    let mut again = Review::new(Key::new(book_id));
    again.id = stored.id;
    again.save(&db).unwrap();
    assert_eq!(again.stars, None);
    again.refresh_from_db(&db).unwrap();
    assert_eq!(again.stars, Some(3));
    assert_eq!(Review::objects().count(&db).unwrap(), 1);
}

/// Lookups across a `to_field` relation and a one-to-one primary key join
/// on the referenced column, as Django's. Django 5.2 (oracle, same models
/// and data: Ann and Bob, royalties 10.00 to Ann and 2.00 to Bob, Ann's
/// Profile "writes", Bob's PenName "hides", a note on each) gave:
/// `Royalty.objects.filter(author__name="Ann")` [1] with `INNER JOIN
/// "publishing_author" ON ("publishing_royalty"."author_id" =
/// "publishing_author"."code")`; `Author.objects.filter(royalties__amount__gt=5)`
/// [1] joining `("publishing_author"."code" = "publishing_royalty"."author_id")`;
/// `Author.objects.exclude(royalties__amount__gt=5)` [2] correlating
/// `U1."author_id" = ("publishing_author"."code")`;
/// `Profile.objects.filter(author__name="Bob")` [2] joining
/// `("publishing_profile"."author_id" = "publishing_author"."id")`;
/// `Author.objects.filter(profile__bio="writes")` [1];
/// `Note.objects.filter(profile__author__name="Bob")` [2] joining
/// `("publishing_note"."profile_id" = "publishing_profile"."author_id")` then
/// `("publishing_profile"."author_id" = "publishing_author"."id")`;
/// `Note.objects.filter(profile__bio="hides")` [2].
#[test]
fn lookups_across_to_field_and_one_to_one_primary_key_join_on_the_referenced_column() {
    let db = setup();
    let ann = author(&db, "ann", "Ann");
    let bob = author(&db, "bob", "Bob");
    for (who, amount) in [(&ann, 10), (&bob, 2)] {
        let mut royalty = Royalty::new(String::new(), Decimal::from(amount));
        royalty.set_author(who).unwrap();
        royalty.save(&db).unwrap();
    }
    let mut profile = Profile::new(ann.key().unwrap());
    profile.bio = "writes".into();
    profile.save(&db).unwrap();
    let mut pen_name = PenName::new(bob.key().unwrap());
    pen_name.bio = "hides".into();
    pen_name.alias = "B.".into();
    pen_name.save(&db).unwrap();
    for (on, text) in [(profile.author_id, "n1"), (pen_name.author_id, "n2")] {
        let mut note = Note::new(Key::new(on));
        note.text = text.into();
        note.save(&db).unwrap();
    }
    let (ann_id, bob_id) = (ann.id.unwrap(), bob.id.unwrap());

    let royalties = Royalty::objects().filter(Royalty::AUTHOR_REL.then(Author::NAME).eq("Ann"));
    let sql = royalties.sql_with_params().unwrap().0;
    assert!(
        sql.contains(
            r#"INNER JOIN "publishing_author" ON ("publishing_royalty"."author_id" = "publishing_author"."code")"#
        ),
        "{sql}"
    );
    assert_eq!(royalties.all(&db).unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), [Some(1)]);

    let author_ids =
        |qs: QuerySet<Author>| -> Vec<i64> { qs.all(&db).unwrap().into_iter().filter_map(|a| a.id).collect() };
    let paid = Author::objects().filter(Author::ROYALTIES_REL.then(Royalty::AMOUNT).gt(Decimal::from(5)));
    let sql = paid.sql_with_params().unwrap().0;
    assert!(sql.contains(r#"ON ("publishing_author"."code" = "publishing_royalty"."author_id")"#), "{sql}");
    assert_eq!(author_ids(paid), [ann_id]);
    let unpaid = Author::objects().exclude(Author::ROYALTIES_REL.then(Royalty::AMOUNT).gt(Decimal::from(5)));
    let sql = unpaid.sql_with_params().unwrap().0;
    // (Django's subquery alias is U1, the runtime's U0: the correlation is the point here.)
    assert!(sql.contains(r#"."author_id" = ("publishing_author"."code")) LIMIT 1)"#), "{sql}");
    assert_eq!(author_ids(unpaid), [bob_id]);

    let profiles = Profile::objects().filter(Profile::AUTHOR_REL.then(Author::NAME).eq("Bob"));
    let sql = profiles.sql_with_params().unwrap().0;
    assert!(sql.contains(r#"ON ("publishing_profile"."author_id" = "publishing_author"."id")"#), "{sql}");
    assert_eq!(profiles.all(&db).unwrap().iter().map(|p| p.author_id).collect::<Vec<_>>(), [bob_id]);
    assert_eq!(author_ids(Author::objects().filter(Author::PROFILE_REL.then(Profile::BIO).eq("writes"))), [ann_id]);

    let note_texts = |qs: QuerySet<Note>| -> Vec<String> { qs.all(&db).unwrap().into_iter().map(|n| n.text).collect() };
    let bobs = Note::objects().filter(Note::PROFILE_REL.join(Profile::AUTHOR_REL).then(Author::NAME).eq("Bob"));
    let sql = bobs.sql_with_params().unwrap().0;
    assert!(
        sql.contains(
            r#"INNER JOIN "publishing_profile" ON ("publishing_note"."profile_id" = "publishing_profile"."author_id") INNER JOIN "publishing_author" ON ("publishing_profile"."author_id" = "publishing_author"."id")"#
        ),
        "{sql}"
    );
    assert_eq!(note_texts(bobs), ["n2"]);
    assert_eq!(note_texts(Note::objects().filter(Note::PROFILE_REL.then(Profile::BIO).eq("hides"))), ["n2"]);
}
