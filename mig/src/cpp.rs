//! Finding GNU Mach's `.defs` files and running the C preprocessor on them.
//!
//! The `.defs` are read from the system (Debian's `gnumach-dev`), never copied
//! into this repository. They are preprocessed for the i386 ABI: `__x86_64__` is
//! undefined and `__i386__` defined, so `mach/machine/machine_types.defs` gives
//! 32-bit `natural_t`, `integer_t` and `rpc_long_*`; `USER32` is not defined.

use super::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable that overrides the include directory search.
pub const INCLUDE_ENV: &str = "MACH_DEFS_INCLUDE";

/// Directories searched, in order, when [`INCLUDE_ENV`] is not set.
pub const INCLUDE_CANDIDATES: &[&str] = &["/usr/include/i386-linux-gnu", "/usr/include/x86_64-linux-gnu", "/usr/include"];

/// Locates the multiarch include directory holding `mach/std_types.defs`.
///
/// Honours `MACH_DEFS_INCLUDE` first, then GNU Mach's 2026 headers that
/// `cargo xtask` fetches into the workspace's `target/gnumach-dev/` (so a
/// plain `cargo build` reads the same `.defs` as the commands), then tries
/// `/usr/include/i386-linux-gnu`, `/usr/include/x86_64-linux-gnu` and
/// `/usr/include`.
///
/// # Errors
/// [`Error::MissingHeaders`] (telling the user to install `gnumach-dev`) when no
/// candidate holds the file.
pub fn locate_include_dir() -> Result<PathBuf, Error> {
    let env = std::env::var_os(INCLUDE_ENV).map(PathBuf::from);
    if env.is_none() {
        if let Some(dir) = fetched_include_dir() {
            return Ok(dir);
        }
    }
    locate_in(env, INCLUDE_CANDIDATES)
}

/// The newest `target/gnumach-dev/<version>/usr/include/i386-linux-gnu` of
/// this workspace (or of `CARGO_TARGET_DIR`) that holds the `.defs`.
pub fn fetched_include_dir() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(target.join("gnumach-dev"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("usr/include/i386-linux-gnu")))
        .filter(|d| d.join("mach/std_types.defs").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// [`locate_include_dir`] with the environment override and the candidate list
/// given explicitly.
///
/// # Errors
/// As [`locate_include_dir`].
pub fn locate_in(env: Option<PathBuf>, candidates: &[&str]) -> Result<PathBuf, Error> {
    if let Some(dir) = env {
        if dir.join("mach/std_types.defs").is_file() {
            return Ok(dir);
        }
        return Err(Error::MissingHeaders(format!(
            "{INCLUDE_ENV}={} does not contain mach/std_types.defs; \
             install GNU Mach's headers with `apt-get install gnumach-dev`",
            dir.display()
        )));
    }
    for c in candidates {
        let dir = Path::new(c);
        if dir.join("mach/std_types.defs").is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    Err(Error::MissingHeaders(format!(
        "GNU Mach's .defs files were not found in {}; install them with \
         `apt-get install gnumach-dev` (or set {INCLUDE_ENV} to the directory \
         containing mach/std_types.defs)",
        candidates.join(", ")
    )))
}

/// Resolves a `.defs` path: absolute or existing paths are used as given, others
/// (`"device/device.defs"`) are looked up in the include directory.
///
/// # Errors
/// As [`locate_include_dir`], or [`Error::Io`] if the file does not exist.
pub fn resolve_defs(path: &Path) -> Result<PathBuf, Error> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    let dir = locate_include_dir()?;
    let p = dir.join(path);
    if p.is_file() {
        Ok(p)
    } else {
        Err(Error::Io(format!("{}: no such .defs file (looked in {})", path.display(), dir.display())))
    }
}

/// Runs `cc -E` on `defs` and returns the preprocessed text.
///
/// `defines` (`NAME` or `NAME=VALUE`) are passed as `-D`; the kernel's build
/// passes `KERNEL_SERVER` for its server side and `KERNEL_USER` for stubs it
/// calls itself, as GNU Mach's build does with MIG; user programs pass neither.
/// The compiler is `$CC` or `cc`.
///
/// # Errors
/// [`Error::Preprocess`] if the compiler cannot be run or fails.
pub fn preprocess(defs: &Path, include_dir: &Path, defines: &[String]) -> Result<String, Error> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let mut cmd = Command::new(&cc);
    cmd.arg("-E").arg("-x").arg("c");
    for m in ["__x86_64__", "__x86_64", "__amd64__", "__amd64", "__LP64__", "_LP64"] {
        cmd.arg(format!("-U{m}"));
    }
    cmd.arg("-D__i386__=1").arg("-D__i386=1").arg("-Di386=1");
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    cmd.arg("-I").arg(include_dir);
    if let Some(parent) = defs.parent() {
        cmd.arg("-I").arg(parent);
    }
    cmd.arg(defs);
    let out = cmd
        .output()
        .map_err(|e| Error::Preprocess(format!("cannot run `{cc}`: {e}; a C compiler is needed to preprocess .defs")))?;
    if !out.status.success() {
        return Err(Error::Preprocess(format!(
            "`{cc} -E {}` failed: {}",
            defs.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    String::from_utf8(out.stdout).map_err(|_| Error::Preprocess("preprocessor output is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_headers_say_how_to_install() {
        let e = locate_in(None, &["/nonexistent"]).unwrap_err().to_string();
        assert!(e.contains("apt-get install gnumach-dev"), "{e}");
        let e = locate_in(Some("/nonexistent".into()), INCLUDE_CANDIDATES).unwrap_err().to_string();
        assert!(e.contains("MACH_DEFS_INCLUDE") && e.contains("gnumach-dev"), "{e}");
    }
}
