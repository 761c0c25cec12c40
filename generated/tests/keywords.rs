//! SPEC §2: a field may have any name Django allows, Rust keywords included.
//! library.Loan has fields `ref`, `type` (with choices) and a ForeignKey
//! `move`; the struct uses raw identifiers and the columns keep the names.

mod common;

use modelgen_examples::library::{self, Book, Loan, LoanType};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::NaiveDate;
use modelgen_runtime::rusqlite::types::Value;

#[test]
fn keyword_named_fields_and_relations_use_raw_identifiers_and_keep_their_columns() {
    let db = common::empty_database();
    db.create_tables(&[&library::APP]).unwrap();
    let mut book = Book::new(NaiveDate::from_ymd_opt(2001, 1, 1).unwrap());
    book.title = "Dune".into();
    book.isbn = "9780441013593".into();
    book.save(&db).unwrap();

    let mut loan = Loan::new(book.key().unwrap());
    loan.r#ref = "L-1".into();
    loan.r#type = LoanType::Long;
    loan.save(&db).unwrap();

    let row = common::query(&db, "SELECT \"ref\", \"type\", \"move_id\" FROM library_loan", &[]);
    assert_eq!(row, [[Value::Text("L-1".into()), Value::Text("long".into()), Value::Integer(book.id.unwrap())]]);

    assert_eq!(loan.r#move(&db).unwrap().title, "Dune");
    assert_eq!(book.loans().query().unwrap().count(&db).unwrap(), 1);
    assert_eq!(Loan::get_by_ref(&db, "L-1".into()).unwrap().get_type_display(), "Long");
    assert_eq!(Loan::objects().filter(Loan::TYPE.eq(LoanType::Long)).count(&db).unwrap(), 1);
    assert_eq!(loan.to_string(), "L-1 (long)");

    let mut other = Book::new(NaiveDate::from_ymd_opt(2002, 1, 1).unwrap());
    other.isbn = "1".into();
    other.save(&db).unwrap();
    loan.set_move(&other).unwrap();
    loan.save(&db).unwrap();
    assert_eq!(loan.r#move(&db).unwrap().isbn, "1");
}
