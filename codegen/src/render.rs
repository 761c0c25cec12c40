//! Stage 4: print the IR through Tera templates, then format.

use std::path::Path;

use serde::Serialize;
use tera::{Context, Tera};

use crate::ddl::Dialect;
use crate::ir::{App, Project};
use crate::Error;

/// The templates shipped with modelgen, embedded so the binary needs no files.
const EMBEDDED: &[(&str, &str)] = &[
    ("app.rs.tera", include_str!("../../templates/app.rs.tera")),
    ("model.rs.tera", include_str!("../../templates/model.rs.tera")),
    ("choices.rs.tera", include_str!("../../templates/choices.rs.tera")),
    ("app.sql.tera", include_str!("../../templates/app.sql.tera")),
    ("app.postgresql.sql.tera", include_str!("../../templates/app.postgresql.sql.tera")),
];

/// The import of the runtime the built-in `app.rs.tera` starts with.
const RUNTIME_ALIAS: &str = "use ::modelgen_runtime as mg;";

pub struct Renderer {
    tera: Tera,
    /// Whether some template can read `project` (names it, or dumps the
    /// whole context): a copy of the whole IR that is left out otherwise.
    uses_project: bool,
    /// Whether `app.rs.tera` is overridden. The built-in templates lay out
    /// their output themselves (the goldens and the compiled `generated/`
    /// pin it), so it is only tidied; an override's output is parsed and
    /// formatted by prettyplease, which also locates a syntax error.
    formats_rust: bool,
}

impl Renderer {
    /// The embedded templates, with any file of the same name in `overrides` used instead.
    pub fn new(overrides: Option<&Path>) -> Result<Self, Error> {
        let mut tera = Tera::default();
        tera.autoescape_on(Vec::new());
        tera.register_filter("rust_str", rust_str);
        tera.register_filter("doc", doc);
        tera.register_filter("raw_str", raw_str);
        let mut uses_project = false;
        let mut formats_rust = false;
        for (name, embedded) in EMBEDDED {
            let text = match overrides.map(|dir| dir.join(name)).filter(|p| p.is_file()) {
                Some(path) => {
                    formats_rust |= name.ends_with(".rs.tera");
                    std::fs::read_to_string(&path).map_err(|e| Error::Io { path: path.clone(), source: e })?
                }
                None => (*embedded).to_string(),
            };
            uses_project |= text.contains("project") || text.contains("__tera_context");
            tera.add_raw_template(name, &text).map_err(|e| Error::Template(render_chain(&e)))?;
        }
        Ok(Renderer { tera, uses_project, formats_rust })
    }

    /// The Rust module of one app, formatted and headed.
    pub fn app_rust(&self, project: &Project, app: &App) -> Result<String, Error> {
        let context = self.app_context(project, app)?;
        let raw = self.render("app.rs.tera", &context)?;
        drop(context);
        self.finish_rust(raw, &app.source)
    }

    /// The DDL of one app, headed.
    pub fn app_sql(&self, project: &Project, app: &App) -> Result<String, Error> {
        self.app_sql_for(Dialect::Sqlite, project, app)
    }

    /// The DDL of one app in `dialect`, headed (`<stem>.sql` for SQLite,
    /// `<stem>.postgresql.sql` for PostgreSQL).
    pub fn app_sql_for(&self, dialect: Dialect, project: &Project, app: &App) -> Result<String, Error> {
        let body = self.render(sql_template(dialect), &self.app_context(project, app)?)?;
        Ok(sql_file(&body, &app.source))
    }

    /// `(app_rust, app_sql, app_postgresql_sql)`, from one serialization of
    /// the context, which is dropped before the Rust is formatted.
    pub fn app_files(&self, project: &Project, app: &App) -> Result<(String, String, String), Error> {
        let context = self.app_context(project, app)?;
        let raw = self.render("app.rs.tera", &context)?;
        let sql = sql_file(&self.render(sql_template(Dialect::Sqlite), &context)?, &app.source);
        let postgresql = sql_file(&self.render(sql_template(Dialect::Postgresql), &context)?, &app.source);
        drop(context);
        Ok((self.finish_rust(raw, &app.source)?, sql, postgresql))
    }

    /// The rendered Rust of an app, headed: tidied when the built-in
    /// templates laid it out, formatted by prettyplease otherwise.
    fn finish_rust(&self, raw: String, source: &str) -> Result<String, Error> {
        let raw = short_runtime_paths(raw);
        if self.formats_rust {
            return format_rust(&raw, source);
        }
        Ok(format!("{}\n\n{}", rust_header(source), tidy(&raw)))
    }

    /// The Tera context of one app's templates: `app` and `project`.
    fn app_context(&self, project: &Project, app: &App) -> Result<Context, Error> {
        let project = self.uses_project.then_some(project);
        Context::from_serialize(AppContext { app, project }).map_err(|e| Error::Template(render_chain(&e)))
    }

    fn render(&self, template: &str, context: &Context) -> Result<String, Error> {
        self.tera.render(template, context).map_err(|e| Error::Template(render_chain(&e)))
    }
}

/// The IR names the runtime by its full path; the built-in templates import
/// it as `mg`, and generated code reads better (and lines fit) with the
/// short name. A template without that import is left as it is.
fn short_runtime_paths(mut raw: String) -> String {
    if raw.contains(RUNTIME_ALIAS) {
        raw = raw.replace("::modelgen_runtime::", "mg::");
        // The field value types are re-exported at the runtime's root.
        for module in ["chrono", "rust_decimal", "uuid"] {
            raw = raw.replace(&format!("mg::{module}::"), "mg::");
        }
    }
    raw
}

/// A Tera filter printing a string as a Rust string literal.
fn rust_str(value: &tera::Value, _: &std::collections::HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    match value {
        tera::Value::String(s) => Ok(tera::Value::String(format!("{s:?}"))),
        other => Err(tera::Error::msg(format!("rust_str expects a string, got {other}"))),
    }
}

/// A Tera filter printing a string as a Rust raw string literal (`r#"..."#`,
/// with as many `#` as the text needs), so multi-line text such as the DDL
/// stays readable, a line per statement.
fn raw_str(value: &tera::Value, _: &std::collections::HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    match value {
        tera::Value::String(s) => {
            let mut hashes = String::from("#");
            while s.contains(&format!("\"{hashes}")) {
                hashes.push('#');
            }
            Ok(tera::Value::String(format!("r{hashes}\"{s}\"{hashes}")))
        }
        other => Err(tera::Error::msg(format!("raw_str expects a string, got {other}"))),
    }
}

/// A Tera filter continuing a `///` doc comment over every line of the
/// text, so a multi-line `help_text` stays a comment.
fn doc(value: &tera::Value, _: &std::collections::HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    match value {
        // Every line break starts a new `///` line; a `\r` left inside
        // one (`lines()` only removes it before `\n`) is a bare CR, which
        // Rust does not allow in a doc comment.
        tera::Value::String(s) => {
            let lines: Vec<&str> = s.lines().flat_map(|l| l.split('\r')).collect();
            Ok(tera::Value::String(lines.join("\n/// ")))
        }
        other => Err(tera::Error::msg(format!("doc expects a string, got {other}"))),
    }
}

#[derive(Serialize)]
struct AppContext<'a> {
    app: &'a App,
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<&'a Project>,
}

/// Tera's errors keep the useful part in their sources.
fn render_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}


/// The template printing an app's DDL in `dialect`.
fn sql_template(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "app.sql.tera",
        Dialect::Postgresql => "app.postgresql.sql.tera",
    }
}

/// The file an app's DDL in `dialect` is written to: `<stem>.sql` stays
/// SQLite's (the default dialect), PostgreSQL's is `<stem>.postgresql.sql`.
pub fn sql_file_name(dialect: Dialect, file_stem: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("{file_stem}.sql"),
        Dialect::Postgresql => format!("{file_stem}.postgresql.sql"),
    }
}

fn sql_file(body: &str, source: &str) -> String {
    format!("-- @generated by modelgen from {source}. Do not edit; edit the schema and regenerate.\n{body}")
}

/// A rendered Rust module, formatted by prettyplease and headed.
fn format_rust(raw: &str, source: &str) -> Result<String, Error> {
    let body = match format_in_chunks(raw) {
        Some(body) => body,
        None => format_whole(raw, source)?,
    };
    Ok(format!("{}\n\n{body}", rust_header(source)))
}

fn rust_header(source: &str) -> String {
    format!("// @generated by modelgen from {source}. Do not edit; edit the schema and regenerate.")
}

/// Template output as a file: no trailing spaces, no run of blank lines,
/// no blank line after an opening brace or before a closing one, one
/// final newline.
fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut blank_pending = false;
    for line in raw.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_pending = !out.is_empty() && !out.ends_with("{\n") && !out.ends_with("[\n");
            continue;
        }
        let closes = line.trim_start().starts_with(['}', ']', ')']);
        if blank_pending && !closes {
            out.push('\n');
        }
        blank_pending = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Format a whole file at once; its parse error names the line in `raw`.
fn format_whole(raw: &str, source: &str) -> Result<String, Error> {
    let file = syn::parse_file(raw).map_err(|e| {
        let line = e.span().start().line;
        let context: Vec<&str> = raw.lines().skip(line.saturating_sub(3)).take(5).collect();
        Error::Template(format!(
            "template produced invalid Rust for `{source}` at line {line}: {e}\n{}",
            context.join("\n")
        ))
    })?;
    Ok(prettyplease::unparse(&file))
}

/// Lines per chunk `format_in_chunks` parses at once.
const CHUNK_LINES: usize = 500;

/// prettyplease prints a file's items one after another, so a file can be
/// formatted a run of whole items at a time: the syntax tree of a
/// thousand-model app never has to be in memory at once (it takes about
/// 50 times the text's size). Runs end at a line that closes an item (`}`
/// or `;` outside any bracket, string or comment). `None` when a run does
/// not parse: the caller then parses the whole file, for the same output or
/// an error that points at the right line.
fn format_in_chunks(raw: &str) -> Option<String> {
    let ends = item_run_ends(raw, CHUNK_LINES);
    let runs: Vec<&str> = ends.iter().scan(0, |start, &end| Some(&raw[std::mem::replace(start, end)..end])).collect();
    // Runs are formatted in parallel, a wave of one scoped thread per core
    // at a time: each thread's span table (proc-macro2 keeps one per thread
    // and never shrinks it) is freed when the thread ends.
    let threads = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8);
    let mut out = String::with_capacity(raw.len());
    for (wave_index, wave) in runs.chunks(threads).enumerate() {
        let formatted: Vec<Option<String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = wave
                .iter()
                .enumerate()
                .map(|(i, run)| scope.spawn(move || format_run(run, wave_index == 0 && i == 0)))
                .collect();
            handles.into_iter().map(|h| h.join().ok().flatten()).collect()
        });
        for run in formatted {
            out.push_str(&run?);
        }
    }
    Some(out)
}

/// One run of whole items, formatted; `None` when it does not parse, or
/// holds inner attributes and is not the first.
fn format_run(run: &str, first: bool) -> Option<String> {
    let file = syn::parse_file(run).ok()?;
    if !first && (file.shebang.is_some() || !file.attrs.is_empty()) {
        return None;
    }
    Some(prettyplease::unparse(&file))
}

/// Byte offsets that split `raw` into runs of at least `min_lines` lines
/// (the last run excepted), each ending after a line whose last token, at
/// bracket depth 0, is `}` or `;`. The last offset is `raw.len()`.
fn item_run_ends(raw: &str, min_lines: usize) -> Vec<usize> {
    let bytes = raw.as_bytes();
    let mut ends = Vec::new();
    let (mut depth, mut lines, mut last) = (0i64, 0usize, b' ');
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                lines += 1;
                if depth == 0 && matches!(last, b'}' | b';') && lines >= min_lines {
                    ends.push(i + 1);
                    lines = 0;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                // A doc comment is an attribute of the item after it.
                if matches!(bytes.get(i + 2), Some(b'/' | b'!')) {
                    last = b'/';
                }
                i = raw[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                if matches!(bytes.get(i + 2), Some(b'*' | b'!')) {
                    last = b'/';
                }
                let mut nesting = 0;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"/*") {
                        nesting += 1;
                        i += 2;
                    } else if bytes[i..].starts_with(b"*/") {
                        nesting -= 1;
                        i += 2;
                        if nesting == 0 {
                            break;
                        }
                    } else {
                        lines += usize::from(bytes[i] == b'\n');
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    lines += usize::from(bytes[i] == b'\n');
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                last = b'"';
            }
            b'r' if (i == 0 || !is_ident_byte(bytes[i - 1])) && raw_string_hashes(&bytes[i + 1..]).is_some() => {
                let hashes = raw_string_hashes(&bytes[i + 1..]).unwrap_or(0);
                let closing: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
                i += 2 + hashes;
                while i < bytes.len() && !bytes[i..].starts_with(&closing) {
                    lines += usize::from(bytes[i] == b'\n');
                    i += 1;
                }
                i += closing.len();
                last = b'"';
                continue;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{..}', a multi-byte char) or a lifetime.
                if bytes.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < bytes.len() && bytes[i] != b'\'' {
                        i += 1;
                    }
                } else if let Some(c) = raw[i + 1..].chars().next() {
                    if raw[i + 1 + c.len_utf8()..].starts_with('\'') {
                        i += c.len_utf8() + 1;
                    }
                }
                last = b'\'';
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                last = b;
            }
            b'}' | b')' | b']' => {
                depth -= 1;
                last = b;
            }
            b' ' | b'\t' | b'\r' => {}
            _ => last = b,
        }
        i += 1;
    }
    if ends.last() != Some(&bytes.len()) {
        ends.push(bytes.len());
    }
    ends
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// After an `r`: the number of `#` of a raw string's opening (`r"`, `r#"`).
fn raw_string_hashes(rest: &[u8]) -> Option<usize> {
    let hashes = rest.iter().take_while(|&&b| b == b'#').count();
    (rest.get(hashes) == Some(&b'"')).then_some(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "/// A struct.\n#[derive(Debug)]\npub struct A { x: i64 }\nimpl A {\n    fn f(&self) -> &str { \"}\" }\n}\npub const S: &str = r#\"{ \"}\"#;\npub static T: [char; 2] = ['{', '\\''];\n// a } in a comment\n/// Doc.\nfn g<'a>(x: &'a str) -> &'a str { /* } */ x }\npub static M: A = A {\n    x: 1,\n};\n";

    #[test]
    fn runs_end_only_after_whole_items() {
        let ends = item_run_ends(SOURCE, 1);
        let lines_ending_runs: Vec<&str> = ends.iter().map(|&e| SOURCE[..e].lines().last().unwrap()).collect();
        assert_eq!(
            lines_ending_runs,
            [
                "pub struct A { x: i64 }",
                "}",
                "pub const S: &str = r#\"{ \"}\"#;",
                "pub static T: [char; 2] = ['{', '\\''];",
                "// a } in a comment",
                "fn g<'a>(x: &'a str) -> &'a str { /* } */ x }",
                "};"
            ]
        );
        assert_eq!(item_run_ends(SOURCE, 1000), [SOURCE.len()], "runs are at least min_lines long");
    }

    #[test]
    fn formatting_in_runs_prints_what_the_whole_file_prints() {
        let whole = format_whole(SOURCE, "t.yaml").unwrap();
        let ends = item_run_ends(SOURCE, 1);
        let mut start = 0;
        let mut runs = String::new();
        for end in ends {
            runs.push_str(&format_run(&SOURCE[start..end], start == 0).unwrap());
            start = end;
        }
        assert_eq!(runs, whole);
        assert_eq!(format_in_chunks(SOURCE).unwrap(), whole);
    }

    #[test]
    fn invalid_rust_is_reported_at_its_line_in_the_whole_file() {
        let bad = format!("{}{SOURCE}fn broken( {{\n", "pub struct Ok;\n".repeat(3000));
        assert_eq!(format_in_chunks(&bad), None);
        let Err(Error::Template(message)) = format_rust(&bad, "t.yaml") else { panic!("must fail") };
        assert!(message.starts_with("template produced invalid Rust for `t.yaml` at line 3015"), "{message}");
    }

    #[test]
    fn tidy_drops_trailing_spaces_blank_runs_and_blank_lines_inside_braces() {
        let raw = "use x;  \n\n\n\nimpl A {\n\n    fn f() {}   \n\n\n    fn g() {}\n\n}\n\n\nstatic S: &[u8] = &[\n\n    1,\n];\n\n";
        assert_eq!(tidy(raw), "use x;\n\nimpl A {\n    fn f() {}\n\n    fn g() {}\n}\n\nstatic S: &[u8] = &[\n    1,\n];\n");
    }

    #[test]
    fn raw_str_uses_enough_hashes_for_its_text() {
        let print = |text: &str| match raw_str(&tera::Value::String(text.into()), &Default::default()).unwrap() {
            tera::Value::String(s) => s,
            other => panic!("{other}"),
        };
        assert_eq!(print("CREATE TABLE \"a\";\n"), "r#\"CREATE TABLE \"a\";\n\"#");
        assert_eq!(print("\"#x\""), "r##\"\"#x\"\"##");
    }

    #[test]
    fn runtime_paths_shorten_only_under_the_alias() {
        let with_alias = format!("{RUNTIME_ALIAS}\nconst D: ::modelgen_runtime::chrono::NaiveDate = x;\nfn f() -> ::modelgen_runtime::Result<()> {{}}\n");
        assert_eq!(
            short_runtime_paths(with_alias),
            format!("{RUNTIME_ALIAS}\nconst D: mg::NaiveDate = x;\nfn f() -> mg::Result<()> {{}}\n")
        );
        let without = "fn f() -> ::modelgen_runtime::Result<()> {}\n".to_string();
        assert_eq!(short_runtime_paths(without.clone()), without);
    }
}
