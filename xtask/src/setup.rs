//! Installs what the commands need on a fresh machine: the rustup target and
//! the Debian packages. Without root it prints the exact command instead.
//!
//! GNU Mach's headers and `.defs` are those of GNU Mach as the Hurd runs it
//! in 2026 (Debian unstable's `gnumach-dev`, [`GNUMACH_DEV_VERSION`]): when
//! the machine's own `gnumach-dev` is older (bookworm has
//! 1.8+git20221224), the i386 package of unstable is fetched into a private
//! apt state under `target/gnumach-dev/` and every build the commands start
//! reads it (`MACH_DEFS_INCLUDE`). A `MACH_DEFS_INCLUDE` set by the user
//! wins.

use std::process::{Command, Stdio};

use crate::{Result, TARGET};

/// Debian packages and a file each one provides (to check without dpkg).
const PACKAGES: &[(&str, &str)] = &[
    ("qemu-system-x86", "/usr/bin/qemu-system-i386"),
    ("grub-pc-bin", "/usr/lib/grub/i386-pc/multiboot.mod"),
    ("grub-common", "/usr/bin/grub-mkrescue"),
    ("xorriso", "/usr/bin/xorriso"),
    // FFS images for the Hurd's ufs.static (tests).
    ("makefs", "/usr/bin/makefs"),
    ("mtools", "/usr/bin/mtools"),
    ("libclang-dev", ""),
];

/// The `gnumach-dev` the kernel is built against: GNU Mach as the Hurd runs
/// it in 2026 (Debian unstable).
pub const GNUMACH_DEV_VERSION: &str = "2:1.8+git20261028-1";
/// The Debian suite that has it.
const GNUMACH_DEV_SUITE: &str = "unstable";

/// The multiarch include directory of an installed or unpacked
/// `gnumach-dev` under `root` (`root/usr/include/<triplet>`).
fn include_under(root: &std::path::Path) -> Option<std::path::PathBuf> {
    ["i386-linux-gnu", "i386-gnu", "x86_64-linux-gnu"]
        .iter()
        .map(|t| root.join("usr/include").join(t))
        .find(|d| d.join("mach/std_types.defs").is_file())
}

/// Whether the machine's `gnumach-dev` is at least [`GNUMACH_DEV_VERSION`].
fn system_headers_new_enough() -> bool {
    let q = Command::new("dpkg-query").args(["-W", "-f=${Version}", "gnumach-dev"]).stderr(Stdio::null()).output();
    let Ok(o) = q else { return false };
    let v = String::from_utf8_lossy(&o.stdout).trim().to_string();
    if !o.status.success() || v.is_empty() {
        return false;
    }
    Command::new("dpkg")
        .args(["--compare-versions", &v, "ge", GNUMACH_DEV_VERSION])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Makes the builds this process starts read GNU Mach's 2026 `.defs` and
/// headers: the machine's when new enough, else those of Debian unstable's
/// `gnumach-dev` fetched (once) into `target/gnumach-dev/`.
///
/// # Errors
/// When the package cannot be fetched (no network, the version gone from
/// unstable), with the way out: an include directory given with
/// `MACH_DEFS_INCLUDE`.
pub fn ensure_mach_headers() -> Result {
    if std::env::var_os("MACH_DEFS_INCLUDE").is_some() || system_headers_new_enough() {
        return Ok(());
    }
    let dir = crate::target_dir().join("gnumach-dev");
    let unpacked = dir.join(GNUMACH_DEV_VERSION.replace(':', "_"));
    let include = match include_under(&unpacked) {
        Some(i) => i,
        None => {
            let package = format!("gnumach-dev={GNUMACH_DEV_VERSION}");
            let part = dir.join("unpacking");
            crate::debian::fetch(&dir, GNUMACH_DEV_SUITE, &package, &part).map_err(|e| {
                format!(
                    "the kernel is built against GNU Mach's 2026 headers (gnumach-dev {GNUMACH_DEV_VERSION}, \
                     Debian {GNUMACH_DEV_SUITE}), which this machine lacks, and fetching them failed: {e}. \
                     Install that gnumach-dev, or unpack it and set MACH_DEFS_INCLUDE to its \
                     usr/include/i386-linux-gnu"
                )
            })?;
            std::fs::rename(&part, &unpacked).map_err(|e| format!("{}: {e}", unpacked.display()))?;
            include_under(&unpacked).ok_or_else(|| format!("{} holds no mach/std_types.defs", unpacked.display()))?
        }
    };
    // Every cargo, MIG and test process this command starts inherits it.
    std::env::set_var("MACH_DEFS_INCLUDE", &include);
    Ok(())
}

fn installed(pkg: &str, file: &str) -> bool {
    let q = Command::new("dpkg-query").args(["-W", "-f=${Status}", pkg]).stderr(Stdio::null()).output();
    match q {
        Ok(o) if o.status.success() || !o.stdout.is_empty() => {
            String::from_utf8_lossy(&o.stdout).contains("install ok installed")
        }
        // No dpkg: judge by the file.
        _ => !file.is_empty() && std::path::Path::new(file).exists(),
    }
}

pub(crate) fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

fn ensure_target() -> Result {
    let out = Command::new("rustup").args(["target", "list", "--installed"]).output();
    match out {
        Ok(o) if String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == TARGET) => Ok(()),
        Ok(_) => {
            eprintln!("xtask: installing the Rust target {TARGET}");
            let s = Command::new("rustup").args(["target", "add", TARGET]).status().map_err(|e| e.to_string())?;
            if s.success() { Ok(()) } else { Err(format!("rustup target add {TARGET} failed")) }
        }
        Err(_) => Err(format!("rustup not found: install the target with `rustup target add {TARGET}`")),
    }
}

/// Makes sure the target and every package are there.
pub fn ensure() -> Result {
    ensure_target()?;
    ensure_packages()?;
    ensure_mach_headers()
}

/// Installs the missing Debian packages (or names the command to run).
fn ensure_packages() -> Result {
    let missing: Vec<&str> = PACKAGES.iter().filter(|(p, f)| !installed(p, f)).map(|(p, _)| *p).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    if !is_root() {
        return Err(format!("missing packages; run: sudo apt-get update && sudo apt-get install -y {list}"));
    }
    eprintln!("xtask: installing {list}");
    let env = [("DEBIAN_FRONTEND", "noninteractive")];
    let update = Command::new("apt-get").args(["update", "-qq"]).envs(env).status();
    if !update.map(|s| s.success()).unwrap_or(false) {
        eprintln!("xtask: apt-get update failed; trying the install anyway");
    }
    let s = Command::new("apt-get")
        .args(["install", "-y", "-qq"])
        .args(&missing)
        .envs(env)
        .status()
        .map_err(|e| format!("cannot run apt-get: {e}"))?;
    if s.success() { Ok(()) } else { Err(format!("apt-get install -y {list} failed")) }
}
