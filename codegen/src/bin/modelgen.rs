//! The `modelgen` command: argument parsing only; the work is in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Compile Django-style model definitions (YAML) into Rust models and SQLite DDL.
///
/// Each schema file describes one Django "app". modelgen writes, per schema,
/// `<name>.rs` (model structs with Django's save/delete/query behaviour, backed
/// by the modelgen-runtime crate) and `<name>.sql` (the tables, in the layout
/// Django's SQLite backend creates, so both can share one database).
#[derive(Parser)]
#[command(name = "modelgen", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Inputs {
    /// Schema files, or directories of *.yaml files.
    #[arg(default_value = "schemas")]
    schemas: Vec<PathBuf>,
    /// Use templates from this directory instead of the built-in ones
    /// (files named like the built-ins: model.rs.tera, app.sql.tera, ...).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Generate Rust and SQL for the schemas. Writes nothing if any schema has
    /// an error; rewrites only files whose content changed.
    Generate {
        #[command(flatten)]
        inputs: Inputs,
        /// Directory to write into.
        #[arg(long, short, value_name = "DIR", default_value = "generated")]
        out: PathBuf,
    },
    /// Fail (exit 1, with a diff) when the files in the output directory are
    /// not what `generate` would write: changed, missing, or stale extra files.
    Check {
        #[command(flatten)]
        inputs: Inputs,
        /// Directory holding the checked-in output.
        #[arg(long, short, value_name = "DIR", default_value = "generated")]
        out: PathBuf,
    },
    /// Print the SQL DDL for the schemas, apps in dependency order.
    Ddl {
        #[command(flatten)]
        inputs: Inputs,
    },
}

fn config(inputs: &Inputs) -> modelgen::Config {
    let mut config = modelgen::Config::new();
    config.schemas(&inputs.schemas);
    if let Some(dir) = &inputs.templates {
        config.templates(dir);
    }
    config
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Generate { inputs, out } => config(inputs).out_dir(out).generate().map(|written| {
            for path in &written {
                println!("wrote {}", path.display());
            }
            if written.is_empty() {
                println!("{} is up to date", out.display());
            }
            ExitCode::SUCCESS
        }),
        Command::Check { inputs, out } => config(inputs).out_dir(out).check().map(|report| {
            if report.is_clean() {
                println!("{} is up to date", out.display());
                ExitCode::SUCCESS
            } else {
                print!("{report}");
                eprintln!("{} is out of date; run `modelgen generate` and commit the result", out.display());
                ExitCode::FAILURE
            }
        }),
        Command::Ddl { inputs } => config(inputs).render().map(|files| {
            for file in files.iter().filter(|f| f.name.ends_with(".sql")) {
                print!("{}", file.contents);
            }
            ExitCode::SUCCESS
        }),
    };
    result.unwrap_or_else(|error| {
        eprintln!("{error}");
        ExitCode::from(2)
    })
}
