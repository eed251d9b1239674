//! Generation of round-trip tests: user stub → server dispatch → reply → user.
//!
//! Used by this crate's own test build (see `build.rs`), and usable by anyone
//! who wants the same check for another interface. For each routine both
//! sides know, it emits a server method that asserts every request value it
//! receives and returns distinctive values, and a `#[test]` that calls the user
//! stub through a loopback "kernel" and asserts the values that come back.
//!
//! The emitted code expects, in the including module: `server` and `user`
//! modules (the generated sides, sharing `mig::rt`), and in the parent module a
//! `Loopback` type (`Loopback::new(view, reply_port, serve)`, implementing
//! `mig::rt::MachMsg`, converting dispositions as the kernel does).

use super::super::ast::{ArgKind, Subsystem};
use super::super::error::Error;
use super::super::layout::{self, count_name, Item, ItemRole, RoutineLayout};
use super::super::types::{names, IpcType, MsgName};
use super::{camel, elem, ident, total_elems};
use std::fmt::Write;

/// The loopback kernel's default reply port name.
pub const REPLY_PORT: u32 = 0x55;

/// Generates round-trip tests for every routine `server` and `user` share.
///
/// # Errors
/// As [`layout::layouts`].
pub fn generate(server: &Subsystem, user: &Subsystem) -> Result<String, Error> {
    let sl = layout::layouts(server)?;
    let ul = layout::layouts(user)?;
    let trait_name = format!("{}Server", camel(&server.name));
    let demux = server.server_demux.clone().unwrap_or_else(|| format!("{}_server", server.name));
    let mut methods = String::new();
    let mut tests = String::new();
    let mut n = 0usize;
    for (ri, s) in sl.iter().enumerate() {
        let Some(u) = ul.iter().find(|u| u.name == s.name) else { continue };
        let seed = 0x1000 * (ri as u64 + 1);
        if let Some((m, t)) = routine(s, u, seed, &demux) {
            methods.push_str(&m);
            tests.push_str(&t);
            n += 1;
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "    /// Checks requests and answers with known values.");
    let _ = writeln!(out, "    #[derive(Default)]\n    pub struct TestServer {{ pub calls: u32 }}");
    let _ = writeln!(out, "    #[allow(unused_variables, clippy::all)]");
    let _ = writeln!(out, "    impl server::{trait_name} for TestServer {{");
    out.push_str(&methods);
    let _ = writeln!(out, "    }}");
    out.push_str(&tests);
    let _ = writeln!(out, "    /// Number of routines covered.\n    pub const COVERED: usize = {n};");
    let _ = writeln!(out, "    /// Number of routines the server side has.\n    pub const TOTAL: usize = {};", sl.len());
    Ok(out)
}

/// How a value looks to its sender and to its receiver, as Rust expressions.
struct Val {
    /// Setup statements (locals the expressions refer to).
    setup: String,
    send: String,
    recv_check: Vec<String>,
}

fn seq(rust: &str, seed: u64, count: u32) -> String {
    format!("(0..{count}usize).map(|i| ({seed}usize + i) as {rust}).collect::<Vec<{rust}>>()")
}

/// A sent disposition whose received right type is what the receiver expects.
fn disposition_for(out: MsgName) -> u32 {
    match out {
        MsgName::Fixed(n) => n,
        MsgName::Poly => names::COPY_SEND,
    }
}

/// Builds the value of an item. `sender`/`receiver` are the two sides' views of
/// the same item; `recv` names the receiver's field (e.g. `req.mode` or
/// `r.mode`); `owned_send` says the sender passes an owned struct field (server
/// reply) rather than a parameter (user request).
fn value(sender: &Item, receiver: &Item, seed: u64, recv: &str, owned_send: bool, local: &str) -> Option<Val> {
    let st = &sender.ty;
    let rt_ = &receiver.ty;
    let mut setup = String::new();
    let send;
    let mut checks = Vec::new();
    let in_poly = st.in_name == MsgName::Poly;
    let out_poly = rt_.out_name == MsgName::Poly;
    if in_poly && (st.var_array || !st.inline) {
        return None; // arrays of polymorphic ports are not exercised here
    }
    if in_poly || out_poly {
        let disp = if in_poly { disposition_for(rt_.out_name) } else { super::fixed(st.in_name) };
        let name = seed & 0xffff;
        send = if in_poly { format!("rt::PolyPort {{ name: {name}, disposition: {disp} }}") } else { format!("{name}u32") };
        if out_poly {
            checks.push(format!("assert_eq!({recv}, rt::PolyPort {{ name: {name}, disposition: {} }});", names::received(disp)));
        } else {
            checks.push(format!("assert_eq!({recv}, {name}u32);"));
        }
        return Some(Val { setup, send, recv_check: checks });
    }
    if !st.inline {
        let dealloc_sent = true;
        let dealloc_recv = st.dealloc
            || matches!(sender.dealloc, super::super::ast::Dealloc::Always | super::super::ast::Dealloc::Runtime);
        send = format!("rt::Ool {{ addr: {:#x}, count: 5, dealloc: {dealloc_sent} }}", (seed << 4) & 0xffff_ffff);
        checks.push(format!(
            "assert_eq!({recv}, rt::Ool {{ addr: {:#x}, count: 5, dealloc: {dealloc_recv} }});",
            (seed << 4) & 0xffff_ffff
        ));
        return Some(Val { setup, send, recv_check: checks });
    }
    let e = elem(st);
    let total = total_elems(st);
    if st.var_array {
        let cnt = st.number.min(2);
        let len = cnt * e.mult;
        let _ = writeln!(setup, "        let {local}: Vec<{}> = {};", e.rust, seq(e.rust, seed, len));
        if owned_send {
            let _ = writeln!(setup, "        let mut {local}_arr = [0{}; {total}];", e.rust);
            let _ = writeln!(setup, "        {local}_arr[..{len}].copy_from_slice(&{local});");
            send = format!("{local}_arr");
        } else {
            send = format!("&{local}[..]");
        }
        if owned_send {
            // received by a user stub: owned array + count
            checks.push(format!("assert_eq!(&{recv}[..{len}], &{local}[..]);"));
            checks.push(format!("assert!({recv}[{len}..].iter().all(|&x| x == 0));"));
        } else {
            checks.push(format!("assert_eq!({recv}.iter().collect::<Vec<_>>(), {local});"));
        }
        return Some(Val { setup, send, recv_check: checks });
    }
    if total == 1 {
        let v = match e.rust {
            "u8" => seed & 0xff,
            "u16" => seed & 0xffff,
            _ => seed,
        };
        send = format!("{v}{}", e.rust);
        checks.push(format!("assert_eq!({recv}, {v}{});", e.rust));
    } else {
        let _ = writeln!(
            setup,
            "        let {local}: [{0}; {total}] = core::array::from_fn(|i| ({seed}usize + i) as {0});",
            e.rust
        );
        send = if owned_send { local.to_string() } else { format!("&{local}") };
        checks.push(format!("assert_eq!({recv}, {local});"));
    }
    Some(Val { setup, send, recv_check: checks })
}

fn header_send(ty: &IpcType, kernel_sender: bool, name: u32, expected_recv: MsgName) -> (String, u32) {
    match layout::sender_name(ty, if kernel_sender { layout::Sender::KernelUser } else { layout::Sender::Task }) {
        MsgName::Poly => {
            let d = disposition_for(expected_recv);
            (format!("rt::PolyPort {{ name: {name}, disposition: {d} }}"), d)
        }
        MsgName::Fixed(d) => (format!("{name}u32"), d),
    }
}

fn header_check(recv: &str, ty: &IpcType, name: u32, disp: u32) -> String {
    if ty.out_name == MsgName::Poly {
        format!("assert_eq!({recv}, rt::PolyPort {{ name: {name}, disposition: {} }});", names::received(disp))
    } else {
        format!("assert_eq!({recv}, {name}u32);")
    }
}

fn routine(s: &RoutineLayout, u: &RoutineLayout, seed: u64, demux: &str) -> Option<(String, String)> {
    let mut method_checks = Vec::new();
    let mut method_setup = String::new();
    let mut test_setup = String::new();
    let mut params = Vec::new();
    let mut k = 0u64;
    let mut next = || {
        k += 1;
        seed + k * 16
    };
    // Request port.
    let rp_name = (seed as u32 & 0xffff) | 1;
    let (rp_send, rp_disp) = header_send(&u.request_port.ty, false, rp_name, s.request_port.ty.out_name);
    method_checks.push(header_check(&format!("req.{}", ident(&s.request_port.arg)), &s.request_port.ty, rp_name, rp_disp));
    // Reply port as the server sees it.
    let user_reply = u.reply_port.as_ref().filter(|p| p.kind != ArgKind::SReplyPort);
    let mut reply_name = REPLY_PORT;
    let mut reply_disp = names::MAKE_SEND_ONCE;
    let mut user_reply_send = None;
    if let Some(p) = user_reply {
        reply_name = 0x66;
        let expect = s.reply_port.as_ref().map(|sp| sp.ty.out_name).unwrap_or(MsgName::Fixed(names::MOVE_SEND_ONCE));
        let (e, d) = header_send(&p.ty, false, reply_name, expect);
        reply_disp = d;
        user_reply_send = Some(e);
    }
    if let Some(sp) = s.reply_port.as_ref().filter(|p| p.kind != ArgKind::UReplyPort) {
        if u.simple && user_reply.is_none() {
            return None; // a server-visible reply port the user side never sends
        }
        method_checks.push(header_check(&format!("req.{}", ident(&sp.arg)), &sp.ty, reply_name, reply_disp));
    }
    if let Some(sq) = &s.msg_seqno {
        method_checks.push(format!("assert_eq!(req.{}, 0);", ident(sq)));
    }
    // User parameters in declaration order, and what the server must see.
    for a in &u.args {
        match a.kind {
            ArgKind::RequestPort => params.push(rp_send.clone()),
            ArgKind::ReplyPort | ArgKind::UReplyPort => params.push(user_reply_send.clone()?),
            ArgKind::WaitTime | ArgKind::MsgOption => params.push("0".into()),
            ArgKind::SReplyPort | ArgKind::MsgSeqno => {}
            ArgKind::In | ArgKind::InOut => {
                let ui = u.request.items.iter().find(|i| i.arg == a.name && i.role == ItemRole::Arg)?;
                let si = s.request.items.iter().find(|i| i.arg == a.name && i.role == ItemRole::Arg)?;
                let local = format!("in_{}", a.name);
                let v = value(ui, si, next(), &format!("req.{}", ident(&si.name)), false, &local)?;
                test_setup.push_str(&v.setup);
                method_setup.push_str(&v.setup);
                params.push(v.send);
                method_checks.extend(v.recv_check);
            }
            ArgKind::Out => {
                if a.count_in_out {
                    let si = s.request.items.iter().find(|i| i.arg == a.name && i.role == ItemRole::CountInOut)?;
                    let max = s.reply.as_ref()?.items.iter().find(|i| i.arg == a.name)?.ty.number;
                    let c = if max == 0 { 2 } else { max.min(2) };
                    params.push(format!("{c}"));
                    method_checks.push(format!("assert_eq!(req.{}, {c});", ident(&si.name)));
                }
            }
        }
    }
    // Reply values.
    let mut fields = Vec::new();
    let mut reply_checks = Vec::new();
    let mut reply_setup = String::new();
    if let (Some(sr), Some(ur)) = (&s.reply, &u.reply) {
        for si in sr.items.iter().filter(|i| i.role == ItemRole::Arg) {
            let ui = ur.items.iter().find(|i| i.arg == si.arg && i.role == ItemRole::Arg)?;
            let local = format!("out_{}", si.name);
            let v = value(si, ui, next(), &format!("r.{}", ident(&ui.name)), true, &local)?;
            reply_setup.push_str(&v.setup);
            fields.push(format!("{}: {}", ident(&si.name), v.send));
            if si.ty.inline && si.ty.var_array {
                let cnt = si.ty.number.min(2);
                fields.push(format!("{}: {cnt}", count_name(&si.name)));
                reply_checks.push(format!("assert_eq!(r.{}, {cnt});", count_name(&ui.name)));
            }
            reply_checks.extend(v.recv_check);
        }
    }
    let cam = camel(&s.name);
    let has_view = s.request.items.iter().any(|i| i.role == ItemRole::Arg && i.ty.inline && i.ty.var_array);
    let req_ty = if has_view { format!("server::{cam}Request<'_>") } else { format!("server::{cam}Request") };
    let ret_ty = if fields.is_empty() || s.simple { "()".to_string() } else { format!("server::{cam}Reply") };
    let mut m = String::new();
    let _ = writeln!(m, "        fn {}(&mut self, req: {req_ty}) -> Result<{ret_ty}, rt::KernReturn> {{", ident(&s.name));
    let _ = writeln!(m, "        self.calls += 1;");
    m.push_str(&method_setup);
    for c in &method_checks {
        let _ = writeln!(m, "        {c}");
    }
    m.push_str(&reply_setup);
    if ret_ty == "()" {
        let _ = writeln!(m, "        Ok(())");
    } else {
        let _ = writeln!(m, "        Ok(server::{cam}Reply {{ {} }})", fields.join(", "));
    }
    let _ = writeln!(m, "        }}");
    let mut t = String::new();
    let _ = writeln!(t, "    #[test]\n    #[allow(unused_variables, clippy::all)]\n    fn {}() {{", s.name);
    t.push_str(&test_setup);
    let _ = writeln!(t, "        let mut srv = TestServer::default();");
    let _ = writeln!(
        t,
        "        let mut k = super::Loopback::new(server::HEADER_VIEW, {REPLY_PORT}, |req: &[u8], rep: &mut [u8]| server::{demux}(&mut srv, req, rep));"
    );
    let _ = writeln!(t, "        let r = user::{}(&mut k{}{}).expect(\"rpc\");", ident(&u.name), if params.is_empty() { "" } else { ", " }, params.join(", "));
    let _ = writeln!(t, "        drop(k);");
    let _ = writeln!(t, "        assert_eq!(srv.calls, 1);");
    if !reply_checks.is_empty() {
        t.push_str(&reply_setup);
        for c in &reply_checks {
            let _ = writeln!(t, "        {c}");
        }
    }
    let _ = writeln!(t, "    }}");
    Some((m, t))
}
