//! Generates Rust from GNU Mach's `.defs` for this crate's own tests.
//!
//! The generator itself is mounted from `src/lib.rs` (all its modules use
//! `super::` paths for this). Output goes to `OUT_DIR` and is compiled by
//! `tests/generated.rs` and `tests/roundtrip.rs`. When the `.defs` are not
//! installed, empty files are written and `cfg(mig_no_defs)` is set so those
//! tests report the missing package instead of failing to build.

#[allow(dead_code, unused_imports)]
#[path = "src/lib.rs"]
mod mig;

use std::path::PathBuf;

/// (module name, .defs path) for every file GNU Mach ships.
const DEFS: &[(&str, &str)] = &[
    ("mach", "mach/mach.defs"),
    ("mach_port", "mach/mach_port.defs"),
    ("mach_host", "mach/mach_host.defs"),
    ("mach4", "mach/mach4.defs"),
    ("gnumach", "mach/gnumach.defs"),
    ("notify", "mach/notify.defs"),
    ("exc", "mach/exc.defs"),
    ("memory_object", "mach/memory_object.defs"),
    ("memory_object_default", "mach/memory_object_default.defs"),
    ("default_pager", "mach/default_pager.defs"),
    ("task_notify", "mach/task_notify.defs"),
    // (The 2026 experimental.defs has no routine left: device_intr_register
    // moved to device.defs.)
    ("device", "device/device.defs"),
    ("device_request", "device/device_request.defs"),
    ("device_reply", "device/device_reply.defs"),
];

/// The interfaces the kernel serves (the root `build.rs`'s `SERVED`), as
/// (module name, .defs path).
const KERNEL_SERVED: &[(&str, &str)] = &[
    ("mach", "mach/mach.defs"),
    ("mach_port", "mach/mach_port.defs"),
    ("mach_host", "mach/mach_host.defs"),
    ("gnumach", "mach/gnumach.defs"),
    ("device", "device/device.defs"),
    ("mach_i386", "mach/machine/mach_i386.defs"),
];

/// Subsystems whose every routine gets a generated round-trip test.
const ROUNDTRIP: &[&str] = &["device", "mach_port", "mach", "mach_host", "notify", "memory_object", "device_reply"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-env-changed=MACH_DEFS_INCLUDE");
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo::rustc-check-cfg=cfg(mig_no_defs)");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    match generate(&out) {
        Ok(()) => {}
        Err(e) => {
            // Come back when the headers appear (installing gnumach-dev
            // later must not leave the tests off in an existing target).
            for c in mig::cpp::INCLUDE_CANDIDATES {
                println!("cargo:rerun-if-changed={c}/mach/std_types.defs");
            }
            println!("cargo:warning=mig tests disabled: {e}");
            println!("cargo:rustc-cfg=mig_no_defs");
            for f in ["generated.rs", "roundtrip.rs", "kernel_served.rs"] {
                std::fs::write(out.join(f), "").expect("write");
            }
        }
    }
}

/// The user side as the Hurd builds it: with `device_open_new`, which the
/// 2026 `device.defs` offers clients that ask (the kernel serves it).
fn user_options() -> mig::Options {
    mig::Options { defines: vec!["DEVICE_ENABLE_DEVICE_OPEN_NEW".into()], ..mig::Options::user() }
}

fn generate(out: &std::path::Path) -> Result<(), mig::Error> {
    let include = mig::locate_include_dir()?;
    println!("cargo:rerun-if-changed={}", include.join("mach").display());
    println!("cargo:rerun-if-changed={}", include.join("device").display());
    let shared = |mut o: mig::Options| {
        o.runtime_path = Some("mig::rt".into());
        o
    };
    let mut all = String::new();
    let mut rt = String::new();
    for (name, defs) in DEFS {
        let s = mig::generate_server(defs, &shared(mig::Options::kernel_server()))?;
        let u = mig::generate_user(defs, &shared(user_options()))?;
        let sf = format!("{name}_server.rs");
        let uf = format!("{name}_user.rs");
        std::fs::write(out.join(&sf), s).map_err(|e| mig::Error::Io(e.to_string()))?;
        std::fs::write(out.join(&uf), u).map_err(|e| mig::Error::Io(e.to_string()))?;
        all.push_str(&format!(
            "/// Generated from `{defs}`.\npub mod {name} {{\n    /// Server side.\n    pub mod server {{ include!(concat!(env!(\"OUT_DIR\"), \"/{sf}\")); }}\n    /// User side.\n    pub mod user {{ include!(concat!(env!(\"OUT_DIR\"), \"/{uf}\")); }}\n}}\n"
        ));
        if ROUNDTRIP.contains(name) {
            let ss = mig::parse_defs(defs, &mig::Options::kernel_server())?;
            let us = mig::parse_defs(defs, &user_options())?;
            rt.push_str(&format!("/// Round trips through `{defs}`.\npub mod {name}_roundtrip {{\n    use super::gen::{name}::{{server, user}};\n    use mig::rt;\n"));
            rt.push_str(&mig::codegen::testgen::generate(&ss, &us)?);
            rt.push_str("}\n");
        }
    }
    // A synthetic interface covering the rest of the language.
    let synth = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/synthetic.defs");
    println!("cargo:rerun-if-changed={}", synth.display());
    let s = mig::generate_server(&synth, &shared(mig::Options::default()))?;
    let u = mig::generate_user(&synth, &shared(mig::Options::user()))?;
    std::fs::write(out.join("synth_server.rs"), s).map_err(|e| mig::Error::Io(e.to_string()))?;
    std::fs::write(out.join("synth_user.rs"), u).map_err(|e| mig::Error::Io(e.to_string()))?;
    all.push_str("/// Generated from `tests/synthetic.defs`.\npub mod synth {\n    /// Server side.\n    pub mod server { include!(concat!(env!(\"OUT_DIR\"), \"/synth_server.rs\")); }\n    /// User side.\n    pub mod user { include!(concat!(env!(\"OUT_DIR\"), \"/synth_user.rs\")); }\n}\n");
    let ss = mig::parse_defs(&synth, &mig::Options::default())?;
    rt.push_str("/// Round trips through `tests/synthetic.defs`.\npub mod synth_roundtrip {\n    use super::gen::synth::{server, user};\n    use mig::rt;\n");
    rt.push_str(&mig::codegen::testgen::generate(&ss, &ss)?);
    rt.push_str("}\n");

    // Stubs the kernel itself calls (KernelUser): replies to device requests
    // and calls to memory managers.
    for (name, defs) in [("device_reply", "device/device_reply.defs"), ("memory_object", "mach/memory_object.defs")] {
        let u = mig::generate_user(defs, &shared(mig::Options::kernel_user()))?;
        let uf = format!("{name}_kernel_user.rs");
        std::fs::write(out.join(&uf), u).map_err(|e| mig::Error::Io(e.to_string()))?;
        all.push_str(&format!(
            "/// Kernel-side stubs generated from `{defs}` with KERNEL_USER.\npub mod {name}_kernel_user {{ include!(concat!(env!(\"OUT_DIR\"), \"/{uf}\")); }}\n"
        ));
    }
    // The kernel's own server side, generated as the kernel's build.rs does
    // (KERNEL_SERVER, default methods), for `tests/hostile.rs`.
    let mut served = String::new();
    for (name, defs) in KERNEL_SERVED {
        let opts = mig::Options { default_methods: true, ..shared(mig::Options::kernel_server()) };
        let s = mig::generate_server(defs, &opts)?;
        let f = format!("{name}_kernel_server.rs");
        std::fs::write(out.join(&f), s).map_err(|e| mig::Error::Io(e.to_string()))?;
        served.push_str(&format!(
            "/// The kernel's server side of `{defs}`.\npub mod {name} {{ include!(concat!(env!(\"OUT_DIR\"), \"/{f}\")); }}\n"
        ));
    }
    std::fs::write(out.join("kernel_served.rs"), served).map_err(|e| mig::Error::Io(e.to_string()))?;
    // One file with the runtime embedded rather than shared, and default methods.
    let embedded = mig::generate_server(
        "device/device.defs",
        &mig::Options { default_methods: true, ..mig::Options::kernel_server() },
    )?;
    std::fs::write(out.join("device_server_embedded.rs"), embedded).map_err(|e| mig::Error::Io(e.to_string()))?;
    std::fs::write(out.join("generated.rs"), all).map_err(|e| mig::Error::Io(e.to_string()))?;
    std::fs::write(out.join("roundtrip.rs"), rt).map_err(|e| mig::Error::Io(e.to_string()))?;
    Ok(())
}
