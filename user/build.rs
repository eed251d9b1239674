//! Links the programs of this package (the `src/bin/*` test programs) with
//! `link.ld`, as static executables at 0x08048000, when building for i586.
//! Host builds get nothing: the runtime only works on the i386 trap ABI.

use std::path::PathBuf;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rerun-if-changed=build.rs");
    generate_stubs();
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

/// MIG user stubs for the kernel's interfaces, from GNU Mach's own `.defs`.
fn generate_stubs() {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=MACH_DEFS_INCLUDE");
    // With `device_open_new`, which the 2026 `device.defs` offers clients
    // that ask for it.
    let opts = mig::Options {
        runtime_path: Some("crate::mig::rt".into()),
        defines: vec!["DEVICE_ENABLE_DEVICE_OPEN_NEW".into()],
        ..mig::Options::user()
    };
    for (defs, file) in [
        ("mach/mach.defs", "mach_user.rs"),
        ("mach/mach_port.defs", "mach_port_user.rs"),
        ("mach/mach_host.defs", "mach_host_user.rs"),
        ("mach/gnumach.defs", "gnumach_user.rs"),
        ("device/device.defs", "device_user.rs"),
        ("device/device_request.defs", "device_request_user.rs"),
        ("mach/machine/mach_i386.defs", "mach_i386_user.rs"),
    ] {
        let code = mig::generate_user(defs, &opts).unwrap_or_else(|e| panic!("MIG on {defs}: {e}"));
        std::fs::write(out.join(file), code).expect("writing MIG stubs");
    }
    // The repository's own test interface: both sides, for two user tasks.
    let echo = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("defs/echo.defs");
    println!("cargo:rerun-if-changed={}", echo.display());
    let user = mig::generate_user(&echo, &opts).unwrap_or_else(|e| panic!("MIG on echo.defs: {e}"));
    std::fs::write(out.join("echo_user.rs"), user).expect("writing echo stubs");
    let sopts = mig::Options { runtime_path: Some("crate::mig::rt".into()), ..mig::Options::user() };
    let server = mig::generate_server(&echo, &sopts).unwrap_or_else(|e| panic!("MIG on echo.defs: {e}"));
    std::fs::write(out.join("echo_server.rs"), server).expect("writing echo server");
    // Exception handlers: exc.defs served by a user task.
    let exc = mig::generate_server("mach/exc.defs", &sopts).unwrap_or_else(|e| panic!("MIG on exc.defs: {e}"));
    std::fs::write(out.join("exc_server.rs"), exc).expect("writing exc server");
    // The replies of the asynchronous device requests, decoded as a server.
    let reply = mig::generate_server("device/device_reply.defs", &sopts).unwrap_or_else(|e| panic!("MIG on device_reply.defs: {e}"));
    std::fs::write(out.join("device_reply_server.rs"), reply).expect("writing device_reply server");
    // A user-level pager: memory_object.defs served (routines it does not
    // serve answer MIG_BAD_ID).
    let popts = mig::Options { runtime_path: Some("crate::mig::rt".into()), default_methods: true, ..mig::Options::user() };
    let mo = mig::generate_server("mach/memory_object.defs", &popts).unwrap_or_else(|e| panic!("MIG on memory_object.defs: {e}"));
    std::fs::write(out.join("memory_object_server.rs"), mo).expect("writing memory_object server");
    let mod_ = mig::generate_server("mach/memory_object_default.defs", &popts).unwrap_or_else(|e| panic!("MIG on memory_object_default.defs: {e}"));
    std::fs::write(out.join("memory_object_default_server.rs"), mod_).expect("writing memory_object_default server");
    std::fs::write(out.join("mig_rt.rs"), mig::runtime_source()).expect("writing MIG runtime");
}
