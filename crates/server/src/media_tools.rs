//! Owns finding the external decoder programs named in the configuration.

use std::path::{Path, PathBuf};

/// `name` as a runnable file: a path is taken as it is, a bare name is looked up in `PATH`.
/// `None` when it is empty or not found (the formats it decodes are then refused clearly).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
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
        assert!(find_program("sh").is_some());
        assert_eq!(find_program("/bin/sh"), Some(PathBuf::from("/bin/sh")));
        assert_eq!(find_program(""), None);
        assert_eq!(find_program("no-such-program-here"), None);
        assert_eq!(find_program("/etc/hostname-not-here"), None);
        // A file that is not executable is not a program.
        assert_eq!(find_program("/etc/passwd"), None);
    }
}
