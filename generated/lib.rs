//! The checked-in output of `modelgen generate` for `schemas/`.
//!
//! Every `<app>.rs` and `<app>.sql` beside this file is generated (see its
//! `@generated` header); this file is hand-written and only declares the
//! modules. Apps are sibling modules because generated code refers to other
//! apps as `super::<app>`.

pub mod library;
pub mod notifications;
pub mod people;
pub mod places;
pub mod shop;
pub mod weblog;

/// Every app, in an order in which their tables can be created.
pub static APPS: &[&modelgen_runtime::AppMeta] =
    &[&library::APP, &people::APP, &notifications::APP, &places::APP, &shop::APP, &weblog::APP];
