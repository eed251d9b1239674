//! Installs what the commands need on a fresh machine: the rustup target and
//! the Debian packages. Without root it prints the exact command instead.

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
    ("gnumach-dev", ""),
];

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
