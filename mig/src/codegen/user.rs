//! User-side code generation: stubs for `#![no_std]` programs.
//!
//! Each routine becomes
//! `pub fn device_open<M: rt::MachMsg + ?Sized>(mach: &mut M, master_port: u32, mode: u32, name: &[u8; 128]) -> Result<DeviceOpenReply, rt::KernReturn>`:
//! it builds the request in a stack buffer, sends it and waits for the reply
//! with one `mach_msg` call through [`super::super::rt::MachMsg`] (the user
//! runtime supplies the trap and `mig_get_reply_port`), then checks the reply
//! as MIG's stubs do (id = request id + 100, or `MIG_SERVER_DIED` for a
//! send-once notification; exact size; complex bit; every descriptor;
//! `RetCode`) and returns the out-arguments. Errors are the `mach_msg` return
//! value, the server's return code, or `MIG_*` codes. Simpleroutines only send.
//!
//! Parameters follow the `.defs` order. The request port is a `u32` name (or a
//! [`super::super::rt::PolyPort`] when its disposition is polymorphic); an explicit
//! `replyport`/`ureplyport` argument replaces `mig_get_reply_port()`;
//! `waittime` adds `MACH_RCV_TIMEOUT` (`MACH_SEND_TIMEOUT` for a
//! simpleroutine) with the given timeout; `msgoption` is or-ed into the
//! options (the subsystem-wide `waittime`/`msgoption` statements apply when
//! their values are numbers or `MACH_*` option names); a `CountInOut` array takes a `<name>_cnt` capacity. A variable array
//! longer than its maximum yields `MIG_ARRAY_TOO_LARGE` without sending.

use super::super::ast::{ArgKind, Subsystem};
use super::super::error::Error;
use super::super::layout::{self, Complexity, ItemRole, RoutineLayout};
use super::super::types::{names, IpcType, MsgName};
use super::super::Options;
use super::{camel, check_item, emit_read_item, emit_write_item, ident, value_type, Ctx};
use std::fmt::Write;

/// Generates the user side of `sub`.
///
/// # Errors
/// [`Error::Semantic`] for routines that cannot be laid out.
pub fn generate(sub: &Subsystem, opts: &Options) -> Result<String, Error> {
    let layouts = layout::layouts(sub)?;
    for l in &layouts {
        for i in &l.request.items {
            check_item(i, &l.name, true)?;
        }
        for i in l.reply.iter().flat_map(|m| m.items.iter()) {
            check_item(i, &l.name, false)?;
        }
    }
    let mut out = String::new();
    super::preamble(&mut out, "User stubs", &sub.name, opts);
    let _ = writeln!(out, "/// First message id of subsystem `{}`.", sub.name);
    let _ = writeln!(out, "pub const BASE: u32 = {};", sub.base);
    for l in &layouts {
        let _ = writeln!(out, "/// Request id of `{}`.", l.name);
        let _ = writeln!(out, "pub const {}_ID: u32 = {};", l.name.to_ascii_uppercase(), l.request.id);
    }
    let _ = writeln!(out);
    let globals = Globals {
        msg_option: sub.msg_option.as_deref().and_then(option_value),
        wait_time: sub.wait_time.as_deref().and_then(|t| t.trim().parse::<u32>().ok()),
    };
    for l in &layouts {
        gen_reply_struct(&mut out, l);
        gen_stub(&mut out, l, sub.kernel_user, &globals);
    }
    Ok(out)
}

/// The subsystem-wide `msgoption` and `waittime` statements, when their
/// values are known numbers or `MACH_*` option names (other C expressions are
/// ignored).
struct Globals {
    msg_option: Option<u32>,
    wait_time: Option<u32>,
}

/// Evaluates `MACH_SEND_INTERRUPT | MACH_RCV_TIMEOUT`-style option text.
fn option_value(text: &str) -> Option<u32> {
    let mut v = 0u32;
    for part in text.split('|') {
        let p = part.trim();
        v |= match p {
            "MACH_MSG_OPTION_NONE" => 0,
            "MACH_SEND_TIMEOUT" => 0x10,
            "MACH_SEND_NOTIFY" => 0x20,
            "MACH_SEND_INTERRUPT" => 0x40,
            "MACH_SEND_CANCEL" => 0x80,
            "MACH_RCV_TIMEOUT" => 0x100,
            "MACH_RCV_NOTIFY" => 0x200,
            "MACH_RCV_INTERRUPT" => 0x400,
            "MACH_RCV_LARGE" => 0x800,
            n => n.parse::<u32>().ok()?,
        };
    }
    Some(v)
}

fn reply_items(l: &RoutineLayout) -> Vec<&layout::Item> {
    l.reply.iter().flat_map(|m| m.items.iter()).filter(|i| i.role == ItemRole::Arg).collect()
}

fn reply_type(l: &RoutineLayout) -> String {
    if l.simple || reply_items(l).is_empty() {
        "()".into()
    } else {
        format!("{}Reply", camel(&l.name))
    }
}

fn gen_reply_struct(out: &mut String, l: &RoutineLayout) {
    if l.simple {
        return;
    }
    let items = reply_items(l);
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "/// What `{}` returns (reply id {}).", l.name, l.request.id + 100);
    let _ = writeln!(out, "#[derive(Clone, Copy, Debug)]");
    let _ = writeln!(out, "pub struct {}Reply {{", camel(&l.name));
    for i in items {
        let _ = writeln!(out, "    /// {}", super::describe(&i.ty, true));
        let t = value_type(&i.ty, i.ty.out_name == MsgName::Poly, Ctx::Owned);
        let _ = writeln!(out, "    pub {}: {t},", ident(&i.name));
        if i.ty.inline && i.ty.var_array {
            let _ = writeln!(out, "    /// Elements of `{}` received.", i.name);
            let _ = writeln!(out, "    pub {}: u32,", layout::count_name(&i.name));
        }
    }
    let _ = writeln!(out, "}}\n");
}

/// The slice holding a sent variable array's elements.
fn slice_expr(i: &layout::Item) -> String {
    if i.ty.in_name == MsgName::Poly {
        format!("{}.names", ident(&i.name))
    } else {
        ident(&i.name)
    }
}

/// The sender's view of a header port type: adjusted for kernel senders.
fn send_name(ty: &IpcType, kernel_sender: bool) -> MsgName {
    layout::sender_name(ty, if kernel_sender { layout::Sender::KernelUser } else { layout::Sender::Task })
}

fn gen_stub(out: &mut String, l: &RoutineLayout, kernel_sender: bool, globals: &Globals) {
    let req = &l.request;
    let id_const = format!("{}_ID", l.name.to_ascii_uppercase());
    // Parameters in declaration order.
    let mut params = Vec::new();
    for a in &l.args {
        match a.kind {
            ArgKind::RequestPort | ArgKind::ReplyPort | ArgKind::UReplyPort => {
                let t = if send_name(&a.ty, kernel_sender) == MsgName::Poly { "rt::PolyPort" } else { "u32" };
                params.push(format!("{}: {t}", ident(&a.name)));
            }
            ArgKind::WaitTime | ArgKind::MsgOption => params.push(format!("{}: u32", ident(&a.name))),
            ArgKind::SReplyPort | ArgKind::MsgSeqno => {}
            ArgKind::In | ArgKind::InOut => {
                let item = req.items.iter().find(|i| i.arg == a.name && i.role == ItemRole::Arg).expect("in item");
                let t = value_type(&item.ty, item.ty.in_name == MsgName::Poly, Ctx::Param);
                params.push(format!("{}: {t}", ident(&a.name)));
            }
            ArgKind::Out => {
                if a.count_in_out {
                    params.push(format!("{}: u32", layout::count_name(&a.name)));
                }
            }
        }
    }
    let rep_max = l.reply.as_ref().map(|m| m.max_size).unwrap_or(0);
    let buf = req.max_size.max(rep_max);
    let _ = writeln!(out, "/// Calls `{}` (id {}{}).", l.name, req.id, if l.simple { ", one-way" } else { "" });
    let _ = writeln!(out, "#[allow(unused_mut, unused_variables, unused_assignments, clippy::all)]");
    let _ = writeln!(
        out,
        "pub fn {}<M: rt::MachMsg + ?Sized>(mach: &mut M{}{}) -> Result<{}, rt::KernReturn> {{",
        ident(&l.name),
        if params.is_empty() { "" } else { ", " },
        params.join(", "),
        reply_type(l)
    );
    // Array bounds.
    for i in &req.items {
        if i.role == ItemRole::Arg && i.ty.inline && i.ty.var_array {
            let m = super::elem(&i.ty).mult;
            let _ = writeln!(
                out,
                "    if {0}.len() > {1} || {0}.len() % {m} != 0 {{ return Err(rt::MIG_ARRAY_TOO_LARGE); }}",
                slice_expr(i),
                super::total_elems(&i.ty)
            );
        }
    }
    let _ = writeln!(out, "    let mut buf = rt::MsgBuf::<{buf}>::new();");
    // Header ports.
    let rp = &l.request_port;
    let (req_name, req_disp) = match send_name(&rp.ty, kernel_sender) {
        MsgName::Poly => (format!("{}.name", ident(&rp.arg)), format!("{}.disposition", ident(&rp.arg))),
        MsgName::Fixed(n) => (ident(&rp.arg), n.to_string()),
    };
    let explicit_reply = l.reply_port.as_ref().filter(|p| p.kind != ArgKind::SReplyPort);
    let default_reply = explicit_reply.is_none() && !l.simple;
    let (rep_name, rep_disp) = match explicit_reply {
        Some(p) => match send_name(&p.ty, kernel_sender) {
            MsgName::Poly => (format!("{}.name", ident(&p.arg)), format!("{}.disposition", ident(&p.arg))),
            MsgName::Fixed(n) => (ident(&p.arg), n.to_string()),
        },
        None if l.simple => ("0u32".to_string(), "0u32".to_string()),
        None => ("reply_port".to_string(), names::MAKE_SEND_ONCE.to_string()),
    };
    if default_reply {
        let _ = writeln!(out, "    let reply_port = mach.reply_port();");
    }
    let _ = writeln!(out, "    let mut complex = {};", req.send_complexity == Complexity::Complex);
    let _ = writeln!(out, "    let mut w = rt::Writer::new(&mut buf.0, rt::HEADER_SIZE);");
    for i in &req.items {
        let val = ident(&i.name);
        match i.role {
            ItemRole::CountInOut => {
                let _ = writeln!(out, "    // {}: the caller's capacity for `{}`", i.name, i.arg);
                let max = l
                    .reply
                    .as_ref()
                    .and_then(|m| m.items.iter().find(|x| x.arg == i.arg && x.role == ItemRole::Arg))
                    .map(|x| x.ty.number)
                    .unwrap_or(0);
                let word = super::short_word(names::INTEGER_32, 32, 1, true, false);
                let _ = writeln!(out, "    w.u32({word:#010x});");
                if max == 0 {
                    let _ = writeln!(out, "    w.u32({val});");
                } else {
                    let _ = writeln!(out, "    w.u32(if {val} > {max} {{ {max} }} else {{ {val} }});");
                }
            }
            _ => {
                let m = super::elem(&i.ty).mult;
                let cnt = format!("({}.len() / {m}) as u32", slice_expr(i));
                emit_write_item(out, i, &val, &cnt, "    ");
            }
        }
    }
    let _ = writeln!(out, "    let size = w.off;");
    let _ = writeln!(
        out,
        "    let bits = ({req_disp} & 0xff) | ({rep_disp} & 0xff) << 8 | if complex {{ rt::MACH_MSGH_BITS_COMPLEX }} else {{ 0 }};"
    );
    let _ = writeln!(
        out,
        "    rt::Header {{ bits, size: size as u32, remote: {req_name}, local: {rep_name}, seqno: 0, id: {id_const} }}.write(&mut buf.0);"
    );
    let timeout_opt = if l.simple { "rt::MACH_SEND_TIMEOUT" } else { "rt::MACH_RCV_TIMEOUT" };
    let mut option = if l.simple { "rt::MACH_SEND_MSG".to_string() } else { "rt::MACH_SEND_MSG | rt::MACH_RCV_MSG".to_string() };
    let timeout = match (&l.wait_time, globals.wait_time) {
        (Some(t), _) => {
            option.push_str(&format!(" | {timeout_opt}"));
            ident(t)
        }
        (None, Some(t)) => {
            option.push_str(&format!(" | {timeout_opt}"));
            t.to_string()
        }
        (None, None) => "0".into(),
    };
    if let Some(v) = globals.msg_option.filter(|&v| v != 0) {
        option.push_str(&format!(" | {v:#x}"));
    }
    if let Some(o) = &l.msg_option {
        option.push_str(&format!(" | {}", ident(o)));
    }
    if l.simple {
        let _ = writeln!(out, "    let ret = mach.mach_msg(&mut buf.0, {option}, size as u32, 0, 0, {timeout}, 0);");
        let _ = writeln!(out, "    if ret != rt::MACH_MSG_SUCCESS {{ return Err(ret as rt::KernReturn); }}");
        let _ = writeln!(out, "    Ok(())\n}}\n");
        return;
    }
    let rep = l.reply.as_ref().expect("routine has a reply");
    let dealloc = if default_reply { "mach.dealloc_reply_port(reply_port); " } else { "" };
    let _ = writeln!(out, "    let ret = mach.mach_msg(&mut buf.0, {option}, size as u32, {buf}, {rep_name}, {timeout}, 0);");
    let _ = writeln!(out, "    if ret != rt::MACH_MSG_SUCCESS {{ {dealloc}return Err(ret as rt::KernReturn); }}");
    let _ = writeln!(out, "    let size = match rt::check_reply(&buf.0, {id_const}) {{");
    let _ = writeln!(out, "        Ok(s) => s,");
    let _ = writeln!(out, "        Err(rt::MIG_REPLY_MISMATCH) => {{ {dealloc}return Err(rt::MIG_REPLY_MISMATCH); }}");
    let _ = writeln!(out, "        Err(e) => return Err(e),");
    let _ = writeln!(out, "    }};");
    let _ = writeln!(out, "    let complex = buf.0[3] & 0x80 != 0;");
    let _ = writeln!(
        out,
        "    if size < {} || size > {} {{ return Err(rt::MIG_TYPE_ERROR); }}",
        rep.min_size, rep.max_size
    );
    match rep.recv_complexity {
        Complexity::Simple => {
            let _ = writeln!(out, "    if complex {{ return Err(rt::MIG_TYPE_ERROR); }}");
        }
        Complexity::Complex => {
            let _ = writeln!(out, "    if !complex {{ return Err(rt::MIG_TYPE_ERROR); }}");
        }
        Complexity::Runtime => {}
    }
    let _ = writeln!(out, "    let mut r = rt::Reader::new(&buf.0[..size], rt::ERROR_REPLY_SIZE, rt::MIG_TYPE_ERROR);");
    let mut fields = Vec::new();
    for i in rep.items.iter().filter(|i| i.role == ItemRole::Arg) {
        let d = emit_read_item(out, i, true, "    ");
        fields.push(format!("{}: {}", ident(&i.name), d.var));
        if let Some(c) = d.cnt {
            // A CountInOut capacity smaller than what arrived is an error, as in MIG.
            if let Some(a) = l.args.iter().find(|a| a.name == i.arg && a.count_in_out) {
                let _ = writeln!(
                    out,
                    "    if {c} > {} {{ return Err(rt::MIG_ARRAY_TOO_LARGE); }}",
                    layout::count_name(&a.name)
                );
            }
            fields.push(format!("{}: {c}", layout::count_name(&i.name)));
        }
    }
    let _ = writeln!(out, "    r.finish()?;");
    if fields.is_empty() {
        let _ = writeln!(out, "    Ok(())");
    } else {
        let _ = writeln!(out, "    Ok({}Reply {{ {} }})", camel(&l.name), fields.join(", "));
    }
    let _ = writeln!(out, "}}\n");
}
