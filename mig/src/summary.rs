//! A readable summary of an interface: per routine its message ids, sizes
//! and every item's descriptor, as they travel on the wire (`cargo xtask mig`).

use std::fmt::Write;

use super::ast::Subsystem;
use super::error::Error;
use super::layout::{layouts, Item, ItemRole, Message};
use super::types::{names, MsgName};

fn name_of(n: MsgName) -> String {
    match n {
        MsgName::Poly => "polymorphic".into(),
        MsgName::Fixed(v) => {
            let s = match v {
                names::PORT_NAME => "PORT_NAME",
                16 => "MOVE_RECEIVE",
                17 => "MOVE_SEND",
                18 => "MOVE_SEND_ONCE",
                19 => "COPY_SEND",
                20 => "MAKE_SEND",
                21 => "MAKE_SEND_ONCE",
                0 => "UNSTRUCTURED",
                1 => "BIT",
                2 => "INTEGER_32",
                8 => "CHAR",
                9 => "INTEGER_8",
                10 => "REAL",
                11 => "INTEGER_64",
                12 => "STRING",
                13 => "STRING",
                _ => "",
            };
            if s.is_empty() { format!("type {v}") } else { format!("{s} ({v})") }
        }
    }
}

fn item_line(out: &mut String, it: &Item) {
    let t = &it.ty;
    let number = if t.var_array {
        if t.number == 0 { "variable".to_string() } else { format!("<= {}", t.number) }
    } else {
        t.number.to_string()
    };
    let role = match it.role {
        ItemRole::Arg => "",
        ItemRole::CountInOut => " (capacity)",
        ItemRole::RetCode => " (return code)",
    };
    let _ = writeln!(
        out,
        "      {:<22} {:<24} size {:>4} number {:<10} {}{}, {} + {} bytes{}",
        it.name,
        name_of(t.in_name),
        t.size,
        number,
        if t.inline { "inline" } else { "out of line" },
        if t.long_form { ", long form" } else { "" },
        it.desc_bytes(),
        if t.inline { format!("{}..{}", it.min_data_bytes(), it.max_data_bytes()) } else { "4".into() },
        role
    );
}

fn message(out: &mut String, what: &str, m: &Message) {
    let size = if m.min_size == m.max_size { format!("{} bytes", m.min_size) } else { format!("{}..{} bytes", m.min_size, m.max_size) };
    let _ = writeln!(out, "    {what} id {}: {size}", m.id);
    for it in &m.items {
        item_line(out, it);
    }
}

/// The summary of `sub`.
///
/// # Errors
/// A layout error (an unsupported construct), naming the routine.
pub fn summarize(sub: &Subsystem) -> Result<String, Error> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "subsystem {} base {} ({} ids){}{}",
        sub.name,
        sub.base,
        sub.count,
        if sub.kernel_server { ", KernelServer" } else { "" },
        if sub.kernel_user { ", KernelUser" } else { "" }
    );
    for r in layouts(sub)? {
        let _ = writeln!(out, "  {} {}", if r.simple { "simpleroutine" } else { "routine" }, r.name);
        message(&mut out, "request", &r.request);
        match &r.reply {
            Some(m) => message(&mut out, "reply  ", m),
            None => {
                let _ = writeln!(out, "    (no reply)");
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_ids_sizes_and_items() {
        let sub = super::super::parse_str(
            "subsystem demo 1000;\n\
             type int = MACH_MSG_TYPE_INTEGER_32;\n\
             type mach_port_t = MACH_MSG_TYPE_COPY_SEND;\n\
             routine ping(server : mach_port_t; in x : int; out y : int);\n\
             skip;\n\
             simpleroutine poke(server : mach_port_t; in x : int);\n",
            "demo.defs",
        )
        .unwrap();
        let s = summarize(&sub).unwrap();
        assert!(s.contains("subsystem demo base 1000"), "{s}");
        assert!(s.contains("routine ping"), "{s}");
        assert!(s.contains("request id 1000: 32 bytes"), "{s}");
        assert!(s.contains("reply   id 1100: 40 bytes"), "{s}");
        assert!(s.contains("simpleroutine poke"), "{s}");
        assert!(s.contains("request id 1002: 32 bytes"), "{s}");
        assert!(s.contains("INTEGER_32 (2)"), "{s}");
        assert!(s.contains("(no reply)"), "{s}");
    }
}
