//! Server-side code generation.
//!
//! For a subsystem `device` the output contains:
//! - `BASE`, `MAX_REQUEST_SIZE`, `MAX_REPLY_SIZE` and one `<ROUTINE>_ID` per routine;
//! - per routine a `<Routine>Request` struct (the decoded, validated request)
//!   and, when the routine returns values, a `<Routine>Reply` struct;
//! - `trait DeviceServer` with one method per routine:
//!   `fn device_open(&mut self, req: DeviceOpenRequest<'_>) -> Result<DeviceOpenReply, rt::KernReturn>`.
//!   `Err(code)` produces MIG's 32-byte error reply; `Err(rt::MIG_NO_REPLY)`
//!   suppresses the reply (the server answers later, e.g. via `device_reply`);
//! - `fn device_server(server, request: &[u8], reply: &mut [u8]) -> rt::Outcome`
//!   (named after `serverdemux` when the `.defs` give one), which validates
//!   the request exactly as MIG's stubs do (id, `msgh_size`, complex bit, every
//!   descriptor), calls the method and writes the reply (id + 100, sent to the
//!   request's reply port with its disposition).

use super::super::ast::{ArgKind, Subsystem};
use super::super::error::Error;
use super::super::layout::{self, Complexity, ItemRole, RoutineLayout};
use super::super::rt::HeaderView;
use super::super::types::MsgName;
use super::super::Options;
use super::{camel, check_item, emit_read_item, emit_write_item, ident, value_type, Ctx};
use std::fmt::Write;

/// Generates the server side of `sub`.
///
/// # Errors
/// [`Error::Semantic`] for routines that cannot be laid out.
pub fn generate(sub: &Subsystem, opts: &Options) -> Result<String, Error> {
    let layouts = layout::layouts(sub)?;
    for l in &layouts {
        for i in &l.request.items {
            check_item(i, &l.name, false)?;
        }
        for i in l.reply.iter().flat_map(|m| m.items.iter()) {
            check_item(i, &l.name, true)?;
        }
    }
    let view = opts.header_view.unwrap_or(if sub.kernel_server { HeaderView::Sent } else { HeaderView::Received });
    let mut out = String::new();
    super::preamble(&mut out, "Server side", &sub.name, opts);
    let max_req = layouts.iter().map(|l| l.request.max_size).max().unwrap_or(24);
    let max_rep = layouts.iter().filter_map(|l| l.reply.as_ref().map(|m| m.max_size)).max().unwrap_or(32).max(32);
    let _ = writeln!(out, "/// First message id of subsystem `{}`.", sub.name);
    let _ = writeln!(out, "pub const BASE: u32 = {};", sub.base);
    let _ = writeln!(out, "/// Largest valid request, in bytes.");
    let _ = writeln!(out, "pub const MAX_REQUEST_SIZE: usize = {max_req};");
    let _ = writeln!(out, "/// Reply buffers given to the dispatch function must be at least this long.");
    let _ = writeln!(out, "pub const MAX_REPLY_SIZE: usize = {max_rep};");
    let _ = writeln!(
        out,
        "/// Where the dispatch function looks for the request and reply ports.\npub const HEADER_VIEW: rt::HeaderView = rt::HeaderView::{view:?};\n"
    );
    for l in &layouts {
        let _ = writeln!(out, "/// Request id of `{}`.", l.name);
        let _ = writeln!(out, "pub const {}_ID: u32 = {};", l.name.to_ascii_uppercase(), l.request.id);
    }
    let _ = writeln!(out, "/// (request id, routine name) of every routine, for tracing.");
    let _ = writeln!(out, "pub const ROUTINES: &[(u32, &str)] = &[");
    for l in &layouts {
        let _ = writeln!(out, "    ({}, \"{}\"),", l.request.id, l.name);
    }
    let _ = writeln!(out, "];\n");
    for l in &layouts {
        gen_structs(&mut out, l);
    }
    let trait_name = format!("{}Server", camel(&sub.name));
    let _ = writeln!(out, "/// The routines of subsystem `{}`, implemented by the server.", sub.name);
    let _ = writeln!(out, "pub trait {trait_name} {{");
    for l in &layouts {
        let _ = writeln!(
            out,
            "    /// `{}` (id {}){}.",
            l.name,
            l.request.id,
            if l.simple { ", a simpleroutine: no reply is sent" } else { "" }
        );
        let sig = format!("fn {}(&mut self, req: {}) -> Result<{}, rt::KernReturn>", ident(&l.name), req_type(l, "'_"), reply_type(l));
        if opts.default_methods {
            let _ = writeln!(out, "    #[allow(unused_variables)]\n    {sig} {{\n        Err(rt::MIG_BAD_ID)\n    }}");
        } else {
            let _ = writeln!(out, "    {sig};");
        }
    }
    let _ = writeln!(out, "}}\n");
    for l in &layouts {
        gen_stub(&mut out, l, &trait_name);
    }
    let demux = sub.server_demux.clone().unwrap_or_else(|| format!("{}_server", sub.name));
    let _ = writeln!(out, "/// Validates and dispatches one request of subsystem `{}`, writing the reply.", sub.name);
    let _ = writeln!(out, "///");
    let _ = writeln!(out, "/// `request` holds at least `msgh_size` bytes of the message; `reply` must hold");
    let _ = writeln!(out, "/// [`MAX_REPLY_SIZE`] bytes (otherwise nothing is written and the outcome's");
    let _ = writeln!(out, "/// code is `MIG_ARRAY_TOO_LARGE`). Unknown ids get a `MIG_BAD_ID` reply,");
    let _ = writeln!(out, "/// malformed requests a `MIG_BAD_ARGUMENTS` reply, as from MIG's servers.");
    // A subsystem with no routine (the 2026 `experimental.defs`) never
    // uses `server`.
    let _ = writeln!(out, "#[allow(unused_variables)]");
    let _ = writeln!(out, "pub fn {demux}<S: {trait_name} + ?Sized>(server: &mut S, request: &[u8], reply: &mut [u8]) -> rt::Outcome {{");
    let _ = writeln!(out, "    let head = match rt::Header::read(request) {{");
    let _ = writeln!(out, "        Some(h) => h,");
    let _ = writeln!(out, "        None => return rt::Outcome {{ known: false, ret_code: rt::MIG_BAD_ARGUMENTS, reply_size: 0, send_reply: false }},");
    let _ = writeln!(out, "    }};");
    let _ = writeln!(out, "    if reply.len() < MAX_REPLY_SIZE {{");
    let _ = writeln!(out, "        return rt::Outcome {{ known: false, ret_code: rt::MIG_ARRAY_TOO_LARGE, reply_size: 0, send_reply: false }};");
    let _ = writeln!(out, "    }}");
    let _ = writeln!(out, "    let ports = rt::RequestPorts::of(&head, HEADER_VIEW);");
    let _ = writeln!(out, "    rt::start_reply(reply, &ports, head.id, rt::MIG_BAD_ID);");
    let _ = writeln!(out, "    let (known, simple, result) = match head.id {{");
    for l in &layouts {
        let _ = writeln!(
            out,
            "        {} => (true, {}, {}_stub(server, request, &head, &ports, reply)),",
            l.request.id,
            l.simple,
            l.name
        );
    }
    let _ = writeln!(out, "        _ => (false, false, Err(rt::MIG_BAD_ID)),");
    let _ = writeln!(out, "    }};");
    let _ = writeln!(out, "    match result {{");
    let _ = writeln!(out, "        Ok(size) => rt::Outcome {{ known, ret_code: rt::KERN_SUCCESS, reply_size: size, send_reply: !simple && ports.reply.name != 0 }},");
    let _ = writeln!(out, "        Err(code) => {{");
    let _ = writeln!(out, "            let size = rt::error_reply(reply, code);");
    let _ = writeln!(out, "            rt::Outcome {{ known, ret_code: code, reply_size: size, send_reply: code != rt::MIG_NO_REPLY && ports.reply.name != 0 }}");
    let _ = writeln!(out, "        }}");
    let _ = writeln!(out, "    }}");
    let _ = writeln!(out, "}}");
    Ok(out)
}

fn has_view(l: &RoutineLayout) -> bool {
    l.request.items.iter().any(|i| i.role == ItemRole::Arg && ((i.ty.inline && i.ty.var_array) || is_indefinite(i)))
}

/// GNU MIG's indefinite array (`array[] of T`, not `^array[]`): its senders
/// put it in line when it is short and out of line otherwise, so the server
/// takes either. (This generator's own stubs always send it out of line.)
fn is_indefinite(i: &layout::Item) -> bool {
    i.role == ItemRole::Arg && !i.ty.inline && i.ty.indefinite
}

/// The most in-line bytes an indefinite array may bring (GNU MIG's senders
/// go out of line above 2048 bytes).
const INDEFINITE_INLINE_MAX: u32 = 2048;

fn req_type(l: &RoutineLayout, lt: &str) -> String {
    if has_view(l) {
        format!("{}Request<{lt}>", camel(&l.name))
    } else {
        format!("{}Request", camel(&l.name))
    }
}

fn reply_items(l: &RoutineLayout) -> Vec<&layout::Item> {
    l.reply.iter().flat_map(|m| m.items.iter()).filter(|i| i.role == ItemRole::Arg).collect()
}

fn reply_type(l: &RoutineLayout) -> String {
    if reply_items(l).is_empty() {
        "()".into()
    } else {
        format!("{}Reply", camel(&l.name))
    }
}

fn header_port_type(ty: &super::super::types::IpcType) -> &'static str {
    if ty.out_name == MsgName::Poly {
        "rt::PolyPort"
    } else {
        "u32"
    }
}

fn gen_structs(out: &mut String, l: &RoutineLayout) {
    let lt = if has_view(l) { "<'a>" } else { "" };
    let _ = writeln!(out, "/// The validated request of `{}` (id {}).", l.name, l.request.id);
    let _ = writeln!(out, "#[derive(Clone, Copy, Debug)]");
    let _ = writeln!(out, "pub struct {}Request{lt} {{", camel(&l.name));
    let _ = writeln!(out, "    /// The request port (`{}`: `{}`{}).", l.request_port.arg, l.request_port.ty.name, conv_doc(&l.request_port.ty));
    let _ = writeln!(out, "    pub {}: {},", ident(&l.request_port.arg), header_port_type(&l.request_port.ty));
    if let Some(rp) = &l.reply_port {
        if rp.kind != ArgKind::UReplyPort {
            let _ = writeln!(out, "    /// The reply port (`{}`).", rp.arg);
            let _ = writeln!(out, "    pub {}: {},", ident(&rp.arg), header_port_type(&rp.ty));
        }
    }
    if let Some(s) = &l.msg_seqno {
        let _ = writeln!(out, "    /// The request's sequence number.");
        let _ = writeln!(out, "    pub {}: u32,", ident(s));
    }
    for i in &l.request.items {
        let _ = writeln!(out, "    /// {}{}", super::describe(&i.ty, true), conv_doc(&i.ty));
        if i.role == ItemRole::CountInOut {
            let _ = writeln!(out, "    /// (the caller's capacity for `{}`)", i.arg);
        }
        let t = value_type(&i.ty, i.ty.out_name == MsgName::Poly, Ctx::View);
        let _ = writeln!(out, "    pub {}: {t},", ident(&i.name));
        if is_indefinite(i) {
            let _ = writeln!(out, "    /// `{}` when it came in line (then the out-of-line field is empty).", i.name);
            let _ = writeln!(out, "    pub {}_inline: Option<rt::Array<'a, {}>>,", i.name, super::elem(&i.ty).rust);
        }
    }
    let _ = writeln!(out, "}}\n");
    let items = reply_items(l);
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "/// The values `{}` returns (reply id {}).", l.name, l.request.id + 100);
    let _ = writeln!(out, "#[derive(Clone, Copy, Debug)]");
    let _ = writeln!(out, "pub struct {}Reply {{", camel(&l.name));
    for i in items {
        let _ = writeln!(out, "    /// {}", super::describe(&i.ty, false));
        let t = value_type(&i.ty, i.ty.in_name == MsgName::Poly, Ctx::Owned);
        let _ = writeln!(out, "    pub {}: {t},", ident(&i.name));
        if i.ty.inline && i.ty.var_array {
            let _ = writeln!(out, "    /// Elements of `{}` in use (at most {}).", i.name, i.ty.number);
            let _ = writeln!(out, "    pub {}: u32,", layout::count_name(&i.name));
        }
    }
    let _ = writeln!(out, "}}\n");
}

/// ` ; MIG intran: ...` when the type names a conversion the C server would apply.
fn conv_doc(ty: &super::super::types::IpcType) -> String {
    match &ty.intran {
        Some(t) => format!("; MIG intran: `{t}`"),
        None => String::new(),
    }
}

fn gen_stub(out: &mut String, l: &RoutineLayout, trait_name: &str) {
    let req = &l.request;
    let _ = writeln!(out, "#[allow(unused_mut, unused_variables, clippy::all)]");
    let _ = writeln!(
        out,
        "fn {}_stub<S: {trait_name} + ?Sized>(server: &mut S, msg: &[u8], head: &rt::Header, ports: &rt::RequestPorts, reply: &mut [u8]) -> Result<usize, rt::KernReturn> {{",
        l.name
    );
    let _ = writeln!(out, "    let size = head.size as usize;");
    let indefinite = req.items.iter().filter(|i| is_indefinite(i)).count() as u32;
    let _ = writeln!(
        out,
        "    if size < {} || size > {} || size > msg.len() {{ return Err(rt::MIG_BAD_ARGUMENTS); }}",
        req.min_size,
        req.max_size + indefinite * INDEFINITE_INLINE_MAX
    );
    let _ = writeln!(out, "    let complex = head.complex();");
    // An indefinite array in line makes no complex message by itself.
    let complexity = match req.recv_complexity {
        Complexity::Complex if indefinite > 0 && !req.items.iter().any(|i| !is_indefinite(i) && i.complex(true) == Some(true)) => Complexity::Runtime,
        c => c,
    };
    match complexity {
        Complexity::Simple => {
            let _ = writeln!(out, "    if complex {{ return Err(rt::MIG_BAD_ARGUMENTS); }}");
        }
        Complexity::Complex => {
            let _ = writeln!(out, "    if !complex {{ return Err(rt::MIG_BAD_ARGUMENTS); }}");
        }
        Complexity::Runtime => {}
    }
    let _ = writeln!(out, "    let mut r = rt::Reader::new(&msg[..size], rt::HEADER_SIZE, rt::MIG_BAD_ARGUMENTS);");
    let mut fields = Vec::new();
    let port_expr = |ty: &super::super::types::IpcType, p: &str| {
        if ty.out_name == MsgName::Poly {
            format!("ports.{p}")
        } else {
            format!("ports.{p}.name")
        }
    };
    fields.push(format!("{}: {}", ident(&l.request_port.arg), port_expr(&l.request_port.ty, "request")));
    if let Some(rp) = &l.reply_port {
        if rp.kind != ArgKind::UReplyPort {
            fields.push(format!("{}: {}", ident(&rp.arg), port_expr(&rp.ty, "reply")));
        }
    }
    if let Some(s) = &l.msg_seqno {
        fields.push(format!("{}: head.seqno", ident(s)));
    }
    for i in &req.items {
        if is_indefinite(i) {
            let e = super::elem(&i.ty);
            let n = &i.name;
            let _ = writeln!(out, "    // {n}: {}; in line or out of line", super::describe(&i.ty, true));
            let _ = writeln!(out, "    let at_{n} = r.off;");
            let _ = writeln!(out, "    let (c_{n}, inline_{n}) = r.expect_desc_indefinite({}, {})?;", super::fixed(i.ty.out_name), i.ty.size);
            let _ = writeln!(out, "    let (v_{n}, i_{n}) = if inline_{n} {{");
            let _ = writeln!(out, "        if u64::from(c_{n}) * {} > {} {{ return Err(rt::MIG_BAD_ARGUMENTS); }}", i.ty.size / 8, INDEFINITE_INLINE_MAX);
            let _ = writeln!(out, "        (rt::Ool::default(), Some(r.array::<{}>((c_{n} as usize) * {})?))", e.rust, e.mult);
            let _ = writeln!(out, "    }} else {{");
            let _ = writeln!(out, "        if !complex {{ return Err(rt::MIG_BAD_ARGUMENTS); }}");
            let _ = writeln!(out, "        (rt::Ool {{ addr: r.u32()?, count: c_{n}, dealloc: r.dealloc_bit_at(at_{n}) }}, None)");
            let _ = writeln!(out, "    }};");
            fields.push(format!("{}: v_{n}", ident(n)));
            fields.push(format!("{n}_inline: i_{n}"));
            continue;
        }
        let d = emit_read_item(out, i, false, "    ");
        fields.push(format!("{}: {}", ident(&i.name), d.var));
    }
    let _ = writeln!(out, "    r.finish()?;");
    let _ = writeln!(out, "    let req = {}Request {{ {} }};", camel(&l.name), fields.join(", "));
    let items = reply_items(l);
    if l.simple || items.is_empty() {
        let _ = writeln!(out, "    server.{}(req)?;", ident(&l.name));
        if l.simple {
            let _ = writeln!(out, "    Ok(0)");
        } else {
            let _ = writeln!(out, "    Ok(rt::finish_reply(reply, rt::ERROR_REPLY_SIZE, false))");
        }
        let _ = writeln!(out, "}}\n");
        return;
    }
    let rep = l.reply.as_ref().expect("routine has a reply");
    let _ = writeln!(out, "    let out = server.{}(req)?;", ident(&l.name));
    for i in &items {
        if i.ty.inline && i.ty.var_array {
            let _ = writeln!(
                out,
                "    if out.{} > {} {{ return Err(rt::MIG_ARRAY_TOO_LARGE); }}",
                layout::count_name(&i.name),
                i.ty.number
            );
        }
    }
    let _ = writeln!(out, "    let mut complex = {};", rep.send_complexity == Complexity::Complex);
    let _ = writeln!(out, "    let mut w = rt::Writer::new(reply, rt::ERROR_REPLY_SIZE);");
    for i in &items {
        let val = format!("out.{}", ident(&i.name));
        let cnt = format!("out.{}", layout::count_name(&i.name));
        emit_write_item(out, i, &val, &cnt, "    ");
    }
    let _ = writeln!(out, "    let end = w.off;");
    let _ = writeln!(out, "    Ok(rt::finish_reply(reply, end, complex))");
    let _ = writeln!(out, "}}\n");
}
