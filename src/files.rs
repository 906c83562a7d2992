//! How gilcheck writes files: never removing, moving or overwriting a file it did not write.
//!
//! A directory of results (the catalogue, a set of traces) is written as a whole: into a fresh
//! sibling directory, with a listing of the files written, then swapped in. gilcheck replaces a
//! directory only when it is absent, empty, or one it wrote itself (every entry listed in its
//! listing); anything else is refused before any work is done. The swap happens under a lock on
//! the parent directory, so two runs writing the same place one after the other each leave a
//! complete set.

use crate::error::Error;
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The listing of the files gilcheck wrote into a directory, kept inside it.
pub const LISTING: &str = ".gilcheck-files";

/// What a target directory holds now.
enum Target {
    Absent,
    Empty,
    /// A directory gilcheck wrote: every entry is in its listing.
    Ours,
}

/// Checks that a set of files may be written to `dir`: it is absent, an empty directory, or a
/// directory gilcheck wrote; and a sibling can be created next to it. Call before a long
/// computation, so that a bad target fails at once.
pub fn check_target(dir: &Path) -> Result<(), Error> {
    target(dir)?;
    let (parent, name) = place(dir)?;
    let probe = fresh_sibling(&parent, &name, "probe")?;
    fs::remove_dir(&probe).map_err(|e| io(&probe, e))
}

/// Replaces everything in `dir` with `files` (paths relative to `dir`, contents) and their
/// listing. Refuses, touching nothing, when `dir` holds anything gilcheck did not write.
pub fn replace_dir(dir: &Path, files: &[(String, String)]) -> Result<(), Error> {
    let (parent, name) = place(dir)?;
    let _lock = lock(&parent)?;
    let target = target(dir)?;
    let fresh = fresh_sibling(&parent, &name, "new")?;
    if let Err(e) = write_all(&fresh, files) {
        let _ = fs::remove_dir_all(&fresh);
        return Err(e);
    }
    let old = match target {
        Target::Absent | Target::Empty => None,
        Target::Ours => {
            let old = unused_sibling(&parent, &name, "old");
            if let Err(e) = fs::rename(dir, &old) {
                let _ = fs::remove_dir_all(&fresh);
                return Err(io(dir, e));
            }
            Some(old)
        }
    };
    // An empty directory is replaced by the rename itself.
    if let Err(e) = fs::rename(&fresh, dir) {
        if let Some(old) = &old {
            let _ = fs::rename(old, dir);
        }
        let _ = fs::remove_dir_all(&fresh);
        return Err(io(dir, e));
    }
    if let Some(old) = old {
        // Removed only if it still holds nothing but what gilcheck wrote.
        if matches!(target_of(&old), Ok(Target::Ours)) {
            fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
        }
    }
    Ok(())
}

/// Replaces the file `path` with `text` through a fresh temporary file beside it, so that a
/// failure leaves it as it was.
pub fn replace_file(path: &Path, text: &str) -> Result<(), Error> {
    let (parent, name) = place(path)?;
    let temporary = unused_sibling(&parent, &name, "tmp");
    let written = File::create_new(&temporary)
        .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
        .and_then(|()| fs::rename(&temporary, path));
    written.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        io(path, e)
    })
}

/// Writes `text` to a new file in `dir` named `stem.json`, or `stem-2.json`, `stem-3.json`, ...
/// when that name is taken: an existing file is never overwritten. Returns the path.
pub fn write_new(dir: &Path, stem: &str, text: &str) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    for n in 1.. {
        let name = match n {
            1 => format!("{stem}.json"),
            _ => format!("{stem}-{n}.json"),
        };
        let path = dir.join(name);
        match File::create_new(&path) {
            Ok(mut file) => {
                std::io::Write::write_all(&mut file, text.as_bytes())?;
                return Ok(path);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("some name is free")
}

/// What `dir` holds, or why gilcheck may not write there.
fn target(dir: &Path) -> Result<Target, Error> {
    let shown = dir.display();
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Target::Absent),
        Err(e) => return Err(io(dir, e)),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(Error::bad_input(format!(
                "{shown} is a symbolic link: give the directory itself"
            )))
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(Error::bad_input(format!(
                "{shown} exists and is not a directory: gilcheck writes a directory there"
            )))
        }
        Ok(_) => {}
    }
    target_of(dir)
}

/// What the existing directory `dir` holds.
fn target_of(dir: &Path) -> Result<Target, Error> {
    let entries = entries(dir)?;
    if entries.is_empty() {
        return Ok(Target::Empty);
    }
    let listing = match fs::read_to_string(dir.join(LISTING)) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(&dir.join(LISTING), e)),
    };
    let listed: BTreeSet<&str> = listing
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .chain([LISTING])
        .collect();
    let ours = |entry: &String| match entry.strip_suffix('/') {
        Some(folder) => listed
            .iter()
            .any(|file| file.starts_with(folder) && file[folder.len()..].starts_with('/')),
        None => listed.contains(entry.as_str()),
    };
    match entries.iter().find(|entry| !ours(entry)) {
        None => Ok(Target::Ours),
        Some(foreign) => Err(Error::bad_input(format!(
            "{} holds files gilcheck did not write ({foreign}): give a new or empty directory",
            dir.display()
        ))),
    }
}

/// Every entry under `dir`, relative to it: files (and links) by path, directories with a
/// trailing `/`.
fn entries(dir: &Path) -> Result<Vec<String>, Error> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let at = dir.join(&relative);
        for entry in fs::read_dir(&at).map_err(|e| io(&at, e))? {
            let entry = entry.map_err(|e| io(&at, e))?;
            let path = relative.join(entry.file_name());
            let shown = path.to_string_lossy().into_owned();
            let kind = entry.file_type().map_err(|e| io(&at, e))?;
            if kind.is_dir() {
                found.push(format!("{shown}/"));
                pending.push(path);
            } else {
                found.push(shown);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Writes `files` and their listing into the new directory `dir`.
fn write_all(dir: &Path, files: &[(String, String)]) -> Result<(), Error> {
    let mut listing = format!(
        "# Written by gilcheck. It replaces this directory only while every file in it is \
         listed here.\n{LISTING}\n"
    );
    for (path, text) in files {
        let path = dir.join(path);
        let folder = path.parent().expect("files are inside the directory");
        fs::create_dir_all(folder)
            .and_then(|()| fs::write(&path, text))
            .map_err(|e| io(&path, e))?;
    }
    let mut names: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
    names.sort_unstable();
    for name in names {
        listing.push_str(name);
        listing.push('\n');
    }
    fs::write(dir.join(LISTING), listing).map_err(|e| io(dir, e))
}

/// The parent of `path` (created if missing) and its file name.
fn place(path: &Path) -> Result<(PathBuf, String), Error> {
    let name = path
        .file_name()
        .ok_or_else(|| {
            Error::bad_input(format!(
                "cannot write {}: it does not end in a name",
                path.display()
            ))
        })?
        .to_string_lossy()
        .into_owned();
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
    Ok((parent, name))
}

/// An exclusive lock on directory `parent`, held until the file is dropped.
fn lock(parent: &Path) -> Result<File, Error> {
    let handle = File::open(parent).map_err(|e| io(parent, e))?;
    handle.lock().map_err(|e| io(parent, e))?;
    Ok(handle)
}

/// Distinguishes the siblings one process creates.
static SIBLINGS: AtomicUsize = AtomicUsize::new(0);

/// A sibling name of `name` in `parent` for `kind` that nothing uses now.
fn unused_sibling(parent: &Path, name: &str, kind: &str) -> PathBuf {
    loop {
        let n = SIBLINGS.fetch_add(1, Ordering::Relaxed);
        let path = parent.join(format!(
            ".{name}.gilcheck-{kind}-{}-{n}",
            std::process::id()
        ));
        if fs::symlink_metadata(&path).is_err() {
            return path;
        }
    }
}

/// A new, empty sibling directory of `name` in `parent`, created by this call (so it is ours).
fn fresh_sibling(parent: &Path, name: &str, kind: &str) -> Result<PathBuf, Error> {
    loop {
        let path = unused_sibling(parent, name, kind);
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(parent, e)),
        }
    }
}

/// An I/O error on `path`, in one line.
fn io(path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("gilcheck-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_write_leaves_neither_the_target_nor_a_sibling() {
        let parent = scratch("failed");
        let dir = parent.join("out");
        // "a" is a file, so "a/b" cannot be written.
        let files = [
            ("a".to_string(), "x".to_string()),
            ("a/b".to_string(), "y".to_string()),
        ];
        let error = replace_dir(&dir, &files).unwrap_err();
        assert_eq!(error.kind, crate::error::ErrorKind::Io);
        assert!(names(&parent).is_empty(), "{:?}", names(&parent));
        fs::remove_dir_all(parent).unwrap();
    }

    #[test]
    fn its_own_directory_is_replaced_and_a_foreign_one_refused() {
        let parent = scratch("own");
        let dir = parent.join("out");
        let one = [("x.json".to_string(), "1".to_string())];
        replace_dir(&dir, &one).unwrap();
        let two = [("sub/y.json".to_string(), "2".to_string())];
        replace_dir(&dir, &two).unwrap();
        assert_eq!(names(&dir), [LISTING, "sub"]);
        assert_eq!(names(&parent), ["out"]);
        fs::write(dir.join("sub/mine.txt"), "keep").unwrap();
        let error = replace_dir(&dir, &one).unwrap_err();
        assert_eq!(error.kind, crate::error::ErrorKind::BadInput);
        assert!(error.message.contains("sub/mine.txt"), "{}", error.message);
        assert_eq!(
            fs::read_to_string(dir.join("sub/mine.txt")).unwrap(),
            "keep"
        );
        fs::remove_dir_all(parent).unwrap();
    }

    #[test]
    fn write_new_never_overwrites() {
        let dir = scratch("write-new");
        fs::write(dir.join("t.json"), "mine").unwrap();
        let path = write_new(&dir, "t", "new").unwrap();
        assert_eq!(path, dir.join("t-2.json"));
        assert_eq!(fs::read_to_string(dir.join("t.json")).unwrap(), "mine");
        fs::remove_dir_all(dir).unwrap();
    }
}
