//! Property test: whatever YAML it is given, the generator (parse, resolve
//! and validate, render: the whole `generate` path, in memory) never
//! panics, and either renders output or reports errors that each name a
//! file of the run and a line and column inside that file's text. When a
//! mutated schema is valid, its Rust must parse (with syn: compiling it is
//! too slow for a property test; tests/golden.rs compiles the real cases)
//! and its SQL must run on SQLite.
//!
//! Inputs are the real schemas (schemas/ and tests/valid/*/) mutated
//! structurally (lines deleted, duplicated, swapped, re-indented; scalars
//! replaced by other kinds; types, options and names turned into near
//! misses or other words of the corpus; `key: value` pairs dropped; bytes
//! inserted), and random schema-shaped and free-form YAML.
//!
//! Bounded in time: a fixed number of cases from a fixed seed, a few
//! seconds in a debug build. `MODELGEN_FUZZ_CASES=100000` runs longer from
//! a random seed (`MODELGEN_FUZZ_SEED=<n>` to fix one); a failure prints
//! the smallest input proptest shrank it to (for a mutated schema: the
//! index of the seed and the mutations), which reproduces it; the
//! `found_*` tests at the end pin what such runs found.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use modelgen::render::Renderer;
use modelgen::Error;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

/// Cases per property in a default test run: the whole file takes about
/// 5 s in a debug build (4.7 s measured, load average 3 on 2 cores).
const DEFAULT_CASES: u32 = 300;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A seed: one schema to mutate, and the unmutated schemas its relations
/// need (notifications points at people).
struct Seed {
    path: String,
    text: String,
    companions: Vec<(String, String)>,
}

fn read_schemas(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .map(|p| {
            let name = p.strip_prefix(workspace()).unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// `schemas/people.yaml` -> `people` (each example's app is its file stem).
fn app_label(path: &str) -> &str {
    Path::new(path).file_stem().and_then(|stem| stem.to_str()).unwrap_or_default()
}

fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let examples = read_schemas(&workspace().join("schemas"));
        let mut seeds: Vec<Seed> = examples
            .iter()
            .map(|(path, text)| {
                // The example schemas its relations name (`people.Person`)
                // run beside it, so they resolve.
                let companions = examples
                    .iter()
                    .filter(|(other, _)| other != path && text.contains(&format!("{}.", app_label(other))))
                    .cloned()
                    .collect();
                Seed { path: path.clone(), text: text.clone(), companions }
            })
            .collect();
        let mut cases: Vec<PathBuf> = std::fs::read_dir(workspace().join("tests/valid"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        cases.sort();
        for case in cases {
            let files = read_schemas(&case);
            for (path, text) in &files {
                let companions = files.iter().filter(|(other, _)| other != path).cloned().collect();
                seeds.push(Seed { path: path.clone(), text: text.clone(), companions });
            }
        }
        assert!(seeds.len() >= 8, "too few seed schemas: {}", seeds.len());
        seeds
    })
}

/// Every identifier-like word of the seeds: field types, options, model
/// and field names, values. A mutation swaps one word for another.
fn vocabulary() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: Vec<String> = seeds().iter().flat_map(|seed| words_of(&seed.text)).map(str::to_string).collect();
        words.sort();
        words.dedup();
        words
    })
}

fn renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| Renderer::new(None).unwrap())
}

/// Scalars of other kinds and shapes than the ones they replace.
const REPLACEMENTS: &[&str] = &[
    "0",
    "-1",
    "1.5",
    "1e400",
    "99999999999999999999999",
    "-9223372036854775809",
    "0x1F",
    ".nan",
    "[]",
    "[a, b]",
    "[[a, b], [c]]",
    "{}",
    "{x: 1}",
    "{type: CharField}",
    "",
    "''",
    "\"\"",
    "~",
    "null",
    "true",
    "no",
    "é名🦀",
    "\"naïve\"",
    "'it''s'",
    "\"a\\\"b\"",
    "\"\\0\"",
    "order",
    "select",
    "self",
    "Self",
    "r#type",
    "__",
    "_x",
    "x__y",
    "1abc",
    "a-b",
    "a b",
    "!!binary aGk=",
    "&anchor x",
    "*anchor",
    "? complex",
    "|\n  block",
    ">-",
    "%",
    "@",
    "`",
    "#",
    "{{ app }}",
    "{% raw %}",
    "*/",
    "/*",
    "\\",
    "\"\\n\"",
    "'; DROP TABLE x; --",
];

/// A huge scalar: long names and values must not blow up anything.
fn huge(n: usize) -> String {
    "abcdefghij".repeat(n / 10 + 1)
}

#[derive(Debug, Clone)]
enum NearMiss {
    DropChar(usize),
    DoubleChar(usize),
    SwapChars(usize),
    FlipCase,
    AppendS,
    Underscore,
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    MoveLine(usize, usize),
    /// Change a line's indentation by this many spaces (negative removes).
    Indent(usize, i8),
    TabIndent(usize),
    ReplaceScalar(usize, usize),
    HugeScalar(usize, usize),
    NearMiss(usize, NearMiss),
    OtherWord(usize, usize),
    /// Drop the nth `key: value` (a required `type:` or `app:` among them).
    DropPair(usize),
    InsertText(usize, String),
    Truncate(usize),
}

fn near_miss() -> impl Strategy<Value = NearMiss> {
    prop_oneof![
        (0..16usize).prop_map(NearMiss::DropChar),
        (0..16usize).prop_map(NearMiss::DoubleChar),
        (0..16usize).prop_map(NearMiss::SwapChars),
        Just(NearMiss::FlipCase),
        Just(NearMiss::AppendS),
        Just(NearMiss::Underscore),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let index = || 0..10_000usize;
    prop_oneof![
        1 => index().prop_map(Mutation::DeleteLine),
        1 => index().prop_map(Mutation::DuplicateLine),
        1 => (index(), index()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (index(), index()).prop_map(|(a, b)| Mutation::MoveLine(a, b)),
        1 => (index(), -6i8..=6).prop_map(|(a, n)| Mutation::Indent(a, n)),
        1 => index().prop_map(Mutation::TabIndent),
        3 => (index(), 0..REPLACEMENTS.len()).prop_map(|(a, r)| Mutation::ReplaceScalar(a, r)),
        1 => (index(), prop_oneof![Just(64usize), Just(200), Just(5_000), Just(100_000)])
            .prop_map(|(a, n)| Mutation::HugeScalar(a, n)),
        3 => (index(), near_miss()).prop_map(|(a, m)| Mutation::NearMiss(a, m)),
        3 => (index(), index()).prop_map(|(a, w)| Mutation::OtherWord(a, w)),
        2 => index().prop_map(Mutation::DropPair),
        1 => (index(), "[ -~\\n\\t\u{e9}\u{1F980}\u{0}\u{FEFF}\u{202E}]{1,8}").prop_map(|(a, s)| Mutation::InsertText(a, s)),
        1 => index().prop_map(Mutation::Truncate),
    ]
}

/// Byte ranges of the identifier-like words of `text`.
fn word_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        let word_char = c.is_alphanumeric() || c == '_';
        match (start, word_char) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                ranges.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    ranges
}

fn words_of(text: &str) -> impl Iterator<Item = &str> {
    word_ranges(text).into_iter().map(move |(s, e)| &text[s..e])
}

/// Byte ranges of the scalars of `text`: words (with `.`, `-` inside, so
/// `1.5`, `-pub_date`, `app.Model` are one) and quoted strings.
fn scalar_ranges(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' || c == b'\'' {
            let end = text[i + 1..].find(c as char).map_or(text.len(), |e| i + 1 + e + 1);
            ranges.push((i, end));
            i = end;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c >= 0x80 {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || b"_-.".contains(&bytes[i]) || bytes[i] >= 0x80)
            {
                i += 1;
            }
            ranges.push((start, i));
        } else {
            i += 1;
        }
    }
    ranges
}

fn replace_range(text: &mut String, (start, end): (usize, usize), with: &str) {
    text.replace_range(start..end, with);
}

fn near_missed(word: &str, how: &NearMiss) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let n = chars.len().max(1);
    match how {
        NearMiss::DropChar(i) if !chars.is_empty() => {
            chars.remove(i % n);
        }
        NearMiss::DoubleChar(i) if !chars.is_empty() => {
            let c = chars[i % n];
            chars.insert(i % n, c);
        }
        NearMiss::SwapChars(i) if chars.len() >= 2 => {
            let i = i % (chars.len() - 1);
            chars.swap(i, i + 1);
        }
        NearMiss::FlipCase if !chars.is_empty() => {
            let c = chars[0];
            chars[0] = if c.is_uppercase() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                c.to_uppercase().next().unwrap_or(c)
            };
        }
        NearMiss::AppendS => chars.push('s'),
        NearMiss::Underscore => chars.insert(n / 2, '_'),
        _ => {}
    }
    chars.into_iter().collect()
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let line_count = lines.len().max(1);
    let mut out = text.to_string();
    match mutation {
        Mutation::DeleteLine(i) if !lines.is_empty() => {
            lines.remove(i % line_count);
            out = lines.join("\n");
        }
        Mutation::DuplicateLine(i) if !lines.is_empty() => {
            let line = lines[i % line_count].clone();
            lines.insert(i % line_count, line);
            out = lines.join("\n");
        }
        Mutation::SwapLines(a, b) if !lines.is_empty() => {
            lines.swap(a % line_count, b % line_count);
            out = lines.join("\n");
        }
        Mutation::MoveLine(a, b) if !lines.is_empty() => {
            let line = lines.remove(a % line_count);
            lines.insert(b % line_count, line);
            out = lines.join("\n");
        }
        Mutation::Indent(i, by) if !lines.is_empty() => {
            let line = &mut lines[i % line_count];
            if *by >= 0 {
                line.insert_str(0, &" ".repeat(*by as usize));
            } else {
                let spaces = line.len() - line.trim_start_matches(' ').len();
                line.replace_range(..spaces.min(by.unsigned_abs() as usize), "");
            }
            out = lines.join("\n");
        }
        Mutation::TabIndent(i) if !lines.is_empty() => {
            lines[i % line_count].insert(0, '\t');
            out = lines.join("\n");
        }
        Mutation::ReplaceScalar(i, r) => {
            let ranges = scalar_ranges(&out);
            if !ranges.is_empty() {
                replace_range(&mut out, ranges[i % ranges.len()], REPLACEMENTS[*r]);
            }
        }
        Mutation::HugeScalar(i, n) => {
            let ranges = scalar_ranges(&out);
            if !ranges.is_empty() {
                replace_range(&mut out, ranges[i % ranges.len()], &huge(*n));
            }
        }
        Mutation::NearMiss(i, how) => {
            let ranges = word_ranges(&out);
            if !ranges.is_empty() {
                let range = ranges[i % ranges.len()];
                let missed = near_missed(&out[range.0..range.1], how);
                replace_range(&mut out, range, &missed);
            }
        }
        Mutation::OtherWord(i, w) => {
            let ranges = word_ranges(&out);
            if !ranges.is_empty() {
                let words = vocabulary();
                replace_range(&mut out, ranges[i % ranges.len()], &words[w % words.len()]);
            }
        }
        Mutation::DropPair(i) => {
            // `key:` followed by its value up to the next `,` or `}` or
            // the end of the line.
            let keys: Vec<(usize, usize)> =
                word_ranges(&out).into_iter().filter(|(_, end)| out[*end..].starts_with(':')).collect();
            if !keys.is_empty() {
                let (start, end) = keys[i % keys.len()];
                let rest = &out[end..];
                let stop = rest.find([',', '}', '\n']).unwrap_or(rest.len());
                let stop = if rest[stop..].starts_with(',') { stop + 1 } else { stop };
                out.replace_range(start..end + stop, "");
            }
        }
        Mutation::InsertText(at, s) => {
            let boundaries: Vec<usize> = out.char_indices().map(|(i, _)| i).chain([out.len()]).collect();
            out.insert_str(boundaries[at % boundaries.len()], s);
        }
        Mutation::Truncate(at) => {
            let boundaries: Vec<usize> = out.char_indices().map(|(i, _)| i).chain([out.len()]).collect();
            out.truncate(boundaries[at % boundaries.len()]);
        }
        _ => {}
    }
    out
}

// ------------------------------------------------------- random schemas

/// A YAML value built from the corpus's words and the replacements.
#[derive(Debug, Clone)]
enum Yaml {
    Scalar(String),
    List(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    /// Block style at `indent`, flow style below `flow_depth`.
    fn write(&self, out: &mut String, indent: usize, flow: bool) {
        match self {
            Yaml::Scalar(s) => out.push_str(s),
            Yaml::List(items) if flow || items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out, indent, true);
                }
                out.push(']');
            }
            Yaml::Map(entries) if flow || entries.is_empty() => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(key);
                    out.push_str(": ");
                    value.write(out, indent, true);
                }
                out.push('}');
            }
            Yaml::List(items) => {
                for item in items {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                    out.push_str("- ");
                    item.write(out, indent + 2, true);
                }
            }
            Yaml::Map(entries) => {
                for (key, value) in entries {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                    out.push_str(key);
                    out.push_str(": ");
                    value.write(out, indent + 2, indent >= 4);
                }
            }
        }
    }
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<prop::sample::Index>().prop_map(|i| i.get(vocabulary()).clone()),
        1 => (0..REPLACEMENTS.len()).prop_map(|i| REPLACEMENTS[i].to_string()),
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,12}",
        1 => any::<i64>().prop_map(|n| n.to_string()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<prop::sample::Index>().prop_map(|i| i.get(vocabulary()).clone()),
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,12}",
    ]
}

fn value() -> impl Strategy<Value = Yaml> {
    scalar().prop_map(Yaml::Scalar).prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Yaml::List),
            prop::collection::vec((key(), inner), 0..6).prop_map(Yaml::Map),
        ]
    })
}

/// A field: a known type (mostly), then options, mostly known ones with
/// plausible values (so that a good share of the schemas are valid and
/// their output is checked), some from the vocabulary with any value.
fn field() -> impl Strategy<Value = Yaml> {
    let field_type = prop_oneof![
        6 => prop::sample::select(FIELD_TYPES).prop_map(str::to_string),
        1 => scalar(),
    ];
    let option = prop_oneof![
        6 => (prop::sample::select(KNOWN_OPTIONS), any::<prop::sample::Index>())
            .prop_map(|((name, values), i)| (name.to_string(), Yaml::Scalar(i.get(values).to_string()))),
        1 => (key(), value()),
    ];
    let assembled = (field_type, prop::collection::vec(option, 0..4)).prop_map(|(field_type, options)| {
        let mut entries = vec![("type".to_string(), Yaml::Scalar(field_type))];
        entries.extend(options);
        Yaml::Map(entries)
    });
    prop_oneof![
        4 => prop::sample::select(VALID_FIELDS).prop_map(|text| Yaml::Scalar(text.to_string())),
        1 => assembled,
    ]
}

/// Fields that are valid in any model of `schema_shaped` (names and
/// values hostile where they may be).
const VALID_FIELDS: &[&str] = &[
    "{type: CharField, max_length: 20}",
    "{type: CharField, max_length: 20, db_column: select, default: \"it's\"}",
    "{type: CharField, max_length: 10, choices: [[x, \"it's\"], [y, \"é名🦀\"]], default: x}",
    "{type: TextField, blank: true, help_text: \"a \\\"quoted\\\" {text} */\"}",
    "{type: IntegerField, default: 1, choices: [[1, One], [2, Two]], verbose_name: \"naïve 'n'\"}",
    "{type: BooleanField, default: false, db_column: \"naïve col\"}",
    "{type: DecimalField, max_digits: 5, decimal_places: 2, null: true}",
    "{type: ForeignKey, to: self, on_delete: CASCADE, null: true, related_name: \"+\"}",
    "{type: ForeignKey, to: Order, on_delete: SET_NULL, null: true, related_name: \"+\"}",
    "{type: OneToOneField, to: A, on_delete: CASCADE, related_name: \"+\"}",
    "{type: ManyToManyField, to: Select, related_name: \"+\"}",
    "{type: DateField, auto_now: true}",
    "{type: DateTimeField, null: true, db_index: true}",
    "{type: JSONField, null: true}",
    "{type: FloatField, default: 1.5, db_column: \"it's\"}",
    "{type: BinaryField, null: true}",
    "{type: UUIDField, unique: true, null: true}",
];

/// Field options with values that fit some field types (not all: a
/// `max_length` on an IntegerField is an error worth reporting too).
const KNOWN_OPTIONS: &[(&str, &[&str])] = &[
    ("max_length", &["1", "20", "255", "0", "100000"]),
    ("max_length", &["20"]),
    ("null", &["true", "false"]),
    ("blank", &["true", "false"]),
    ("unique", &["true", "false"]),
    ("db_index", &["true"]),
    ("editable", &["false"]),
    ("primary_key", &["true"]),
    ("default", &["0", "x", "''", "true", "1.5", "\"it's\"", "é"]),
    ("help_text", &["Some help", "\"a \\\"quoted\\\" {text}\"", "'it''s'", "é名🦀", "*/ /*"]),
    ("verbose_name", &["the name", "naïve", "'}{'"]),
    ("db_column", &["col", "select", "\"naïve col\"", "\"it's\"", "order"]),
    ("to", &["self", "Order", "Select", "A"]),
    ("on_delete", &["CASCADE", "SET_NULL", "PROTECT", "DO_NOTHING", "SET_DEFAULT"]),
    ("related_name", &["+", "items", "order", "group_set"]),
    ("choices", &["[[a, A], [b, B]]", "[[1, One], [2, Two]]", "[[x, \"it's\"]]"]),
    ("max_digits", &["5", "10"]),
    ("decimal_places", &["2", "0"]),
    ("auto_now", &["true"]),
];

const FIELD_TYPES: &[&str] = &[
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BinaryField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "DurationField",
    "EmailField",
    "FileField",
    "FloatField",
    "ForeignKey",
    "ImageField",
    "IntegerField",
    "JSONField",
    "ManyToManyField",
    "OneToOneField",
    "PositiveIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "TimeField",
    "URLField",
    "UUIDField",
];

/// `app:` and `models:` with models of fields and other keys: random, but
/// shaped enough to get past the first checks into resolution, and often
/// valid. Model names come from a small pool, so `to:` finds them.
fn schema_shaped() -> impl Strategy<Value = String> {
    // At most one `str` and one `meta`, and now and then another key.
    let model_keys = (
        prop::option::of(prop::sample::select(&["{name}", "{id}", "it's {value}", "é"][..])),
        prop::option::of(prop::sample::select(MODEL_META)),
        prop::option::weighted(0.1, (key(), value())),
    )
        .prop_map(|(str_, meta, other)| {
            let mut entries = Vec::new();
            entries.extend(str_.map(|s| ("str".to_string(), Yaml::Scalar(format!("\"{s}\"")))));
            entries.extend(meta.map(|m| ("meta".to_string(), Yaml::Scalar(m.to_string()))));
            entries.extend(other);
            entries
        });
    // Distinct names, mostly: a name twice is one error among many.
    let fields = prop_oneof![
        6 => prop::sample::subsequence(FIELD_NAMES, 0..=5).prop_map(|names| names.iter().map(|n| n.to_string()).collect()),
        1 => prop::collection::vec(key(), 0..5),
    ]
    .prop_flat_map(|names: Vec<String>| {
        let n = names.len();
        (Just(names), prop::collection::vec(field(), n))
    })
    .prop_map(|(names, fields)| names.into_iter().zip(fields).collect::<Vec<_>>());
    let model = (fields, model_keys)
        .prop_map(|(fields, others)| {
            let mut all: Vec<(String, Yaml)> =
                ALWAYS.iter().map(|(name, field)| (name.to_string(), Yaml::Scalar(field.to_string()))).collect();
            all.extend(fields);
            let mut entries = vec![("fields".to_string(), Yaml::Map(all))];
            entries.extend(others);
            Yaml::Map(entries)
        })
        .boxed();
    let models = prop_oneof![
        6 => prop::sample::subsequence(&["Order", "Select", "A"][..], 0..=3)
            .prop_map(|names| names.iter().map(|n| n.to_string()).collect()),
        1 => prop::collection::vec(key(), 0..4),
    ]
    .prop_flat_map(move |names: Vec<String>| {
        let n = names.len();
        (Just(names), prop::collection::vec(model.clone(), n))
    })
    .prop_map(|(names, models)| names.into_iter().zip(models).collect::<Vec<_>>());
    let app = prop_oneof![
        6 => prop::sample::select(&["group", "shop", "app"][..]).prop_map(str::to_string),
        1 => scalar(),
    ];
    (app, models).prop_map(|(app, models)| {
        let mut text = format!("app: {app}\nmodels: ");
        Yaml::Map(models).write(&mut text, 2, false);
        text.push('\n');
        text
    })
}

const MODEL_META: &[&str] = &[
    "{ordering: [name]}",
    "{ordering: [-id]}",
    "{db_table: select}",
    "{db_table: \"it's\"}",
    "{unique_together: [[name, value]]}",
    "{indexes: [{fields: [name], name: where}]}",
    "{verbose_name: naïve}",
];

const FIELD_NAMES: &[&str] = &["order", "select", "type", "match", "group", "x1", "where"];

/// The fields every model of `schema_shaped` starts with, so its `str` and
/// `meta` can name them.
const ALWAYS: &[(&str, &str)] =
    &[("name", "{type: CharField, max_length: 20}"), ("value", "{type: IntegerField, default: 0}")];

fn free_form() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), value()), 0..6).prop_map(|entries| {
        let mut text = String::new();
        Yaml::Map(entries).write(&mut text, 0, false);
        text
    })
}

// ------------------------------------------------------------- the check

/// The property: no panic (proptest reports one as a failure), and either
/// output (Rust that parses, SQLite DDL that SQLite runs) or located errors.
fn check(sources: &[(String, String)], tally: &Tally) -> Result<(), TestCaseError> {
    match modelgen::generate_from_sources(sources, renderer()) {
        Ok(files) => {
            for file in &files {
                if file.name.ends_with(".rs") {
                    if let Err(e) = syn::parse_file(&file.contents) {
                        let at = e.span().start();
                        return Err(TestCaseError::fail(format!(
                            "{} does not parse as Rust: {e} at {}:{}\n{}",
                            file.name,
                            at.line,
                            at.column,
                            file.contents.lines().nth(at.line.saturating_sub(1)).unwrap_or_default()
                        )));
                    }
                } else if !file.name.ends_with(".postgresql.sql") {
                    // The PostgreSQL script is checked against a server by
                    // tests/django_ddl_postgresql.rs, too slow per case here.
                    let db = rusqlite::Connection::open_in_memory().unwrap();
                    db.execute_batch(&file.contents).map_err(|e| {
                        TestCaseError::fail(format!("SQLite rejects {}: {e}\n{}", file.name, file.contents))
                    })?;
                }
            }
            tally.rendered.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Err(Error::Schema(errors)) => {
            prop_assert!(!errors.0.is_empty(), "a schema error without any diagnostic");
            for error in &errors.0 {
                let Some((_, text)) = sources.iter().find(|(path, _)| *path == error.file) else {
                    return Err(TestCaseError::fail(format!("error names a file not in the run: {error}")));
                };
                let lines: Vec<&str> = text.lines().collect();
                let (line, col) = (error.pos.line, error.pos.col);
                // The end of the text (an unclosed `{`) is one line past
                // the last, at column 1.
                let line_text = lines.get(line.wrapping_sub(1)).copied().unwrap_or_default();
                let within = line >= 1 && line <= lines.len() + 1 && col >= 1 && col <= line_text.chars().count() + 1;
                prop_assert!(within, "error outside its file ({} lines): {error}", lines.len());
            }
            tally.rejected.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Err(other) => Err(TestCaseError::fail(format!("neither output nor schema errors: {other}"))),
    }
}

/// How the cases ended, so a test can tell that it exercised both sides:
/// rendering (and the syn and SQLite checks) and error reporting.
#[derive(Default)]
struct Tally {
    rendered: AtomicUsize,
    rejected: AtomicUsize,
}

impl Tally {
    /// Both outcomes at least `min_percent` of the cases (shrinking runs
    /// count too, which only happens after a failure).
    fn assert_both_sides(&self, what: &str, min_percent: usize) {
        let (rendered, rejected) = (self.rendered.load(Ordering::Relaxed), self.rejected.load(Ordering::Relaxed));
        let total = (rendered + rejected).max(1);
        eprintln!("{what}: {rendered} rendered, {rejected} rejected with located errors");
        assert!(rendered * 100 >= total * min_percent, "{what}: too few cases render ({rendered} of {total})");
        assert!(rejected * 100 >= total * min_percent, "{what}: too few cases are errors ({rejected} of {total})");
    }
}

fn runner() -> TestRunner {
    let cases = std::env::var("MODELGEN_FUZZ_CASES").ok().and_then(|n| n.parse().ok());
    let seed = std::env::var("MODELGEN_FUZZ_SEED").ok().and_then(|n| n.parse().ok());
    let rng_seed = match (seed, cases) {
        (Some(seed), _) => RngSeed::Fixed(seed),
        // A longer run explores: a new seed each time. A failure prints
        // the shrunk input (seed index and mutations), which reproduces it.
        (None, Some(_)) => RngSeed::Random,
        // The suite's run is the same every time.
        (None, None) => RngSeed::Fixed(12),
    };
    TestRunner::new(Config {
        cases: cases.unwrap_or(DEFAULT_CASES),
        rng_seed,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    })
}

#[test]
fn mutated_real_schemas_never_panic_and_every_error_is_located() {
    let strategy = (0..seeds().len(), prop::collection::vec(mutation(), 1..5));
    let tally = Tally::default();
    runner()
        .run(&strategy, |(index, mutations)| {
            let seed = &seeds()[index];
            let mut text = seed.text.clone();
            for mutation in &mutations {
                text = apply(&text, mutation);
            }
            let mut sources = vec![(seed.path.clone(), text)];
            sources.extend(seed.companions.iter().cloned());
            check(&sources, &tally)
        })
        .unwrap();
    tally.assert_both_sides("mutated schemas", 10);
}

#[test]
fn random_schemas_never_panic_and_every_error_is_located() {
    let strategy = prop_oneof![3 => schema_shaped(), 1 => free_form()];
    let tally = Tally::default();
    runner().run(&strategy, |text| check(&[("random.yaml".to_string(), text)], &tally)).unwrap();
    tally.assert_both_sides("random schemas", 10);
}

/// The seeds themselves pass the check: a mutation that changes nothing
/// is a valid schema, and so is the corpus.
#[test]
fn the_unmutated_seeds_render_rust_that_parses() {
    for seed in seeds() {
        let mut sources = vec![(seed.path.clone(), seed.text.clone())];
        sources.extend(seed.companions.iter().cloned());
        check(&sources, &Tally::default()).unwrap_or_else(|e| panic!("{}: {e}", seed.path));
    }
}

// ------------------------------------------------- what the property found

/// Found by `mutated_real_schemas_...` (MODELGEN_FUZZ_CASES=5000, a random
/// seed: schemas/places.yaml with `Restaurant` renamed to `key`): the
/// parent link `place_ptr` gives Place the reverse accessor `key`, which
/// clashes with the generated `key()`, and that error was reported at
/// line 0, column 0, the schema declaring no field for the link.
#[test]
fn found_a_parent_link_accessor_clash_is_located() {
    let text = std::fs::read_to_string(workspace().join("schemas/places.yaml")).unwrap();
    assert!(text.contains("  Restaurant:\n    extends: Place\n"));
    let text = text.replace("  Restaurant:\n", "  Key:\n");
    check(&[("schemas/places.yaml".to_string(), text)], &Tally::default()).unwrap();
}

/// Found by `mutated_real_schemas_...` (MODELGEN_FUZZ_CASES=6000, a random
/// seed: schemas/library.yaml with the choice label `Editor` replaced by
/// `self`): the choice variant became `Self`, which Rust does not take as
/// a variant name, so the generated Rust did not parse. Likewise a label
/// whose letters are not identifier characters (`x²`).
#[test]
fn found_choice_labels_that_are_no_rust_variant_still_render() {
    let text = std::fs::read_to_string(workspace().join("schemas/library.yaml")).unwrap();
    for label in ["self", "Self", "x²", "²", "match"] {
        let mutated = text.replace("[editor, Editor]", &format!("[editor, \"{label}\"]"));
        assert_ne!(mutated, text);
        check(&[("schemas/library.yaml".to_string(), mutated)], &Tally::default())
            .unwrap_or_else(|e| panic!("label {label:?}: {e}"));
    }
}

/// Found by `mutated_real_schemas_...` (MODELGEN_FUZZ_CASES=8000, a random
/// seed: tests/valid/multi_line_text with `\n` turned into `\r` in a choice
/// label): the label went into a doc comment with a bare carriage return,
/// which Rust rejects, so the generated Rust did not parse.
#[test]
fn found_a_carriage_return_in_doc_text_still_renders() {
    let path = "tests/valid/multi_line_text/notes.yaml";
    let text = std::fs::read_to_string(workspace().join(path)).unwrap();
    for (from, to) in [("\\nlabel", "\\rlabel"), ("first line\\n", "first line\\r"), ("first line\\n", "first line\\r\\n")] {
        let mutated = text.replace(from, to);
        assert_ne!(mutated, text, "{from}");
        check(&[(path.to_string(), mutated)], &Tally::default()).unwrap_or_else(|e| panic!("{to}: {e}"));
    }
}

/// Found by `random_schemas_...` (MODELGEN_FUZZ_CASES=8000, a random seed):
/// `app: ''` was accepted without an error, and the file's models lost
/// their checks and their fields (`CREATE TABLE "_foo"` with only `id`);
/// with a model named `__4YtM` the generated Rust did not parse.
#[test]
fn found_an_empty_app_label_is_an_error() {
    let text = "app: ''\nmodels:\n  __4YtM:\n    fields: {name: {type: CharField, max_length: 20}}\n";
    let sources = [("random.yaml".to_string(), text.to_string())];
    check(&sources, &Tally::default()).unwrap();
    let Err(Error::Schema(errors)) = modelgen::generate_from_sources(&sources, renderer()) else {
        panic!("an empty app label rendered");
    };
    assert!(errors.0.iter().any(|e| e.message.contains("`app` is empty") && e.pos.line == 1), "{errors}");
}
