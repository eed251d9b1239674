//! Build script of the kernel image.
//!
//! 1. Links the `mach` binary with the kernel's own linker script.
//! 2. Compiles the Linux glue (`linux-glue/src/*.c`) with the `cc` crate, as
//!    i586 freestanding C, into a static library linked into the kernel.
//! 3. Generates Rust bindings for the glue's one seam header
//!    (`linux-glue/include/seam.h`) with `bindgen`, for i386 layouts.

use std::path::{Path, PathBuf};

/// C flags of every file of the glue and of the drivers (the fact sheet's set).
const C_FLAGS: &[&str] = &[
    "-m32",
    "-march=i586",
    "-ffreestanding",
    "-fno-pic",
    "-fno-stack-protector",
    "-nostdinc",
    "-fno-strict-aliasing",
    "-fgnu89-inline",
    "-fno-omit-frame-pointer",
    "-fno-asynchronous-unwind-tables",
    "-mno-sse",
    "-mno-mmx",
    "-mno-red-zone",
];

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let target = std::env::var("TARGET").unwrap();
    if !target.starts_with("i586-") {
        // The kernel only builds for i586-unknown-linux-gnu (`cargo xtask build`).
        println!("cargo:warning=the kernel image builds only for i586-unknown-linux-gnu");
        return;
    }

    let linker_script = root.join("kernel/linker.ld");
    println!("cargo:rerun-if-changed={}", linker_script.display());
    println!("cargo:rustc-link-arg-bins=-T{}", linker_script.display());
    println!("cargo:rustc-link-arg-bins=--gc-sections");
    println!("cargo:rustc-link-arg-bins=-z");
    println!("cargo:rustc-link-arg-bins=max-page-size=4096");

    build_glue(&root);
    bind_seam(&root);
    generate_servers();
}

/// The kernel-served interfaces: `(defs file, output file)`.
const SERVED: &[(&str, &str)] = &[
    ("mach/mach.defs", "mach_server.rs"),
    ("mach/mach_port.defs", "mach_port_server.rs"),
    ("mach/mach_host.defs", "mach_host_server.rs"),
    ("mach/gnumach.defs", "gnumach_server.rs"),
    ("device/device.defs", "device_server.rs"),
    ("mach/machine/mach_i386.defs", "mach_i386_server.rs"),
];

/// Generates the MIG server side of every kernel-served interface from GNU
/// Mach's own `.defs` (Debian's gnumach-dev), with one shared runtime.
fn generate_servers() {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=MACH_DEFS_INCLUDE");
    let opts = mig::Options {
        runtime_path: Some("crate::kern::mig::rt".into()),
        default_methods: true,
        ..mig::Options::kernel_server()
    };
    for (defs, file) in SERVED {
        let code = mig::generate_server(defs, &opts).unwrap_or_else(|e| panic!("MIG on {defs}: {e}"));
        std::fs::write(out.join(file), code).expect("writing generated server");
    }
    // What the kernel sends: exceptions (exc.defs, KernelUser).
    let user_opts = mig::Options { runtime_path: Some("crate::kern::mig::rt".into()), ..mig::Options::kernel_user() };
    let code = mig::generate_user("mach/exc.defs", &user_opts).unwrap_or_else(|e| panic!("MIG on exc.defs: {e}"));
    std::fs::write(out.join("exc_user.rs"), code).expect("writing generated stubs");
    let code = mig::generate_user("mach/memory_object.defs", &user_opts).unwrap_or_else(|e| panic!("MIG on memory_object.defs: {e}"));
    std::fs::write(out.join("memory_object_user.rs"), code).expect("writing generated stubs");
    let code = mig::generate_user("mach/task_notify.defs", &user_opts).unwrap_or_else(|e| panic!("MIG on task_notify.defs: {e}"));
    std::fs::write(out.join("task_notify_user.rs"), code).expect("writing generated stubs");
    let code = mig::generate_user("mach/memory_object_default.defs", &user_opts).unwrap_or_else(|e| panic!("MIG on memory_object_default.defs: {e}"));
    std::fs::write(out.join("memory_object_default_user.rs"), code).expect("writing generated stubs");
    std::fs::write(out.join("mig_rt.rs"), mig::runtime_source()).expect("writing MIG runtime");
}

/// Every `.c` file directly under `dir`, sorted, each registered for rebuilds.
fn c_files(dir: &Path) -> Vec<PathBuf> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "c"));
    files.sort();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    files
}

fn build_glue(root: &Path) {
    let include = root.join("linux-glue/include");
    println!("cargo:rerun-if-changed={}", include.display());
    let mut build = cc::Build::new();
    build
        .compiler(std::env::var("GLUE_CC").unwrap_or_else(|_| "gcc".into()))
        .pic(false)
        .opt_level(2)
        .debug(true)
        .warnings(true)
        .include(&include);
    for flag in C_FLAGS {
        build.flag(flag);
    }
    for file in c_files(&root.join("linux-glue/src")) {
        build.file(file);
    }
    // The drivers: ours (`linux-drivers/`), or the files of a Linux 2.0 tree
    // the user names (LINUX_DRIVERS_SRC: directories, `:`-separated, whose
    // `*.c` replace ours file by file, e.g. a genuine `ne.c`, `8390.c` from
    // drivers/net and `ide.c` from drivers/block).
    println!("cargo:rerun-if-env-changed=LINUX_DRIVERS_SRC");
    let ours = c_files(&root.join("linux-drivers"));
    let dirs: Vec<PathBuf> = std::env::var_os("LINUX_DRIVERS_SRC").map(|v| std::env::split_paths(&v).collect()).unwrap_or_default();
    let theirs: Vec<PathBuf> = dirs.iter().flat_map(|d| c_files(d)).collect();
    for file in &ours {
        let replaced = theirs.iter().find(|t| t.file_name() == file.file_name());
        build.file(replaced.unwrap_or(file));
    }
    for t in theirs.iter().filter(|t| !ours.iter().any(|o| o.file_name() == t.file_name())) {
        build.file(t);
    }
    // Their headers (8390.h, ide.h) first, then ours.
    for d in &dirs {
        build.include(d);
    }
    build.include(root.join("linux-drivers"));
    build.compile("linuxglue");
}

fn bind_seam(root: &Path) {
    let header = root.join("linux-glue/include/seam.h");
    println!("cargo:rerun-if-changed={}", header.display());
    let bindings = bindgen::Builder::default()
        .header(header.to_string_lossy())
        .clang_args(["--target=i686-unknown-linux-gnu", "-ffreestanding", "-nostdinc"])
        .use_core()
        .ctypes_prefix("core::ffi")
        .layout_tests(false)
        .generate_comments(true)
        .generate()
        .expect("bindgen could not read linux-glue/include/seam.h (is libclang-dev installed?)");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("seam.rs");
    bindings.write_to_file(out).expect("writing seam bindings");
}
