//! MIG's IPC types: what a type declaration means on the wire.
//!
//! A MIG type describes one typed-message item: the descriptor's `name` (the
//! `MACH_MSG_TYPE_*` code, which for ports is a disposition), the element `size`
//! in bits, the element `number`, whether the data is inline or out of line, and
//! whether the 12-byte long descriptor form is needed. The sender writes
//! [`IpcType::in_name`]; after the kernel carried the message the receiver sees
//! [`IpcType::out_name`] (for example `COPY_SEND` becomes `PORT_SEND`).

/// Message type codes of GNU Mach's `mach/message.h` (values, not names, are ABI).
pub mod names {
    /// `MACH_MSG_TYPE_UNSTRUCTURED`, `_BIT` and `_BOOLEAN`.
    pub const BOOLEAN: u32 = 0;
    /// `MACH_MSG_TYPE_INTEGER_16`.
    pub const INTEGER_16: u32 = 1;
    /// `MACH_MSG_TYPE_INTEGER_32`.
    pub const INTEGER_32: u32 = 2;
    /// `MACH_MSG_TYPE_CHAR`.
    pub const CHAR: u32 = 8;
    /// `MACH_MSG_TYPE_BYTE` and `_INTEGER_8`.
    pub const BYTE: u32 = 9;
    /// `MACH_MSG_TYPE_REAL`.
    pub const REAL: u32 = 10;
    /// `MACH_MSG_TYPE_INTEGER_64`.
    pub const INTEGER_64: u32 = 11;
    /// `MACH_MSG_TYPE_STRING` and `_STRING_C`.
    pub const STRING: u32 = 12;
    /// `MACH_MSG_TYPE_PORT_NAME`: a bare name, no right is carried.
    pub const PORT_NAME: u32 = 15;
    /// `MACH_MSG_TYPE_MOVE_RECEIVE` (= `PORT_RECEIVE` as received).
    pub const MOVE_RECEIVE: u32 = 16;
    /// `MACH_MSG_TYPE_MOVE_SEND` (= `PORT_SEND` as received).
    pub const MOVE_SEND: u32 = 17;
    /// `MACH_MSG_TYPE_MOVE_SEND_ONCE` (= `PORT_SEND_ONCE` as received).
    pub const MOVE_SEND_ONCE: u32 = 18;
    /// `MACH_MSG_TYPE_COPY_SEND`.
    pub const COPY_SEND: u32 = 19;
    /// `MACH_MSG_TYPE_MAKE_SEND`.
    pub const MAKE_SEND: u32 = 20;
    /// `MACH_MSG_TYPE_MAKE_SEND_ONCE`.
    pub const MAKE_SEND_ONCE: u32 = 21;
    /// `MACH_MSG_TYPE_POLYMORPHIC` as stored in a 32-bit word.
    pub const POLYMORPHIC: u32 = 0xffff_ffff;

    /// The type a receiver sees for a right sent with disposition `n`.
    pub const fn received(n: u32) -> u32 {
        match n {
            COPY_SEND | MAKE_SEND => MOVE_SEND,
            MAKE_SEND_ONCE => MOVE_SEND_ONCE,
            other => other,
        }
    }

    /// True when `n` carries a port right (`MACH_MSG_TYPE_PORT_ANY`), which makes
    /// a message complex.
    pub const fn is_right(n: u32) -> bool {
        n >= MOVE_RECEIVE && n <= MAKE_SEND_ONCE
    }
}

/// A descriptor name, fixed by the declaration or chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgName {
    /// A fixed `MACH_MSG_TYPE_*` value.
    Fixed(u32),
    /// `polymorphic`: the value travels as a separate argument.
    Poly,
}

impl MsgName {
    /// True for port rights and for polymorphic names (which are ports in every
    /// interface GNU Mach defines).
    pub fn is_port(self) -> bool {
        match self {
            MsgName::Fixed(n) => n == names::PORT_NAME || names::is_right(n),
            MsgName::Poly => true,
        }
    }

    /// True when the name is a fixed port right (the item makes its message complex).
    pub fn is_fixed_right(self) -> bool {
        matches!(self, MsgName::Fixed(n) if names::is_right(n))
    }
}

/// The complete wire description of one MIG type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpcType {
    /// The MIG name it was declared as (for diagnostics and comments).
    pub name: String,
    /// Descriptor name written by the sender.
    pub in_name: MsgName,
    /// Descriptor name seen by the receiver.
    pub out_name: MsgName,
    /// Bits per element (`msgt_size`).
    pub size: u32,
    /// Element count (`msgt_number`); for variable arrays the maximum, where 0
    /// means unbounded.
    pub number: u32,
    /// Inline data (`msgt_inline`); false for `^` (out-of-line) types.
    pub inline: bool,
    /// The element count varies per message and travels in the descriptor.
    pub var_array: bool,
    /// GNU MIG's `array[] of T` without `^`: unbounded, may travel inline or out
    /// of line. Generated code sends these out of line.
    pub indefinite: bool,
    /// Needs the 12-byte long descriptor.
    pub long_form: bool,
    /// Declared with the `(name, size, dealloc)` form.
    pub dealloc: bool,
    /// Declared with `c_string[...]`.
    pub c_string: bool,
    /// Declared with the `MACH_MSG_TYPE_PORT_{RECEIVE,SEND,SEND_ONCE}` shorthand:
    /// polymorphic for a user-level sender, `MOVE_*` for a kernel sender.
    pub port_shorthand: bool,
    /// `ctype:` annotation, if any.
    pub ctype: Option<String>,
    /// `cusertype:` annotation, if any.
    pub cusertype: Option<String>,
    /// `cservertype:` annotation, if any.
    pub cservertype: Option<String>,
    /// `intran:` annotation text, if any.
    pub intran: Option<String>,
    /// `outtran:` annotation text, if any.
    pub outtran: Option<String>,
    /// `destructor:` annotation text, if any.
    pub destructor: Option<String>,
}

impl IpcType {
    /// A one-element inline type with the same name on both ends except for the
    /// usual port conversions (`COPY_SEND` arrives as `PORT_SEND`...).
    pub fn basic(name: &str, msg_name: u32, size: u32) -> IpcType {
        let mut t = IpcType {
            name: name.to_string(),
            in_name: MsgName::Fixed(msg_name),
            out_name: MsgName::Fixed(names::received(msg_name)),
            size,
            number: 1,
            inline: true,
            var_array: false,
            indefinite: false,
            long_form: false,
            dealloc: false,
            c_string: false,
            port_shorthand: false,
            ctype: None,
            cusertype: None,
            cservertype: None,
            intran: None,
            outtran: None,
            destructor: None,
        };
        t.finish();
        t
    }

    /// `polymorphic`: a 32-bit item whose descriptor name is chosen at run time.
    pub fn polymorphic(name: &str) -> IpcType {
        let mut t = IpcType::basic(name, 0, 32);
        t.in_name = MsgName::Poly;
        t.out_name = MsgName::Poly;
        t
    }

    /// Recomputes [`IpcType::long_form`]: MIG uses the long descriptor when a
    /// field does not fit the short one (name > 8 bits, size > 8 bits, number >
    /// 12 bits) and for unbounded variable arrays, whose count may exceed 4095.
    pub fn finish(&mut self) {
        let name_too_big = |n: MsgName| matches!(n, MsgName::Fixed(v) if v > 0xff);
        self.long_form = (self.var_array && self.number == 0)
            || self.size > 0xff
            || self.number > 0xfff
            || name_too_big(self.in_name)
            || name_too_big(self.out_name);
    }

    /// True if values of this type carry a port name (with or without a right).
    pub fn is_port(&self) -> bool {
        self.in_name.is_port() || self.out_name.is_port()
    }

    /// Total bits of a fixed-size inline item.
    pub fn fixed_bits(&self) -> u64 {
        u64::from(self.size) * u64::from(self.number)
    }
}

/// Maps a `MACH_MSG_TYPE_*` identifier to (value, default size in bits,
/// whether it is the `PORT_*` shorthand). Returns `None` for other identifiers.
pub fn msg_type_name(ident: &str) -> Option<(MsgName, u32, bool)> {
    use names::*;
    let f = MsgName::Fixed;
    Some(match ident {
        "MACH_MSG_TYPE_UNSTRUCTURED" => (f(BOOLEAN), 0, false),
        "MACH_MSG_TYPE_BIT" => (f(BOOLEAN), 1, false),
        "MACH_MSG_TYPE_BOOLEAN" => (f(BOOLEAN), 32, false),
        "MACH_MSG_TYPE_INTEGER_16" => (f(INTEGER_16), 16, false),
        "MACH_MSG_TYPE_INTEGER_32" => (f(INTEGER_32), 32, false),
        "MACH_MSG_TYPE_CHAR" => (f(CHAR), 8, false),
        "MACH_MSG_TYPE_BYTE" | "MACH_MSG_TYPE_INTEGER_8" => (f(BYTE), 8, false),
        "MACH_MSG_TYPE_REAL" => (f(REAL), 0, false),
        "MACH_MSG_TYPE_INTEGER_64" => (f(INTEGER_64), 64, false),
        "MACH_MSG_TYPE_STRING" | "MACH_MSG_TYPE_STRING_C" => (f(STRING), 0, false),
        "MACH_MSG_TYPE_PORT_NAME" => (f(PORT_NAME), 32, false),
        "MACH_MSG_TYPE_MOVE_RECEIVE" => (f(MOVE_RECEIVE), 32, false),
        "MACH_MSG_TYPE_MOVE_SEND" => (f(MOVE_SEND), 32, false),
        "MACH_MSG_TYPE_MOVE_SEND_ONCE" => (f(MOVE_SEND_ONCE), 32, false),
        "MACH_MSG_TYPE_COPY_SEND" => (f(COPY_SEND), 32, false),
        "MACH_MSG_TYPE_MAKE_SEND" => (f(MAKE_SEND), 32, false),
        "MACH_MSG_TYPE_MAKE_SEND_ONCE" => (f(MAKE_SEND_ONCE), 32, false),
        "MACH_MSG_TYPE_PORT_RECEIVE" => (f(MOVE_RECEIVE), 32, true),
        "MACH_MSG_TYPE_PORT_SEND" => (f(MOVE_SEND), 32, true),
        "MACH_MSG_TYPE_PORT_SEND_ONCE" => (f(MOVE_SEND_ONCE), 32, true),
        "MACH_MSG_TYPE_POLYMORPHIC" => (MsgName::Poly, 32, false),
        _ => return None,
    })
}

/// Default element size for a numeric descriptor name written without a size.
pub fn default_size_for(n: u32) -> u32 {
    use names::*;
    match n {
        INTEGER_16 => 16,
        CHAR | BYTE => 8,
        INTEGER_64 => 64,
        STRING | REAL => 0,
        _ => 32,
    }
}

/// Types MIG knows without any declaration.
pub fn builtin(name: &str) -> Option<IpcType> {
    use names::*;
    Some(match name {
        "int" | "unsigned" => IpcType::basic(name, INTEGER_32, 32),
        // GNU MIG's word-sized integers (32 bits on i386), used by the
        // 2026 `mach_types.defs` for `rpc_uintptr_t` and `rpc_vm_size_t`.
        "uintptr_t" | "intptr_t" => IpcType::basic(name, INTEGER_32, 32),
        "boolean" => IpcType::basic(name, BOOLEAN, 32),
        "short" => IpcType::basic(name, INTEGER_16, 16),
        "char" => IpcType::basic(name, CHAR, 8),
        "float" => IpcType::basic(name, REAL, 32),
        "double" => IpcType::basic(name, REAL, 64),
        "polymorphic" => IpcType::polymorphic(name),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_form_rules() {
        let mut t = IpcType::basic("dev_name_t", names::STRING, 1024);
        t.finish();
        assert!(t.long_form, "size 1024 does not fit 8 bits");
        let mut v = IpcType::basic("x", names::INTEGER_32, 32);
        v.var_array = true;
        v.number = 1024;
        v.finish();
        assert!(!v.long_form, "array[*:1024] fits the short form");
        v.number = 0;
        v.finish();
        assert!(v.long_form, "unbounded arrays use the long form");
    }

    #[test]
    fn received_names() {
        assert_eq!(names::received(names::COPY_SEND), names::MOVE_SEND);
        assert_eq!(names::received(names::MAKE_SEND_ONCE), names::MOVE_SEND_ONCE);
        assert!(!MsgName::Fixed(names::PORT_NAME).is_fixed_right());
    }
}
