//! Clone policies: what each `clone:` line may say about the field or
//! relation it names.

use super::*;

impl<'a> Resolver<'a> {
    pub(super) fn check_clone_policies(&mut self, id: ModelId, models: &BTreeMap<ModelId, Model>) {
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
                            format!(
                                "`{}` on the one-to-one `{}`: a copy cannot share its target",
                                policy.value, name.value
                            ),
                            Some(if f.null {
                                "use `skip` (set null), `copy` or `supplied`".into()
                            } else {
                                "use `copy` or `supplied`".into()
                            }),
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
                        format!(
                            "`{}` is {option}: a copy always takes a fresh value, so it cannot have a clone policy",
                            name.value
                        ),
                        Some("remove this line".into()),
                    );
                    continue;
                }
                (Some(f), _, _) => {
                    if policy.value == "exclude" && f.default.is_required() {
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
                            format!(
                                "`clear` on `{}`, which is unique and not nullable: two copies would clash",
                                name.value
                            ),
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
                (None, None, None)
                    if self.flat_fields.get(&id).is_some_and(|fs| fs.iter().any(|f| f.name.value == name.value)) =>
                {
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
                    self.err_help(
                        &file,
                        name.pos,
                        format!("clone policy for unknown field or relation `{}`", name.value),
                        help,
                    );
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
                // A relation with `to_field` holds a field's value, not a key
                // the fork can remap to the copies' new keys.
                let relation = field.and_then(|f| f.relation.as_ref()).or_else(|| {
                    let reverse = reverse?;
                    let source = models.values().find(|m| m.label == reverse.source_label)?;
                    source.fields.iter().find(|f| f.column == reverse.source_column)?.relation.as_ref()
                });
                let follows_to_field = relation.is_some_and(|r| {
                    models
                        .values()
                        .find(|m| m.label == r.target_label)
                        .is_some_and(|t| t.fields[t.pk].column != r.target_column)
                });
                if follows_to_field {
                    self.err_help(
                        &file,
                        policy.pos,
                        format!("`copy` on `{}`: the relation follows `to_field`, which a fork does not remap", name.value),
                        Some(if reverse.is_some() { "use `skip`" } else { "use `link`/`keep` or `skip`" }.into()),
                    );
                    continue;
                }
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
                let help = did_you_mean(&policy.value, allowed.iter().copied())
                    .unwrap_or_else(|| format!("one of: {}", allowed.join(", ")));
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn policies_are_checked_against_what_they_name() {
        let errors = errors(
            "  M:\n    clone: {id: keep, title: suffix, count: suffix, stamp: keep, other: link, tags: copy, nope: keep, name: frobnicate, m_set: link}\n    fields:\n      title: {type: CharField, max_length: 9, choices: [[a, A]]}\n      name: {type: CharField, max_length: 9}\n      count: {type: IntegerField}\n      stamp: {type: DateTimeField, auto_now: true}\n      other: {type: OneToOneField, to: M, on_delete: CASCADE, related_name: twin}\n      tags: {type: ManyToManyField, to: M}\n      owner: {type: ForeignKey, to: M, on_delete: CASCADE, null: true}\n",
        );
        assert_has_errors(
            &errors,
            &[
                "the primary key `id` cannot have a clone policy",
                "`suffix` on `title`, which has choices",
                "`suffix` on `count`, which is not a text field",
                "`stamp` is auto_now",
                "`link` on the one-to-one `other`: a copy cannot share its target",
                "clone policy for unknown field or relation `nope`",
                "unknown clone policy `frobnicate` for `name`",
                "clone policy `link` does not apply to a reverse relation (`m_set`)",
            ],
        );
        assert!(!has_error(&errors, "`tags`"), "copy applies to a many-to-many: {errors:?}");
    }

    #[test]
    fn valid_policies_reach_the_copy_plan() {
        let project = project(
            "  M:\n    clone: {name: suffix, code: supplied}\n    fields:\n      name: {type: CharField, max_length: 20}\n      code: {type: CharField, max_length: 5, unique: true}\n",
        );
        let m = model(&project, "M");
        assert_eq!(m.copy.args.iter().map(|a| a.ident.as_str()).collect::<Vec<_>>(), ["code"]);
        assert!(field(m, "name").copy_policy.contains("Suffix"), "{}", field(m, "name").copy_policy);
    }
}
