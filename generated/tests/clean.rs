//! `full_clean()` of the generated models: Django's field checks
//! (max_length, choices, blank, null) with Django's messages, every
//! field's errors at once, keyed by field name as `message_dict` is.

mod common;

use modelgen_examples::library;
use modelgen_examples::notifications::{Notification, NotificationNotificationType};
use modelgen_examples::people::{Person, PersonGender, PersonShirtSize};
use modelgen_examples::shop::{Category, Product};
use modelgen_examples::weblog::{Blog, Entry, EntryStatus};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Error, ValidationErrors};

fn errors(result: Result<(), ValidationErrors>) -> Vec<(String, Vec<String>)> {
    result.expect_err("full_clean should fail").0.into_iter().collect()
}

fn valid_entry() -> Entry {
    let mut e = Entry::new(Key::new(1), common::date(2024, 1, 1));
    e.headline = "Headline".into();
    e.body_text = "Body".into();
    e
}

fn valid_person() -> Person {
    let mut p = Person::new();
    p.first_name = "Ann".into();
    p.last_name = "Doe".into();
    p.email = "ann@example.com".into();
    p
}

#[test]
fn a_valid_instance_passes_full_clean() {
    assert_eq!(valid_entry().full_clean(), Ok(()));
    assert_eq!(valid_person().full_clean(), Ok(()));
}

#[test]
fn full_clean_reports_every_fields_errors_at_once() {
    let mut e = Entry::new(Key::new(1), common::date(2024, 1, 1));
    e.headline = String::new();
    e.status = EntryStatus::Other("x".into());
    let result = e.full_clean();
    // As Python prints Django's ValidationError(dict): repr() of the dict.
    assert_eq!(
        result.clone().unwrap_err().to_string(),
        "{'body_text': ['This field cannot be blank.'], 'headline': ['This field cannot be blank.'], \
         'status': [\"Value 'x' is not a valid choice.\"]}"
    );
    assert_eq!(
        errors(result),
        vec![
            ("body_text".into(), vec!["This field cannot be blank.".into()]),
            ("headline".into(), vec!["This field cannot be blank.".into()]),
            ("status".into(), vec!["Value 'x' is not a valid choice.".into()]),
        ]
    );
}

#[test]
fn max_length_counts_characters_not_bytes() {
    let mut e = valid_entry();
    e.headline = "é".repeat(255);
    assert_eq!(e.full_clean(), Ok(()), "255 characters (510 bytes) fit max_length 255");
    e.headline.push('é');
    assert_eq!(
        errors(e.full_clean()),
        vec![("headline".into(), vec!["Ensure this value has at most 255 characters (it has 256).".into()])]
    );
}

#[test]
fn max_length_and_blank_errors_of_several_fields_are_collected() {
    let mut p = valid_person();
    p.first_name = "x".repeat(51);
    p.last_name = String::new();
    p.email = format!("{}@example.com", "a".repeat(250));
    assert_eq!(
        errors(p.full_clean()),
        vec![
            ("email".into(), vec!["Ensure this value has at most 254 characters (it has 262).".into()]),
            ("first_name".into(), vec!["Ensure this value has at most 50 characters (it has 51).".into()]),
            ("last_name".into(), vec!["This field cannot be blank.".into()]),
        ]
    );
}

#[test]
fn a_value_outside_the_choices_is_invalid() {
    let mut p = valid_person();
    p.gender = PersonGender::from_value("Q".into());
    p.shirt_size = PersonShirtSize::Other(7);
    assert_eq!(
        errors(p.full_clean()),
        vec![
            ("gender".into(), vec!["Value 'Q' is not a valid choice.".into()]),
            ("shirt_size".into(), vec!["Value 7 is not a valid choice.".into()]),
        ]
    );
    let mut n = Notification::new();
    n.title = "t".into();
    // receiver is null: true but not blank: true, so Django requires it too.
    n.receiver_id = Some(1);
    n.notification_type = NotificationNotificationType::Other(0);
    assert_eq!(
        errors(n.full_clean()),
        vec![("notification_type".into(), vec!["Value 0 is not a valid choice.".into()])]
    );
}

#[test]
fn an_empty_choice_is_a_blank_error_unless_the_field_is_blank() {
    let mut e = valid_entry();
    e.status = EntryStatus::from_value(String::new());
    assert_eq!(errors(e.full_clean()), vec![("status".into(), vec!["This field cannot be blank.".into()])]);
    // people.Person.gender is blank: true, so '' is accepted.
    let p = valid_person();
    assert_eq!(p.gender.value(), "");
    assert_eq!(p.full_clean(), Ok(()));
}

#[test]
fn blank_fields_accept_empty_values() {
    let mut n = Notification::new();
    n.title = "title".into();
    n.receiver_id = Some(1);
    assert_eq!(n.body, "", "body is blank: true");
    assert_eq!(n.full_clean(), Ok(()), "body '' and sent_at None (null and blank) are fine");
    let p = valid_person();
    assert_eq!(p.birth_date, None, "birth_date is null: true, blank: true");
    assert_eq!(p.full_clean(), Ok(()));
}

#[test]
fn null_is_enforced_by_the_field_types() {
    // A field that is not null has a non-Option type: None does not compile
    // (see generated/lib.rs), so no runtime "cannot be null" error exists.
    let e = valid_entry();
    let _: i64 = e.blog_id;
    let _: Option<i64> = library::Book::new(common::date(2024, 1, 1)).publisher_id;
}

#[test]
fn none_in_a_null_field_that_is_not_blank_is_a_blank_error() {
    let mut author = library::Author::new();
    author.name = "ann".into();
    assert_eq!(errors(author.full_clean()), vec![("born".into(), vec!["This field cannot be blank.".into()])]);
    let mut book = library::Book::new(common::date(2024, 1, 1));
    book.title = "t".into();
    book.isbn = "1".into();
    assert_eq!(errors(book.full_clean()), vec![("publisher".into(), vec!["This field cannot be blank.".into()])]);
    let mut n = Notification::new();
    n.title = "t".into();
    assert_eq!(errors(n.full_clean()), vec![("receiver".into(), vec!["This field cannot be blank.".into()])]);
}

#[test]
fn an_empty_json_object_in_a_field_that_is_not_blank_is_a_blank_error() {
    let mut p = Product::new();
    p.name = "Mug".into();
    p.slug = "mug".into();
    assert_eq!(errors(p.full_clean()), vec![("attributes".into(), vec!["This field cannot be blank.".into()])]);
}

#[test]
fn a_json_null_in_a_field_that_is_not_null_cannot_be_null_as_django() {
    // Django 5.2: JSONField() holding None fails full_clean with
    // {'jn': ['This field cannot be null.']} (Field.validate), not the
    // blank error an empty object gets; a valid JSON number passes.
    let mut p = Product::new();
    p.name = "Mug".into();
    p.slug = "mug".into();
    p.attributes = modelgen_runtime::serde_json::Value::Null;
    assert_eq!(errors(p.full_clean()), vec![("attributes".into(), vec!["This field cannot be null.".into()])]);
    p.attributes = modelgen_runtime::serde_json::json!(1);
    assert_eq!(p.full_clean(), Ok(()));
}

#[test]
fn a_json_null_in_a_blank_json_field_passes_full_clean_as_django() {
    // Django 5.2: JSONField(blank=True, default=dict) holding None passes
    // full_clean (clean_fields skips an empty value of a blank field, and
    // None is one); saving it then fails NOT NULL in Django, which writes
    // SQL NULL for None.
    let mut c = Category::new();
    c.name = "Tools".into();
    c.extra = modelgen_runtime::serde_json::Value::Null;
    assert_eq!(c.full_clean(), Ok(()));
    c.extra = modelgen_runtime::serde_json::json!({});
    assert_eq!(c.full_clean(), Ok(()), "an empty object is blank too, and allowed");
}

#[test]
fn a_positive_field_with_choices_still_gets_djangos_min_value_validator() {
    // Django 5.2: PositiveSmallIntegerField(choices=[(1, ..), (2, ..), (-1, ..)])
    // holding -1 fails full_clean with {'rating': ['Ensure this value is
    // greater than or equal to 0.']}: MinValueValidator(0) runs whatever
    // the choices. modelgen refuses a negative choice on a Positive* field
    // in the schema, so the validator is there (the column's rule, fed the
    // choice's stored integer) and a -1 that is not a choice gets only
    // 'Value -1 is not a valid choice.', as Django's Field.clean stops at
    // validate().
    let column = &Notification::meta().fields()[2];
    assert_eq!((column.field, column.clean.choices, column.clean.min_value), ("notification_type", true, Some(0)));
    assert_eq!(modelgen_runtime::DbValue::as_integer(&NotificationNotificationType::Other(-1)), Some(-1));
    let mut n = Notification::new();
    n.title = "t".into();
    n.receiver_id = Some(1);
    n.notification_type = NotificationNotificationType::Other(-1);
    assert_eq!(
        errors(n.full_clean()),
        vec![("notification_type".into(), vec!["Value -1 is not a valid choice.".into()])]
    );
}

#[test]
fn a_value_that_is_not_a_choice_gets_the_choice_error_alone_as_django() {
    // Django 5.2: CharField(max_length=2, choices=[('aa', 'A')]) holding
    // 'xyz' fails with {'code': ["Value 'xyz' is not a valid choice."]}
    // and no max_length error: Field.clean runs the validators only after
    // validate() passed.
    let mut e = valid_entry();
    e.status = EntryStatus::from_value("xyz".into());
    assert_eq!(errors(e.full_clean()), vec![("status".into(), vec!["Value 'xyz' is not a valid choice.".into()])]);
}

#[test]
fn a_negative_value_in_a_positive_field_is_djangos_min_value_error() {
    // Django 5.2 on SQLite: PositiveIntegerField(-1) fails full_clean with
    // 'Ensure this value is greater than or equal to 0.'; the i64 bounds
    // are its only other validators, and 2**40 passes.
    let mut p = Product::new();
    p.name = "Mug".into();
    p.slug = "mug".into();
    p.attributes = modelgen_runtime::serde_json::json!({"a": 1});
    p.number_sold = -1;
    assert_eq!(
        errors(p.full_clean()),
        vec![("number_sold".into(), vec!["Ensure this value is greater than or equal to 0.".into()])]
    );
    p.number_sold = 1 << 40;
    assert_eq!(p.full_clean(), Ok(()));
}

#[test]
fn full_clean_errors_convert_into_the_runtime_error() {
    fn save_clean(db: &modelgen_runtime::Database, blog: &mut Blog) -> modelgen_runtime::Result<()> {
        blog.full_clean()?;
        blog.save(db)
    }
    let db = common::setup();
    let mut blog = Blog::new();
    blog.name = "n".repeat(101);
    let err = save_clean(&db, &mut blog).unwrap_err();
    match &err {
        Error::Validation(errors) => {
            assert_eq!(
                errors.get("name"),
                Some(&["Ensure this value has at most 100 characters (it has 101).".to_string()][..])
            );
            assert_eq!(errors.get("tagline"), Some(&["This field cannot be blank.".to_string()][..]));
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(common::count(&db, "weblog_blog"), 0, "nothing saved");
}

#[test]
fn full_clean_does_not_touch_the_database_or_the_instance() {
    let e = valid_entry();
    let before = e.clone();
    e.full_clean().unwrap();
    assert_eq!(e, before);
}
