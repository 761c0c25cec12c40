//! `str` and `absolute_url` templates compiled to Rust format strings.

use super::*;

impl<'a> Resolver<'a> {
    /// `{name} ({pub_date})` -> a format string and the fields it reads.
    /// Errors point at the placeholder inside the string when its text can be
    /// located, else at the string.
    pub(super) fn format_template(
        &mut self,
        ctx: &ModelCtx<'_>,
        file: &str,
        template: &Spanned<String>,
        fields: &[Field],
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
                    ok &= self.placeholder(ctx, file, at, &name, fields, key, &mut format, &mut args);
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
    pub(super) fn placeholder(
        &mut self,
        ctx: &ModelCtx<'_>,
        file: &str,
        at: Pos,
        name: &str,
        fields: &[Field],
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
            None if ctx.failed_fields.contains(name) => false,
            None if ctx.many_to_many.iter().any(|m| m.name == name) => {
                self.err_help(
                    file,
                    at,
                    format!("`{key}` placeholder `{{{name}}}` names the ManyToManyField `{name}`"),
                    Some("a many-to-many relation has no single value to show; name a field".into()),
                );
                false
            }
            None => {
                let help = Self::fields_hint(ctx, name);
                self.err_help(file, at, format!("`{key}` placeholder `{{{name}}}` names no field"), help);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn placeholders_become_format_arguments() {
        let project = project(
            "  M:\n    str: '{name} ({pk}) {{literal}}'\n    absolute_url: '/m/{owner_id}/'\n    fields:\n      name: {type: CharField, max_length: 10}\n      owner: {type: ForeignKey, to: M, on_delete: CASCADE, null: true}\n",
        );
        let m = model(&project, "M");
        let display = m.display.as_ref().unwrap();
        assert_eq!(display.format, "{} ({}) {{literal}}");
        assert_eq!(display.args, ["name", "id"]);
        assert_eq!(m.absolute_url.as_ref().unwrap().args, ["owner_id"]);
    }

    #[test]
    fn bad_placeholders() {
        let errors = errors(
            "  M:\n    str: '{nme} {owner} {tags} {name:>5} {}'\n    absolute_url: '/{name'\n    fields:\n      name: {type: CharField, max_length: 10}\n      owner: {type: ForeignKey, to: M, on_delete: CASCADE, null: true}\n      tags: {type: ManyToManyField, to: M}\n",
        );
        assert_has_errors(
            &errors,
            &[
                "`str` placeholder `{nme}` names no field | help: did you mean `name`?",
                "`str` placeholder `{owner}` names a relation | help: use `{owner_id}`",
                "names the ManyToManyField `tags`",
                "has a format spec, which is not supported",
                "empty placeholder `{}` in `str`",
                "unclosed `{` in `absolute_url`",
            ],
        );
    }
}
