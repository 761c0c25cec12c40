//! Stage 1: a schema file as written, with positions.
//!
//! This layer only checks shape (keys known, values of the right YAML kind).
//! Names are resolved and meaning is checked in `resolve`.

use crate::diagnostics::{closest, did_you_mean, Diagnostics};
use crate::yaml::{Node, Pos};

#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub pos: Pos,
    /// For a string written verbatim on one line: where its first character is.
    pub text_start: Option<Pos>,
}

impl<T> Spanned<T> {
    pub fn new(value: T, pos: Pos) -> Self {
        Spanned { value, pos, text_start: None }
    }

    /// The position of the character `offset` characters into the value,
    /// or of the whole value when its text cannot be located exactly.
    pub fn pos_at(&self, offset: usize) -> Pos {
        self.text_start.map_or(self.pos, |start| Pos { line: start.line, col: start.col + offset })
    }
}

#[derive(Debug, Clone)]
pub struct SchemaFile {
    /// The path as given, used in messages and the `@generated` header.
    pub path: String,
    pub app: Spanned<String>,
    pub models: Vec<ModelDef>,
}

#[derive(Debug, Clone)]
pub struct ModelDef {
    pub name: Spanned<String>,
    pub fields: Vec<FieldDef>,
    pub str_template: Option<Spanned<String>>,
    pub absolute_url: Option<Spanned<String>>,
    pub meta: MetaDef,
    pub extends: Option<Spanned<String>>,
    /// `clone:` policies: field or relation name -> policy.
    pub clone: Vec<(Spanned<String>, Spanned<String>)>,
}

#[derive(Debug, Clone, Default)]
pub struct MetaDef {
    pub db_table: Option<Spanned<String>>,
    pub ordering: Option<Vec<Spanned<String>>>,
    pub get_latest_by: Option<Spanned<String>>,
    pub unique_together: Vec<Vec<Spanned<String>>>,
    pub indexes: Vec<IndexDef>,
    pub verbose_name: Option<Spanned<String>>,
    pub verbose_name_plural: Option<Spanned<String>>,
    pub is_abstract: bool,
    pub default_auto_field: Option<Spanned<String>>,
    pub constraints: Vec<ConstraintDef>,
}

/// One entry of `meta.constraints`: Django's `UniqueConstraint` or
/// `CheckConstraint`.
#[derive(Debug, Clone)]
pub struct ConstraintDef {
    /// `UniqueConstraint` or `CheckConstraint`, as written.
    pub kind: Spanned<String>,
    pub name: Option<Spanned<String>>,
    /// UniqueConstraint: the fields that are unique together.
    pub fields: Option<Vec<Spanned<String>>>,
    /// UniqueConstraint: `condition` (a partial unique index); CheckConstraint:
    /// `check` (or its Django 5.1 name `condition`).
    pub condition: Option<ConditionDef>,
    /// Where `check` was written, for a UniqueConstraint that has one.
    pub check_pos: Option<Pos>,
    pub pos: Pos,
}

/// A condition as a mapping of Django lookups (`status: published`,
/// `price__gt: 0`), ANDed as `Q(**mapping)` is.
#[derive(Debug, Clone)]
pub struct ConditionDef {
    pub terms: Vec<(Spanned<String>, Node)>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct IndexDef {
    pub fields: Vec<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct ChoiceDef {
    pub value: Node,
    pub label: Spanned<String>,
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: Spanned<String>,
    pub type_name: Spanned<String>,
    pub max_length: Option<Spanned<u32>>,
    pub max_digits: Option<Spanned<u32>>,
    pub decimal_places: Option<Spanned<u32>>,
    pub null: Option<Spanned<bool>>,
    pub blank: Option<Spanned<bool>>,
    pub unique: Option<Spanned<bool>>,
    pub primary_key: Option<Spanned<bool>>,
    pub db_index: Option<Spanned<bool>>,
    pub editable: Option<Spanned<bool>>,
    pub auto_now: Option<Spanned<bool>>,
    pub auto_now_add: Option<Spanned<bool>>,
    pub default: Option<Node>,
    pub db_column: Option<Spanned<String>>,
    pub choices: Option<Spanned<Vec<ChoiceDef>>>,
    pub help_text: Option<Spanned<String>>,
    pub verbose_name: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    pub on_delete: Option<Spanned<String>>,
    pub related_name: Option<Spanned<String>>,
    pub through: Option<Spanned<String>>,
    pub symmetrical: Option<Spanned<bool>>,
    pub db_constraint: Option<Spanned<bool>>,
    /// FileField / ImageField: Django's `upload_to` (kept as documentation).
    pub upload_to: Option<Spanned<String>>,
    /// ImageField: the fields Django fills with the image's size.
    pub width_field: Option<Spanned<String>>,
    pub height_field: Option<Spanned<String>>,
    /// `db_default`: a literal, or `Now()`.
    pub db_default: Option<Node>,
    /// ForeignKey / OneToOneField: the target field the column stores.
    pub to_field: Option<Spanned<String>>,
    /// Options written for this field, valid or not, plus the known option a
    /// misspelled one most likely meant: a missing required option that was
    /// written (`max_lenght: 10`) is reported once, as the misspelling.
    pub written: Vec<String>,
}

impl FieldDef {
    pub fn flag(option: &Option<Spanned<bool>>) -> bool {
        option.as_ref().is_some_and(|s| s.value)
    }
}

pub const TOP_LEVEL_KEYS: &[&str] = &["app", "models"];
pub const MODEL_KEYS: &[&str] = &["fields", "str", "absolute_url", "meta", "extends", "clone"];
pub const META_KEYS: &[&str] = &[
    "db_table",
    "ordering",
    "get_latest_by",
    "unique_together",
    "indexes",
    "verbose_name",
    "verbose_name_plural",
    "abstract",
    "default_auto_field",
    "constraints",
];
pub const FIELD_OPTIONS: &[&str] = &[
    "type",
    "max_length",
    "max_digits",
    "decimal_places",
    "null",
    "blank",
    "unique",
    "primary_key",
    "db_index",
    "editable",
    "auto_now",
    "auto_now_add",
    "default",
    "db_column",
    "choices",
    "help_text",
    "verbose_name",
    "to",
    "on_delete",
    "related_name",
    "through",
    "symmetrical",
    "db_constraint",
    "upload_to",
    "width_field",
    "height_field",
    "db_default",
    "to_field",
];

/// Parse one file's tree into a [`SchemaFile`], reporting shape errors.
pub fn parse_schema(path: &str, root: &Node, diags: &mut Diagnostics) -> SchemaFile {
    let mut reader = Reader { file: path, diags, app_written: false };
    let mut app = None;
    let mut models = Vec::new();
    let top_pos = root.pos();
    let root_entries = reader.mapping(root, "a schema file");
    let is_mapping = root_entries.is_some();
    if let Some(entries) = root_entries {
        for (key, value) in reader.known_keys(entries, TOP_LEVEL_KEYS, "top-level key") {
            match key.value.as_str() {
                "app" => {
                    reader.app_written = true;
                    app = reader.string(value);
                    if let Some(label) = app.as_ref().filter(|label| label.value.is_empty()) {
                        // Resolution skips a file without a label (its
                        // missing `app` is reported), so an empty one must
                        // be an error here or the file's models go unchecked.
                        reader.diags.error_with_help(
                            path,
                            label.pos,
                            "`app` is empty",
                            "write the app's label, e.g. `app: weblog`",
                        );
                    }
                }
                "models" => {
                    if let Some(model_entries) = reader.mapping(value, "`models` (model name -> definition)") {
                        for (name_node, body) in reader.unique_keys(model_entries, "model") {
                            models.push(reader.model(name_node, body));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let app = app.unwrap_or_else(|| {
        // A file that is not a mapping has been reported already.
        if is_mapping && !reader.app_written {
            reader.diags.error_with_help(path, top_pos, "missing `app`", "start the file with `app: <label>`, e.g. `app: weblog`");
        }
        Spanned::new(String::new(), top_pos)
    });
    SchemaFile { path: path.to_string(), app, models }
}

struct Reader<'a> {
    file: &'a str,
    diags: &'a mut Diagnostics,
    /// Whether the file has an `app` key (even with a bad value).
    app_written: bool,
}

impl<'n> Reader<'_> {
    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.diags.error(self.file, pos, message);
    }

    fn mapping(&mut self, node: &'n Node, what: &str) -> Option<&'n [(Node, Node)]> {
        match node {
            Node::Map { entries, .. } => Some(entries),
            _ if node.is_null() => Some(&[]),
            other => {
                let message = format!("expected {what} to be a mapping, found {}", other.kind_name());
                let help = match other {
                    Node::Seq { .. } => Some("write `name: value` entries, without `- ` in front".to_string()),
                    _ => None,
                };
                self.diags.push(self.file, other.pos(), message, help);
                None
            }
        }
    }

    /// Keys of a mapping as strings; reports non-string and repeated keys.
    fn unique_keys(&mut self, entries: &'n [(Node, Node)], what: &str) -> Vec<(Spanned<String>, &'n Node)> {
        let mut seen: Vec<(String, Pos)> = Vec::new();
        let mut out = Vec::new();
        for (key, value) in entries {
            // Keys are names: `null:` is the option `null`, not a YAML null.
            let Some(name) = key.as_str().filter(|k| !k.is_empty()) else {
                self.error(key.pos(), format!("expected a {what} name, found {}", key.kind_name()));
                continue;
            };
            if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
                let message = format!("duplicate {what} `{name}` (first defined at line {})", first.line);
                self.diags.error_with_help(self.file, key.pos(), message, "a YAML mapping keeps only one value per key; rename or remove one");
                continue;
            }
            seen.push((name.to_string(), key.pos()));
            out.push((Spanned::new(name.to_string(), key.pos()), value));
        }
        out
    }

    /// Like `unique_keys`, and reports keys not in `allowed` with a suggestion.
    fn known_keys(&mut self, entries: &'n [(Node, Node)], allowed: &[&str], what: &str) -> Vec<(Spanned<String>, &'n Node)> {
        let keys = self.unique_keys(entries, what);
        keys.into_iter()
            .filter(|(key, _)| {
                if allowed.contains(&key.value.as_str()) {
                    return true;
                }
                let help = did_you_mean(&key.value, allowed.iter().copied())
                    .or_else(|| misplaced_key_hint(&key.value, what))
                    .unwrap_or_else(|| format!("expected one of: {}", allowed.join(", ")));
                self.diags.error_with_help(self.file, key.pos, format!("unknown {what} `{}`", key.value), help);
                false
            })
            .collect()
    }

    fn string(&mut self, node: &Node) -> Option<Spanned<String>> {
        match node {
            Node::Scalar { value, pos, text_start, .. } if !node.is_null() => {
                Some(Spanned { value: value.clone(), pos: *pos, text_start: *text_start })
            }
            other => {
                self.error(other.pos(), format!("expected a string, found {}", other.kind_name()));
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node) -> Option<Spanned<bool>> {
        match node {
            Node::Scalar { value, plain: true, pos, .. } if value == "true" || value == "false" => Some(Spanned::new(value == "true", *pos)),
            Node::Scalar { value, plain: false, pos, .. } if value == "true" || value == "false" => {
                self.diags.error_with_help(
                    self.file,
                    *pos,
                    format!("expected `true` or `false`, found the string \"{value}\""),
                    format!("remove the quotes: `{value}`"),
                );
                None
            }
            other => {
                let help = match other.as_str() {
                    Some("yes" | "no" | "on" | "off" | "y" | "n" | "True" | "False" | "TRUE" | "FALSE" | "Yes" | "No") => {
                        Some("YAML 1.2, which schemas use, has only `true` and `false` as booleans".to_string())
                    }
                    _ => None,
                };
                self.diags.push(self.file, other.pos(), format!("expected `true` or `false`, found {}", describe(other)), help);
                None
            }
        }
    }

    fn integer(&mut self, node: &Node) -> Option<Spanned<u32>> {
        match node {
            Node::Scalar { value, plain: true, pos, .. } => match value.parse::<u32>() {
                Ok(n) => Some(Spanned::new(n, *pos)),
                Err(_) => {
                    self.diags.error_with_help(
                        self.file,
                        *pos,
                        format!("expected a non-negative whole number, found `{value}`"),
                        "write a number such as `100`",
                    );
                    None
                }
            },
            other => {
                self.error(other.pos(), format!("expected a non-negative whole number, found {}", describe(other)));
                None
            }
        }
    }

    fn string_list(&mut self, node: &Node) -> Option<Vec<Spanned<String>>> {
        self.list_of(node, "names", Self::string)
    }

    /// The items of a list, each read by `item` (an item it refuses is left
    /// out, its error reported); anything but a list is an error saying
    /// what the list holds (`what`).
    fn list_of<T>(
        &mut self,
        node: &Node,
        what: &str,
        mut item: impl FnMut(&mut Self, &Node) -> Option<T>,
    ) -> Option<Vec<T>> {
        match node {
            Node::Seq { items, .. } => Some(items.iter().filter_map(|node| item(self, node)).collect()),
            other => {
                self.error(other.pos(), format!("expected a list of {what}, found {}", other.kind_name()));
                None
            }
        }
    }

    fn model(&mut self, name: Spanned<String>, body: &Node) -> ModelDef {
        let mut model = ModelDef {
            name,
            fields: Vec::new(),
            str_template: None,
            absolute_url: None,
            meta: MetaDef::default(),
            extends: None,
            clone: Vec::new(),
        };
        let Some(entries) = self.mapping(body, "a model") else { return model };
        for (key, value) in self.known_keys(entries, MODEL_KEYS, "model key") {
            match key.value.as_str() {
                "fields" => {
                    if let Some(field_entries) = self.mapping(value, "`fields` (field name -> options)") {
                        for (field_name, options) in self.unique_keys(field_entries, "field") {
                            if let Some(field) = self.field(field_name, options) {
                                model.fields.push(field);
                            }
                        }
                    }
                }
                "str" => model.str_template = self.string(value),
                "absolute_url" => model.absolute_url = self.string(value),
                "extends" => model.extends = self.string(value),
                "meta" => model.meta = self.meta(value),
                "clone" => {
                    if let Some(policy_entries) = self.mapping(value, "`clone` (field name -> policy)") {
                        for (field_name, policy) in self.unique_keys(policy_entries, "clone policy") {
                            if let Some(policy) = self.string(policy) {
                                model.clone.push((field_name, policy));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        model
    }

    fn meta(&mut self, node: &Node) -> MetaDef {
        let mut meta = MetaDef::default();
        let Some(entries) = self.mapping(node, "`meta`") else { return meta };
        for (key, value) in self.known_keys(entries, META_KEYS, "meta option") {
            match key.value.as_str() {
                "db_table" => meta.db_table = self.string(value),
                "ordering" => meta.ordering = self.string_list(value),
                "get_latest_by" => meta.get_latest_by = self.string(value),
                "verbose_name" => meta.verbose_name = self.string(value),
                "verbose_name_plural" => meta.verbose_name_plural = self.string(value),
                "default_auto_field" => meta.default_auto_field = self.string(value),
                "abstract" => meta.is_abstract = self.boolean(value).is_some_and(|b| b.value),
                "unique_together" => match value {
                    // Django accepts one tuple or a list of tuples.
                    Node::Seq { items, .. } if items.iter().all(|i| matches!(i, Node::Scalar { .. })) => {
                        meta.unique_together = self.string_list(value).into_iter().collect();
                    }
                    _ => {
                        if let Some(groups) = self.list_of(value, "field-name lists", Self::string_list) {
                            meta.unique_together = groups;
                        }
                    }
                },
                "constraints" => meta.constraints.extend(self.list_of(value, "constraints", Self::constraint).into_iter().flatten()),
                "indexes" => meta.indexes.extend(self.list_of(value, "indexes", Self::index).into_iter().flatten()),
                _ => {}
            }
        }
        meta
    }

    fn constraint(&mut self, node: &Node) -> Option<ConstraintDef> {
        let entries =
            self.mapping(node, "a constraint (`{type: UniqueConstraint, fields: [...], name: ...}`)")?;
        let mut kind = None;
        let mut constraint = ConstraintDef {
            kind: Spanned::new(String::new(), node.pos()),
            name: None,
            fields: None,
            condition: None,
            check_pos: None,
            pos: node.pos(),
        };
        for (key, value) in self.known_keys(entries, &["type", "name", "fields", "condition", "check"], "constraint option") {
            match key.value.as_str() {
                "type" => kind = self.string(value),
                "name" => constraint.name = self.string(value),
                "fields" => constraint.fields = self.string_list(value),
                "condition" | "check" => {
                    if key.value == "check" {
                        constraint.check_pos = Some(key.pos);
                    }
                    if constraint.condition.is_some() {
                        self.diags.error_with_help(
                            self.file,
                            key.pos,
                            "a constraint takes one of `check` and `condition`",
                            "`condition` is Django 5.1's name for a CheckConstraint's `check`; keep one",
                        );
                    } else if let Some(terms) = self.mapping(value, "a condition (`{field__lookup: value}`)") {
                        let terms = self.unique_keys(terms, "lookup").into_iter().map(|(k, v)| (k, v.clone())).collect();
                        constraint.condition = Some(ConditionDef { terms, pos: value.pos() });
                    }
                }
                _ => {}
            }
        }
        let Some(kind) = kind else {
            if !entries.iter().any(|(k, _)| k.as_str() == Some("type")) {
                self.diags.error_with_help(
                    self.file,
                    node.pos(),
                    "a constraint needs `type`",
                    "write `type: UniqueConstraint` or `type: CheckConstraint`",
                );
            }
            return None;
        };
        constraint.kind = kind;
        Some(constraint)
    }

    fn index(&mut self, node: &Node) -> Option<IndexDef> {
        let entries = self.mapping(node, "an index (`{fields: [...], name: ...}`)")?;
        let mut fields = None;
        let mut name = None;
        for (key, value) in self.known_keys(entries, &["fields", "name"], "index option") {
            match key.value.as_str() {
                "fields" => fields = self.string_list(value),
                "name" => name = self.string(value),
                _ => {}
            }
        }
        let Some(fields) = fields else {
            self.diags.error_with_help(self.file, node.pos(), "an index needs `fields`", "write e.g. `{fields: [name], name: name_idx}`");
            return None;
        };
        Some(IndexDef { fields, name, pos: node.pos() })
    }

    fn field(&mut self, name: Spanned<String>, node: &Node) -> Option<FieldDef> {
        let entries = match node {
            Node::Map { entries, .. } => entries,
            other => {
                // `name: CharField` is the likeliest slip: suggest that type.
                let ty = other.as_str().filter(|t| crate::types::lookup(t).is_some()).unwrap_or("CharField, max_length: 100");
                let help = format!("write `{}: {{type: {ty}}}`", name.value);
                // An empty value has no position of its own; point at the name.
                let pos = if other.is_null() { name.pos } else { other.pos() };
                self.diags.error_with_help(
                    self.file,
                    pos,
                    format!("field `{}` must be a mapping of options, found {}", name.value, other.kind_name()),
                    help,
                );
                return None;
            }
        };
        let mut field = FieldDef {
            type_name: Spanned::new(String::new(), name.pos),
            name,
            max_length: None,
            max_digits: None,
            decimal_places: None,
            null: None,
            blank: None,
            unique: None,
            primary_key: None,
            db_index: None,
            editable: None,
            auto_now: None,
            auto_now_add: None,
            default: None,
            db_column: None,
            choices: None,
            help_text: None,
            verbose_name: None,
            to: None,
            on_delete: None,
            related_name: None,
            through: None,
            symmetrical: None,
            db_constraint: None,
            upload_to: None,
            width_field: None,
            height_field: None,
            db_default: None,
            to_field: None,
            written: Vec::new(),
        };
        for (key, _) in entries {
            if let Some(key) = key.as_str() {
                field.written.push(key.to_string());
                if !FIELD_OPTIONS.contains(&key) {
                    if let Some(meant) = closest(key, FIELD_OPTIONS.iter().copied()) {
                        field.written.push(meant.to_string());
                    }
                }
            }
        }
        let mut has_type = false;
        for (key, value) in self.known_keys(entries, FIELD_OPTIONS, "field option") {
            match key.value.as_str() {
                "type" => {
                    if let Some(t) = self.string(value) {
                        field.type_name = t;
                        has_type = true;
                    }
                }
                "max_length" => field.max_length = self.integer(value),
                "max_digits" => field.max_digits = self.integer(value),
                "decimal_places" => field.decimal_places = self.integer(value),
                "null" => field.null = self.boolean(value),
                "blank" => field.blank = self.boolean(value),
                "unique" => field.unique = self.boolean(value),
                "primary_key" => field.primary_key = self.boolean(value),
                "db_index" => field.db_index = self.boolean(value),
                "editable" => field.editable = self.boolean(value),
                "auto_now" => field.auto_now = self.boolean(value),
                "auto_now_add" => field.auto_now_add = self.boolean(value),
                "symmetrical" => field.symmetrical = self.boolean(value),
                "db_constraint" => field.db_constraint = self.boolean(value),
                "default" => field.default = Some(value.clone()),
                "db_column" => field.db_column = self.string(value),
                "help_text" => field.help_text = self.string(value),
                "verbose_name" => field.verbose_name = self.string(value),
                "to" => field.to = self.string(value),
                "on_delete" => field.on_delete = self.string(value),
                "related_name" => field.related_name = self.string(value),
                "through" => field.through = self.string(value),
                "choices" => field.choices = self.choices(value),
                "upload_to" => field.upload_to = self.string(value),
                "width_field" => field.width_field = self.string(value),
                "height_field" => field.height_field = self.string(value),
                "db_default" => field.db_default = Some(value.clone()),
                "to_field" => field.to_field = self.string(value),
                _ => {}
            }
        }
        if !has_type {
            // A `type` that was written but is misspelled or malformed has
            // been reported already.
            if !field.written.iter().any(|k| k == "type") {
                self.diags.error_with_help(
                    self.file,
                    field.name.pos,
                    format!("field `{}` has no `type`", field.name.value),
                    "add a Django field type, e.g. `type: CharField`",
                );
            }
            return None;
        }
        Some(field)
    }

    /// `[[value, label], ...]` as Django writes choices.
    fn choices(&mut self, node: &Node) -> Option<Spanned<Vec<ChoiceDef>>> {
        let Node::Seq { items, pos } = node else {
            self.diags.error_with_help(
                self.file,
                node.pos(),
                format!("expected choices as a list of [value, label] pairs, found {}", node.kind_name()),
                "write e.g. `choices: [[d, Draft], [p, Published]]`",
            );
            return None;
        };
        let mut choices = Vec::new();
        let mut ok = true;
        for item in items {
            match item {
                Node::Seq { items: pair, .. } if pair.len() == 2 && matches!(pair[0], Node::Scalar { .. }) => {
                    match &pair[1] {
                        Node::Scalar { value, pos, .. } if !pair[1].is_null() => {
                            choices.push(ChoiceDef { value: pair[0].clone(), label: Spanned::new(value.clone(), *pos) });
                        }
                        other => {
                            ok = false;
                            self.diags.error_with_help(
                                self.file,
                                other.pos(),
                                format!("a choice label must be text, found {}", other.kind_name()),
                                "write e.g. `[d, Draft]`",
                            );
                        }
                    }
                }
                other => {
                    ok = false;
                    self.diags.error_with_help(
                    self.file,
                    other.pos(),
                        "a choice must be a [value, label] pair",
                        "write e.g. `[d, Draft]`",
                    )
                }
            }
        }
        // With a malformed pair reported, checking the rest (defaults against
        // the choices, emptiness) would only repeat it.
        ok.then(|| Spanned::new(choices, *pos))
    }
}

/// A hint for a key written at the wrong level (a meta option on the model,
/// a model at the top level, ...).
fn misplaced_key_hint(key: &str, what: &str) -> Option<String> {
    match what {
        "model key" if META_KEYS.contains(&key) => Some(format!("`{key}` is a meta option; put it under `meta:`")),
        "model key" if FIELD_OPTIONS.contains(&key) => {
            Some(format!("`{key}` is a field option; fields go under `fields:` as `name: {{type: ..., {key}: ...}}`"))
        }
        "model key" if key.chars().next().is_some_and(|c| c.is_ascii_lowercase()) => {
            Some(format!("fields go under `fields:`; write `fields: {{{key}: {{type: ...}}}}`"))
        }
        "top-level key" if key.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => {
            Some(format!("models go under `models:`; write `models: {{{key}: {{fields: ...}}}}`"))
        }
        "meta option" if MODEL_KEYS.contains(&key) => Some(format!("`{key}` is a model key; put it next to `meta:`, not under it")),
        "field option" if META_KEYS.contains(&key) || MODEL_KEYS.contains(&key) => {
            Some(format!("`{key}` is not a field option; model-level settings go next to `fields:` or under `meta:`"))
        }
        _ => None,
    }
}

fn describe(node: &Node) -> String {
    match node {
        Node::Scalar { value, .. } if !node.is_null() => format!("`{value}`"),
        other => other.kind_name().to_string(),
    }
}
