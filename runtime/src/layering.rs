//! The runtime's module layering, checked: every module imports only
//! modules of lower layers (its own layer too for the core), so the
//! modules form no cycle beyond the core.
//!
//! The one exception is named in [`UPCALLS`]: the provided methods of
//! [`crate::Model`] (`objects`, `save`, `delete`, `full_clean`, ...) and
//! `ModelMeta::model::<M>()` call the behaviour modules, because generated
//! code reaches that behaviour through the `Model` trait.

use std::collections::BTreeMap;
use std::path::Path;

/// The layers, lowest first. A module is a file of `src/` (`sql/model` for
/// `src/sql/model.rs`; a folder's `mod.rs` is the folder's name).
const LAYERS: &[&[&str]] = &[
    &["display"],
    // The text dates and times are stored as, shared by the backends.
    &["stored_text"],
    &["error"],
    // The backend boundary (connection, dialect), SQLite and PostgreSQL.
    &["backend", "backend/sqlite", "backend/postgresql", "backend/pg"],
    // Django's USE_TZ / TIME_ZONE and the conversions they need.
    &["tz"],
    // Every SQL text, through the dialect; knows no model.
    &["sql", "sql/bulk", "sql/model", "sql/query", "sql/statements"],
    &["value"],
    &["field", "choices"],
    CORE,
    // A model's typed key.
    &["key"],
    &["snapshot", "clean"],
    &["delete"],
    &["query"],
    // Lookups across relations, select_related and prefetch_related.
    &["path"],
    // aggregate(), annotate(), values_list(), in_bulk().
    &["aggregate"],
    &["save"],
    // get_or_create, update_or_create, bulk_create, bulk_update.
    &["bulk"],
    &["related"],
    &["rows"],
    &["tracking"],
    &["copy"],
];

/// The core: the connection handle, the model description and the
/// signals, which refer to each other.
const CORE: &[&str] = &["model", "db", "signals"];

/// Imports from a lower layer to a higher one, each with its reason.
const UPCALLS: &[(&str, &str, &str)] = &[
    ("model", "query", "Model::objects/get, provided methods generated code calls"),
    ("model", "save", "Model::save/save_with/refresh_from_db/update_relative"),
    ("model", "delete", "Model::delete; ModelMeta::model::<M>() points load_erased at delete::load_erased::<M>"),
    ("model", "clean", "Model::full_clean"),
    ("model", "key", "Model::key, the typed key of a saved instance"),
    ("model", "copy", "ModelMeta::model::<M>() points build_erased at copy::build_erased::<M>"),
];

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module file of `src/` (but `lib.rs` and this file) with its text.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("directory entry").path();
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            if path.is_dir() {
                walk(&path, &format!("{prefix}{name}/"), out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = match name.as_str() {
                    "mod" => prefix.trim_end_matches('/').to_owned(),
                    _ => format!("{prefix}{name}"),
                };
                if module != "lib" && module != "layering" {
                    out.insert(module, std::fs::read_to_string(&path).expect("source is readable"));
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&src(), "", &mut out);
    out
}

/// The text without comments (doc links name modules freely).
fn code(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// What `crate::<name>` refers to: a module, or an item `lib.rs`
/// re-exports from a module (`pub use save::{save, SaveOptions}`).
fn root_items(modules: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut items: BTreeMap<String, String> =
        modules.keys().filter(|m| !m.contains('/')).map(|m| (m.clone(), m.clone())).collect();
    let lib = code(include_str!("lib.rs"));
    for statement in lib.split(';') {
        let statement = statement.trim();
        let Some(rest) = statement.strip_prefix("pub use ") else { continue };
        let Some((module, names)) = rest.split_once("::") else { continue };
        if !modules.contains_key(module) {
            continue;
        }
        for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = name.trim();
            if !name.is_empty() && name != "self" {
                items.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    items
}

/// The modules `text` imports through `crate::` paths.
fn imports(text: &str, items: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let code = code(text);
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let target = items.get(&name).cloned().unwrap_or_else(|| format!("<unknown crate::{name}>"));
        out.push((name, target));
    }
    out
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The layer of a module named by a `crate::` path (a folder module's
/// files share its name).
fn top(module: &str) -> &str {
    module.split('/').next().unwrap_or(module)
}

#[test]
fn every_module_imports_only_lower_layers() {
    let modules = modules();
    let items = root_items(&modules);
    let core = layer_of(CORE[0]).expect("the core is a layer");
    let mut violations = Vec::new();
    for (module, text) in &modules {
        let Some(layer) = layer_of(module) else {
            violations.push(format!("{module}: in no layer of LAYERS"));
            continue;
        };
        for (name, target) in imports(text, &items) {
            if target == top(module) {
                continue;
            }
            let Some(target_layer) = layer_of(&target) else {
                violations.push(format!("{module}: crate::{name} is {target}, in no layer"));
                continue;
            };
            let allowed = target_layer < layer
                || (target_layer == layer && layer == core)
                || UPCALLS.iter().any(|(from, to, _)| *from == module && *to == target);
            if !allowed {
                violations.push(format!(
                    "{module} (layer {layer}) imports {target} (layer {target_layer}) via crate::{name}"
                ));
            }
        }
    }
    assert!(violations.is_empty(), "layering violations:\n{}", violations.join("\n"));
}

#[test]
fn the_check_sees_a_cycle() {
    // The checker itself: an import from the SQL layer up to a query
    // module, and one of an unknown path, are reported.
    let modules = modules();
    let items = root_items(&modules);
    assert_eq!(imports("use crate::query::Sql; // crate::copy", &items), vec![("query".into(), "query".into())]);
    assert_eq!(items.get("QuerySet").map(String::as_str), Some("query"));
    assert!(layer_of("sql").unwrap() < layer_of("query").unwrap());
    assert!(imports("crate::nothing_here", &items)[0].1.starts_with("<unknown"));
}
