//! Choices: a field's `choices` turned into a Rust enum.

use super::*;

impl<'a> Resolver<'a> {
    pub(super) fn build_choices(
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
                            Some(format!(
                                "shorten the value, or raise `max_length` to at least {}",
                                value.chars().count()
                            )),
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
            // The label in CamelCase, else `V` and the value, else `V` and
            // the position: whichever is a Rust variant name (`Self`, the
            // only capitalized keyword, and `x²`, whose `²` is alphanumeric
            // but no identifier character, are not).
            let mut ident = choice.label.value.to_upper_camel_case();
            if !is_variant_name(&ident) {
                ident = format!("V{}", value.to_upper_camel_case());
            }
            if !is_variant_name(&ident) {
                ident = format!("V{}", variants.len() + 1);
            }
            while variants.iter().any(|v| v.ident == ident) {
                ident.push('_');
            }
            variants.push(ChoiceVariant { ident, literal, label: choice.label.value.clone() });
        }
        Some(ChoiceEnum {
            name: format!("{model_name}{}", def.name.value.to_upper_camel_case()),
            field: format!("{model_name}.{}", def.name.value),
            value_type: if is_text { "String".into() } else { "i64".into() },
            is_text,
            variants,
        })
    }
}

/// A name the enum can give a variant: an identifier starting with an
/// ASCII letter, not `Self`, and not `Other` (the variant for values
/// outside the choices).
fn is_variant_name(ident: &str) -> bool {
    let mut chars = ident.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(unicode_ident::is_xid_continue)
        && ident != "Self"
        && ident != "Other"
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn choices_become_an_enum_with_unique_variants() {
        let project = project(
            "  Entry:\n    fields:\n      status: {type: CharField, max_length: 1, default: d, choices: [[d, Draft], [p, Published], [x, draft], [o, Other]]}\n      level: {type: IntegerField, choices: [[1, Low], [2, '2nd']]}\n",
        );
        let app = &project.apps[0];
        let status = app.choice_enums.iter().find(|e| e.name == "EntryStatus").unwrap();
        let idents: Vec<&str> = status.variants.iter().map(|v| v.ident.as_str()).collect();
        assert_eq!(idents, ["Draft", "Published", "Draft_", "VO"]);
        assert_eq!(status.variants[0].literal, "\"d\"");
        assert!(status.is_text);
        let level = app.choice_enums.iter().find(|e| e.name == "EntryLevel").unwrap();
        assert_eq!(
            (level.value_type.as_str(), level.variants[1].ident.as_str(), level.variants[1].literal.as_str()),
            ("i64", "V2", "2")
        );
        let m = model(&project, "Entry");
        assert_eq!(crate::print::default_expr(&field(m, "status").default), "EntryStatus::Draft");
        assert_eq!(field(m, "status").value_type, "EntryStatus");
    }

    /// A label that is no variant name falls back to the value, then to
    /// the position (found by codegen/tests/fuzz.rs: `Self` did not parse).
    #[test]
    fn labels_that_are_no_variant_name_fall_back_to_value_then_position() {
        let project = project(
            "  Entry:\n    fields:\n      kind: {type: CharField, max_length: 5, choices: [[me, self], [you, Self], [x², x²], [², ²], [naïf, Naïf]]}\n",
        );
        let kind = project.apps[0].choice_enums.iter().find(|e| e.name == "EntryKind").unwrap();
        let idents: Vec<&str> = kind.variants.iter().map(|v| v.ident.as_str()).collect();
        assert_eq!(idents, ["VMe", "VYou", "V3", "V4", "Naïf"]);
    }

    #[test]
    fn bad_choices() {
        let errors = errors(
            "  M:\n    fields:\n      a: {type: CharField, max_length: 1, choices: [[ab, Long], [c, C], [c, Again]]}\n      b: {type: SmallIntegerField, choices: [[x, X], [99999, Big]]}\n      c: {type: BooleanField, choices: [[1, Yes]]}\n      d: {type: CharField, max_length: 1, default: z, choices: [[y, Y]]}\n",
        );
        assert_has_errors(
            &errors,
            &[
                "choice value `ab` is longer than max_length 1",
                "duplicate choice value `c`",
                "choice value `x` is not an integer",
                "choice value 99999 is out of range for SmallIntegerField",
                "choices are supported on text and integer fields, not BooleanField",
                "default `z` is not one of the choices of `d`",
            ],
        );
    }
}
