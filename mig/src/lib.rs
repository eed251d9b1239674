//! A MIG-compatible interface generator, driven by GNU Mach's own `.defs` files.
//!
//! GNU Mach, the Hurd and every Mach program describe their RPCs in `.defs`
//! files; MIG turns them into message layouts and C stubs. This crate reads the
//! same files (from Debian's `gnumach-dev`, never copied into this repository)
//! and produces Rust for `#![no_std]` code:
//!
//! - [`generate_server`]: per routine a request struct, a validating decoder that
//!   answers malformed requests with `MIG_BAD_ARGUMENTS` and unknown ids with
//!   `MIG_BAD_ID` exactly like MIG's servers, a reply struct and encoder; per
//!   subsystem a trait with one method per routine and a dispatch function.
//! - [`generate_user`]: per routine a stub that builds the request, calls the
//!   user runtime's `mach_msg` through the [`rt::MachMsg`] trait, checks the
//!   reply (id, size, descriptors, return code) and unpacks the out-arguments.
//!
//! Design principles:
//! - One spec generates the interface: layouts come from the `.defs`, never
//!   typed twice by hand ([`layout`] states MIG's rules once).
//! - Everything on the wire is 32-bit words, little-endian; generated code never
//!   depends on the host's pointer width. Ports are `u32` names (plus the
//!   disposition when the `.defs` make it polymorphic, [`rt::PolyPort`]);
//!   out-of-line data is an address and a count ([`rt::Ool`]); the kernel does
//!   the copying.
//! - Generated code is safe Rust using only `core`; its support code is
//!   [`rt`], embedded into each generated file or shared through
//!   [`Options::runtime_path`].
//!
//! Typical use, from a build script:
//!
//! ```no_run
//! # fn main() -> Result<(), mig::Error> {
//! let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
//! // The kernel's server side: KERNEL_SERVER is defined as GNU Mach's build does.
//! let server = mig::generate_server("device/device.defs", &mig::Options::kernel_server())?;
//! std::fs::write(out.join("device_server.rs"), server).unwrap();
//! // A user program's stubs: no kernel symbols.
//! let user = mig::generate_user("mach/mach.defs", &mig::Options::user())?;
//! std::fs::write(out.join("mach_user.rs"), user).unwrap();
//! # Ok(()) }
//! ```
//!
//! and then `mod device_server { include!(concat!(env!("OUT_DIR"), "/device_server.rs")); }`.
//! Generated files carry no inner attributes, so `include!` works anywhere.
//!
//! Pipeline: [`cpp`] (locate and preprocess) → [`lexer`] → [`parser`] (AST with
//! resolved [`types`]) → [`layout`] → [`codegen`].
//!
//! All modules refer to each other through `super::` paths so that a build script
//! can mount this file with `#[path]` (as `mig`'s own build script does for its
//! tests).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod ast;
pub mod codegen;
pub mod cpp;
pub mod error;
pub mod layout;
pub mod lexer;
pub mod parser;
/// Runtime support used by generated code (its text is embedded in generated
/// files, see [`runtime_source`]).
pub mod rt;
pub mod summary;
pub mod types;

pub use self::ast::Subsystem;
pub use self::cpp::locate_include_dir;
pub use self::error::Error;
pub use self::rt::HeaderView;

use std::path::{Path, PathBuf};

/// Which end of the interface is being generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The receiver of requests (for GNU Mach's interfaces: the kernel).
    Server,
    /// The sender of requests (user programs, or the kernel for `KernelUser`).
    User,
}

/// Generator options.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Preprocessor symbols (`NAME` or `NAME=VALUE`). GNU Mach builds its server
    /// side with `KERNEL_SERVER` and the stubs the kernel itself calls with
    /// `KERNEL_USER`; user programs define neither. See [`Options::kernel_server`],
    /// [`Options::kernel_user`], [`Options::user`].
    pub defines: Vec<String>,
    /// Include directory holding `mach/`, `device/`; `None` means
    /// [`locate_include_dir`].
    pub include_dir: Option<PathBuf>,
    /// Path of a shared copy of the runtime (e.g. `"crate::mig_rt"`, a module
    /// whose text is [`runtime_source`]). `None` embeds a private `rt` module in
    /// the generated code.
    pub runtime_path: Option<String>,
    /// Server side only: where the request and reply ports are in the request
    /// header. `None` means [`HeaderView::Sent`] for a `KernelServer` subsystem
    /// (as GNU Mach's in-kernel servers see messages) and
    /// [`HeaderView::Received`] otherwise.
    pub header_view: Option<HeaderView>,
    /// Server side only: give every trait method a default body returning
    /// `Err(MIG_BAD_ID)`, so a server can implement its routines one at a time
    /// (requests for the others are answered as if the id were unknown).
    pub default_methods: bool,
}

impl Options {
    /// Options for the kernel's server side (`-DKERNEL_SERVER`).
    pub fn kernel_server() -> Options {
        Options { defines: vec!["KERNEL_SERVER".into()], ..Options::default() }
    }
    /// Options for stubs the kernel calls (`-DKERNEL_USER`).
    pub fn kernel_user() -> Options {
        Options { defines: vec!["KERNEL_USER".into()], ..Options::default() }
    }
    /// Options for user programs (no kernel symbols).
    pub fn user() -> Options {
        Options::default()
    }
}

/// Reads, preprocesses and parses a `.defs` file.
///
/// `defs` is a path, or a name relative to the include directory such as
/// `"device/device.defs"`.
///
/// # Errors
/// [`Error::MissingHeaders`] if GNU Mach's headers are not installed (the
/// message says to `apt-get install gnumach-dev`), [`Error::Preprocess`],
/// [`Error::Syntax`] or [`Error::Semantic`] otherwise.
pub fn parse_defs(defs: impl AsRef<Path>, opts: &Options) -> Result<Subsystem, Error> {
    let include = match &opts.include_dir {
        Some(d) => d.clone(),
        None => locate_include_dir()?,
    };
    let path = if defs.as_ref().is_file() { defs.as_ref().to_path_buf() } else { include.join(defs.as_ref()) };
    if !path.is_file() {
        return Err(Error::Io(format!("{}: no such .defs file", path.display())));
    }
    let text = cpp::preprocess(&path, &include, &opts.defines)?;
    parse_str(&text, &path.display().to_string())
}

/// Parses already-preprocessed MIG text.
///
/// # Errors
/// [`Error::Syntax`] or [`Error::Semantic`].
pub fn parse_str(text: &str, file_name: &str) -> Result<Subsystem, Error> {
    parser::parse(lexer::tokenize(text, file_name)?)
}

/// Generates the server side of `defs` (see [`codegen::server`]).
///
/// # Errors
/// As [`parse_defs`], plus [`Error::Semantic`] for routines without a request port.
pub fn generate_server(defs: impl AsRef<Path>, opts: &Options) -> Result<String, Error> {
    let sub = parse_defs(defs, opts)?;
    codegen::server::generate(&sub, opts)
}

/// Generates the user side of `defs` (see [`codegen::user`]).
///
/// # Errors
/// As [`generate_server`].
pub fn generate_user(defs: impl AsRef<Path>, opts: &Options) -> Result<String, Error> {
    let sub = parse_defs(defs, opts)?;
    codegen::user::generate(&sub, opts)
}

/// The text of the runtime module ([`rt`]) that generated code uses, for
/// projects that keep one shared copy (see [`Options::runtime_path`]).
pub fn runtime_source() -> &'static str {
    include_str!("rt.rs")
}

/// A readable summary of the routines of `defs` and their wire layouts
/// (what `cargo xtask mig FILE.defs` prints).
///
/// # Errors
/// As [`parse_defs`], and layout errors.
pub fn summarize(defs: impl AsRef<Path>, opts: &Options) -> Result<String, Error> {
    summary::summarize(&parse_defs(defs, opts)?)
}
