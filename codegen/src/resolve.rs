//! Stage 2: resolve every name, validate, and build the IR.
//!
//! Checks follow Django's system checks (`django/db/models/fields/__init__.py`,
//! `.../fields/related.py`, `django/db/models/base.py`) where Django has one.
//! Every error is collected; the IR is returned only when there are none.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

use crate::ddl;
use crate::diagnostics::{closest, did_you_mean, Diagnostics};
use crate::ir::{self, App, ChoiceEnum, ChoiceVariant, Field, FormatTemplate, Model, Project};
use crate::schema::{FieldDef, ModelDef, SchemaFile, Spanned};
use crate::types::{self, FieldType, Kind, NON_RAW_KEYWORDS, RUST_KEYWORDS};
use crate::yaml::{Node, Pos};

const ON_DELETE: &[(&str, &str)] = &[
    ("CASCADE", "Cascade"),
    ("PROTECT", "Protect"),
    ("RESTRICT", "Restrict"),
    ("SET_NULL", "SetNull"),
    ("SET_DEFAULT", "SetDefault"),
    ("DO_NOTHING", "DoNothing"),
];

/// Policies of a `clone:` block, and what each may apply to.
const FIELD_POLICIES: &[&str] = &["keep", "exclude", "suffix", "clear", "supplied"];
const FORWARD_RELATION_POLICIES: &[&str] = &["keep", "link", "skip", "copy", "supplied"];
const MANY_TO_MANY_POLICIES: &[&str] = &["link", "skip", "copy"];
const REVERSE_POLICIES: &[&str] = &["skip", "copy"];

/// Methods every generated model has; a field whose accessor would take one of
/// these names is rejected.
const GENERATED_METHODS: &[&str] = &[
    "new", "pk", "set_pk", "save", "save_with", "delete", "objects", "refresh_from_db", "full_clean", "get_absolute_url",
    "meta", "state", "duplicate", "clone_unsaved", "update_relative", "get", "from_row", "clone_unsaved_with",
    "duplicate_many", "fork", "fork_plan", "dirty_fields", "is_dirty", "save_dirty", "reset", "diff", "stage", "copy_default",
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
    /// Names (and `_id` attributes) of the fields of the model being built
    /// that have errors of their own: naming them elsewhere is not another error.
    failed_fields: BTreeSet<String>,
    /// Every field name of the model being built, in column order, whether
    /// or not it built: what a "fields of this model" hint lists.
    field_names: Vec<String>,
}

/// A relation target resolved while building fields.
struct Target {
    id: ModelId,
}

impl<'a> Resolver<'a> {
    fn new(files: &'a [SchemaFile], diags: &'a mut Diagnostics) -> Self {
        Resolver {
            files,
            diags,
            models: BTreeMap::new(),
            concrete_parent: BTreeMap::new(),
            flat_fields: BTreeMap::new(),
            broken: BTreeSet::new(),
            index_names: BTreeMap::new(),
            failed_fields: BTreeSet::new(),
            field_names: Vec::new(),
        }
    }

    fn model(&self, id: ModelId) -> &'a ModelDef {
        &self.files[id.0].models[id.1]
    }

    fn app(&self, id: ModelId) -> &'a str {
        &self.files[id.0].app.value
    }

    fn file(&self, id: ModelId) -> &'a str {
        &self.files[id.0].path
    }

    fn err(&mut self, file: &str, pos: Pos, message: impl Into<String>) {
        self.diags.error(file, pos, message);
    }

    fn err_help(&mut self, file: &str, pos: Pos, message: impl Into<String>, help: Option<String>) {
        self.diags.push(file, pos, message, help);
    }

    fn index_apps_and_models(&mut self) {
        let mut seen_apps: BTreeMap<&str, &str> = BTreeMap::new();
        for (file_index, file) in self.files.iter().enumerate() {
            let label = &file.app.value;
            if label.is_empty() {
                continue;
            }
            if !is_python_identifier(label) || label.chars().any(|c| c.is_ascii_uppercase()) {
                let suggestion = label.to_snake_case();
                let example = if is_python_identifier(&suggestion) { suggestion } else { "weblog".to_string() };
                self.err_help(
                    &file.path,
                    file.app.pos,
                    format!("app label `{label}` is not a lowercase identifier"),
                    Some(format!("use lowercase letters, digits and underscores, starting with a letter, e.g. `{example}`")),
                );
            } else if RUST_KEYWORDS.contains(&label.as_str()) {
                self.err_help(
                    &file.path,
                    file.app.pos,
                    format!("app label `{label}` is a Rust keyword and cannot name a module"),
                    Some(format!("choose another label, e.g. `{label}_app`")),
                );
            }
            if let Some(other) = seen_apps.insert(label, &file.path) {
                self.err_help(
                    &file.path,
                    file.app.pos,
                    format!("app label `{label}` is already used by `{other}`"),
                    Some("each schema file is one app with its own label; rename one, or merge the two files".into()),
                );
            }
            for (model_index, model) in file.models.iter().enumerate() {
                let name = &model.name.value;
                if !is_python_identifier(name) || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    let camel = name.to_upper_camel_case();
                    let help = if is_python_identifier(&camel) && camel.starts_with(|c: char| c.is_ascii_uppercase()) {
                        format!("write it as a Rust type name, e.g. `{camel}`")
                    } else {
                        "start with an uppercase ASCII letter and use ASCII letters and digits, e.g. `BlogPost`".to_string()
                    };
                    self.err_help(&file.path, model.name.pos, format!("model name `{name}` is not a CamelCase identifier"), Some(help));
                } else if RUST_KEYWORDS.contains(&name.as_str()) {
                    self.err_help(
                        &file.path,
                        model.name.pos,
                        format!("model name `{name}` is a Rust keyword"),
                        Some(format!("choose another name, e.g. `{name}Model`")),
                    );
                }
                self.models.insert((label.clone(), name.clone()), (file_index, model_index));
            }
        }
    }

    /// Find the model a reference names: `Model`, `app.Model` or `self`.
    /// `file` is where the reference is written (errors point there).
    fn lookup(&mut self, file: &str, from: ModelId, reference: &Spanned<String>, what: &str) -> Option<ModelId> {
        let from_app = self.app(from).to_string();
        let text = reference.value.as_str();
        if text == "self" {
            return Some(from);
        }
        let (app, name) = match text.split_once('.') {
            Some((app, name)) => (app.to_string(), name.to_string()),
            None => (from_app.clone(), text.to_string()),
        };
        if let Some(id) = self.models.get(&(app.clone(), name.clone())) {
            return Some(*id);
        }
        let candidates: Vec<String> = self
            .models
            .keys()
            .map(|(a, n)| if *a == from_app { n.clone() } else { format!("{a}.{n}") })
            .collect();
        let mut help = did_you_mean(text, candidates.iter().map(String::as_str));
        if help.is_none() && !self.files.iter().any(|f| f.app.value == app) {
            let apps: Vec<&str> = self.files.iter().map(|f| f.app.value.as_str()).filter(|a| !a.is_empty()).collect();
            help = Some(match closest(&app, apps.iter().copied()) {
                Some(close) if text.contains('.') => {
                    format!("no schema in this run has `app: {app}`; did you mean `{close}.{name}`?")
                }
                _ => format!("no schema in this run has `app: {app}`; pass its file too"),
            });
        }
        if help.is_none() {
            let in_app: Vec<&str> = self.models.keys().filter(|(a, _)| *a == app).map(|(_, n)| n.as_str()).collect();
            if !in_app.is_empty() && in_app.len() <= 12 {
                let prefix = if app == from_app { String::new() } else { format!("{app}.") };
                let listed: Vec<String> = in_app.iter().map(|n| format!("`{prefix}{n}`")).collect();
                help = Some(format!("models of app `{app}`: {}", listed.join(", ")));
            }
        }
        self.err_help(file, reference.pos, format!("unknown model `{text}` in {what}"), help);
        None
    }

    fn resolve_inheritance(&mut self) {
        let ids: Vec<ModelId> = self.models.values().copied().collect();
        for &id in &ids {
            let Some(extends) = &self.model(id).extends else { continue };
            let file = self.file(id);
            let Some(parent) = self.lookup(file, id, extends, "`extends`") else {
                self.broken.insert(id);
                continue;
            };
            if parent == id {
                let file = self.file(id).to_string();
                self.err_help(
                    &file,
                    extends.pos,
                    format!("model `{}` extends itself", self.model(id).name.value),
                    Some("name a parent model, or remove `extends`".into()),
                );
                self.broken.insert(id);
                continue;
            }
            let parent_abstract = self.model(parent).meta.is_abstract;
            if !parent_abstract {
                if self.model(id).meta.is_abstract {
                    let file = self.file(id).to_string();
                    self.err_help(
                        &file,
                        extends.pos,
                        "an abstract model cannot extend a concrete model",
                        Some("extend an abstract model, or drop `abstract: true`".into()),
                    );
                    self.broken.insert(id);
                    continue;
                }
                self.concrete_parent.insert(id, parent);
            }
        }
        // Cycles: follow `extends` from every model. A cycle is reported
        // once, at the first of its models; all of them are marked broken.
        for &id in &ids {
            if self.parent_of(id) == Some(id) {
                continue; // `extends` itself: reported above
            }
            let mut seen = vec![id];
            let mut current = id;
            while let Some(next) = self.parent_of(current) {
                if next == id {
                    self.broken.insert(id);
                    if seen.iter().all(|m| *m >= id) {
                        let names: Vec<String> = seen.iter().map(|m| self.model(*m).name.value.clone()).collect();
                        let file = self.file(id).to_string();
                        let pos = self.model(id).extends.as_ref().map_or(self.model(id).name.pos, |e| e.pos);
                        self.err_help(
                            &file,
                            pos,
                            format!("inheritance cycle: {} -> {}", names.join(" -> "), self.model(id).name.value),
                            Some("a model cannot be its own ancestor; remove one of these `extends`".into()),
                        );
                    }
                    break;
                }
                if seen.contains(&next) {
                    // An ancestor is in a cycle (reported there): this
                    // model's inheritance cannot be resolved either.
                    self.broken.insert(id);
                    break;
                }
                seen.push(next);
                current = next;
            }
        }
        for &id in &ids {
            if !self.broken.contains(&id) {
                let fields = self.flatten_fields(id, &mut Vec::new());
                self.flat_fields.insert(id, fields);
            }
        }
    }

    fn parent_of(&self, id: ModelId) -> Option<ModelId> {
        let extends = self.model(id).extends.as_ref()?;
        let text = &extends.value;
        let (app, name) = match text.split_once('.') {
            Some((a, n)) => (a.to_string(), n.to_string()),
            None => (self.app(id).to_string(), text.clone()),
        };
        self.models.get(&(app, name)).copied()
    }

    /// Fields of a model after copying in its abstract ancestors' fields;
    /// a child's field of the same name overrides the inherited one.
    fn flatten_fields(&self, id: ModelId, visiting: &mut Vec<ModelId>) -> Vec<&'a FieldDef> {
        if visiting.contains(&id) {
            return Vec::new();
        }
        visiting.push(id);
        let model = self.model(id);
        let mut fields: Vec<&'a FieldDef> = Vec::new();
        if let Some(parent) = self.parent_of(id) {
            if self.model(parent).meta.is_abstract {
                let own: BTreeSet<&str> = model.fields.iter().map(|f| f.name.value.as_str()).collect();
                fields.extend(self.flatten_fields(parent, visiting).into_iter().filter(|f| !own.contains(f.name.value.as_str())));
            }
        }
        fields.extend(model.fields.iter());
        visiting.pop();
        fields
    }

    /// The first of the model and its ancestors (abstract ones only, or all
    /// when `through_concrete`) for which `get` returns something, with the
    /// schema file it was found in (an ancestor may live in another file).
    /// Cycles are reported elsewhere; the walk stops after 64 steps.
    fn find_inherited<T>(
        &self,
        id: ModelId,
        through_concrete: bool,
        get: impl Fn(&'a ModelDef) -> Option<T>,
    ) -> Option<(T, String)> {
        std::iter::successors(Some(id), |m| {
            self.parent_of(*m).filter(|p| through_concrete || self.model(*p).meta.is_abstract)
        })
        .take(64)
        .find_map(|m| get(self.model(m)).map(|value| (value, self.file(m).to_string())))
    }

    /// Django's Meta inheritance from abstract bases.
    fn inherited<T>(&self, id: ModelId, get: impl Fn(&'a ModelDef) -> Option<T>) -> Option<T> {
        self.find_inherited(id, false, get).map(|(value, _)| value)
    }

    /// Like `inherited`, with the file the value was found in, for error positions.
    fn inherited_in<T>(&self, id: ModelId, get: impl Fn(&'a ModelDef) -> Option<T>) -> Option<(T, String)> {
        self.find_inherited(id, false, get)
    }

    /// Like `inherited_in`, following concrete parents too: Django's child
    /// inherits its parent's methods, and `ordering` / `get_latest_by` when
    /// it sets none.
    fn inherited_through_parents<T>(&self, id: ModelId, get: impl Fn(&'a ModelDef) -> Option<T>) -> Option<(T, String)> {
        self.find_inherited(id, true, get)
    }

    /// The schema file a field definition was written in: the model's own,
    /// or an abstract ancestor's.
    fn def_file(&self, def: &FieldDef) -> String {
        for file in self.files {
            for model in &file.models {
                if model.fields.iter().any(|f| std::ptr::eq(f, def)) {
                    return file.path.clone();
                }
            }
        }
        String::new()
    }

    fn build_apps(&mut self) -> Vec<App> {
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
            let models: Vec<Model> = models_by_id
                .iter()
                .filter(|(id, _)| id.0 == file_index)
                .map(|(_, m)| m.clone())
                .collect();
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
            let ddl = ddl::app_ddl(&models);
            let file_stem = std::path::Path::new(&file.path)
                .file_stem()
                .map_or_else(|| file.app.value.clone(), |s| s.to_string_lossy().into_owned());
            apps.push(App {
                label: file.app.value.clone(),
                source: file.path.clone(),
                file_stem,
                models,
                choice_enums: enums_by_file.remove(&file_index).unwrap_or_default(),
                ddl,
                depends_on: depends_on.into_iter().collect(),
            });
        }
        order_apps(apps)
    }

    /// The tables Django creates for many-to-many fields must not be taken
    /// by a model's table or by another such table.
    fn check_many_to_many_tables(&mut self, models: &BTreeMap<ModelId, Model>, table_owners: &mut BTreeMap<String, String>) {
        for (&id, model) in models {
            for m2m in model.many_to_many.iter().filter(|m| m.auto_created) {
                let owner = format!("the many-to-many table of `{}.{}`", model.label, m2m.name);
                if let Some(other) = table_owners.insert(m2m.through_table.clone(), owner) {
                    let pos = self
                        .flat_fields
                        .get(&id)
                        .and_then(|fs| fs.iter().find(|f| f.name.value == m2m.name))
                        .map_or(self.model(id).name.pos, |f| f.name.pos);
                    let file = self.file(id).to_string();
                    self.err_help(
                        &file,
                        pos,
                        format!("the many-to-many table `{}` of `{}` is already used by {other}", m2m.through_table, m2m.name),
                        Some("give the model another `meta.db_table`, or rename this field".into()),
                    );
                }
            }
        }
    }

    /// Each choice set becomes an enum `<Model><Field>` in the app's module;
    /// it must not take the name of a model or of another choice set.
    fn check_choice_enum_names(&mut self, models: &BTreeMap<ModelId, Model>) {
        let mut taken: BTreeMap<(usize, String), String> = BTreeMap::new();
        for &(file_index, model_index) in models.keys() {
            let name = &self.files[file_index].models[model_index].name.value;
            taken.insert((file_index, name.clone()), format!("the model `{name}`"));
        }
        for (&id, model) in models {
            for field in model.fields.iter().filter(|f| f.choices.is_some()) {
                let Some(enum_name) = &field.choices else { continue };
                let owner = format!("the choices of `{}.{}`", model.name, field.name);
                if let Some(other) = taken.insert((id.0, enum_name.clone()), owner) {
                    let def = self.flat_fields.get(&id).and_then(|fs| fs.iter().find(|f| f.name.value == field.name).copied());
                    let Some(def) = def else { continue };
                    let pos = def.choices.as_ref().map_or(def.name.pos, |c| c.pos);
                    let file = self.def_file(def);
                    self.err_help(
                        &file,
                        pos,
                        format!(
                            "the choices of `{}.{}` would generate the enum `{enum_name}`, a name {other} already takes",
                            model.name, field.name
                        ),
                        Some("rename the field or the model".into()),
                    );
                }
            }
        }
    }

    /// Django's models.E006: a child's field may not share a name (or the
    /// attribute a ForeignKey stores its value in) with a field of a
    /// concrete ancestor, whose fields sit beside the child's.
    fn check_parent_clashes(&mut self, id: ModelId, file: &str, flat: &[&FieldDef]) {
        let mut taken: BTreeMap<String, String> = BTreeMap::new();
        let mut child = id;
        let mut steps = 0;
        while let Some(&parent) = self.concrete_parent.get(&child) {
            steps += 1;
            if steps > 64 {
                break;
            }
            let link = format!("{}_ptr", self.model(parent).name.value.to_lowercase());
            let link_owner = format!("the parent link `{link}` of `{}`", self.label(child));
            taken.entry(format!("{link}_id")).or_insert_with(|| link_owner.clone());
            taken.entry(link).or_insert(link_owner);
            let parent_label = self.label(parent);
            for f in self.flat_fields.get(&parent).cloned().unwrap_or_default() {
                let owner = format!("field `{}` inherited from `{parent_label}`", f.name.value);
                taken.entry(f.name.value.clone()).or_insert_with(|| owner.clone());
                if types::lookup(&f.type_name.value).is_some_and(|t| matches!(t.kind, Kind::ForeignKey | Kind::OneToOne)) {
                    taken.entry(format!("{}_id", f.name.value)).or_insert(owner);
                }
            }
            if !self.concrete_parent.contains_key(&parent) && !self.flat_fields.get(&parent).is_some_and(|fs| fs.iter().any(|f| FieldDef::flag(&f.primary_key))) {
                taken.entry("id".into()).or_insert_with(|| format!("the primary key `id` inherited from `{parent_label}`"));
            }
            child = parent;
            if child == id {
                break;
            }
        }
        for field in flat {
            let is_fk = types::lookup(&field.type_name.value).is_some_and(|t| matches!(t.kind, Kind::ForeignKey | Kind::OneToOne));
            let attname = format!("{}_id", field.name.value);
            let clash = taken.get(&field.name.value).or_else(|| if is_fk { taken.get(&attname) } else { None });
            if let Some(owner) = clash {
                let message = format!("field `{}` clashes with {owner}", field.name.value);
                self.err_help(file, field.name.pos, message, Some("rename the field; a child model's fields sit beside its parents'".into()));
            }
        }
    }

    fn check_abstract_meta(&mut self, id: ModelId) {
        let def = self.model(id);
        if let Some(table) = &def.meta.db_table {
            let file = self.file(id).to_string();
            self.err(&file, table.pos, "an abstract model has no table, so `db_table` does not apply");
        }
        // Fields of an abstract model are checked where they are used; check
        // here the ones no concrete model uses, so mistakes are not silent.
        let used = self.concrete_children_of(id);
        if !used {
            let fields: Vec<&FieldDef> = self.flat_fields.get(&id).cloned().unwrap_or_default();
            let mut reserved_names = BTreeMap::new();
            for field in fields {
                let file = self.def_file(field);
                let Some(ty) = types::lookup(&field.type_name.value) else {
                    self.unknown_type(&file, field);
                    continue;
                };
                self.check_field_name(&file, field, &mut reserved_names);
                self.check_options(&file, field, ty);
                if ty.is_relation() {
                    if let Some(to) = &field.to {
                        self.lookup(&file, id, to, &format!("field `{}`", field.name.value));
                    }
                }
            }
        }
    }

    fn concrete_children_of(&self, id: ModelId) -> bool {
        self.models.values().any(|&m| m != id && self.parent_of(m) == Some(id))
    }

    fn unknown_type(&mut self, file: &str, field: &FieldDef) {
        let help = did_you_mean(&field.type_name.value, types::names());
        self.err_help(
            file,
            field.type_name.pos,
            format!("unknown field type `{}`", field.type_name.value),
            help.or_else(|| Some("see docs/schema.md for the field types".into())),
        );
    }

    /// The primary key of `target`: its column and its field type (whose
    /// `rust` is the key's Rust type).
    fn target_pk(&self, target: ModelId) -> Option<(String, &'static FieldType)> {
        if self.broken.contains(&target) {
            return None; // inheritance cycle, reported
        }
        if let Some(parent) = self.concrete_parent.get(&target) {
            let parent_name = self.model(*parent).name.value.to_lowercase();
            let (_, pk_type) = self.target_pk(*parent)?;
            return Some((format!("{parent_name}_ptr_id"), pk_type));
        }
        let fields = self.flat_fields.get(&target)?;
        for f in fields {
            if FieldDef::flag(&f.primary_key) {
                let ty = types::lookup(&f.type_name.value)?;
                if ty.is_relation() {
                    return None;
                }
                let column = f.db_column.as_ref().map_or_else(|| f.name.value.clone(), |c| c.value.clone());
                return Some((column, ty));
            }
        }
        let auto = self
            .inherited(target, |m| m.meta.default_auto_field.as_ref().map(|s| s.value.clone()))
            .and_then(|name| types::lookup(&name).filter(|t| t.kind == Kind::Auto))
            .unwrap_or_else(|| types::lookup("BigAutoField").expect("BigAutoField is in the table"));
        Some(("id".into(), auto))
    }

    /// The column type of a relation to `target` (a ForeignKey, one-to-one,
    /// parent link or join-table column): Django's `rel_db_type` of the key
    /// it points at, followed through parent links to the root's own key, with
    /// that key's max_length filled in (`varchar(12)` for a CharField key).
    fn rel_sql_type(&self, target: ModelId) -> Option<String> {
        let mut root = target;
        for _ in 0..64 {
            match self.concrete_parent.get(&root) {
                Some(parent) => root = *parent,
                None => break,
            }
        }
        let (_, ty) = self.target_pk(root)?;
        if let Some(rel) = ty.rel_sql {
            return Some(rel.to_string());
        }
        let pk_def = self.flat_fields.get(&root).and_then(|fields| fields.iter().find(|f| FieldDef::flag(&f.primary_key)));
        let max_length = pk_def.and_then(|f| f.max_length.as_ref().map(|m| m.value)).or(ty.default_max_length).unwrap_or(0);
        Some(ty.sql.replace("{max_length}", &max_length.to_string()))
    }

    fn rust_path(&self, from: ModelId, to: ModelId) -> String {
        let name = &self.model(to).name.value;
        if self.app(from) == self.app(to) {
            name.clone()
        } else {
            format!("super::{}::{}", self.app(to), name)
        }
    }

    fn label(&self, id: ModelId) -> String {
        format!("{}.{}", self.app(id), self.model(id).name.value)
    }

    fn build_model(&mut self, id: ModelId, built: &BTreeMap<ModelId, Model>) -> Option<(Model, Vec<ChoiceEnum>)> {
        let def = self.model(id);
        let file = self.file(id).to_string();
        let app = self.app(id).to_string();
        let name = def.name.value.clone();
        let table = def.meta.db_table.as_ref().map_or_else(|| format!("{app}_{}", name.to_lowercase()), |t| t.value.clone());
        let mut fields: Vec<Field> = Vec::new();
        let mut enums = Vec::new();
        let mut many_to_many = Vec::new();
        let mut parent = None;
        let mut parent_join: Option<(String, String, String)> = None;
        let flat = self.flat_fields.get(&id).cloned().unwrap_or_default();

        // Auto-created fields come first, as Django's negative creation counters put them.
        let declared_pks: Vec<&FieldDef> = flat.iter().copied().filter(|f| FieldDef::flag(&f.primary_key)).collect();
        if declared_pks.len() > 1 {
            for extra in &declared_pks[1..] {
                let pos = extra.primary_key.as_ref().map_or(extra.name.pos, |p| p.pos);
                self.err_help(
                    &file,
                    pos,
                    format!("model `{name}` has more than one primary key (`{}` and `{}`)", declared_pks[0].name.value, extra.name.value),
                    Some("a model has exactly one field with `primary_key: true`".into()),
                );
            }
        }
        if let Some(&parent_id) = self.concrete_parent.get(&id) {
            let parent_def = self.model(parent_id);
            let lower = parent_def.name.value.to_lowercase();
            let (target_column, pk_type) = self.target_pk(parent_id)?;
            let rust = pk_type.rust;
            let parent_sql_type = self.rel_sql_type(parent_id)?;
            let path = self.rust_path(id, parent_id);
            let field_name = format!("{lower}_ptr");
            // The link is an auto-created primary key that is also a
            // one-to-one to the parent: `auto_field`'s pk with these overrides.
            let attname = format!("{field_name}_id");
            fields.push(Field {
                name: field_name.clone(),
                ident: attname.clone(),
                plain_ident: attname.clone(),
                const_name: field_name.to_shouty_snake_case(),
                column: attname,
                table: table.clone(),
                django_type: "OneToOneField".into(),
                sql_type: parent_sql_type,
                rust_type: format!("Option<{rust}>"),
                copy: pk_type.is_copy(),
                value_type: rust.to_string(),
                blank: false,
                doc: Some(format!("The link to the parent row in `{}` (multi-table inheritance).", self.label(parent_id))),
                verbose_name: format!("{lower} ptr"),
                relation: Some(ir::Relation {
                    target_path: path.clone(),
                    target_label: self.label(parent_id),
                    target_table: self.table_of(parent_id),
                    target_column,
                    on_delete: "Cascade".into(),
                    one_to_one: true,
                    parent_link: true,
                    db_constraint: true,
                    related_accessor: name.to_lowercase(),
                    accessor: field_name.clone(),
                    setter: format!("set_{field_name}"),
                    target_meta: String::new(),
                }),
                ..auto_field(&field_name, pk_type)
            });
            // The parent was built first (see `build_apps`); when it failed,
            // its own errors are reported and the child is skipped.
            let parent_model = built.get(&parent_id)?;
            let meta_path = if self.app(parent_id) == self.app(id) {
                format!("{}_META", parent_model.upper)
            } else {
                format!("super::{}::{}_META", self.app(parent_id), parent_model.upper)
            };
            parent_join = Some((parent_model.table.clone(), parent_model.sql.from.clone(), parent_model.fields[parent_model.pk].column.clone()));
            parent = Some(ir::ParentLink {
                parent_path: path,
                parent_label: self.label(parent_id),
                meta_path,
                field: 0,
                fields: parent_model.all_fields.clone(),
                pk: parent_model.fields[parent_model.pk].clone(),
            });
            if let Some(pk) = declared_pks.first() {
                self.err_help(
                    &file,
                    pk.primary_key.as_ref().map_or(pk.name.pos, |p| p.pos),
                    format!("model `{name}` inherits its primary key from `{}`", parent_def.name.value),
                    Some("remove `primary_key` here; the child's key is the link to its parent".into()),
                );
            }
        } else if declared_pks.is_empty() {
            let auto = match self.inherited_in(id, |m| m.meta.default_auto_field.clone()) {
                Some((spanned, meta_file)) => match types::lookup(&spanned.value).filter(|t| t.kind == Kind::Auto) {
                    Some(t) => t,
                    None => {
                        let help = did_you_mean(&spanned.value, ["AutoField", "BigAutoField", "SmallAutoField"])
                            .unwrap_or_else(|| "use AutoField, BigAutoField or SmallAutoField".into());
                        self.err_help(
                            &meta_file,
                            spanned.pos,
                            format!("`default_auto_field` must be an auto field type, not `{}`", spanned.value),
                            Some(help),
                        );
                        types::lookup("BigAutoField")?
                    }
                },
                None => types::lookup("BigAutoField")?,
            };
            if let Some(id_field) = flat.iter().find(|f| f.name.value == "id") {
                self.err_help(
                    &self.def_file(id_field),
                    id_field.name.pos,
                    "`id` can only be used as a field name if the field also sets `primary_key: true`",
                    Some("rename the field, or make it the primary key".into()),
                );
            }
            fields.push(Field { table: table.clone(), ..auto_field("id", auto) });
        }

        if self.concrete_parent.contains_key(&id) {
            self.check_parent_clashes(id, &file, &flat);
        }
        let mut reserved_names = BTreeMap::new();
        for field in &flat {
            let Some(ty) = types::lookup(&field.type_name.value) else {
                self.unknown_type(&self.def_file(field), field);
                continue;
            };
            let field_file = self.def_file(field);
            self.check_field_name(&field_file, field, &mut reserved_names);
            self.check_options(&field_file, field, ty);
            match ty.kind {
                Kind::ManyToMany => {
                    if let Some(m2m) = self.build_many_to_many(id, field, &table) {
                        many_to_many.push(m2m);
                    }
                }
                _ => {
                    if let Some((built, choice_enum)) = self.build_field(id, field, ty) {
                        fields.push(built);
                        enums.extend(choice_enum);
                    }
                }
            }
        }

        self.check_columns(&fields, &flat);
        self.failed_fields = failed_fields(&flat, &fields, &many_to_many);
        self.field_names = fields.iter().filter(|f| f.auto).map(|f| f.name.clone()).collect();
        self.field_names.extend(
            flat.iter()
                .filter(|d| !many_to_many.iter().any(|m| m.name == d.name.value))
                .filter(|d| types::lookup(&d.type_name.value).is_none_or(|t| t.kind != Kind::ManyToMany))
                .map(|d| d.name.value.clone()),
        );
        let pk = fields.iter().position(|f| f.primary_key).unwrap_or(0);
        let all_fields: Vec<Field> =
            parent.as_ref().map(|p: &ir::ParentLink| p.fields.clone()).unwrap_or_default().into_iter().chain(fields.iter().cloned()).collect();
        let required = all_fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.default_expr.is_empty())
            .map(|(i, _)| i)
            .collect();
        let next_previous = all_fields.iter().enumerate().filter(|(_, f)| f.is_date && !f.null).map(|(i, _)| i).collect();
        let has_pre_save = fields.iter().any(|f| f.auto_now || f.auto_now_add);
        self.check_constant_names(&file, &all_fields, &flat);

        // Methods (`str`, `absolute_url`) and `ordering` / `get_latest_by`
        // come from concrete parents too, as in Django.
        let str_template = self.inherited_through_parents(id, |m| m.str_template.clone());
        let display = str_template.and_then(|(t, f)| self.format_template(&f, &t, &all_fields, &many_to_many, "str"));
        let url_template = self.inherited_through_parents(id, |m| m.absolute_url.clone());
        let absolute_url =
            url_template.and_then(|(t, f)| self.format_template(&f, &t, &all_fields, &many_to_many, "absolute_url"));

        let column_of = |field_name: &str, fields: &[Field]| -> Option<String> {
            if field_name == "pk" {
                return fields.iter().find(|f| f.primary_key).map(|f| f.column.clone());
            }
            fields.iter().find(|f| f.name == field_name || f.ident == field_name).map(|f| f.column.clone())
        };
        let mut ordering = Vec::new();
        if let Some((terms, meta_file)) = self.inherited_through_parents(id, |m| m.meta.ordering.clone()) {
            for term in terms {
                let (descending, field_name) = match term.value.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, term.value.as_str()),
                };
                match column_of(field_name, &all_fields) {
                    Some(column) => ordering.push(ir::OrderingTerm { column, descending }),
                    None => self.unknown_field_in(&meta_file, &term, field_name, &many_to_many, "`ordering`"),
                }
            }
        }
        let mut get_latest_by = None;
        if let Some((latest, meta_file)) = self.inherited_through_parents(id, |m| m.meta.get_latest_by.clone()) {
            let field_name = latest.value.trim_start_matches('-');
            match column_of(field_name, &all_fields) {
                Some(column) => get_latest_by = Some(if latest.value.starts_with('-') { format!("-{column}") } else { column }),
                None => self.unknown_field_in(&meta_file, &latest, field_name, &many_to_many, "`get_latest_by`"),
            }
        }
        let mut unique_together = Vec::new();
        let (groups, meta_file) =
            self.inherited_in(id, |m| Some(m.meta.unique_together.clone()).filter(|g| !g.is_empty())).unwrap_or_default();
        for group in groups {
            let columns: Vec<String> = group.iter().filter_map(|n| column_of(&n.value, &fields)).collect();
            if columns.len() == group.len() {
                unique_together.push(columns);
            }
            for name_ref in &group {
                if column_of(&name_ref.value, &fields).is_none() {
                    self.unknown_field_in(&meta_file, name_ref, &name_ref.value, &many_to_many, "`unique_together`");
                }
            }
        }
        let mut indexes = Vec::new();
        let (index_defs, meta_file) =
            self.inherited_in(id, |m| Some(m.meta.indexes.clone()).filter(|g| !g.is_empty())).unwrap_or_default();
        for index in index_defs {
            if index.fields.is_empty() {
                self.err_help(&meta_file, index.pos, "an index needs at least one field", Some("write e.g. `{fields: [pub_date]}`".into()));
            }
            if let Some(index_name) = &index.name {
                let owner = format!("{app}.{name}");
                if let Some(other) = self.index_names.insert(index_name.value.clone(), owner) {
                    self.err_help(
                        &meta_file,
                        index_name.pos,
                        format!("index name `{}` is already used by an index of `{other}`", index_name.value),
                        Some("index names are shared by the whole database; choose another".into()),
                    );
                }
            }
            let mut terms = Vec::new();
            for name_ref in &index.fields {
                let bare = name_ref.value.trim_start_matches('-');
                match column_of(bare, &fields) {
                    Some(column) => terms.push((column, name_ref.value.starts_with('-'))),
                    None => self.unknown_field_in(&meta_file, name_ref, bare, &many_to_many, "an index"),
                }
            }
            if terms.len() == index.fields.len() && !terms.is_empty() {
                indexes.push(ddl::meta_index_sql(&table, index.name.as_ref().map(|n| n.value.as_str()), &terms));
            }
        }

        let verbose_name = def.meta.verbose_name.as_ref().map_or_else(|| camel_to_spaces(&name), |v| v.value.clone());
        let verbose_name_plural =
            def.meta.verbose_name_plural.as_ref().map_or_else(|| format!("{verbose_name}s"), |v| v.value.clone());
        let pk_has_default = fields.get(pk).is_some_and(|f| !f.auto && f.django_type == "UUIDField" && !f.default_expr.is_empty());
        if !fields.iter().any(|f| f.primary_key) {
            // The declared primary key has an error of its own.
            if self.diags.is_empty() {
                self.err(&file, def.name.pos, format!("model `{name}` has no usable primary key"));
            }
            return None;
        }
        let sql = ddl::model_sql(&table, &fields, pk, &all_fields, parent_join.as_ref());
        let clone_policies =
            def.clone.iter().map(|(n, p)| ir::ClonePolicy { name: n.value.clone(), policy: p.value.clone() }).collect();
        let model = Model {
            label: format!("{app}.{name}"),
            upper: name.to_shouty_snake_case(),
            table,
            verbose_name,
            verbose_name_plural,
            fields,
            all_fields,
            pk,
            required,
            has_pre_save,
            display,
            absolute_url,
            ordering,
            get_latest_by,
            unique_together,
            indexes,
            many_to_many,
            reverse: Vec::new(),
            next_previous,
            parent,
            sql,
            clone_policies,
            pk_has_default,
            copy: ir::CopyPlan::default(),
            name,
        };
        Some((model, enums))
    }

    /// Two field names can give one typed-column constant (`fooBar` and
    /// `foo_bar` are both `FOO_BAR`), which would not compile.
    fn check_constant_names(&mut self, file: &str, fields: &[Field], defs: &[&FieldDef]) {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for field in fields {
            // Same-named fields are reported as clashes of their own.
            if let Some(other) = seen.insert(&field.const_name, &field.name).filter(|other| *other != field.name) {
                let pos = defs.iter().find(|d| d.name.value == field.name).map_or_else(Pos::default, |d| d.name.pos);
                self.err_help(
                    file,
                    pos,
                    format!("fields `{other}` and `{}` would both generate the constant `{}`", field.name, field.const_name),
                    Some("rename one of them; keep its column with `db_column`".into()),
                );
            }
        }
    }

    /// Whether some relation of the run declares `related_name: <name>` and
    /// names a model that does not exist (reported there already).
    fn declared_related_name(&self, name: &str) -> bool {
        self.files.iter().any(|file| {
            file.models.iter().flat_map(|m| m.fields.iter()).any(|f| {
                let unresolved = f.to.as_ref().is_some_and(|to| {
                    let (app, model) = to.value.split_once('.').unwrap_or((file.app.value.as_str(), to.value.as_str()));
                    to.value != "self" && !self.models.contains_key(&(app.to_string(), model.to_string()))
                });
                unresolved && f.related_name.as_ref().is_some_and(|r| r.value == name)
            })
        })
    }

    fn table_of(&self, id: ModelId) -> String {
        let def = self.model(id);
        def.meta.db_table.as_ref().map_or_else(|| format!("{}_{}", self.app(id), def.name.value.to_lowercase()), |t| t.value.clone())
    }

    /// "did you mean" for a name that is not a field of the model being
    /// built, or the list of its fields when it is short.
    fn fields_hint(&self, name: &str) -> Option<String> {
        did_you_mean(name, self.field_names.iter().map(String::as_str)).or_else(|| {
            let names: Vec<String> = self.field_names.iter().map(|f| format!("`{f}`")).collect();
            (names.len() <= 12).then(|| format!("fields of this model: {}", names.join(", ")))
        })
    }

    fn unknown_field_in(
        &mut self,
        file: &str,
        at: &Spanned<String>,
        name: &str,
        many_to_many: &[ir::ManyToMany],
        context: &str,
    ) {
        if many_to_many.iter().any(|m| m.name == name) {
            self.err_help(
                file,
                at.pos,
                format!("{context} cannot name the ManyToManyField `{name}`"),
                Some("a many-to-many relation has no column in this table; name a field that has one".into()),
            );
            return;
        }
        if name == "?" {
            self.err_help(file, at.pos, format!("{context} cannot use `?` (random order)"), Some("order by a field".into()));
            return;
        }
        if self.failed_fields.contains(name) {
            return;
        }
        if name.contains("__") {
            self.err_help(
                file,
                at.pos,
                format!("{context} names `{name}`, a lookup across a relation"),
                Some("only fields of this model can be named here".into()),
            );
            return;
        }
        let help = self.fields_hint(name);
        self.err_help(file, at.pos, format!("{context} names unknown field `{name}`"), help);
    }

    /// Django's field-name checks (fields.E001, E002, E003), names Rust
    /// cannot take, and attribute clashes with the fields before (`seen`:
    /// attribute -> the field that has it and where).
    fn check_field_name(&mut self, file: &str, field: &FieldDef, seen: &mut BTreeMap<String, (String, Pos)>) {
        let name = &field.name.value;
        let pos = field.name.pos;
        if !is_python_identifier(name) {
            self.err_help(
                file,
                pos,
                format!("field name `{name}` is not a valid identifier"),
                Some("use letters, digits and underscores, starting with a letter".into()),
            );
        } else if name.ends_with('_') {
            self.err_help(
                file,
                pos,
                format!("field name `{name}` ends with an underscore"),
                Some(format!("Django does not allow it (fields.E001); rename it, e.g. `{}`", name.trim_end_matches('_'))),
            );
        } else if name.contains("__") {
            let mut suggestion = name.clone();
            while suggestion.contains("__") {
                suggestion = suggestion.replace("__", "_");
            }
            self.err_help(
                file,
                pos,
                format!("field name `{name}` contains `__`"),
                Some(format!("Django reserves `__` for lookups (fields.E002); rename it, e.g. `{suggestion}`")),
            );
        } else if name == "pk" {
            self.err_help(
                file,
                pos,
                "`pk` is reserved and cannot be a field name",
                Some("`pk` always names the primary key (fields.E003); rename the field, or make it `primary_key: true` under another name".into()),
            );
        } else if NON_RAW_KEYWORDS.contains(&name.as_str()) {
            self.err_help(
                file,
                pos,
                format!("field name `{name}` cannot be a Rust identifier, not even a raw one"),
                Some(format!("rename the field and keep the column with `db_column: {name}`")),
            );
        } else if name.starts_with('_') {
            self.err_help(
                file,
                pos,
                format!("field name `{name}` starts with an underscore"),
                Some(format!("generated code keeps its own state in `_`-prefixed names; rename it, e.g. `{}`", name.trim_start_matches('_'))),
            );
        }
        let ty = types::lookup(&field.type_name.value);
        let is_fk = ty.is_some_and(|t| matches!(t.kind, Kind::ForeignKey | Kind::OneToOne));
        let is_m2m = ty.is_some_and(|t| t.kind == Kind::ManyToMany);
        if (is_fk || is_m2m) && GENERATED_METHODS.contains(&name.as_str()) {
            self.err_help(
                file,
                pos,
                format!("relation `{name}` would generate an accessor that clashes with the generated method `{name}()`"),
                Some(relation_rename_help(name, is_fk)),
            );
        }
        if let Some(related_name) = &field.related_name {
            self.check_related_name(file, related_name);
        }
        let attname = if is_fk { format!("{name}_id") } else { name.clone() };
        let label = match ty {
            Some(t) if is_fk => format!("{} `{name}`", t.name),
            _ => format!("field `{name}`"),
        };
        if let Some((owner, first)) = seen.get(&attname) {
            let message = if is_fk {
                format!("{label} stores its key in `{attname}`, the name of {owner} (line {})", first.line)
            } else if owner.starts_with("field ") {
                format!("{label} clashes with {owner} (line {})", first.line)
            } else {
                format!("{label} clashes with {owner}, which stores its key in `{attname}` (line {})", first.line)
            };
            self.err_help(file, pos, message, Some("rename one of them (Django's models.E006)".into()));
        } else {
            seen.insert(attname.clone(), (label.clone(), pos));
        }
        if is_fk && attname != *name {
            seen.entry(name.clone()).or_insert((label, pos));
        }
    }

    /// Django's fields.E306 (a related_name is an identifier, or ends with
    /// `+` to hide the reverse relation), and a name Rust can use.
    fn check_related_name(&mut self, file: &str, related_name: &Spanned<String>) {
        let value = related_name.value.as_str();
        if value.ends_with('+') {
            let stem = value.trim_end_matches('+');
            if stem.is_empty() || is_python_identifier(stem) {
                return;
            }
        }
        if !is_python_identifier(value) {
            self.err_help(
                file,
                related_name.pos,
                format!("related_name `{value}` is not a valid identifier"),
                Some("use letters, digits and underscores, e.g. `entries`; end it with `+` to have no reverse accessor".into()),
            );
        } else if NON_RAW_KEYWORDS.contains(&value) {
            // Other keywords become raw identifiers (`r#type()`); these cannot.
            self.err_help(
                file,
                related_name.pos,
                format!("related_name `{value}` cannot be a Rust identifier, not even a raw one"),
                Some(format!("choose another name, e.g. `{value}_set`")),
            );
        }
    }

    fn check_options(&mut self, file: &str, field: &FieldDef, ty: &FieldType) {
        // A required option written under a misspelled key is reported as
        // the misspelling only.
        let written = |option: &str| field.written.iter().any(|w| w == option);
        let options: [(&str, Option<Pos>); 10] = [
            ("max_length", field.max_length.as_ref().map(|s| s.pos)),
            ("max_digits", field.max_digits.as_ref().map(|s| s.pos)),
            ("decimal_places", field.decimal_places.as_ref().map(|s| s.pos)),
            ("auto_now", field.auto_now.as_ref().map(|s| s.pos)),
            ("auto_now_add", field.auto_now_add.as_ref().map(|s| s.pos)),
            ("to", field.to.as_ref().map(|s| s.pos)),
            ("on_delete", field.on_delete.as_ref().map(|s| s.pos)),
            ("related_name", field.related_name.as_ref().map(|s| s.pos)),
            ("through", field.through.as_ref().map(|s| s.pos)),
            ("symmetrical", field.symmetrical.as_ref().map(|s| s.pos)),
        ];
        for (option, pos) in options {
            if let Some(pos) = pos {
                if !ty.accepts(option) {
                    let help = match option {
                        "auto_now" | "auto_now_add" => "only DateField, DateTimeField and TimeField take it".to_string(),
                        "max_length" if ty.kind == Kind::Text => format!("{} has no length limit; use CharField for one", ty.name),
                        "max_length" => "only CharField, SlugField, EmailField and URLField take it".to_string(),
                        "max_digits" | "decimal_places" => "only DecimalField takes it".to_string(),
                        "on_delete" if ty.kind == Kind::ManyToMany => {
                            "rows of a many-to-many table are always deleted with either side; remove it".to_string()
                        }
                        "to" | "related_name" | "on_delete" => {
                            "only relations (ForeignKey, OneToOneField, ManyToManyField) take it".to_string()
                        }
                        "through" | "symmetrical" => "only ManyToManyField takes it".to_string(),
                        _ => "remove it".to_string(),
                    };
                    self.err_help(file, pos, format!("option `{option}` does not apply to {}", ty.name), Some(help));
                }
            }
        }
        if let Some(db_constraint) = &field.db_constraint {
            if !ty.is_relation() {
                self.err_help(
                    file,
                    db_constraint.pos,
                    format!("option `db_constraint` does not apply to {}", ty.name),
                    Some("only relations take it".into()),
                );
            }
        }
        if ty.name == "CharField" && field.max_length.is_none() && !written("max_length") {
            self.err_help(
                file,
                field.type_name.pos,
                format!("CharField `{}` needs `max_length`", field.name.value),
                Some("add e.g. `max_length: 100`, or use TextField for unbounded text".into()),
            );
        }
        if let Some(max_length) = &field.max_length {
            if max_length.value == 0 && ty.takes_max_length() {
                self.err_help(file, max_length.pos, "`max_length` must be a positive integer", Some("write e.g. `max_length: 100`".into()));
            }
        }
        if ty.kind == Kind::Decimal {
            if let Some(digits) = field.max_digits.as_ref().filter(|d| d.value == 0) {
                self.err_help(file, digits.pos, "`max_digits` must be a positive integer", Some("write e.g. `max_digits: 10`".into()));
            }
            match (&field.max_digits, &field.decimal_places) {
                (Some(digits), Some(places)) if places.value > digits.value => self.err_help(
                    file,
                    places.pos,
                    format!("`decimal_places` ({}) is greater than `max_digits` ({})", places.value, digits.value),
                    Some(format!(
                        "`max_digits` counts every digit, those after the point included; raise it to at least {}, or lower `decimal_places`",
                        places.value
                    )),
                ),
                (Some(_), Some(_)) => {}
                (digits, places) => {
                    let missing: Vec<&str> = [("max_digits", digits.is_none()), ("decimal_places", places.is_none())]
                        .into_iter()
                        .filter(|(option, absent)| *absent && !written(option))
                        .map(|(option, _)| option)
                        .collect();
                    if !missing.is_empty() {
                        let listed: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                        self.err_help(
                            file,
                            field.type_name.pos,
                            format!("DecimalField `{}` needs {}", field.name.value, listed.join(" and ")),
                            Some("add e.g. `max_digits: 10, decimal_places: 2`".into()),
                        );
                    }
                }
            }
        }
        let auto_now = FieldDef::flag(&field.auto_now);
        let auto_now_add = FieldDef::flag(&field.auto_now_add);
        if auto_now && auto_now_add {
            let pos = field.auto_now_add.as_ref().map_or(field.name.pos, |s| s.pos);
            self.err_help(
                file,
                pos,
                "`auto_now` and `auto_now_add` are mutually exclusive",
                Some("keep `auto_now` to set the value on every save, or `auto_now_add` to set it on creation only".into()),
            );
        }
        if (auto_now || auto_now_add) && field.default.is_some() {
            let pos = field.default.as_ref().map_or(field.name.pos, Node::pos);
            let option = if auto_now { "auto_now" } else { "auto_now_add" };
            self.err_help(
                file,
                pos,
                format!("`default` cannot be combined with `{option}`"),
                Some("the value is set on save; remove `default`".into()),
            );
        }
        if FieldDef::flag(&field.primary_key) && FieldDef::flag(&field.null) {
            let pos = field.null.as_ref().map_or(field.name.pos, |s| s.pos);
            self.err_help(file, pos, "a primary key cannot be `null: true`", Some("remove `null: true`".into()));
        }
        if let Some(primary_key) = field.primary_key.as_ref().filter(|p| p.value && ty.is_relation()) {
            self.err_help(
                file,
                primary_key.pos,
                format!("{} `{}` cannot be the primary key: modelgen does not support relations as primary keys", ty.name, field.name.value),
                Some("remove `primary_key: true` (add `unique: true` to keep one row per target); the model gets an `id`".into()),
            );
        }
        if ty.kind == Kind::Auto && !FieldDef::flag(&field.primary_key) {
            self.err_help(
                file,
                field.type_name.pos,
                format!("{} `{}` must be the primary key", ty.name, field.name.value),
                Some("add `primary_key: true`".into()),
            );
        }
        if ty.is_relation() {
            if field.to.is_none() && !written("to") {
                self.err_help(
                    file,
                    field.type_name.pos,
                    format!("{} `{}` needs `to`", ty.name, field.name.value),
                    Some("name the target model, e.g. `to: Blog` or `to: otherapp.Model`".into()),
                );
            }
            if let Some(choices) = &field.choices {
                self.err_help(file, choices.pos, format!("`choices` does not apply to {}", ty.name), Some("remove it".into()));
            }
        }
        if matches!(ty.kind, Kind::ForeignKey | Kind::OneToOne) {
            match &field.on_delete {
                None if written("on_delete") => {}
                None => self.err_help(
                    file,
                    field.type_name.pos,
                    format!("{} `{}` needs `on_delete`", ty.name, field.name.value),
                    Some("add `on_delete:` with one of CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, DO_NOTHING".into()),
                ),
                Some(on_delete) => match on_delete.value.as_str() {
                    "SET_NULL" if !FieldDef::flag(&field.null) => self.err_help(
                        file,
                        on_delete.pos,
                        format!("`on_delete: SET_NULL` on `{}`, which is not nullable", field.name.value),
                        Some("add `null: true`, or choose another on_delete".into()),
                    ),
                    "SET_DEFAULT" if field.default.is_none() => self.err_help(
                        file,
                        on_delete.pos,
                        format!("`on_delete: SET_DEFAULT` on `{}`, which has no default", field.name.value),
                        Some("add a `default`, or choose another on_delete".into()),
                    ),
                    value if !ON_DELETE.iter().any(|(d, _)| *d == value) => {
                        let help = did_you_mean(value, ON_DELETE.iter().map(|(d, _)| *d))
                            .or_else(|| did_you_mean(&value.to_uppercase(), ON_DELETE.iter().map(|(d, _)| *d)))
                            .unwrap_or_else(|| "one of CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, DO_NOTHING".into());
                        self.err_help(file, on_delete.pos, format!("unknown on_delete `{value}`"), Some(help));
                    }
                    _ => {}
                },
            }
        }
        if ty.kind == Kind::ManyToMany {
            if let Some(unique) = field.unique.as_ref().filter(|u| u.value) {
                self.err_help(
                    file,
                    unique.pos,
                    "a ManyToManyField cannot be `unique`",
                    Some("its table already holds each pair once; remove `unique`".into()),
                );
            }
            if let Some(null) = field.null.as_ref().filter(|u| u.value) {
                self.err_help(file, null.pos, "`null` has no effect on a ManyToManyField", Some("remove it".into()));
            }
            if let Some(default) = &field.default {
                self.err_help(file, default.pos(), "a ManyToManyField cannot have a `default`", Some("remove it".into()));
            }
        }
    }

    fn check_columns(&mut self, fields: &[Field], defs: &[&FieldDef]) {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        let def_of = |name: &str| defs.iter().find(|d| d.name.value == name);
        for field in fields {
            if let Some(other) = seen.insert(field.column.as_str(), field.name.as_str()) {
                if other == field.name {
                    continue;
                }
                // Without a `db_column` on either side the columns are the
                // attribute names, whose clash is reported by the name checks.
                let explicit = |name: &str| def_of(name).is_some_and(|d| d.db_column.is_some());
                if !explicit(&field.name) && !explicit(other) {
                    continue;
                }
                let Some(def) = def_of(&field.name) else { continue };
                let pos = def.db_column.as_ref().map_or(def.name.pos, |c| c.pos);
                let file = self.def_file(def);
                self.err_help(
                    &file,
                    pos,
                    format!("field `{}` uses column `{}`, which field `{other}` already uses", field.name, field.column),
                    Some("give one of them another `db_column`".into()),
                );
            }
        }
    }

    fn build_field(&mut self, id: ModelId, def: &FieldDef, ty: &'static FieldType) -> Option<(Field, Option<ChoiceEnum>)> {
        let file = self.def_file(def);
        let model_name = self.model(id).name.value.clone();
        let name = def.name.value.clone();
        let null = FieldDef::flag(&def.null);
        let primary_key = FieldDef::flag(&def.primary_key);
        let auto_now = FieldDef::flag(&def.auto_now);
        let auto_now_add = FieldDef::flag(&def.auto_now_add);
        let is_fk = matches!(ty.kind, Kind::ForeignKey | Kind::OneToOne);
        let attname = if is_fk { format!("{name}_id") } else { name.clone() };
        let column = def.db_column.as_ref().map_or_else(|| attname.clone(), |c| c.value.clone());
        // Django: unique for O2O and pks; blank for auto_now fields.
        let unique = FieldDef::flag(&def.unique) || ty.kind == Kind::OneToOne || primary_key;
        let blank = FieldDef::flag(&def.blank) || auto_now || auto_now_add;
        let editable = def.editable.as_ref().is_none_or(|e| e.value) && !(auto_now || auto_now_add) && ty.kind != Kind::Auto;
        let max_length = def.max_length.as_ref().map(|m| m.value).or(ty.default_max_length).filter(|_| ty.takes_max_length());

        let mut relation = None;
        let mut value_type = ty.rust.to_string();
        let mut related_sql = None;
        let mut copy = ty.is_copy();
        if is_fk {
            let target = def.to.as_ref().and_then(|to| self.lookup(&file, id, to, &format!("field `{name}`")));
            let target = target.map(|t| Target { id: t })?;
            if self.model(target.id).meta.is_abstract {
                self.abstract_target(&file, def, target.id);
                return None;
            }
            let (target_column, target_type) = self.target_pk(target.id)?;
            let rust = target_type.rust.to_string();
            related_sql = Some(self.rel_sql_type(target.id)?);
            value_type = rust;
            copy = target_type.is_copy();
            let related_accessor = match &def.related_name {
                Some(rn) => rn.value.clone(),
                None if ty.kind == Kind::OneToOne => model_name.to_lowercase(),
                None => format!("{}_set", model_name.to_lowercase()),
            };
            let on_delete = def
                .on_delete
                .as_ref()
                .and_then(|o| ON_DELETE.iter().find(|(d, _)| *d == o.value))
                .map_or("Cascade", |(_, r)| r)
                .to_string();
            relation = Some(ir::Relation {
                target_path: self.rust_path(id, target.id),
                target_label: self.label(target.id),
                target_table: self.table_of(target.id),
                target_column,
                on_delete,
                one_to_one: ty.kind == Kind::OneToOne,
                parent_link: false,
                db_constraint: def.db_constraint.as_ref().is_none_or(|d| d.value),
                related_accessor,
                accessor: types::rust_ident(&name),
                setter: format!("set_{name}"),
                target_meta: String::new(),
            });
        }

        let mut choice_enum = None;
        // Choices on a relation are reported by `check_options`.
        if let Some(choices) = def.choices.as_ref().filter(|_| !ty.is_relation()) {
            choice_enum = self.build_choices(&file, &model_name, def, ty, &choices.value);
            if let Some(e) = &choice_enum {
                value_type = e.name.clone();
                copy = false;
            }
        }

        let auto = ty.kind == Kind::Auto;
        let (default_expr, default_static) = self.default_for(&file, def, ty, &value_type, choice_enum.as_ref(), null)?;
        let rust_type = if null || auto { format!("Option<{value_type}>") } else { value_type.clone() };
        let is_text = ty.kind == Kind::Text && choice_enum.is_none();
        let is_date = matches!(ty.kind, Kind::Date | Kind::DateTime);
        let sql_type = related_sql.unwrap_or_else(|| ty.sql.replace("{max_length}", &max_length.unwrap_or(0).to_string()));
        let check = ty.check.map(|c| c.replace("{column}", &column));
        // Django indexes ForeignKeys and SlugFields unless told otherwise; a
        // unique column is indexed by its constraint already.
        let db_index = def.db_index.as_ref().map_or(matches!(ty.kind, Kind::ForeignKey) || ty.name == "SlugField", |d| d.value) && !unique;
        let blank_checked = editable
            && !blank
            && choice_enum.is_none()
            && (null || matches!(ty.kind, Kind::Text | Kind::Json));
        let field = Field {
            blank_checked,
            copy,
            sql_type,
            check,
            db_index,
            ident: types::rust_ident(&attname),
            plain_ident: attname.clone(),
            const_name: name.to_shouty_snake_case(),
            column,
            table: self.table_of(id),
            django_type: ty.name.to_string(),
            rust_type,
            value_type,
            null,
            blank,
            primary_key,
            auto,
            unique,
            editable,
            default_expr,
            default_static,
            auto_now,
            auto_now_add,
            now_expr: (auto_now || auto_now_add).then(|| {
                let now = match ty.kind {
                    Kind::Date => "now.date_naive()",
                    Kind::Time => "now.time()",
                    _ => "now",
                };
                wrap_some(now, null)
            }),
            decimal_places: def.decimal_places.as_ref().map(|d| d.value).filter(|_| ty.kind == Kind::Decimal),
            max_length,
            doc: def.help_text.as_ref().map(|h| h.value.clone()),
            verbose_name: def.verbose_name.as_ref().map_or_else(|| name.replace('_', " "), |v| v.value.clone()),
            choices: choice_enum.as_ref().map(|e| e.name.clone()),
            relation,
            copy_policy: String::new(),
            is_text,
            is_date,
            name,
        };
        Some((field, choice_enum))
    }

    fn build_choices(
        &mut self,
        file: &str,
        model_name: &str,
        def: &FieldDef,
        ty: &FieldType,
        choices: &[crate::schema::ChoiceDef],
    ) -> Option<ChoiceEnum> {
        let is_text = ty.kind == Kind::Text;
        let choices_pos = def.choices.as_ref().map_or(def.name.pos, |c| c.pos);
        if !is_text && ty.kind != Kind::Integer {
            self.err_help(
                file,
                choices_pos,
                format!("choices are supported on text and integer fields, not {}", ty.name),
                Some("remove `choices`, or use a CharField or IntegerField".into()),
            );
            return None;
        }
        if choices.is_empty() {
            self.err_help(
                file,
                choices_pos,
                format!("`choices` of `{}` is empty", def.name.value),
                Some("list at least one [value, label] pair, or remove `choices`".into()),
            );
            return None;
        }
        let mut variants: Vec<ChoiceVariant> = Vec::new();
        let mut seen_values: BTreeMap<String, Pos> = BTreeMap::new();
        for choice in choices {
            let Node::Scalar { value, plain, pos, .. } = &choice.value else { continue };
            let literal = if is_text {
                if let Some(max_length) = def.max_length.as_ref().map(|m| m.value).or(ty.default_max_length) {
                    if value.chars().count() > max_length as usize {
                        self.err_help(
                            file,
                            *pos,
                            format!("choice value `{value}` is longer than max_length {max_length}"),
                            Some(format!("shorten the value, or raise `max_length` to at least {}", value.chars().count())),
                        );
                    }
                }
                format!("{value:?}")
            } else {
                match value.parse::<i64>() {
                    Ok(n) if *plain => {
                        if let Some(range) = integer_range(ty).filter(|r| !r.contains(&n)) {
                            self.err_help(
                                file,
                                *pos,
                                format!("choice value {n} is out of range for {}", ty.name),
                                Some(format!("{} holds {} to {}", ty.name, range.start(), range.end())),
                            );
                        }
                        n.to_string()
                    }
                    _ => {
                        self.err_help(
                            file,
                            *pos,
                            format!(
                                "choice value `{value}` is not an integer, but `{}` is {} {}",
                                def.name.value,
                                article(ty.name),
                                ty.name
                            ),
                            Some("write the value as a number, e.g. `[1, Low]`".into()),
                        );
                        continue;
                    }
                }
            };
            if let Some(first) = seen_values.get(&literal) {
                self.err_help(
                    file,
                    *pos,
                    format!("duplicate choice value `{value}` (first at line {}, column {})", first.line, first.col),
                    Some("each value can be chosen once; remove or change one of the pairs".into()),
                );
                continue;
            }
            seen_values.insert(literal.clone(), *pos);
            let mut ident = choice.label.value.to_upper_camel_case();
            if ident.is_empty() || !ident.starts_with(|c: char| c.is_ascii_alphabetic()) || ident == "Other" {
                ident = format!("V{}", value.to_upper_camel_case());
            }
            while variants.iter().any(|v| v.ident == ident) {
                ident.push('_');
            }
            variants.push(ChoiceVariant { ident, literal, label: choice.label.value.clone() });
        }
        Some(ChoiceEnum {
            name: format!("{model_name}{}", def.name.value.to_upper_camel_case()),
            value_type: if is_text { "String".into() } else { "i64".into() },
            is_text,
            variants,
        })
    }

    /// The constructor expression for a field and its static form for
    /// SET_DEFAULT, or an empty expression when the constructor must take it.
    fn default_for(
        &mut self,
        file: &str,
        def: &FieldDef,
        ty: &FieldType,
        value_type: &str,
        choices: Option<&ChoiceEnum>,
        null: bool,
    ) -> Option<(String, Option<String>)> {
        let auto_now = FieldDef::flag(&def.auto_now) || FieldDef::flag(&def.auto_now_add);
        let Some(node) = &def.default else {
            if ty.kind == Kind::Auto || null {
                return Some(("None".into(), Some("DefaultValue::Null".into())));
            }
            if auto_now {
                let now = match ty.kind {
                    Kind::Date => "::modelgen_runtime::now().date_naive()",
                    Kind::Time => "::modelgen_runtime::now().time()",
                    _ => "::modelgen_runtime::now()",
                };
                return Some((now.into(), None));
            }
            if ty.empty_string {
                return Some(match (choices, ty.kind) {
                    (Some(e), _) => (format!("<{} as ::modelgen_runtime::Choices>::from_value(String::new())", e.name), Some("DefaultValue::Text(\"\")".into())),
                    (None, Kind::Binary) => ("Vec::new()".into(), None),
                    _ => ("String::new()".into(), Some("DefaultValue::Text(\"\")".into())),
                });
            }
            // Django's empty value is None: the constructor takes the value.
            return Some((String::new(), None));
        };
        if node.is_null() {
            if null {
                return Some(("None".into(), Some("DefaultValue::Null".into())));
            }
            self.err_help(
                file,
                node.pos(),
                format!("default `null` for `{}`, which is not nullable", def.name.value),
                Some("add `null: true`, or give a value".into()),
            );
            return None;
        }
        let Node::Scalar { value, plain, pos, .. } = node else {
            if ty.kind == Kind::Json {
                let json = node_to_json(node);
                let expr = format!("::modelgen_runtime::serde_json::json!({json})");
                return Some((wrap_some(&expr, null), None));
            }
            self.err_help(
                file,
                node.pos(),
                format!("default for `{}` must be a single value, found {}", def.name.value, node.kind_name()),
                Some("only a JSONField takes a list or mapping as its default".into()),
            );
            return None;
        };
        let (value, plain, pos) = (value.as_str(), *plain, *pos);
        // A ForeignKey's default is a primary key of its target.
        let text_key = matches!(ty.kind, Kind::ForeignKey | Kind::OneToOne) && value_type == "String";
        let wrong = |this: &mut Self, expected: &str| {
            let number_like = value.parse::<f64>().is_ok() || value == "true" || value == "false";
            let help = match ty.kind {
                Kind::Text => Some(format!("quote it: '{value}'")),
                _ if !plain && number_like => Some(format!("remove the quotes: `{value}`")),
                Kind::ForeignKey | Kind::OneToOne if value_type.ends_with("Uuid") => {
                    Some("write the target's key, e.g. `default: 0f8fad5b-d9cb-469f-a165-70867728950e`".into())
                }
                Kind::Integer | Kind::ForeignKey | Kind::OneToOne | Kind::Auto => Some("write a whole number, e.g. `default: 0`".into()),
                Kind::Float => Some("write a number, e.g. `default: 0.5`".into()),
                Kind::Decimal => Some("write a decimal number, e.g. `default: 9.99`".into()),
                Kind::Boolean => Some("write `default: true` or `default: false`".into()),
                Kind::Date => Some("write e.g. `default: 2024-01-31`, or `default: today`".into()),
                Kind::DateTime => Some("a fixed datetime default is not supported; use `now`, or `auto_now_add: true`".into()),
                Kind::Time => Some("a fixed time default is not supported; use `now`".into()),
                Kind::Duration => Some("write a whole number of seconds, e.g. `default: 3600`".into()),
                Kind::Uuid => Some("`uuid4` gives each row a new random UUID".into()),
                _ => None,
            };
            this.err_help(
                file,
                pos,
                format!("default `{value}` is not {expected}, but `{}` is {} {}", def.name.value, article(ty.name), ty.name),
                help,
            );
            None
        };
        if let Some(choice_enum) = choices {
            let literal = if choice_enum.is_text { format!("{value:?}") } else { value.to_string() };
            return match choice_enum.variants.iter().find(|v| v.literal == literal) {
                Some(variant) => {
                    let expr = format!("{}::{}", choice_enum.name, variant.ident);
                    let stat =
                        if choice_enum.is_text { format!("DefaultValue::Text({literal})") } else { format!("DefaultValue::Integer({literal})") };
                    Some((wrap_some(&expr, null), Some(stat)))
                }
                None => {
                    let values: Vec<&str> = choice_enum.variants.iter().map(|v| v.literal.trim_matches('"')).collect();
                    let help = did_you_mean(value, values.iter().copied()).unwrap_or_else(|| format!("one of: {}", values.join(", ")));
                    self.err_help(file, pos, format!("default `{value}` is not one of the choices of `{}`", def.name.value), Some(help));
                    None
                }
            };
        }
        let looks_non_string = plain && (value.parse::<f64>().is_ok() || value == "true" || value == "false");
        let (expr, stat) = match ty.kind {
            Kind::Text if looks_non_string => return wrong(self, "a string"),
            Kind::Text => {
                let max_length = def.max_length.as_ref().map(|m| m.value).or(ty.default_max_length).filter(|_| ty.takes_max_length());
                if let Some(max_length) = max_length.filter(|m| value.chars().count() > *m as usize) {
                    self.err_help(
                        file,
                        pos,
                        format!("default `{value}` is longer than `max_length` {max_length} of `{}`", def.name.value),
                        Some(format!("shorten the default, or raise `max_length` to at least {}", value.chars().count())),
                    );
                    return None;
                }
                (format!("{value:?}.to_string()"), Some(format!("DefaultValue::Text({value:?})")))
            }
            Kind::ForeignKey | Kind::OneToOne if text_key => {
                (format!("{value:?}.to_string()"), Some(format!("DefaultValue::Text({value:?})")))
            }
            Kind::Binary => (format!("{value:?}.as_bytes().to_vec()"), None),
            // A ForeignKey's default is a key of its target: text for a text pk.
            Kind::ForeignKey | Kind::OneToOne if value_type == "String" => {
                (format!("{value:?}.to_string()"), Some(format!("DefaultValue::Text({value:?})")))
            }
            Kind::ForeignKey | Kind::OneToOne if value_type.ends_with("Uuid") => match uuid_hex(value) {
                Some(hex) => (
                    format!("::modelgen_runtime::uuid::Uuid::from_u128(0x{hex})"),
                    Some(format!("DefaultValue::Text({hex:?})")),
                ),
                None => return wrong(self, "a UUID"),
            },
            Kind::Integer | Kind::ForeignKey | Kind::OneToOne | Kind::Auto => {
                let Ok(n) = value.parse::<i64>() else { return wrong(self, "an integer") };
                if !plain {
                    return wrong(self, "an integer");
                }
                let in_range = match value_type {
                    "i16" => i16::try_from(n).is_ok(),
                    "i32" => i32::try_from(n).is_ok(),
                    "u16" => u16::try_from(n).is_ok(),
                    "u32" => u32::try_from(n).is_ok(),
                    _ => !ty.name.starts_with("Positive") || n >= 0,
                };
                if !in_range {
                    let help = integer_range(ty)
                        .or_else(|| match value_type {
                            "i16" => Some(i64::from(i16::MIN)..=i64::from(i16::MAX)),
                            "i32" => Some(i64::from(i32::MIN)..=i64::from(i32::MAX)),
                            "u16" => Some(0..=i64::from(u16::MAX)),
                            "u32" => Some(0..=i64::from(u32::MAX)),
                            _ => None,
                        })
                        .map(|r| format!("{} holds {} to {}", ty.name, r.start(), r.end()));
                    self.err_help(file, pos, format!("default {n} is out of range for {}", ty.name), help);
                    return None;
                }
                (format!("{n}{}", suffix_for(value_type)), Some(format!("DefaultValue::Integer({n})")))
            }
            Kind::Float => {
                let Ok(f) = value.parse::<f64>() else { return wrong(self, "a number") };
                if !plain {
                    return wrong(self, "a number");
                }
                (format!("{f:?}_f64"), Some(format!("DefaultValue::Real({f:?})")))
            }
            Kind::Decimal => {
                if value.parse::<f64>().is_err() || !value.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) {
                    return wrong(self, "a decimal number");
                }
                if let (Some(digits), Some(places)) = (&def.max_digits, &def.decimal_places) {
                    let unsigned = value.trim_start_matches(['-', '+']);
                    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
                    let whole_digits = whole.trim_start_matches('0').len() as u32;
                    let fraction_digits = fraction.trim_end_matches('0').len() as u32;
                    let whole_allowed = digits.value.saturating_sub(places.value);
                    if fraction_digits > places.value || whole_digits > whole_allowed {
                        self.err_help(
                            file,
                            pos,
                            format!(
                                "default `{value}` does not fit `max_digits: {}, decimal_places: {}` of `{}`",
                                digits.value, places.value, def.name.value
                            ),
                            Some(format!(
                                "at most {whole_allowed} digit(s) before the point and {} after it",
                                places.value
                            )),
                        );
                        return None;
                    }
                }
                (
                    format!("::modelgen_runtime::rust_decimal::Decimal::from_str_exact({value:?}).unwrap_or_default()"),
                    Some(format!("DefaultValue::Text({value:?})")),
                )
            }
            Kind::Boolean => match (value, plain) {
                ("true", true) => ("true".into(), Some("DefaultValue::Integer(1)".into())),
                ("false", true) => ("false".into(), Some("DefaultValue::Integer(0)".into())),
                _ => return wrong(self, "`true` or `false`"),
            },
            Kind::Date => match value {
                "today" | "now" => ("::modelgen_runtime::now().date_naive()".into(), None),
                _ if is_date(value) => (
                    format!("::modelgen_runtime::chrono::NaiveDate::parse_from_str({value:?}, \"%Y-%m-%d\").unwrap_or_default()"),
                    Some(format!("DefaultValue::Text({value:?})")),
                ),
                _ => return wrong(self, "a valid date (`YYYY-MM-DD` or `today`)"),
            },
            Kind::DateTime => match value {
                "now" => ("::modelgen_runtime::now()".into(), None),
                _ => return wrong(self, "`now`"),
            },
            Kind::Time => match value {
                "now" => ("::modelgen_runtime::now().time()".into(), None),
                _ => return wrong(self, "`now`"),
            },
            Kind::Duration => {
                let Ok(seconds) = value.parse::<i64>() else { return wrong(self, "a whole number of seconds") };
                (
                    format!("::modelgen_runtime::chrono::TimeDelta::seconds({seconds})"),
                    Some(format!("DefaultValue::Integer({})", seconds.saturating_mul(1_000_000))),
                )
            }
            Kind::Uuid => match value {
                "uuid4" => ("::modelgen_runtime::uuid::Uuid::new_v4()".into(), None),
                _ => return wrong(self, "`uuid4`"),
            },
            Kind::Json => {
                let json = node_to_json(node);
                (format!("::modelgen_runtime::serde_json::json!({json})"), None)
            }
            Kind::ManyToMany => return None,
        };
        Some((wrap_some(&expr, null), stat))
    }

    fn build_many_to_many(&mut self, id: ModelId, def: &FieldDef, table: &str) -> Option<ir::ManyToMany> {
        let file = self.def_file(def);
        let name = def.name.value.clone();
        let model_lower = self.model(id).name.value.to_lowercase();
        let target = self.lookup(&file, id, def.to.as_ref()?, &format!("field `{name}`"))?;
        if self.model(target).meta.is_abstract {
            self.abstract_target(&file, def, target);
            return None;
        }
        if let Some(symmetrical) = &def.symmetrical {
            if target != id {
                self.err_help(
                    &file,
                    symmetrical.pos,
                    "`symmetrical` only applies to a ManyToManyField to `self`",
                    Some("remove it; a relation between two models is never symmetrical".into()),
                );
            }
        }
        let target_lower = self.model(target).name.value.to_lowercase();
        let target_table = self.table_of(target);
        let rel_type = |this: &Self, of: ModelId| -> Option<(String, String)> {
            let (column, _) = this.target_pk(of)?;
            Some((column, this.rel_sql_type(of)?))
        };
        let (source_pk_column, source_sql_type) = rel_type(self, id)?;
        let (target_pk_column, target_sql_type) = rel_type(self, target)?;
        let (source_column, target_column, through_table, through_path, auto_created) = match &def.through {
            None => {
                let (s, t) = if target == id {
                    (format!("from_{model_lower}_id"), format!("to_{target_lower}_id"))
                } else {
                    (format!("{model_lower}_id"), format!("{target_lower}_id"))
                };
                (s, t, format!("{table}_{name}"), None, true)
            }
            Some(through_ref) => {
                let through = self.lookup(&file, id, through_ref, &format!("`through` of `{name}`"))?;
                let through_fields = self.flat_fields.get(&through).cloned().unwrap_or_default();
                let fk_to = |wanted: ModelId, this: &mut Self| -> Vec<String> {
                    through_fields
                        .iter()
                        .filter(|f| matches!(f.type_name.value.as_str(), "ForeignKey" | "OneToOneField"))
                        .filter(|f| f.to.as_ref().is_some_and(|to| this.peek(through, &to.value) == Some(wanted)))
                        .map(|f| f.db_column.as_ref().map_or_else(|| format!("{}_id", f.name.value), |c| c.value.clone()))
                        .collect()
                };
                let to_source = fk_to(id, self);
                let to_target = fk_to(target, self);
                let through_name = self.model(through).name.value.clone();
                if to_source.is_empty() || to_target.is_empty() || (target == id && to_source.len() < 2) {
                    let missing = if to_source.is_empty() { self.model(id).name.value.clone() } else { self.model(target).name.value.clone() };
                    self.err_help(
                        &file,
                        through_ref.pos,
                        format!("through model `{through_name}` of `{name}` has no ForeignKey to `{missing}`"),
                        Some(format!(
                            "a through model needs a ForeignKey to each side: `{}` and `{}`",
                            self.model(id).name.value,
                            self.model(target).name.value
                        )),
                    );
                    return None;
                }
                if target != id && (to_source.len() > 1 || to_target.len() > 1) {
                    self.err_help(
                        &file,
                        through_ref.pos,
                        format!("through model `{through_name}` has more than one ForeignKey to one side of `{name}`; modelgen cannot tell which to use"),
                        Some(format!(
                            "keep one ForeignKey to `{}` and one to `{}` in `{through_name}` (`through_fields` is not supported)",
                            self.model(id).name.value,
                            self.model(target).name.value
                        )),
                    );
                    return None;
                }
                let (s, t) = if target == id { (to_source[0].clone(), to_source[1].clone()) } else { (to_source[0].clone(), to_target[0].clone()) };
                (s, t, self.table_of(through), Some(self.rust_path(id, through)), false)
            }
        };
        Some(ir::ManyToMany {
            accessor: types::rust_ident(&name),
            name,
            target_path: self.rust_path(id, target),
            target_label: self.label(target),
            through_table,
            source_column,
            target_column,
            target_table,
            source_sql_type,
            target_sql_type,
            source_pk_column,
            target_pk_column,
            db_constraint: def.db_constraint.as_ref().is_none_or(|d| d.value),
            auto_created,
            symmetrical: target == id && def.symmetrical.as_ref().is_none_or(|s| s.value),
            through_defaults: Vec::new(),
            through_path,
            target_meta: String::new(),
            through_meta: None,
            copy_policy: String::new(),
        })
    }

    /// A relation pointing at an abstract model, which has no table.
    fn abstract_target(&mut self, file: &str, def: &FieldDef, target: ModelId) {
        let Some(to) = def.to.as_ref() else { return };
        let children: Vec<String> = self
            .models
            .values()
            .filter(|&&m| self.parent_of(m) == Some(target) && !self.model(m).meta.is_abstract)
            .map(|&m| format!("`{}`", self.model(m).name.value))
            .collect();
        let help = if children.is_empty() {
            "point at a concrete model, or drop `abstract: true` from the target".to_string()
        } else {
            format!("point at a concrete model that extends it: {}", children.join(", "))
        };
        self.err_help(
            file,
            to.pos,
            format!("field `{}` points at the abstract model `{}`, which has no table", def.name.value, to.value),
            Some(help),
        );
    }

    /// `lookup` without reporting errors.
    fn peek(&self, from: ModelId, text: &str) -> Option<ModelId> {
        if text == "self" {
            return Some(from);
        }
        let (app, name) = match text.split_once('.') {
            Some((a, n)) => (a.to_string(), n.to_string()),
            None => (self.app(from).to_string(), text.to_string()),
        };
        self.models.get(&(app, name)).copied()
    }

    /// `{name} ({pub_date})` -> a format string and the fields it reads.
    /// Errors point at the placeholder inside the string when its text can be
    /// located, else at the string.
    fn format_template(
        &mut self,
        file: &str,
        template: &Spanned<String>,
        fields: &[Field],
        many_to_many: &[ir::ManyToMany],
        key: &str,
    ) -> Option<FormatTemplate> {
        let mut format = String::new();
        let mut args = Vec::new();
        let mut chars = template.value.chars().enumerate().peekable();
        let mut ok = true;
        while let Some((offset, c)) = chars.next() {
            let at = template.pos_at(offset);
            match c {
                '{' if chars.peek().map(|(_, n)| *n) == Some('{') => {
                    chars.next();
                    format.push_str("{{");
                }
                '}' if chars.peek().map(|(_, n)| *n) == Some('}') => {
                    chars.next();
                    format.push_str("}}");
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for (_, n) in chars.by_ref() {
                        if n == '}' {
                            closed = true;
                            break;
                        }
                        name.push(n);
                    }
                    if !closed {
                        self.err_help(
                            file,
                            at,
                            format!("unclosed `{{` in `{key}`"),
                            Some("close the placeholder with `}`, or write `{{` for a literal brace".into()),
                        );
                        return None;
                    }
                    ok &= self.placeholder(file, at, &name, fields, many_to_many, key, &mut format, &mut args);
                }
                '}' => {
                    ok = false;
                    self.err_help(
                        file,
                        at,
                        format!("unmatched `}}` in `{key}`"),
                        Some("open the placeholder with `{`, or write `}}` for a literal brace".into()),
                    );
                }
                other => format.push(other),
            }
        }
        ok.then_some(FormatTemplate { format, args })
    }

    /// One `{name}` of a `str` or `absolute_url` template; false when it is an error.
    #[allow(clippy::too_many_arguments)]
    fn placeholder(
        &mut self,
        file: &str,
        at: Pos,
        name: &str,
        fields: &[Field],
        many_to_many: &[ir::ManyToMany],
        key: &str,
        format: &mut String,
        args: &mut Vec<String>,
    ) -> bool {
        let find = |name: &str| {
            if name == "pk" {
                fields.iter().find(|f| f.primary_key)
            } else {
                fields.iter().find(|f| f.name == name || f.plain_ident == name)
            }
        };
        if name.trim().is_empty() {
            self.err_help(
                file,
                at,
                format!("empty placeholder `{{{name}}}` in `{key}`"),
                Some("name a field inside the braces, e.g. `{id}`".into()),
            );
            return false;
        }
        if let Some((field_name, _)) = name.split_once([':', '!']) {
            if find(field_name.trim()).is_some() {
                self.err_help(
                    file,
                    at,
                    format!("`{key}` placeholder `{{{name}}}` has a format spec, which is not supported"),
                    Some(format!("write `{{{}}}`", field_name.trim())),
                );
                return false;
            }
        }
        match find(name) {
            Some(f) if f.relation.is_some() && f.name == name && !f.primary_key => {
                self.err_help(
                    file,
                    at,
                    format!("`{key}` placeholder `{{{name}}}` names a relation"),
                    Some(format!("use `{{{name}_id}}` for the stored key")),
                );
                false
            }
            Some(f) => {
                format.push_str("{}");
                args.push(f.ident.clone());
                true
            }
            None if self.failed_fields.contains(name) => false,
            None if many_to_many.iter().any(|m| m.name == name) => {
                self.err_help(
                    file,
                    at,
                    format!("`{key}` placeholder `{{{name}}}` names the ManyToManyField `{name}`"),
                    Some("a many-to-many relation has no single value to show; name a field".into()),
                );
                false
            }
            None => {
                let help = self.fields_hint(name);
                self.err_help(file, at, format!("`{key}` placeholder `{{{name}}}` names no field"), help);
                false
            }
        }
    }

    /// Fill in reverse accessors and check they clash with nothing.
    fn add_reverse_relations(&mut self, models: &mut BTreeMap<ModelId, Model>) {
        let label_to_id: BTreeMap<String, ModelId> = models.iter().map(|(id, m)| (m.label.clone(), *id)).collect();
        let mut additions: Vec<(ModelId, ir::Reverse, ModelId, String)> = Vec::new();
        for (&source_id, model) in models.iter() {
            for field in &model.fields {
                let Some(rel) = &field.relation else { continue };
                let Some(&target_id) = label_to_id.get(&rel.target_label) else { continue };
                additions.push((
                    target_id,
                    ir::Reverse {
                        method: types::rust_ident(&rel.related_accessor),
                        accessor: rel.related_accessor.clone(),
                        source_path: self.rust_path(target_id, source_id),
                        source_label: model.label.clone(),
                        source_const: field.const_name.clone(),
                        kind: if rel.one_to_one { ir::ReverseKind::OneToOne } else { ir::ReverseKind::ForeignKey },
                        through_table: String::new(),
                        source_column: field.column.clone(),
                        target_column: String::new(),
                        target_table: model.table.clone(),
                        auto_created: false,
                        symmetrical: false,
                        through_defaults: Vec::new(),
                    },
                    source_id,
                    field.name.clone(),
                ));
            }
            for m2m in &model.many_to_many {
                let Some(&target_id) = label_to_id.get(&m2m.target_label) else { continue };
                let def = self
                    .flat_fields
                    .get(&source_id)
                    .and_then(|fs| fs.iter().find(|f| f.name.value == m2m.name).copied());
                let symmetrical = target_id == source_id && def.and_then(|d| d.symmetrical.as_ref()).is_none_or(|s| s.value);
                if symmetrical {
                    continue;
                }
                let accessor = def
                    .and_then(|d| d.related_name.as_ref())
                    .map_or_else(|| format!("{}_set", model.name.to_lowercase()), |r| r.value.clone());
                additions.push((
                    target_id,
                    ir::Reverse {
                        method: types::rust_ident(&accessor),
                        accessor,
                        source_path: self.rust_path(target_id, source_id),
                        source_label: model.label.clone(),
                        source_const: m2m.name.clone(),
                        kind: ir::ReverseKind::ManyToMany,
                        through_table: m2m.through_table.clone(),
                        source_column: m2m.target_column.clone(),
                        target_column: m2m.source_column.clone(),
                        target_table: model.table.clone(),
                        auto_created: m2m.auto_created,
                        symmetrical: m2m.symmetrical,
                        through_defaults: m2m.through_defaults.clone(),
                    },
                    source_id,
                    m2m.name.clone(),
                ));
            }
        }
        for (target_id, reverse, source_id, field_name) in additions {
            // Django: a related_name ending with `+` means no reverse accessor.
            if reverse.accessor.ends_with('+') {
                continue;
            }
            let source_file = self.file(source_id).to_string();
            let pos = self
                .flat_fields
                .get(&source_id)
                .and_then(|fs| fs.iter().find(|f| f.name.value == field_name))
                .map_or_else(Pos::default, |f| f.related_name.as_ref().map_or(f.name.pos, |r| r.pos));
            let Some(target) = models.get_mut(&target_id) else { continue };
            let clash_field = target.fields.iter().any(|f| f.name == reverse.accessor || f.plain_ident == reverse.accessor)
                || target.many_to_many.iter().any(|m| m.accessor == reverse.accessor);
            let clash_reverse = target.reverse.iter().find(|r| r.accessor == reverse.accessor).map(|r| r.source_label.clone());
            let clash_method = GENERATED_METHODS.contains(&reverse.accessor.as_str());
            if clash_field || clash_reverse.is_some() || clash_method {
                let with = if let Some(other) = clash_reverse {
                    format!("the reverse accessor of a relation on `{other}`")
                } else if clash_method {
                    format!("the generated method `{}()`", reverse.accessor)
                } else {
                    format!("field `{}`", reverse.accessor)
                };
                self.err_help(
                    &source_file,
                    pos,
                    format!("reverse accessor `{}.{}` for field `{field_name}` clashes with {with}", target.name, reverse.accessor),
                    Some("add or change `related_name` on this field".into()),
                );
                continue;
            }
            target.reverse.push(reverse);
        }
    }

    fn check_clone_policies(&mut self, id: ModelId, models: &BTreeMap<ModelId, Model>) {
        let Some(model) = models.get(&id) else { return };
        let def = self.model(id);
        let file = self.file(id).to_string();
        for (name, policy) in &def.clone {
            let field = model.fields.iter().find(|f| f.name == name.value);
            let m2m = model.many_to_many.iter().find(|m| m.name == name.value);
            let reverse = model.reverse.iter().find(|r| r.accessor == name.value);
            let (allowed, what): (&[&str], &str) = match (field, m2m, reverse) {
                (Some(f), _, _) if f.primary_key => {
                    self.err_help(
                        &file,
                        name.pos,
                        format!("the primary key `{}` cannot have a clone policy", name.value),
                        Some("a copy always gets a new primary key; remove this line".into()),
                    );
                    continue;
                }
                (Some(f), _, _) if f.relation.as_ref().is_some_and(|r| r.one_to_one) => {
                    if policy.value == "keep" || policy.value == "link" {
                        self.err_help(
                            &file,
                            policy.pos,
                            format!("`{}` on the one-to-one `{}`: a copy cannot share its target", policy.value, name.value),
                            Some(if f.null { "use `skip` (set null), `copy` or `supplied`".into() } else { "use `copy` or `supplied`".into() }),
                        );
                        continue;
                    }
                    if policy.value == "skip" && !f.null {
                        self.err_help(
                            &file,
                            policy.pos,
                            format!("`skip` on the one-to-one `{}`, which is not nullable", name.value),
                            Some("use `copy` or `supplied`".into()),
                        );
                        continue;
                    }
                    (FORWARD_RELATION_POLICIES, "a one-to-one")
                }
                (Some(f), _, _) if f.relation.is_some() => {
                    if policy.value == "skip" && !f.null {
                        self.err_help(
                            &file,
                            policy.pos,
                            format!("`skip` on `{}`, which is not nullable", name.value),
                            Some("use `keep`, `copy` or `supplied`".into()),
                        );
                        continue;
                    }
                    (FORWARD_RELATION_POLICIES, "a foreign key")
                }
                (Some(f), _, _) if f.auto_now || f.auto_now_add => {
                    let option = if f.auto_now { "auto_now" } else { "auto_now_add" };
                    self.err_help(
                        &file,
                        name.pos,
                        format!("`{}` is {option}: a copy always takes a fresh value, so it cannot have a clone policy", name.value),
                        Some("remove this line".into()),
                    );
                    continue;
                }
                (Some(f), _, _) => {
                    if policy.value == "exclude" && f.default_expr.is_empty() {
                        self.err_help(
                            &file,
                            policy.pos,
                            format!("`exclude` on `{}`, which has no default to go back to", name.value),
                            Some("give the field a `default`, or use `supplied`".into()),
                        );
                        continue;
                    }
                    if policy.value == "clear" && f.unique && !f.null {
                        self.err_help(
                            &file,
                            policy.pos,
                            format!("`clear` on `{}`, which is unique and not nullable: two copies would clash", name.value),
                            Some("use `suffix` or `supplied`, or add `null: true`".into()),
                        );
                        continue;
                    }
                    if policy.value == "suffix" && f.choices.is_some() {
                        self.err_help(
                            &file,
                            policy.pos,
                            format!("`suffix` on `{}`, which has choices: \" copy N\" is not one of them", name.value),
                            Some("use `exclude`, `clear` or `supplied`".into()),
                        );
                        continue;
                    }
                    if policy.value == "suffix" && !f.is_text {
                        self.err_help(
                            &file,
                            policy.pos,
                            format!("`suffix` on `{}`, which is not a text field", name.value),
                            Some("use `clear`, `exclude` or `supplied`".into()),
                        );
                        continue;
                    }
                    if policy.value == "clear" && !f.null && !f.is_text {
                        self.err_help(
                            &file,
                            policy.pos,
                            format!("`clear` on `{}`, which is neither nullable nor text", name.value),
                            Some("use `exclude` (reset to default) or `supplied`".into()),
                        );
                        continue;
                    }
                    (FIELD_POLICIES, "a field")
                }
                (None, Some(_), _) => (MANY_TO_MANY_POLICIES, "a many-to-many relation"),
                (None, None, Some(_)) => (REVERSE_POLICIES, "a reverse relation"),
                (None, None, None) if self.flat_fields.get(&id).is_some_and(|fs| fs.iter().any(|f| f.name.value == name.value)) => {
                    // The field exists but has errors of its own.
                    continue;
                }
                (None, None, None) if self.declared_related_name(&name.value) => {
                    // A reverse accessor whose relation failed (an unknown
                    // target, say) is reported with that relation.
                    continue;
                }
                (None, None, None) => {
                    let mut names: Vec<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
                    names.extend(model.many_to_many.iter().map(|m| m.name.as_str()));
                    names.extend(model.reverse.iter().map(|r| r.accessor.as_str()));
                    let help = did_you_mean(&name.value, names.iter().copied());
                    self.err_help(&file, name.pos, format!("clone policy for unknown field or relation `{}`", name.value), help);
                    continue;
                }
            };
            if policy.value == "copy" && allowed.contains(&"copy") {
                // A fork copies the rows this relation reaches; their model
                // must be able to get new keys on its own.
                let target = field
                    .and_then(|f| f.relation.as_ref().map(|r| r.target_label.clone()))
                    .or_else(|| m2m.map(|m| m.target_label.clone()))
                    .or_else(|| reverse.map(|r| r.source_label.clone()));
                let target_model = target.and_then(|label| models.values().find(|m| m.label == label));
                if let Some(target) = target_model {
                    // The key of the chain's root, which every table shares.
                    let key = target.all_fields.iter().find(|f| f.primary_key);
                    let root_has_default = |k: &Field| models.values().any(|m| m.table == k.table && m.pk_has_default);
                    if key.is_some_and(|k| !k.auto && !root_has_default(k)) {
                        self.err_help(
                            &file,
                            policy.pos,
                            format!(
                                "`copy` on `{}`: a fork cannot give copies of `{}` new keys (its primary key is neither automatic nor has a default)",
                                name.value, target.label
                            ),
                            Some("use `link`/`keep` or `skip`, or give the model an automatic key".into()),
                        );
                        continue;
                    }
                }
            }
            if !allowed.contains(&policy.value.as_str()) {
                let help = did_you_mean(&policy.value, allowed.iter().copied()).unwrap_or_else(|| format!("one of: {}", allowed.join(", ")));
                let known = [FIELD_POLICIES, FORWARD_RELATION_POLICIES, MANY_TO_MANY_POLICIES, REVERSE_POLICIES]
                    .iter()
                    .any(|policies| policies.contains(&policy.value.as_str()));
                let message = if known {
                    format!("clone policy `{}` does not apply to {what} (`{}`)", policy.value, name.value)
                } else {
                    format!("unknown clone policy `{}` for `{}`", policy.value, name.value)
                };
                self.err_help(&file, policy.pos, message, Some(help));
            }
        }
    }
}

/// Declared fields that did not make it into the built model (each has
/// been reported), with the `_id` attribute of relations.
fn failed_fields(flat: &[&FieldDef], fields: &[Field], many_to_many: &[ir::ManyToMany]) -> BTreeSet<String> {
    flat.iter()
        .filter(|d| !fields.iter().any(|f| f.name == d.name.value) && !many_to_many.iter().any(|m| m.name == d.name.value))
        .flat_map(|d| [d.name.value.clone(), format!("{}_id", d.name.value)])
        .collect()
}

fn relation_rename_help(name: &str, is_fk: bool) -> String {
    if is_fk {
        format!("rename the field and keep the column with `db_column: {name}_id`")
    } else {
        "rename the field".into()
    }
}

/// `a` or `an` before a field type name, as it is read aloud.
fn article(type_name: &str) -> &'static str {
    if type_name.starts_with(['A', 'E', 'I', 'O']) {
        "an"
    } else {
        "a"
    }
}

fn auto_field(name: &str, ty: &FieldType) -> Field {
    Field {
        name: name.into(),
        ident: name.into(),
        plain_ident: name.into(),
        const_name: name.to_shouty_snake_case(),
        column: name.into(),
        table: String::new(),
        django_type: ty.name.into(),
        sql_type: ty.sql.into(),
        check: None,
        db_index: false,
        rust_type: format!("Option<{}>", ty.rust),
        value_type: ty.rust.into(),
        copy: true,
        null: false,
        blank: true,
        primary_key: true,
        auto: true,
        unique: true,
        editable: false,
        default_expr: "None".into(),
        default_static: None,
        auto_now: false,
        auto_now_add: false,
        now_expr: None,
        decimal_places: None,
        max_length: None,
        doc: None,
        verbose_name: "ID".into(),
        choices: None,
        relation: None,
        copy_policy: String::new(),
        is_text: false,
        is_date: false,
        blank_checked: false,
    }
}

/// The static defaults of each custom through model's extra columns, for
/// `add()` on the many-to-many that uses it.
fn fill_through_defaults(models: &mut BTreeMap<ModelId, Model>) {
    let by_table: BTreeMap<String, Vec<ir::ThroughDefault>> = models
        .values()
        .map(|m| {
            let defaults = m
                .fields
                .iter()
                .filter(|f| !f.primary_key)
                .filter_map(|f| f.default_static.as_ref().map(|value| ir::ThroughDefault { column: f.column.clone(), value: value.clone() }))
                .collect();
            (m.table.clone(), defaults)
        })
        .collect();
    for model in models.values_mut() {
        for m2m in model.many_to_many.iter_mut().filter(|m| !m.auto_created) {
            m2m.through_defaults = by_table
                .get(&m2m.through_table)
                .into_iter()
                .flatten()
                .filter(|d| d.column != m2m.source_column && d.column != m2m.target_column)
                .cloned()
                .collect();
        }
    }
}

/// Apps ordered so that an app comes after the apps its relations point at
/// (ties and cycles: file order).
fn order_apps(apps: Vec<App>) -> Vec<App> {
    let mut remaining = apps;
    let mut ordered: Vec<App> = Vec::new();
    while !remaining.is_empty() {
        let ready = remaining
            .iter()
            .position(|app| app.depends_on.iter().all(|d| ordered.iter().any(|o| &o.label == d) || !remaining.iter().any(|r| &r.label == d)))
            .unwrap_or(0);
        ordered.push(remaining.remove(ready));
    }
    ordered
}

/// The values an integer field type holds (Django's ranges for the sized
/// and positive types), or `None` for one that takes any `i64`.
fn integer_range(ty: &FieldType) -> Option<std::ops::RangeInclusive<i64>> {
    match ty.name {
        "SmallIntegerField" => Some(i64::from(i16::MIN)..=i64::from(i16::MAX)),
        "IntegerField" => Some(i64::from(i32::MIN)..=i64::from(i32::MAX)),
        "PositiveSmallIntegerField" => Some(0..=i64::from(u16::MAX)),
        "PositiveIntegerField" => Some(0..=i64::from(u32::MAX)),
        "PositiveBigIntegerField" => Some(0..=i64::MAX),
        _ => None,
    }
}

/// The 32 lowercase hex digits of a UUID written with or without dashes.
fn uuid_hex(value: &str) -> Option<String> {
    let hex: String = value.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

fn wrap_some(expr: &str, null: bool) -> String {
    if null {
        format!("Some({expr})")
    } else {
        expr.to_string()
    }
}

fn suffix_for(value_type: &str) -> &'static str {
    match value_type {
        "i16" => "_i16",
        "i32" => "_i32",
        "u16" => "_u16",
        "u32" => "_u32",
        _ => "_i64",
    }
}

/// `YYYY-MM-DD` naming a real calendar day.
fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    if !(parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())))
    {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (parts[0].parse::<u32>(), parts[1].parse::<u32>(), parts[2].parse::<u32>()) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1 && (1..=days_in_month).contains(&day)
}

fn node_to_json(node: &Node) -> String {
    match node {
        Node::Scalar { value, plain, .. } => {
            if *plain && (node.is_null()) {
                "null".into()
            } else if *plain && (value == "true" || value == "false" || value.parse::<f64>().is_ok()) {
                value.clone()
            } else {
                format!("{value:?}")
            }
        }
        Node::Seq { items, .. } => format!("[{}]", items.iter().map(node_to_json).collect::<Vec<_>>().join(", ")),
        Node::Map { entries, .. } => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{:?}: {}", k.as_str().unwrap_or_default(), node_to_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn is_python_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `BlogPost` -> `blog post`, as Django's `camel_case_to_spaces`.
fn camel_to_spaces(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && (chars[i - 1].is_ascii_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())) {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
