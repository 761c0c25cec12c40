//! The copy methods of each model (`clone_unsaved`, `duplicate`,
//! `duplicate_many`, `fork`), computed from the `clone:` policies once
//! every model is built and the policies are checked.
//!
//! Every field ends up with one effective policy, defaults included:
//! - the primary key and inheritance links: a new key;
//! - auto_now / auto_now_add: a fresh value (never copied, never supplied);
//! - a policy written in the schema, as written;
//! - otherwise: a nullable one-to-one is cleared and a non-null one is
//!   supplied by the caller (a copy cannot share a unique target); a
//!   unique field gets " copy N" when it is text without choices, a fresh
//!   default when its default is drawn afresh (uuid4), NULL when nullable,
//!   and is supplied by the caller otherwise; every other field is kept.
//!
//! Rust expressions are computed here so the template only prints them.

use std::collections::BTreeMap;

use crate::ir::{CopyArg, CopyAssignment, CopyPlan, Field, Model, ReverseKind};
use crate::print;

/// A field's effective copy policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    Keep,
    Default,
    Suffix,
    Clear,
    Supplied,
    Copy,
    NewKey,
}

/// Every column's effective policy, by (table, column).
type Policies = BTreeMap<(String, String), Policy>;

pub(crate) fn apply<K: Ord + Copy>(models: &mut BTreeMap<K, Model>) {
    // Own fields first: the policy (and its literal) of every column.
    let mut policies = Policies::new();
    for model in models.values_mut() {
        let explicit = explicit_policies(model);
        for field in &mut model.fields {
            let policy = field_policy(field, explicit.get(&field.name).map(String::as_str));
            field.copy_policy = policy_literal(field, policy);
            policies.insert((field.table.clone(), field.column.clone()), policy);
        }
    }
    // Meta paths and the relation policies, which need the other models.
    let by_label: BTreeMap<String, Model> = models.values().map(|m| (m.label.clone(), m.clone())).collect();
    let by_table: BTreeMap<String, String> = models.values().map(|m| (m.table.clone(), m.label.clone())).collect();
    for model in models.values_mut() {
        let app = app_of(&model.label).to_string();
        let explicit = explicit_policies(model);
        for field in &mut model.fields {
            if let Some(relation) = &mut field.relation {
                relation.target_meta = meta_path(&app, &relation.target_label, &by_label);
            }
        }
        for m2m in &mut model.many_to_many {
            m2m.target_meta = meta_path(&app, &m2m.target_label, &by_label);
            m2m.through_meta = by_table
                .get(&m2m.through_table)
                .filter(|_| !m2m.auto_created)
                .map(|label| meta_path(&app, label, &by_label));
            m2m.copy_policy = match explicit.get(&m2m.name).map(String::as_str) {
                Some("skip") => "Skip",
                Some("copy") => "Copy",
                _ => "Link",
            }
            .into();
        }
        let mut reverse_copies = Vec::new();
        for reverse in &model.reverse {
            if explicit.get(&reverse.accessor).map(String::as_str) != Some("copy") {
                continue;
            }
            let Some(source) = by_label.get(&reverse.source_label) else { continue };
            let source_meta = meta_path(&app, &reverse.source_label, &by_label);
            let kind = match reverse.kind {
                ReverseKind::ManyToMany => {
                    let Some(index) = source.many_to_many.iter().position(|m| m.through_table == reverse.through_table)
                    else {
                        continue;
                    };
                    format!("::modelgen_runtime::ReverseCopyKind::ManyToMany {{ index: {index} }}")
                }
                _ => {
                    let Some(column) = source.fields.iter().position(|f| f.column == reverse.source_column) else {
                        continue;
                    };
                    format!("::modelgen_runtime::ReverseCopyKind::ForeignKey {{ column: {column} }}")
                }
            };
            reverse_copies.push(format!("::modelgen_runtime::ReverseCopy {{ model: &{source_meta}, kind: {kind} }}"));
        }
        model.copy.reverse_copies = reverse_copies;
    }
    // Each model's methods, over every struct field (an inherited field
    // takes the policy of the model whose table holds it).
    let owners: BTreeMap<String, Model> = models.values().map(|m| (m.table.clone(), m.clone())).collect();
    for model in models.values_mut() {
        model.copy = CopyPlan {
            reverse_copies: std::mem::take(&mut model.copy.reverse_copies),
            ..plan(model, &owners, &by_label, &policies)
        };
        for field in &mut model.all_fields {
            if let Some(&policy) = policies.get(&(field.table.clone(), field.column.clone())) {
                field.copy_policy = policy_literal(field, policy);
            }
        }
    }
}

fn explicit_policies(model: &Model) -> BTreeMap<String, String> {
    model.clone_policies.iter().map(|p| (p.name.clone(), p.policy.clone())).collect()
}

fn app_of(label: &str) -> &str {
    label.split_once('.').map_or(label, |(app, _)| app)
}

/// The path of `label`'s `ModelMeta` static from a module of `app`.
fn meta_path(app: &str, label: &str, by_label: &BTreeMap<String, Model>) -> String {
    let upper = by_label.get(label).map_or_else(String::new, |m| m.upper.clone());
    if app_of(label) == app {
        format!("{upper}_META")
    } else {
        format!("super::{}::{upper}_META", app_of(label))
    }
}

fn is_key(field: &Field) -> bool {
    field.primary_key || field.relation.as_ref().is_some_and(|r| r.parent_link)
}

fn field_policy(field: &Field, explicit: Option<&str>) -> Policy {
    if is_key(field) {
        return Policy::NewKey;
    }
    if field.auto_now || field.auto_now_add {
        return Policy::Default;
    }
    match explicit {
        Some("keep" | "link") => return Policy::Keep,
        Some("exclude") => return Policy::Default,
        Some("suffix") => return Policy::Suffix,
        Some("clear" | "skip") => return Policy::Clear,
        Some("supplied") => return Policy::Supplied,
        Some("copy") => return Policy::Copy,
        _ => {}
    }
    if let Some(relation) = &field.relation {
        if relation.one_to_one {
            return if field.null { Policy::Clear } else { Policy::Supplied };
        }
        return Policy::Keep;
    }
    if field.unique {
        if field.is_text && field.choices.is_none() {
            return Policy::Suffix;
        }
        // A default drawn afresh for each row (uuid4): a copy gets a new one.
        if field.default.is_computed() && !field.null {
            return Policy::Default;
        }
        return if field.null { Policy::Clear } else { Policy::Supplied };
    }
    Policy::Keep
}

fn policy_literal(field: &Field, policy: Policy) -> String {
    let variant = match policy {
        Policy::Keep => "Keep".to_string(),
        Policy::Default => "Default".into(),
        Policy::Suffix => {
            let separator = if field.django_type == "SlugField" { "-" } else { " " };
            let max_length = field.max_length.map_or_else(|| "None".into(), |m| format!("Some({m})"));
            format!("Suffix {{ separator: {separator:?}, max_length: {max_length} }}")
        }
        Policy::Clear => "Clear".into(),
        Policy::Supplied => "Supplied".into(),
        Policy::Copy => "Copy".into(),
        Policy::NewKey => "NewKey".into(),
    };
    format!("::modelgen_runtime::CopyPolicy::{variant}")
}

fn plan(
    model: &Model,
    owners: &BTreeMap<String, Model>,
    by_label: &BTreeMap<String, Model>,
    policies: &Policies,
) -> CopyPlan {
    let app = app_of(&model.label);
    let mut out = CopyPlan::default();
    let root_pk = &model.fields[model.pk];
    // The pk of the root of the chain, which every table shares.
    let root_table_pk = model.all_fields.iter().find(|f| f.primary_key).unwrap_or(root_pk);
    let needs_pk_argument = !root_table_pk.auto && !model.pk_has_default_root(owners);
    for (index, field) in model.all_fields.iter().enumerate() {
        let Some(owner) = owners.get(&field.table) else { continue };
        let Some(column) = owner.fields.iter().position(|g| g.column == field.column) else { continue };
        let owner_meta = meta_path(app, &owner.label, by_label);
        let policy = policies.get(&(field.table.clone(), field.column.clone())).copied().unwrap_or(Policy::Keep);
        if is_key(field) {
            out.key_fields.push(index);
        }
        if field.auto_now {
            out.auto_now_fields.push(index);
        }
        let target = field.ident.clone();
        let expr = match policy {
            Policy::NewKey if field.null || field.auto => Some("None".to_string()),
            Policy::NewKey if std::ptr::eq(field, root_table_pk) && !needs_pk_argument => Some(print::default_expr(&field.default)),
            Policy::NewKey => {
                // A relation as the key (Django's profile pattern): the
                // caller names the copy's new target, as for a supplied
                // one-to-one, so the argument is the field's.
                let ident = if field.relation.is_some() { print::arg_ident(field) } else { "pk".to_string() };
                let arg = supplied_arg(field, ident, &owner_meta, column);
                let value = arg.value.clone();
                out.args.push(arg);
                Some(value)
            }
            Policy::Default if !field.default.is_required() => Some(print::default_expr(&field.default)),
            Policy::Clear if field.null => Some("None".into()),
            Policy::Clear => Some("::std::string::String::new()".into()),
            Policy::Supplied => {
                let arg = supplied_arg(field, print::arg_ident(field), &owner_meta, column);
                let value = arg.value.clone();
                out.args.push(arg);
                Some(value)
            }
            Policy::Suffix if field.null => Some(format!(
                "match &self.{target} {{ Some(value) => Some(suffixer.next(db, &{owner_meta}, {column}, value)?), None => None }}"
            )),
            Policy::Suffix => Some(format!("suffixer.next(db, &{owner_meta}, {column}, &self.{target})?")),
            _ => None,
        };
        if let Some(expr) = expr {
            out.assignments.push(CopyAssignment { target, expr });
        }
    }
    // The fresh values the fork engine asks for, own table only.
    for (index, field) in model.fields.iter().enumerate() {
        let policy = policies.get(&(field.table.clone(), field.column.clone())).copied().unwrap_or(Policy::Keep);
        let expr = match (&field.now, policy) {
            (Some(now), _) => print::now_expr(now),
            (None, Policy::Default) if !field.default.is_required() => print::default_expr(&field.default),
            (None, Policy::NewKey) if !field.auto && model.pk_has_default && index == model.pk => {
                print::default_expr(&field.default)
            }
            _ => continue,
        };
        out.defaults.push(CopyAssignment { target: index.to_string(), expr });
    }
    match out.args.len() {
        0 => {}
        1 => {
            out.item_type = out.args[0].rust_type.clone();
            out.item_pattern = out.args[0].ident.clone();
        }
        _ => {
            let types: Vec<&str> = out.args.iter().map(|a| a.rust_type.as_str()).collect();
            let idents: Vec<&str> = out.args.iter().map(|a| a.ident.as_str()).collect();
            out.item_type = format!("({})", types.join(", "));
            out.item_pattern = format!("({})", idents.join(", "));
        }
    }
    out
}

/// The argument of the copy methods giving `field`'s value: a relation's
/// is its target's typed key (`book: Key<Book>`), which `clone_unsaved`
/// stores raw (`book_id = book.get()`) and `fork` binds as it is.
fn supplied_arg(field: &Field, ident: String, owner_meta: &str, column: usize) -> CopyArg {
    CopyArg {
        supplied: format!("::modelgen_runtime::Supplied::new(&{owner_meta}, {column}, &{ident})?"),
        target: field.ident.clone(),
        value: print::arg_value(field, &ident),
        rust_type: field.arg_type.clone(),
        ident,
    }
}

impl Model {
    /// Whether the root of the chain's pk has a default drawn afresh (uuid4).
    fn pk_has_default_root(&self, owners: &BTreeMap<String, Model>) -> bool {
        let root_pk = self.all_fields.iter().find(|f| f.primary_key);
        root_pk.and_then(|f| owners.get(&f.table)).is_some_and(|root| root.pk_has_default)
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::Model;

    fn model(yaml: &str, name: &str) -> Model {
        let project = crate::compile(&[("t.yaml".into(), yaml.into())]).expect("a valid schema");
        project.apps.into_iter().flat_map(|a| a.models).find(|m| m.name == name).expect("the model")
    }

    fn policy(model: &Model, field: &str) -> String {
        let f = model.all_fields.iter().find(|f| f.name == field).expect("the field");
        f.copy_policy.trim_start_matches("::modelgen_runtime::CopyPolicy::").to_string()
    }

    const SCHEMA: &str = r#"
app: t
models:
  Target:
    fields:
      name: {type: CharField, max_length: 10}
  Thing:
    fields:
      title: {type: CharField, max_length: 20, unique: true}
      slug: {type: SlugField, unique: true}
      token: {type: UUIDField, unique: true, default: uuid4}
      number: {type: IntegerField, unique: true}
      maybe: {type: IntegerField, unique: true, null: true}
      plain: {type: IntegerField, default: 3}
      created: {type: DateTimeField, auto_now_add: true}
      target: {type: ForeignKey, to: Target, on_delete: CASCADE}
      solo: {type: OneToOneField, to: Target, on_delete: CASCADE, related_name: solo_thing}
      spare: {type: OneToOneField, to: Target, on_delete: CASCADE, null: true, related_name: spare_thing}
    clone:
      plain: exclude
  Child:
    extends: Thing
    fields:
      extra: {type: CharField, max_length: 5}
"#;

    #[test]
    fn defaults_follow_uniqueness_nullability_and_one_to_one() {
        let thing = model(SCHEMA, "Thing");
        assert_eq!(policy(&thing, "id"), "NewKey");
        assert_eq!(policy(&thing, "title"), r#"Suffix { separator: " ", max_length: Some(20) }"#);
        assert_eq!(policy(&thing, "slug"), r#"Suffix { separator: "-", max_length: Some(50) }"#);
        assert_eq!(policy(&thing, "token"), "Default", "a unique uuid4 is drawn afresh");
        assert_eq!(policy(&thing, "number"), "Supplied", "unique, no way to make one: the caller's");
        assert_eq!(policy(&thing, "maybe"), "Clear");
        assert_eq!(policy(&thing, "plain"), "Default", "exclude");
        assert_eq!(policy(&thing, "created"), "Default", "auto_now_add is fresh");
        assert_eq!(policy(&thing, "target"), "Keep");
        assert_eq!(policy(&thing, "solo"), "Supplied", "a non-null one-to-one cannot be shared");
        assert_eq!(policy(&thing, "spare"), "Clear");
        let args: Vec<(&str, &str, &str, &str)> = thing
            .copy
            .args
            .iter()
            .map(|a| (a.ident.as_str(), a.rust_type.as_str(), a.target.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(
            args,
            [
                ("number", "i64", "number", "number"),
                ("solo", "::modelgen_runtime::Key<Target>", "solo_id", "solo.get()")
            ],
            "a relation is supplied as its target's typed key, stored raw"
        );
        assert_eq!(
            thing.copy.item_type, "(i64, ::modelgen_runtime::Key<Target>)",
            "an IntegerField is an i64 (Django stores any i64 in it on SQLite)"
        );
    }

    #[test]
    fn a_child_takes_its_ancestors_policies_and_clears_every_link() {
        let child = model(SCHEMA, "Child");
        assert_eq!(policy(&child, "title"), r#"Suffix { separator: " ", max_length: Some(20) }"#, "inherited");
        assert_eq!(policy(&child, "thing_ptr"), "NewKey");
        let cleared: Vec<(&str, &str)> = child
            .copy
            .assignments
            .iter()
            .filter(|a| a.expr == "None")
            .map(|a| (a.target.as_str(), a.expr.as_str()))
            .collect();
        assert!(cleared.contains(&("id", "None")) && cleared.contains(&("thing_ptr_id", "None")), "{cleared:?}");
        assert_eq!(child.copy.key_fields.len(), 2, "id and the parent link");
    }
}
