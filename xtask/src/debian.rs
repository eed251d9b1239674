//! Packages from Debian's i386 archive, fetched with `apt-get download`
//! into a private apt state under `target/` (the machine's own apt state is
//! never touched), from the Debian mirror the machine's apt sources name.
//! `bench --against gnumach` takes GNU Mach's kernel image this way, and
//! the setup GNU Mach's 2026 headers and `.defs` (`gnumach-dev` of Debian
//! unstable) when the machine's release has older ones.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;

/// Downloads `package` (`NAME` or `NAME=VERSION`) of Debian `suite`, i386,
/// into a private apt state under `dir` (`dir/apt`), and unpacks it into
/// `unpacked` (emptied first). Returns the `.deb`'s path.
///
/// # Errors
/// No Debian mirror in the machine's apt sources, or a failed `apt-get`
/// (no network, a package or version the suite does not have) or
/// `dpkg-deb`; the message names the step.
pub fn fetch(dir: &Path, suite: &str, package: &str, unpacked: &Path) -> Result<PathBuf> {
    let apt = dir.join("apt");
    let mirror = private_apt(&apt, suite)?;
    let apt_get = |args: &[&str]| apt_command(&apt, "apt-get", args);
    eprintln!("xtask: fetching {package} ({suite}, i386) into {}", apt.display());
    crate::status(apt_get(&["update", "-qq"]), &format!("apt-get update (private state, {mirror} {suite})"))?;
    crate::status(apt_get(&["download", "-qq", package]), &format!("apt-get download {package} ({suite}, i386)"))?;
    let name = package.split('=').next().unwrap_or(package);
    let deb = std::fs::read_dir(apt.join("debs"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&format!("{name}_")) && n.to_string_lossy().ends_with(".deb")))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .ok_or("apt-get download left no .deb")?;
    let _ = std::fs::remove_dir_all(unpacked);
    let mut c = Command::new("dpkg-deb");
    c.arg("-x").arg(&deb).arg(unpacked);
    crate::status(c, "dpkg-deb -x")?;
    Ok(deb)
}

/// Makes the private apt state under `apt` (directories and a
/// `sources.list` naming Debian `suite`, i386, on this machine's mirror);
/// returns the mirror.
pub fn private_apt(apt: &Path, suite: &str) -> Result<String> {
    for d in ["state/lists/partial", "cache/archives/partial", "etc/sources.list.d", "etc/preferences.d", "debs"] {
        std::fs::create_dir_all(apt.join(d)).map_err(|e| format!("creating {}: {e}", apt.join(d).display()))?;
    }
    let mirror = debian_mirror()?;
    let keyring = Path::new("/usr/share/keyrings/debian-archive-keyring.gpg");
    let signed = if keyring.exists() { format!(" signed-by={}", keyring.display()) } else { String::new() };
    std::fs::write(apt.join("etc/sources.list"), format!("deb [arch=i386{signed}] {mirror} {suite} main\n"))
        .map_err(|e| e.to_string())?;
    Ok(mirror)
}

/// `tool` (`apt-get` or `apt-cache`) with `args` on the private apt state
/// under `apt`, i386 only, run in `apt/debs` (where downloads land).
pub fn apt_command(apt: &Path, tool: &str, args: &[&str]) -> Command {
    let mut c = Command::new(tool);
    c.current_dir(apt.join("debs"));
    for (k, v) in [
        ("Dir::State", apt.join("state")),
        ("Dir::Cache", apt.join("cache")),
        ("Dir::Etc::sourcelist", apt.join("etc/sources.list")),
        ("Dir::Etc::sourceparts", apt.join("etc/sources.list.d")),
        ("Dir::Etc::preferencesparts", apt.join("etc/preferences.d")),
    ] {
        c.arg("-o").arg(format!("{k}={}", v.display()));
    }
    c.args(["-o", "APT::Architecture=i386", "-o", "APT::Architectures=i386", "-o", "Debug::NoLocking=1"]);
    // Only the package lists: no translations or AppStream data.
    c.args(["-o", "Acquire::Languages=none", "-o", "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"]);
    c.args(["-o", "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"]);
    c.args(["-o", "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"]);
    c.args(["-o", "Acquire::IndexTargets::deb::CNF::DefaultEnabled=false"]);
    if crate::setup::is_root() {
        // The private directories are root's; apt's download user could not write them.
        c.args(["-o", "APT::Sandbox::User=root"]);
    }
    c.args(args);
    c
}

/// The Debian mirror this machine's apt sources use (the first `.../debian`
/// URI of `/etc/apt/sources.list` and `sources.list.d`, one-line or deb822).
fn debian_mirror() -> Result<String> {
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(rd) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "list" || x == "sources"))
            .collect();
        more.sort();
        files.extend(more);
    }
    for f in files {
        if let Some(m) = std::fs::read_to_string(&f).ok().as_deref().and_then(mirror_in) {
            return Ok(m);
        }
    }
    Err("no Debian mirror (a .../debian URI) in /etc/apt/sources.list*".into())
}

/// The first `.../debian` URI of an apt sources file (one-line `deb` or deb822 `URIs:`).
fn mirror_in(text: &str) -> Option<String> {
    for l in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        let uris: Vec<&str> = if let Some(rest) = l.strip_prefix("URIs:") {
            rest.split_whitespace().collect()
        } else if l.starts_with("deb ") {
            // `deb [options] URI suite components`
            l.split_whitespace().skip(1).skip_while(|w| !w.contains("://")).take(1).collect()
        } else {
            Vec::new()
        };
        if let Some(u) = uris.into_iter().find(|u| u.trim_end_matches('/').ends_with("/debian")) {
            return Some(u.trim_end_matches('/').to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_in_both_source_formats() {
        let deb822 = "Types: deb\n# URIs: http://old.example/debian\nURIs: http://mirror.example/debian/\nSuites: bookworm\n";
        assert_eq!(mirror_in(deb822).as_deref(), Some("http://mirror.example/debian"));
        let one_line = "deb [signed-by=/k.gpg] http://m.example/debian bookworm main\n";
        assert_eq!(mirror_in(one_line).as_deref(), Some("http://m.example/debian"));
        assert_eq!(mirror_in("deb http://m.example/debian-security bookworm-security main\n"), None);
    }
}
