//! The build.rs path, end to end: a throwaway crate made of the README's
//! "Use it in your own crate" `build.rs` and `src/main.rs`, whose build script
//! calls `modelgen::Config` and whose `main` `include!`s the result and saves
//! a Blog through modelgen-runtime. Checks that it builds and runs (twice on
//! one database file), that the
//! build script's output is byte-identical to the CLI's, that it prints
//! `cargo:rerun-if-changed` and really reruns when the schema changes, and
//! that a schema error fails the build with readable `file:line:col` lines.
//!
//! The crate builds offline into the workspace's own target directory, with
//! the workspace's `[profile.*]` tables copied into its manifest, so it reuses
//! the dependencies `cargo test` has just compiled (SQLite above all) instead
//! of compiling everything a second time. Cargo takes its build lock only
//! while compiling, not while the tests run, so the nested `cargo build`
//! does not wait on the `cargo test` that started it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace().join("target"))
}

/// The `[profile.*]` tables of the workspace manifest, verbatim: with the
/// same profiles (and flags) the probe's dependencies get the same cargo
/// unit hashes as the workspace's, so they are found already built.
fn workspace_profiles() -> String {
    let manifest = std::fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    let mut profiles = String::new();
    let mut in_profile = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_profile = line.starts_with("[profile.");
        }
        if in_profile {
            profiles.push_str(line);
            profiles.push('\n');
        }
    }
    profiles
}

fn cargo(dir: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("OUT_DIR")
        .output()
        .expect("run cargo")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The code block of README.md whose first line is `first_line` (the
/// README's "Use it in your own crate" `build.rs` and `src/main.rs`), so the
/// probe builds exactly what the README tells users to write.
fn readme_block(first_line: &str) -> String {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let mut blocks = readme.split("```rust\n").skip(1).map(|rest| rest.split("```").next().unwrap());
    blocks
        .find(|block| block.lines().next() == Some(first_line))
        .unwrap_or_else(|| panic!("README.md has no ```rust block starting with `{first_line}`"))
        .to_string()
}

/// The probe's package name, unique per probe directory: cargo names a
/// package's build directories by a hash of its name and its path relative
/// to its workspace (the same for every probe), so probes built at the same
/// time (two `cargo test` runs) would otherwise share a build script and an
/// `OUT_DIR`.
fn probe_name(dir: &Path) -> String {
    let suffix: String =
        dir.file_name().unwrap().to_string_lossy().chars().filter(char::is_ascii_alphanumeric).collect();
    format!("modelgen-build-rs-probe-{}", suffix.to_ascii_lowercase())
}

/// Write the probe crate into `dir`, with its own copy of weblog.yaml.
fn write_probe(dir: &Path) {
    let root = workspace();
    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
modelgen-runtime = {{ path = {runtime:?} }}

[build-dependencies]
modelgen = {{ path = {codegen:?} }}

[workspace]

# The workspace's profiles, so dependencies compile the same way (and are reused).
{profiles}"#,
        name = probe_name(dir),
        runtime = root.join("runtime").to_str().unwrap(),
        codegen = root.join("codegen").to_str().unwrap(),
        profiles = workspace_profiles(),
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock file pins the same versions it builds with, so
    // `--offline` finds them all.
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        std::fs::write(dir.join("Cargo.lock"), lock).unwrap();
    }
    std::fs::write(dir.join("build.rs"), readme_block("// build.rs")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.rs"), readme_block("// src/main.rs")).unwrap();
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::copy(root.join("schemas/weblog.yaml"), dir.join("schemas/weblog.yaml")).unwrap();
}

/// The build script's `OUT_DIR` and its captured output, found through the
/// `output` file cargo keeps next to it: the run whose output names this
/// probe's schema (the newest, should there be several).
fn build_script_run(probe: &Path) -> (PathBuf, String) {
    // The README's build.rs names the schema relative to the package.
    let schema = "cargo:rerun-if-changed=schemas/weblog.yaml";
    let mut runs: Vec<(std::time::SystemTime, PathBuf, String)> = std::fs::read_dir(target_dir().join("debug/build"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{}-", probe_name(probe))))
        .filter_map(|p| {
            let output = std::fs::read_to_string(p.join("output")).ok()?;
            let modified = std::fs::metadata(p.join("output")).ok()?.modified().ok()?;
            output.lines().any(|l| l == schema).then(|| (modified, p.join("out"), output))
        })
        .collect();
    runs.sort();
    let (_, out_dir, output) = runs.pop().expect("no build script output found for the probe crate");
    (out_dir, output)
}

#[test]
fn build_rs_generates_code_that_compiles_and_runs() {
    let probe = tempfile::tempdir().unwrap();
    let probe = probe.path();
    write_probe(probe);

    // Build and run: the generated module compiles against the runtime and works.
    let run = cargo(probe, &["run", "--quiet"]);
    assert!(run.status.success(), "cargo run failed:\n{}", text(&run.stderr));
    assert_eq!(text(&run.stdout), "saved Beatles Blog with id Some(1); 1 blog(s) of that name\n");
    // A second run on the same database file registers the existing tables
    // instead of creating them, and adds a row.
    let second = cargo(probe, &["run", "--quiet"]);
    assert!(second.status.success(), "second cargo run failed:\n{}", text(&second.stderr));
    assert_eq!(text(&second.stdout), "saved Beatles Blog with id Some(2); 2 blog(s) of that name\n");
    assert!(probe.join("blog.sqlite3").is_file());

    // Warning-free: the probe itself has none, so any would come from the generated code.
    // (cargo replays the warnings of a fresh build.)
    let build = cargo(probe, &["build", "--message-format=short"]);
    assert!(build.status.success(), "{}", text(&build.stderr));
    let warnings: Vec<String> = text(&build.stderr)
        .lines()
        .filter(|l| {
            l.contains("warning") && (l.contains("weblog.rs") || l.contains("main.rs") || l.contains("build.rs"))
        })
        .map(str::to_string)
        .collect();
    assert!(warnings.is_empty(), "the generated code has warnings:\n{}", warnings.join("\n"));

    // The build script printed rerun-if-changed for its schema (that line
    // is how build_script_run finds the run).
    let (out_dir, _output) = build_script_run(probe);
    let schema = probe.join("schemas/weblog.yaml");

    // Byte-identical to what the CLI writes for the same schema, whether the
    // CLI is run in the probe crate (as the build script is) or in the
    // repository root with the repository's copy of the schema.
    let cli_out = tempfile::tempdir().unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_modelgen"))
        .args(["generate", "schemas/weblog.yaml", "--out"])
        .arg(cli_out.path())
        .current_dir(probe)
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", text(&cli.stderr));
    let repo_out = tempfile::tempdir().unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_modelgen"))
        .args(["generate", "schemas/weblog.yaml", "--out"])
        .arg(repo_out.path())
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", text(&cli.stderr));
    for name in ["weblog.rs", "weblog.sql"] {
        let from_build_rs = std::fs::read(out_dir.join(name)).unwrap();
        assert!(
            from_build_rs == std::fs::read(cli_out.path().join(name)).unwrap(),
            "{name}: build.rs and CLI (in the probe crate) differ"
        );
        assert!(
            from_build_rs == std::fs::read(repo_out.path().join(name)).unwrap(),
            "{name}: build.rs and CLI (in the repository) differ"
        );
    }

    // Nothing changed: the build script does not run again.
    let again = cargo(probe, &["build", "-v"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        !text(&again.stderr).contains("build-script-build`"),
        "build script reran with nothing changed:\n{}",
        text(&again.stderr)
    );

    // The schema changed (a comment only): the build script reruns, and
    // leaves the identical output file alone (its mtime included).
    let generated = out_dir.join("weblog.rs");
    let before = std::fs::metadata(&generated).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let mut yaml = std::fs::read_to_string(&schema).unwrap();
    yaml.push_str("# a comment changes no output\n");
    std::fs::write(&schema, &yaml).unwrap();
    let rerun = cargo(probe, &["build", "-v"]);
    assert!(rerun.status.success(), "{}", text(&rerun.stderr));
    assert!(
        text(&rerun.stderr).contains("build-script-build`"),
        "build script did not rerun after the schema changed:\n{}",
        text(&rerun.stderr)
    );
    assert_eq!(std::fs::metadata(&generated).unwrap().modified().unwrap(), before, "identical output was rewritten");

    // A schema error fails the build with file:line:col lines.
    std::fs::write(&schema, yaml.replace("type: TextField", "type: TxtField")).unwrap();
    let broken = cargo(probe, &["build"]);
    assert!(!broken.status.success());
    let stderr = text(&broken.stderr);
    // The build script runs in the probe directory, so the path is relative.
    assert!(
        stderr.lines().any(|l| l.trim_start().starts_with("schemas/weblog.yaml:") && l.contains(": error: ")),
        "no `schemas/weblog.yaml:line:col: error:` line in:\n{stderr}"
    );
    assert!(stderr.contains("TxtField"), "{stderr}");
    // Reported, not panicked: no panic message, no backtrace hint.
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{stderr}");
}
