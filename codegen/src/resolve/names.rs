//! Names and lookups: app labels, model names, references between
//! models, the Rust paths and tables they print as, and field-name checks.

use super::*;

impl<'a> Resolver<'a> {
    pub(super) fn index_apps_and_models(&mut self) {
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
                    Some(format!(
                        "use lowercase letters, digits and underscores, starting with a letter, e.g. `{example}`"
                    )),
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
                        "start with an uppercase ASCII letter and use ASCII letters and digits, e.g. `BlogPost`"
                            .to_string()
                    };
                    self.err_help(
                        &file.path,
                        model.name.pos,
                        format!("model name `{name}` is not a CamelCase identifier"),
                        Some(help),
                    );
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
    pub(super) fn lookup(
        &mut self,
        file: &str,
        from: ModelId,
        reference: &Spanned<String>,
        what: &str,
    ) -> Option<ModelId> {
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
        let candidates: Vec<String> =
            self.models.keys().map(|(a, n)| if *a == from_app { n.clone() } else { format!("{a}.{n}") }).collect();
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

    /// `lookup` without reporting errors.
    pub(super) fn peek(&self, from: ModelId, text: &str) -> Option<ModelId> {
        if text == "self" {
            return Some(from);
        }
        let (app, name) = match text.split_once('.') {
            Some((a, n)) => (a.to_string(), n.to_string()),
            None => (self.app(from).to_string(), text.to_string()),
        };
        self.models.get(&(app, name)).copied()
    }

    pub(super) fn rust_path(&self, from: ModelId, to: ModelId) -> String {
        let name = &self.model(to).name.value;
        if self.app(from) == self.app(to) {
            name.clone()
        } else {
            format!("super::{}::{}", self.app(to), name)
        }
    }

    pub(super) fn label(&self, id: ModelId) -> String {
        format!("{}.{}", self.app(id), self.model(id).name.value)
    }

    pub(super) fn table_of(&self, id: ModelId) -> String {
        let def = self.model(id);
        def.meta
            .db_table
            .as_ref()
            .map_or_else(|| format!("{}_{}", self.app(id), def.name.value.to_lowercase()), |t| t.value.clone())
    }

    /// "did you mean" for a name that is not a field of the model being
    /// built, or the list of its fields when it is short.
    pub(super) fn fields_hint(ctx: &ModelCtx<'_>, name: &str) -> Option<String> {
        did_you_mean(name, ctx.field_names.iter().map(String::as_str)).or_else(|| {
            let names: Vec<String> = ctx.field_names.iter().map(|f| format!("`{f}`")).collect();
            (names.len() <= 12).then(|| format!("fields of this model: {}", names.join(", ")))
        })
    }

    pub(super) fn unknown_field_in(
        &mut self,
        ctx: &ModelCtx<'_>,
        file: &str,
        at: &Spanned<String>,
        name: &str,
        context: &str,
    ) {
        if ctx.many_to_many.iter().any(|m| m.name == name) {
            self.err_help(
                file,
                at.pos,
                format!("{context} cannot name the ManyToManyField `{name}`"),
                Some("a many-to-many relation has no column in this table; name a field that has one".into()),
            );
            return;
        }
        if name == "?" {
            self.err_help(
                file,
                at.pos,
                format!("{context} cannot use `?` (random order)"),
                Some("order by a field".into()),
            );
            return;
        }
        if ctx.failed_fields.contains(name) {
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
        let help = Self::fields_hint(ctx, name);
        self.err_help(file, at.pos, format!("{context} names unknown field `{name}`"), help);
    }

    /// Django's field-name checks (fields.E001, E002, E003), names Rust
    /// cannot take, and attribute clashes with the fields before (`seen`:
    /// attribute -> the field that has it and where).
    pub(super) fn check_field_name(
        &mut self,
        file: &str,
        field: &FieldDef,
        seen: &mut BTreeMap<String, (String, Pos)>,
    ) {
        let name = &field.name.value;
        let pos = field.name.pos;
        if !is_unicode_identifier(name) {
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
                Some(format!(
                    "Django does not allow it (fields.E001); rename it, e.g. `{}`",
                    name.trim_end_matches('_')
                )),
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
                Some(format!(
                    "generated code keeps its own state in `_`-prefixed names; rename it, e.g. `{}`",
                    name.trim_start_matches('_')
                )),
            );
        }
        let ty = types::lookup(&field.type_name.value);
        let is_fk = ty.is_some_and(|t| matches!(t.kind, Kind::ForeignKey | Kind::OneToOne));
        let is_m2m = ty.is_some_and(|t| t.kind == Kind::ManyToMany);
        if (is_fk || is_m2m) && GENERATED_METHODS.contains(&name.as_str()) {
            self.err_help(
                file,
                pos,
                format!(
                    "relation `{name}` would generate an accessor that clashes with the generated method `{name}()`"
                ),
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
    /// A `db_column` or `db_table` that Django can share: not empty
    /// (Django ignores an empty one and uses `default`, so this table would
    /// not be Django's), and without `"` (Django's `quote_name` puts a name
    /// in double quotes without escaping any inside, so every statement
    /// Django writes on it fails: Django 5.2 on SQLite: `near "quoted":
    /// syntax error`) or a NUL character (no SQL statement can hold one).
    pub(super) fn check_sql_name(&mut self, file: &str, name: &Spanned<String>, option: &str, default: &str) {
        let value = &name.value;
        let thing = if option == "db_table" { "table" } else { "column" };
        if value.is_empty() {
            self.err_help(
                file,
                name.pos,
                format!("`{option}` is empty"),
                Some(format!("name the {thing}, or remove `{option}` to use Django's default `{default}` (Django ignores an empty one)")),
            );
        } else {
            self.check_quotable(file, name, option, thing);
        }
    }

    /// A name Django's SQL can carry: without `"` or NUL (see `check_sql_name`).
    /// `thing` is what it names (`column`, `table`, `index`, `constraint`).
    pub(super) fn check_quotable(&mut self, file: &str, name: &Spanned<String>, option: &str, thing: &str) {
        let value = &name.value;
        if !value.contains(['"', '\0']) {
            return;
        }
        let cleaned: String = value.chars().filter(|c| !matches!(c, '"' | '\0')).collect();
        let (what, why) = if value.contains('"') {
            (
                "a double quote `\"`",
                format!("Django writes {thing} names inside double quotes without escaping, so its SQL on this {thing} would fail"),
            )
        } else {
            ("a NUL character", "no SQL statement can hold a NUL character".to_string())
        };
        let help = if cleaned.is_empty() {
            format!("{why}; remove it")
        } else {
            format!("{why}; remove it, e.g. `{option}: {cleaned}`")
        };
        self.err_help(file, name.pos, format!("`{option}` {value:?} contains {what}"), Some(help));
    }

    pub(super) fn check_related_name(&mut self, file: &str, related_name: &Spanned<String>) {
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
                Some(
                    "use letters, digits and underscores, e.g. `entries`; end it with `+` to have no reverse accessor"
                        .into(),
                ),
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

    /// Two field names can give one typed-column constant (`fooBar` and
    /// `foo_bar` are both `FOO_BAR`), which would not compile; nor would a
    /// column constant and a relation's `Rel` constant of one name (a
    /// field `blog_rel` beside a ForeignKey `blog`: both `BLOG_REL`).
    pub(super) fn check_constant_names(
        &mut self,
        file: &str,
        fields: &[Field],
        many_to_many: &[ir::ManyToMany],
        defs: &[&FieldDef],
    ) {
        let relations = fields
            .iter()
            .filter_map(|f| f.relation.as_ref().filter(|r| !r.rel_const.is_empty()).map(|r| (&r.rel_const, &f.name)))
            .chain(many_to_many.iter().map(|m| (&m.rel_const, &m.name)));
        for (rel_const, relation) in relations {
            if let Some(field) = fields.iter().find(|f| &f.const_name == rel_const) {
                let pos = defs.iter().find(|d| d.name.value == field.name).map_or_else(Pos::default, |d| d.name.pos);
                self.err_help(
                    file,
                    pos,
                    format!(
                        "field `{}` would generate the constant `{rel_const}`, which is the relation constant of `{relation}`",
                        field.name
                    ),
                    Some("rename the field; keep its column with `db_column`".into()),
                );
            }
        }
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for field in fields {
            // Same-named fields are reported as clashes of their own.
            if let Some(other) = seen.insert(&field.const_name, &field.name).filter(|other| *other != field.name) {
                let pos = defs.iter().find(|d| d.name.value == field.name).map_or_else(Pos::default, |d| d.name.pos);
                self.err_help(
                    file,
                    pos,
                    format!(
                        "fields `{other}` and `{}` would both generate the constant `{}`",
                        field.name, field.const_name
                    ),
                    Some("rename one of them; keep its column with `db_column`".into()),
                );
            }
        }
    }

    pub(super) fn unknown_type(&mut self, file: &str, field: &FieldDef) {
        let name = &field.type_name.value;
        if let Some(unsupported) = types::unsupported_type(name) {
            let message = match unsupported.removed_in {
                Some(release) => format!("`{name}` is a Django field type that was removed in {release}"),
                None => format!("`{name}` is a Django field type modelgen does not support (yet)"),
            };
            let help = match unsupported.instead {
                Some(instead) => format!("use {instead}"),
                None => "see docs/schema.md for the field types modelgen supports".into(),
            };
            self.err_help(file, field.type_name.pos, message, Some(help));
            return;
        }
        let help = did_you_mean(&field.type_name.value, types::names());
        self.err_help(
            file,
            field.type_name.pos,
            format!("unknown field type `{}`", field.type_name.value),
            help.or_else(|| Some("see docs/schema.md for the field types".into())),
        );
    }
}

pub(super) fn relation_rename_help(name: &str, is_fk: bool) -> String {
    if is_fk {
        format!("rename the field and keep the column with `db_column: {name}_id`")
    } else {
        "rename the field".into()
    }
}

/// `a` or `an` before a field type name, as it is read aloud.
pub(super) fn article(type_name: &str) -> &'static str {
    if type_name.starts_with(['A', 'E', 'I', 'O']) {
        "an"
    } else {
        "a"
    }
}

/// An identifier of Python 3 and of Rust alike (`café`, `名前`): Django
/// allows any Python identifier as a field name, and Rust (since 1.53)
/// takes the same Unicode XID identifiers. (Python would also NFKC-normalize
/// one such as `ﬁeld` to `field`; write it normalized.)
pub(super) fn is_unicode_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if unicode_ident::is_xid_start(c) || c == '_')
        && chars.all(unicode_ident::is_xid_continue)
}

pub(super) fn is_python_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `BlogPost` -> `blog post`, as Django's `camel_case_to_spaces`.
pub(super) fn camel_to_spaces(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase()
            && i > 0
            && (chars[i - 1].is_ascii_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()))
        {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::{camel_to_spaces, is_python_identifier, is_unicode_identifier};

    #[test]
    fn identifiers_and_verbose_names() {
        assert!(is_unicode_identifier("café") && is_unicode_identifier("名前") && is_unicode_identifier("_x"));
        assert!(!is_unicode_identifier("1st") && !is_unicode_identifier("a-b") && !is_unicode_identifier("a b"));
        assert!(is_python_identifier("pub_date"));
        assert!(is_python_identifier("_x"));
        assert!(!is_python_identifier("1st"));
        assert!(!is_python_identifier("a-b"));
        assert!(!is_python_identifier(""));
        assert_eq!(camel_to_spaces("BlogPost"), "blog post");
        assert_eq!(camel_to_spaces("HTTPServer"), "http server");
    }

    #[test]
    fn references_resolve_within_and_across_apps() {
        let project = compile_files(&[
            ("a.yaml", "app: a\nmodels:\n  Blog:\n    fields:\n      name: {type: CharField, max_length: 10}\n"),
            (
                "b.yaml",
                "app: b\nmodels:\n  Post:\n    fields:\n      blog: {type: ForeignKey, to: a.Blog, on_delete: CASCADE}\n      parent: {type: ForeignKey, to: self, on_delete: CASCADE, null: true}\n",
            ),
        ])
        .unwrap();
        let post = model(&project, "Post");
        let blog = field(post, "blog").relation.as_ref().unwrap();
        assert_eq!(blog.target_path, "super::a::Blog");
        assert_eq!(blog.target_table, "a_blog");
        let parent = field(post, "parent").relation.as_ref().unwrap();
        assert_eq!(parent.target_path, "Post");
        // The app a relation points at comes first.
        assert_eq!(project.apps.iter().map(|a| a.label.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn unknown_model_suggests_a_close_name() {
        let errors = errors("  Blog:\n    fields:\n      x: {type: IntegerField}\n  Post:\n    fields:\n      blog: {type: ForeignKey, to: Blgo, on_delete: CASCADE}\n");
        assert!(has_error(&errors, "unknown model `Blgo` in field `blog` | help: did you mean `Blog`?"), "{errors:?}");
    }

    #[test]
    fn field_names_django_and_rust_reject() {
        let errors = errors("  M:\n    fields:\n      a__b: {type: IntegerField}\n      c_: {type: IntegerField}\n      pk: {type: IntegerField}\n      self: {type: IntegerField}\n");
        assert_has_errors(
            &errors,
            &["contains `__`", "ends with an underscore", "`pk` is reserved", "not even a raw one"],
        );
    }

    #[test]
    fn two_fields_one_constant() {
        let errors =
            errors("  M:\n    fields:\n      fooBar: {type: IntegerField}\n      foo_bar: {type: IntegerField}\n");
        assert!(has_error(&errors, "would both generate the constant `FOO_BAR`"), "{errors:?}");
    }
}
