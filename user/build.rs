//! Links the programs of this package (the `src/bin/*` test programs) with
//! `link.ld`, as static executables at 0x08048000, when building for i586.
//! Host builds get nothing: the runtime only works on the i386 trap ABI.

use std::path::PathBuf;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rerun-if-changed=build.rs");
    if !target.starts_with("i586") {
        return;
    }
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let script = dir.join("link.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    for arg in [
        format!("-T{}", script.display()),
        "--gc-sections".into(),
        "-static".into(),
        "--no-dynamic-linker".into(),
        "--build-id=none".into(),
        "-z".into(),
        "max-page-size=4096".into(),
        "-z".into(),
        "norelro".into(),
        // The entry point lives in the runtime's archive member; make sure it is pulled in.
        "--undefined=_start".into(),
    ] {
        println!("cargo:rustc-link-arg-bins={}", arg);
    }
}
