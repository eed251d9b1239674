//! Rust code generation shared by the server and user sides.
//!
//! Naming: a routine `device_open` of subsystem `device` yields
//! `DeviceOpenRequest`/`DeviceOpenReply` structs, a `DEVICE_OPEN_ID` constant,
//! a `device_open` trait method (server) or stub function (user). Argument
//! names are kept (Rust keywords get a trailing `_`); the count of a variable
//! array `data` is `data_cnt`.
//!
//! Value types: 8/16/32/64-bit elements map to `u8`/`u16`/`u32`/`u64` (wider
//! elements such as strings become bytes); a one-element item is a scalar, a
//! fixed array `[T; N]`; a polymorphic port is [`super::rt::PolyPort`]; out-of-line data
//! is [`super::rt::Ool`]; a received variable inline array is
//! [`super::rt::Array`] on the server side and `[T; MAX]` plus a `_cnt` field
//! in a user stub's reply; sent variable arrays are slices.

pub mod server;
pub mod testgen;
pub mod user;

use super::error::Error;
use super::layout::Item;
use super::types::{IpcType, MsgName};
use super::Options;
use std::fmt::Write;

/// A Rust element type and how many of them make one wire element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elem {
    /// `u8`, `u16`, `u32` or `u64`.
    pub rust: &'static str,
    /// Rust elements per wire element (1, or bytes per element for wide types).
    pub mult: u32,
}

/// The Rust element for a wire type.
pub fn elem(ty: &IpcType) -> Elem {
    match ty.size {
        8 => Elem { rust: "u8", mult: 1 },
        16 => Elem { rust: "u16", mult: 1 },
        32 => Elem { rust: "u32", mult: 1 },
        64 => Elem { rust: "u64", mult: 1 },
        s => Elem { rust: "u8", mult: s / 8 },
    }
}

/// Rust elements in a fixed item (or at the maximum count of a variable one).
pub fn total_elems(ty: &IpcType) -> u32 {
    ty.number * elem(ty).mult
}

/// Where a value's Rust type is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    /// A parameter of a user stub (borrowed arrays).
    Param,
    /// A field of a decoded request on the server (views into the message).
    View,
    /// A field of an owned reply struct.
    Owned,
}

/// The Rust type of an item's value; `poly` says whether the relevant name
/// (sender's or receiver's) is polymorphic.
pub fn value_type(ty: &IpcType, poly: bool, ctx: Ctx) -> String {
    if poly && ty.var_array && ctx == Ctx::Param {
        return "rt::PolyArray<'_>".into();
    }
    if poly {
        return "rt::PolyPort".into();
    }
    if !ty.inline {
        return "rt::Ool".into();
    }
    let e = elem(ty);
    let n = total_elems(ty);
    if ty.var_array {
        return match ctx {
            Ctx::Param => format!("&[{}]", e.rust),
            Ctx::View => format!("rt::Array<'a, {}>", e.rust),
            Ctx::Owned => format!("[{}; {}]", e.rust, n),
        };
    }
    if n == 1 {
        return e.rust.into();
    }
    match ctx {
        Ctx::Param => format!("&[{}; {}]", e.rust, n),
        _ => format!("[{}; {}]", e.rust, n),
    }
}

/// True when a value of this type is passed by reference as a parameter.
pub fn is_param_ref(ty: &IpcType, poly: bool) -> bool {
    !poly && ty.inline && (ty.var_array || total_elems(ty) > 1)
}

/// A default value expression for an owned field.
pub fn default_value(ty: &IpcType, poly: bool) -> String {
    if poly {
        return "rt::PolyPort::default()".into();
    }
    if !ty.inline {
        return "rt::Ool::default()".into();
    }
    let e = elem(ty);
    let n = total_elems(ty);
    if ty.var_array || n > 1 {
        format!("[0{}; {}]", e.rust, n)
    } else {
        format!("0{}", e.rust)
    }
}

/// A Rust identifier for a MIG name (keywords get a trailing `_`).
pub fn ident(s: &str) -> String {
    const KW: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl",
        "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static",
        "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
        "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual",
        "yield", "try", "gen",
    ];
    if KW.contains(&s) {
        format!("{s}_")
    } else {
        s.to_string()
    }
}

/// `device_open` → `DeviceOpen`.
pub fn camel(s: &str) -> String {
    s.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Checks that an item is something generated code can handle, for the side
/// that sends it (`sending`) or receives it.
///
/// # Errors
/// [`Error::Semantic`] for polymorphic items other than single ports (or, when
/// sending, inline arrays of ports sharing one disposition).
pub fn check_item(item: &Item, routine: &str, sending: bool) -> Result<(), Error> {
    let t = &item.ty;
    let n = if sending { t.in_name } else { t.out_name };
    let scalar = t.inline && !t.var_array && t.number == 1 && t.size == 32;
    let poly_array_ok = sending && t.inline && t.var_array && t.size == 32;
    if n == MsgName::Poly && !scalar && !poly_array_ok {
        return Err(Error::Semantic {
            pos: Default::default(),
            msg: format!("{routine}: {}: polymorphic items must be single 32-bit inline values", item.name),
        });
    }
    Ok(())
}

/// The fixed descriptor name of `n` (panics on `Poly`, which callers exclude).
pub fn fixed(n: MsgName) -> u32 {
    match n {
        MsgName::Fixed(v) => v,
        MsgName::Poly => unreachable!("polymorphic names are handled separately"),
    }
}

/// Emits the preamble: a header comment and the runtime (embedded or `use`d).
pub fn preamble(out: &mut String, what: &str, sub_name: &str, opts: &Options) {
    let _ = writeln!(out, "// {what} for MIG subsystem `{sub_name}`.");
    let _ = writeln!(out, "// Generated by the `mig` crate from GNU Mach's .defs; do not edit.");
    let _ = writeln!(out);
    match &opts.runtime_path {
        Some(p) => {
            let _ = writeln!(out, "#[allow(unused_imports)]\nuse {p} as rt;");
        }
        None => {
            let _ = writeln!(out, "/// Runtime support for the generated code (a copy of `mig::rt`).");
            let _ = writeln!(out, "#[allow(dead_code, clippy::all)]\npub mod rt {{");
            out.push_str(super::runtime_source());
            let _ = writeln!(out, "}}");
        }
    }
    let _ = writeln!(out);
}

/// Emits `w.<...>` statements writing one item's descriptor and data, for the
/// sender. `val` is the Rust expression of the value; `cnt` the count
/// expression for variable arrays.
pub fn emit_write_item(out: &mut String, item: &Item, val: &str, cnt: &str, indent: &str) {
    let ty = &item.ty;
    let _ = writeln!(out, "{indent}// {}: {}", item.name, describe(ty, false));
    if ty.in_name == MsgName::Poly && ty.var_array {
        if ty.long_form {
            let _ = writeln!(out, "{indent}w.long_desc(true, false, {val}.disposition, 32, {cnt});");
        } else {
            let _ = writeln!(out, "{indent}w.u32(rt::short_desc({val}.disposition, 32, {cnt}, true, false));");
        }
        let _ = writeln!(out, "{indent}if rt::is_right({val}.disposition) {{ complex = true; }}");
        let _ = writeln!(out, "{indent}w.slice::<u32>(&{val}.names[..{cnt} as usize]);");
        return;
    }
    if ty.in_name == MsgName::Poly {
        let _ = writeln!(out, "{indent}w.u32(rt::short_desc({val}.disposition, 32, 1, true, false));");
        let _ = writeln!(out, "{indent}if rt::is_right({val}.disposition) {{ complex = true; }}");
        let _ = writeln!(out, "{indent}w.u32({val}.name);");
        return;
    }
    let name = fixed(ty.in_name);
    let e = elem(ty);
    let dealloc = if ty.dealloc {
        "true".to_string()
    } else {
        match item.dealloc {
            super::ast::Dealloc::Never => "false".into(),
            super::ast::Dealloc::Always => "true".into(),
            super::ast::Dealloc::Runtime => format!("{val}.dealloc"),
        }
    };
    if !ty.inline {
        let num = format!("{val}.count");
        if ty.long_form {
            let _ = writeln!(out, "{indent}w.long_desc(false, {dealloc}, {name}, {}, {num});", ty.size);
        } else {
            let _ = writeln!(out, "{indent}w.u32(rt::short_desc({name}, {}, {num}, false, {dealloc}));", ty.size);
        }
        let _ = writeln!(out, "{indent}w.u32({val}.addr);");
        return;
    }
    if ty.var_array {
        if ty.long_form {
            let _ = writeln!(out, "{indent}w.long_desc(true, false, {name}, {}, {cnt});", ty.size);
        } else {
            let _ = writeln!(out, "{indent}w.u32(rt::short_desc({name}, {}, {cnt}, true, false));", ty.size);
        }
        let _ = writeln!(out, "{indent}w.slice::<{}>(&{val}[..({cnt} as usize) * {}]);", e.rust, e.mult);
        return;
    }
    if ty.long_form {
        let _ = writeln!(out, "{indent}w.long_desc(true, false, {name}, {}, {});", ty.size, ty.number);
    } else {
        let word = short_word(name, ty.size, ty.number, true, false);
        let _ = writeln!(out, "{indent}w.u32({word:#010x});");
    }
    if total_elems(ty) == 1 {
        let _ = writeln!(out, "{indent}w.value::<{}>({val});", e.rust);
    } else {
        let _ = writeln!(out, "{indent}w.slice::<{}>(&{val}[..]);", e.rust);
    }
}

/// What a receiver decoded: the expression(s) for the value and, for variable
/// arrays, the local holding the count.
pub struct Decoded {
    /// Local variable holding the value.
    pub var: String,
    /// Local variable holding the count, for variable arrays.
    pub cnt: Option<String>,
}

/// Emits statements reading and checking one item, for the receiver. Locals are
/// named `v_<name>` (value) and `n_<name>` (count). `owned`: copy variable
/// arrays into `[T; MAX]` (user side) instead of borrowing an [`super::rt::Array`].
pub fn emit_read_item(out: &mut String, item: &Item, owned: bool, indent: &str) -> Decoded {
    let ty = &item.ty;
    let v = format!("v_{}", item.name);
    let _ = writeln!(out, "{indent}// {}: {}", item.name, describe(ty, true));
    if ty.out_name == MsgName::Poly {
        let _ = writeln!(out, "{indent}let d_{0} = r.expect_poly()?;", item.name);
        let _ = writeln!(out, "{indent}if rt::is_right(d_{0}) && !complex {{ return Err(r.err()); }}", item.name);
        let _ = writeln!(out, "{indent}let {v} = rt::PolyPort {{ name: r.u32()?, disposition: d_{} }};", item.name);
        return Decoded { var: v, cnt: None };
    }
    let name = fixed(ty.out_name);
    let e = elem(ty);
    if !ty.inline {
        let _ = writeln!(out, "{indent}let at_{} = r.off;", item.name);
        let _ = writeln!(
            out,
            "{indent}let c_{0} = r.expect_desc({1}, false, {name}, {2}, None)?;",
            item.name, ty.long_form, ty.size
        );
        let _ = writeln!(
            out,
            "{indent}let {v} = rt::Ool {{ addr: r.u32()?, count: c_{0}, dealloc: r.dealloc_bit_at(at_{0}) }};",
            item.name
        );
        return Decoded { var: v, cnt: None };
    }
    if ty.var_array {
        let n = format!("n_{}", item.name);
        let _ = writeln!(out, "{indent}let {n} = r.expect_desc({}, true, {name}, {}, None)?;", ty.long_form, ty.size);
        let _ = writeln!(out, "{indent}if {n} > {} {{ return Err(r.err()); }}", ty.number);
        let _ = writeln!(out, "{indent}let a_{0} = r.array::<{1}>(({n} as usize) * {2})?;", item.name, e.rust, e.mult);
        if owned {
            let _ = writeln!(out, "{indent}let mut {v} = [0{}; {}];", e.rust, total_elems(ty));
            let _ = writeln!(out, "{indent}a_{}.copy_to(&mut {v});", item.name);
        } else {
            let _ = writeln!(out, "{indent}let {v} = a_{};", item.name);
        }
        return Decoded { var: v, cnt: Some(n) };
    }
    if ty.long_form {
        let _ = writeln!(out, "{indent}r.expect_desc(true, true, {name}, {}, Some({}))?;", ty.size, ty.number);
    } else {
        let word = short_word(name, ty.size, ty.number, true, false);
        let _ = writeln!(out, "{indent}r.expect_word({word:#010x})?;");
    }
    let n = total_elems(ty);
    if n == 1 {
        let _ = writeln!(out, "{indent}let {v} = r.value::<{}>()?;", e.rust);
    } else {
        let _ = writeln!(out, "{indent}let {v} = r.fixed::<{}, {n}>()?;", e.rust);
    }
    Decoded { var: v, cnt: None }
}

/// The short descriptor word (same encoding as [`super::rt::short_desc`]).
pub fn short_word(name: u32, size: u32, number: u32, inline: bool, dealloc: bool) -> u32 {
    (name & 0xff) | (size & 0xff) << 8 | (number & 0xfff) << 16 | (inline as u32) << 28 | (dealloc as u32) << 30
}

/// A one-line description of a type for comments.
pub fn describe(ty: &IpcType, receiver: bool) -> String {
    let n = if receiver { ty.out_name } else { ty.in_name };
    let name = match n {
        MsgName::Poly => "polymorphic".to_string(),
        MsgName::Fixed(v) => format!("name {v}"),
    };
    let count = if ty.var_array {
        if ty.number == 0 {
            "number variable".to_string()
        } else {
            format!("number <= {}", ty.number)
        }
    } else {
        format!("number {}", ty.number)
    };
    format!(
        "`{}`: {name}, size {}, {count}, {}{}",
        ty.name,
        ty.size,
        if ty.inline { "inline" } else { "out of line" },
        if ty.long_form { ", long form" } else { "" }
    )
}
