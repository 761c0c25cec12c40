//! Stage 2: resolve every name, validate, and build the IR.
//!
//! Checks follow Django's system checks (`django/db/models/fields/__init__.py`,
//! `.../fields/related.py`, `django/db/models/base.py`) where Django has one.
//! Every error is collected; the IR is returned only when there are none.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

use crate::ddl;
use crate::diagnostics::{closest, did_you_mean, Diagnostics};
use crate::ir::{self, App, ChoiceEnum, ChoiceVariant, CleanCheck, Field, FormatTemplate, Model, Project, RustType};
use crate::schema::{FieldDef, ModelDef, SchemaFile, Spanned};
use crate::types::{self, FieldType, Kind, Scalar, NON_RAW_KEYWORDS, RUST_KEYWORDS};
use crate::yaml::{Node, Pos};

mod choices;
mod clone;
mod constraints;
mod db_default;
mod defaults;
mod fields;
mod identifier_lengths;
mod inheritance;
mod models;
mod names;
mod options;
mod relations;
mod templates;

use defaults::*;
use names::*;
use options::MetaOptions;
use relations::*;

const ON_DELETE: &[(&str, ir::OnDelete)] = &[
    ("CASCADE", ir::OnDelete::Cascade),
    ("PROTECT", ir::OnDelete::Protect),
    ("RESTRICT", ir::OnDelete::Restrict),
    ("SET_NULL", ir::OnDelete::SetNull),
    ("SET_DEFAULT", ir::OnDelete::SetDefault),
    ("DO_NOTHING", ir::OnDelete::DoNothing),
];

/// Policies of a `clone:` block, and what each may apply to.
const FIELD_POLICIES: &[&str] = &["keep", "exclude", "suffix", "clear", "supplied"];
const FORWARD_RELATION_POLICIES: &[&str] = &["keep", "link", "skip", "copy", "supplied"];
const MANY_TO_MANY_POLICIES: &[&str] = &["link", "skip", "copy"];
const REVERSE_POLICIES: &[&str] = &["skip", "copy"];

/// Methods every generated model has; a field whose accessor would take one of
/// these names is rejected.
const GENERATED_METHODS: &[&str] = &[
    "new",
    "pk",
    "set_pk",
    "save",
    "save_with",
    "delete",
    "objects",
    "refresh_from_db",
    "full_clean",
    "get_absolute_url",
    "meta",
    "state",
    "duplicate",
    "clone_unsaved",
    "update_relative",
    "get",
    "from_row",
    "clone_unsaved_with",
    "duplicate_many",
    "fork",
    "fork_plan",
    "dirty_fields",
    "is_dirty",
    "save_dirty",
    "reset",
    "diff",
    "stage",
    "copy_default",
    "key",
];

/// A model by position: (file index, model index in file).
type ModelId = (usize, usize);

pub fn resolve(files: &[SchemaFile], diags: &mut Diagnostics) -> Option<Project> {
    let mut resolver = Resolver::new(files, diags);
    resolver.index_apps_and_models();
    resolver.resolve_inheritance();
    let apps = resolver.build_apps();
    if resolver.diags.is_empty() {
        Some(Project { apps })
    } else {
        None
    }
}

struct Resolver<'a> {
    files: &'a [SchemaFile],
    diags: &'a mut Diagnostics,
    /// (app label, model name) -> model.
    models: BTreeMap<(String, String), ModelId>,
    /// Concrete parent (multi-table inheritance) of each model.
    concrete_parent: BTreeMap<ModelId, ModelId>,
    /// Fields after abstract inheritance, per model, in column order.
    flat_fields: BTreeMap<ModelId, Vec<&'a FieldDef>>,
    /// Models whose inheritance could not be resolved; skipped later.
    broken: BTreeSet<ModelId>,
    /// Explicit index names -> the model that declared them first.
    index_names: BTreeMap<String, String>,
    /// The file (index into `files`) each field definition is written in,
    /// by address: an abstract ancestor's fields are shared by its children.
    field_files: std::collections::HashMap<*const FieldDef, usize>,
}

/// What the checks of one model's options and templates know of the model
/// being built, passed to them explicitly.
pub(super) struct ModelCtx<'m> {
    /// Names (and `_id` attributes) of the model's fields that have errors
    /// of their own: naming them elsewhere is not another error.
    pub failed_fields: BTreeSet<String>,
    /// Every field name of the model, in column order, whether or not it
    /// built: what a "fields of this model" hint lists.
    pub field_names: Vec<String>,
    /// The model's many-to-many fields (which have no column to name).
    pub many_to_many: &'m [ir::ManyToMany],
}

/// A relation target resolved while building fields.
struct Target {
    id: ModelId,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(files: &'a [SchemaFile], diags: &'a mut Diagnostics) -> Self {
        Resolver {
            files,
            diags,
            models: BTreeMap::new(),
            concrete_parent: BTreeMap::new(),
            flat_fields: BTreeMap::new(),
            broken: BTreeSet::new(),
            index_names: BTreeMap::new(),
            field_files: files
                .iter()
                .enumerate()
                .flat_map(|(i, file)| {
                    file.models.iter().flat_map(move |m| m.fields.iter().map(move |f| (f as *const FieldDef, i)))
                })
                .collect(),
        }
    }

    pub(super) fn model(&self, id: ModelId) -> &'a ModelDef {
        &self.files[id.0].models[id.1]
    }

    pub(super) fn app(&self, id: ModelId) -> &'a str {
        &self.files[id.0].app.value
    }

    pub(super) fn file(&self, id: ModelId) -> &'a str {
        &self.files[id.0].path
    }

    pub(super) fn err(&mut self, file: &str, pos: Pos, message: impl Into<String>) {
        self.diags.error(file, pos, message);
    }

    pub(super) fn err_help(&mut self, file: &str, pos: Pos, message: impl Into<String>, help: Option<String>) {
        self.diags.push(file, pos, message, help);
    }

    pub(super) fn build_apps(&mut self) -> Vec<App> {
        // Concrete models, in file order per app.
        let mut apps = Vec::new();
        let mut table_owners: BTreeMap<String, String> = BTreeMap::new();
        let mut models_by_id: BTreeMap<ModelId, Model> = BTreeMap::new();
        let mut enums_by_file: BTreeMap<usize, Vec<ChoiceEnum>> = BTreeMap::new();
        // A multi-table-inheritance child holds its ancestors' fields, so
        // ancestors are built first: by depth in the concrete chain, then
        // in file order.
        let mut order: Vec<(usize, ModelId)> = Vec::new();
        for (file_index, file) in self.files.iter().enumerate() {
            for model_index in 0..file.models.len() {
                let id = (file_index, model_index);
                let depth = std::iter::successors(Some(id), |m| self.concrete_parent.get(m).copied()).take(64).count();
                order.push((depth, id));
            }
        }
        order.sort();
        for (_, id) in order {
            let (file_index, _) = id;
            let file = &self.files[file_index];
            let def = self.model(id);
            {
                if def.meta.is_abstract {
                    self.check_abstract_meta(id);
                    continue;
                }
                if self.broken.contains(&id) {
                    continue;
                }
                if let Some((model, enums)) = self.build_model(id, &models_by_id) {
                    if let Some(owner) = table_owners.insert(model.table.clone(), format!("model `{}`", model.label)) {
                        let pos = def.meta.db_table.as_ref().map_or(def.name.pos, |t| t.pos);
                        self.err_help(
                            &file.path,
                            pos,
                            format!("table `{}` is already used by {owner}", model.table),
                            Some("give one of them another `meta.db_table`".into()),
                        );
                    }
                    enums_by_file.entry(file_index).or_default().extend(enums);
                    models_by_id.insert(id, model);
                }
            }
        }
        self.check_many_to_many_tables(&models_by_id, &mut table_owners);
        self.check_identifier_lengths(&models_by_id);
        self.check_choice_enum_names(&models_by_id);
        fill_through_defaults(&mut models_by_id);
        self.add_reverse_relations(&mut models_by_id);
        for id in models_by_id.keys().copied().collect::<Vec<_>>() {
            self.check_clone_policies(id, &models_by_id);
        }
        if self.diags.is_empty() {
            crate::copy_plan::apply(&mut models_by_id);
        }
        for (file_index, file) in self.files.iter().enumerate() {
            // Ids sort by file first: this file's models are the first left.
            let rest = models_by_id.split_off(&(file_index + 1, 0));
            let models: Vec<Model> = std::mem::replace(&mut models_by_id, rest).into_values().collect();
            let mut depends_on: BTreeSet<String> = BTreeSet::new();
            for model in &models {
                for field in &model.fields {
                    if let Some(rel) = &field.relation {
                        if let Some((app, _)) = rel.target_label.split_once('.') {
                            if app != file.app.value {
                                depends_on.insert(app.to_string());
                            }
                        }
                    }
                }
            }
            let file_stem = std::path::Path::new(&file.path)
                .file_stem()
                .map_or_else(|| file.app.value.clone(), |s| s.to_string_lossy().into_owned());
            apps.push(App {
                label: file.app.value.clone(),
                source: file.path.clone(),
                file_stem,
                models,
                choice_enums: enums_by_file.remove(&file_index).unwrap_or_default(),
                depends_on: depends_on.into_iter().collect(),
            });
        }
        order_apps(apps)
    }
}

/// Apps ordered so that an app comes after the apps its relations point at
/// (ties and cycles: file order).
pub(super) fn order_apps(apps: Vec<App>) -> Vec<App> {
    let mut remaining = apps;
    let mut ordered: Vec<App> = Vec::new();
    while !remaining.is_empty() {
        let ready = remaining
            .iter()
            .position(|app| {
                app.depends_on
                    .iter()
                    .all(|d| ordered.iter().any(|o| &o.label == d) || !remaining.iter().any(|r| &r.label == d))
            })
            .unwrap_or(0);
        ordered.push(remaining.remove(ready));
    }
    ordered
}

/// Small schemas compiled in memory, for the unit tests of each part.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::ir::{Field, Model, Project};

    /// Compile schema files `(path, yaml)`; the project, or every error as
    /// `message` (help after ` | help: `).
    pub fn compile_files(files: &[(&str, &str)]) -> Result<Project, Vec<String>> {
        let sources: Vec<(String, String)> = files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
        crate::compile(&sources).map_err(|errors| {
            errors
                .0
                .iter()
                .map(|d| match &d.help {
                    Some(help) => format!("{} | help: {help}", d.message),
                    None => d.message.clone(),
                })
                .collect()
        })
    }

    /// Compile one schema, `app: t` and the given `models:` body.
    pub fn compile(models: &str) -> Result<Project, Vec<String>> {
        compile_files(&[("t.yaml", &format!("app: t\nmodels:\n{models}"))])
    }

    pub fn project(models: &str) -> Project {
        compile(models).unwrap_or_else(|e| panic!("schema should compile: {e:#?}"))
    }

    /// The errors of a schema that must not compile.
    pub fn errors(models: &str) -> Vec<String> {
        match compile(models) {
            Ok(_) => panic!("schema should not compile"),
            Err(errors) => errors,
        }
    }

    /// Whether some error contains `text`.
    pub fn has_error(errors: &[String], text: &str) -> bool {
        errors.iter().any(|e| e.contains(text))
    }

    /// Every one of `texts` is in some error.
    pub fn assert_has_errors(errors: &[String], texts: &[&str]) {
        let missing: Vec<&&str> = texts.iter().filter(|t| !has_error(errors, t)).collect();
        assert!(missing.is_empty(), "missing {missing:?} in {errors:#?}");
    }

    pub fn model<'p>(project: &'p Project, name: &str) -> &'p Model {
        project.apps.iter().flat_map(|a| &a.models).find(|m| m.name == name).expect("model")
    }

    pub fn field<'m>(model: &'m Model, name: &str) -> &'m Field {
        model.all_fields.iter().find(|f| f.name == name).expect("field")
    }
}
