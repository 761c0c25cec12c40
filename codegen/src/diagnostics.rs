//! Schema errors: every one names a file, a line and a column.

use std::fmt;

use crate::yaml::Pos;

/// One error in one schema file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The schema path as it was given (kept relative so output is stable).
    pub file: String,
    pub pos: Pos,
    pub message: String,
    /// What would be right, when we can tell.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: error: message`, then `  help: ...` on its own line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: error: {}", self.file, self.pos.line, self.pos.col, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Collects every error of a run, so all are reported, not only the first.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn error(&mut self, file: &str, pos: Pos, message: impl Into<String>) {
        self.push(file, pos, message, None);
    }

    pub fn error_with_help(&mut self, file: &str, pos: Pos, message: impl Into<String>, help: impl Into<String>) {
        self.push(file, pos, message, Some(help.into()));
    }

    pub fn push(&mut self, file: &str, pos: Pos, message: impl Into<String>, help: Option<String>) {
        self.items.push(Diagnostic { file: file.to_string(), pos, message: message.into(), help });
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Errors sorted by file and position, duplicates removed.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort();
        self.items.dedup();
        self.items
    }
}

/// `did you mean `x`?` for the closest candidate, when one is close enough.
pub fn did_you_mean<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(given, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// The candidate closest to `given`, when one is close enough to be a likely
/// misspelling (case is ignored).
pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let given_lower = given.to_lowercase();
    candidates
        .into_iter()
        .filter(|candidate| *candidate != given)
        .map(|candidate| (strsim::jaro_winkler(&given_lower, &candidate.to_lowercase()), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// All errors of a failed run, printed one per line.
#[derive(Debug, Clone)]
pub struct SchemaErrors(pub Vec<Diagnostic>);

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "{n} error{} in schemas; nothing was written", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for SchemaErrors {}
