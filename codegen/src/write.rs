//! Writing a run's files: all or nothing across the output folder.
//!
//! A generation that fails midway (a folder that cannot be written, a
//! target that cannot be replaced) must leave every file as it was, or the
//! `.rs` of one app and the `.sql` of another come from different runs. So
//! every changed file is first written beside its target
//! (`weblog.rs.modelgen-tmp`), each original is kept as a backup (a hard
//! link, `weblog.rs.modelgen-backup`: same bytes, same mtime), and only then
//! are the new files renamed into place. When a rename fails, the files
//! already replaced get their originals back and the new ones are removed.
//! Unchanged files are not touched, so their timestamps stay.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::{Error, OutputFile};

const TMP_SUFFIX: &str = ".modelgen-tmp";
const BACKUP_SUFFIX: &str = ".modelgen-backup";

/// One changed file on its way into place.
struct Staged {
    target: PathBuf,
    /// The new contents, written in full.
    tmp: PathBuf,
    /// A link to the original, when there was one.
    backup: Option<PathBuf>,
    /// Whether `tmp` has been renamed over `target`.
    replaced: bool,
}

/// Write every output whose content differs from its file in `out_dir`
/// (created when missing), all or none. Returns the files written.
pub fn write_outputs(out_dir: &Path, outputs: &[OutputFile]) -> Result<Vec<PathBuf>, Error> {
    let created = !out_dir.exists();
    fs::create_dir_all(out_dir).map_err(|e| io_error(out_dir, e))?;
    let changed: Vec<(PathBuf, &str)> = outputs
        .iter()
        .map(|output| (out_dir.join(&output.name), output.contents.as_str()))
        .filter(|(path, contents)| !holds(path, contents))
        .collect();
    let result = replace_all(changed);
    if result.is_err() && created {
        // Only succeeds while empty, which it is after a rollback.
        let _ = fs::remove_dir(out_dir);
    }
    result
}

/// Whether `path` already holds exactly `contents`.
pub(crate) fn holds(path: &Path, contents: &str) -> bool {
    fs::read(path).is_ok_and(|old| old == contents.as_bytes())
}

/// Replace each `(target, contents)`, all or none.
pub(crate) fn replace_all(changed: Vec<(PathBuf, &str)>) -> Result<Vec<PathBuf>, Error> {
    let mut staged = stage(changed)?;
    back_up_all(&mut staged)?;
    install(&mut staged)?;
    for item in &staged {
        if let Some(backup) = &item.backup {
            let _ = fs::remove_file(backup);
        }
    }
    Ok(staged.into_iter().map(|item| item.target).collect())
}

/// Write every new content beside its target.
fn stage(changed: Vec<(PathBuf, &str)>) -> Result<Vec<Staged>, Error> {
    let mut staged: Vec<Staged> = Vec::with_capacity(changed.len());
    for (target, contents) in changed {
        let tmp = sibling(&target, TMP_SUFFIX);
        if let Err(e) = fs::write(&tmp, contents) {
            // A write that failed halfway may have left a partial file.
            let _ = fs::remove_file(&tmp);
            rollback(&staged);
            return Err(io_error(&tmp, e));
        }
        staged.push(Staged { target, tmp, backup: None, replaced: false });
    }
    Ok(staged)
}

fn back_up_all(staged: &mut [Staged]) -> Result<(), Error> {
    for index in 0..staged.len() {
        match back_up(&staged[index].target) {
            Ok(backup) => staged[index].backup = backup,
            Err(error) => {
                rollback(staged);
                return Err(error);
            }
        }
    }
    Ok(())
}

/// Rename every staged file into place; on a failure, put back what was there.
fn install(staged: &mut [Staged]) -> Result<(), Error> {
    for index in 0..staged.len() {
        let item = &staged[index];
        if let Err(e) = fs::rename(&item.tmp, &item.target) {
            let error = io_error(&item.target, e);
            rollback(staged);
            return Err(error);
        }
        staged[index].replaced = true;
    }
    Ok(())
}

/// Keep the original of `target` beside it, or `None` when there is none.
/// A directory (or anything else that is not a file) in the place of an
/// output cannot be replaced, which is said before any file is.
fn back_up(target: &Path) -> Result<Option<PathBuf>, Error> {
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(target, e)),
        Ok(meta) if meta.is_dir() => Err(io_error(
            target,
            io::Error::new(io::ErrorKind::IsADirectory, "is a directory, so the generated file cannot replace it"),
        )),
        Ok(_) => {
            let backup = sibling(target, BACKUP_SUFFIX);
            // A backup left behind by an interrupted run is stale: what it
            // kept was generated output, which this run writes afresh.
            let _ = fs::remove_file(&backup);
            // A hard link costs nothing and keeps the mtime; a copy where
            // the filesystem has no hard links.
            fs::hard_link(target, &backup)
                .or_else(|_| fs::copy(target, &backup).map(drop))
                .map_err(|e| io_error(&backup, e))?;
            Ok(Some(backup))
        }
    }
}

/// Undo a failed run: originals back in place, new files and temporaries
/// removed. Best effort: a backup that cannot be renamed back stays, so
/// the original is not lost.
fn rollback(staged: &[Staged]) {
    for item in staged.iter().rev() {
        if item.replaced {
            match &item.backup {
                Some(backup) => {
                    let _ = fs::rename(backup, &item.target);
                }
                None => {
                    let _ = fs::remove_file(&item.target);
                }
            }
        } else {
            let _ = fs::remove_file(&item.tmp);
            if let Some(backup) = &item.backup {
                let _ = fs::remove_file(backup);
            }
        }
    }
}

/// `weblog.rs` -> `weblog.rs<suffix>`: never shared with `weblog.sql`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Io { path: path.to_path_buf(), source }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn entries(dir: &Path) -> Vec<(String, Option<String>, SystemTime)> {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                let text = p.is_file().then(|| fs::read_to_string(&p).unwrap());
                (name, text, fs::metadata(&p).unwrap().modified().unwrap())
            })
            .collect();
        entries.sort();
        entries
    }

    /// A rename that fails after others succeeded (here a directory that
    /// appeared in place of the last target after the checks, as another
    /// process could make one) puts every replaced original back, with its
    /// mtime, removes the new file, and leaves no temporary or backup file.
    #[test]
    fn a_rename_failing_after_others_restores_the_originals() {
        let dir = tempfile::tempdir().unwrap();
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        for name in ["a.rs", "b.rs"] {
            fs::write(dir.path().join(name), format!("old {name}\n")).unwrap();
            fs::File::options().write(true).open(dir.path().join(name)).unwrap().set_modified(hour_ago).unwrap();
        }
        let changed: Vec<(PathBuf, &str)> =
            ["a.rs", "b.rs", "c.rs", "d.rs"].iter().map(|name| (dir.path().join(name), "new\n")).collect();
        let mut staged = stage(changed).unwrap();
        back_up_all(&mut staged).unwrap();
        fs::create_dir(dir.path().join("d.rs")).unwrap();
        fs::write(dir.path().join("d.rs/inside"), "").unwrap();
        let before: Vec<_> =
            entries(dir.path()).into_iter().filter(|(name, _, _)| !name.contains(".modelgen-")).collect();

        let error = install(&mut staged).unwrap_err();
        assert!(error.to_string().contains("d.rs"), "{error}");
        assert_eq!(entries(dir.path()), before);
        assert_eq!(before.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), ["a.rs", "b.rs", "d.rs"]);
        assert_eq!(before[0].1.as_deref(), Some("old a.rs\n"));
    }

    /// The happy path: changed files replaced, new ones created, unchanged
    /// ones untouched (mtime kept), nothing else left in the folder.
    #[test]
    fn write_outputs_replaces_changed_files_and_keeps_unchanged_ones() {
        let dir = tempfile::tempdir().unwrap();
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        for (name, text) in [("same.rs", "same\n"), ("old.rs", "old\n")] {
            fs::write(dir.path().join(name), text).unwrap();
            fs::File::options().write(true).open(dir.path().join(name)).unwrap().set_modified(hour_ago).unwrap();
        }
        let outputs: Vec<OutputFile> = [("same.rs", "same\n"), ("old.rs", "new\n"), ("fresh.rs", "fresh\n")]
            .iter()
            .map(|(name, contents)| OutputFile { name: name.to_string(), contents: contents.to_string() })
            .collect();
        let written = write_outputs(dir.path(), &outputs).unwrap();
        assert_eq!(written, [dir.path().join("old.rs"), dir.path().join("fresh.rs")]);
        let after = entries(dir.path());
        let names: Vec<&str> = after.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["fresh.rs", "old.rs", "same.rs"]);
        assert_eq!(after[1].1.as_deref(), Some("new\n"));
        assert_eq!(after[2].2, hour_ago, "an unchanged file was rewritten");
    }
}
