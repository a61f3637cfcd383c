//! Owns finding the external decoder programs named in the configuration.

use std::path::{Path, PathBuf};

/// `name` as a runnable file: a path is taken as it is, a bare name is looked up in `PATH`.
/// `None` when it is empty or not found (the formats it decodes are then refused clearly).
pub fn find_program(name: &str) -> Option<PathBuf> {
    find_in(name, std::env::var_os("PATH"))
}

fn find_in(name: &str, path: Option<std::ffi::OsString>) -> Option<PathBuf> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    std::env::split_paths(&path?)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_programs_by_name_or_path() {
        // An explicit PATH: other tests here clear the environment while they run.
        let path = || Some(std::ffi::OsString::from("/nonexistent:/usr/bin:/bin"));
        assert!(find_in("sh", path()).is_some());
        assert_eq!(find_in("sh", None), None);
        assert_eq!(find_in("/bin/sh", None), Some(PathBuf::from("/bin/sh")));
        assert_eq!(find_in("", path()), None);
        assert_eq!(find_in("no-such-program-here", path()), None);
        assert_eq!(find_in("/etc/hostname-not-here", path()), None);
        // A file that is not executable is not a program.
        assert_eq!(find_in("/etc/passwd", path()), None);
    }
}
