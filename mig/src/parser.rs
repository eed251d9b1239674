//! Recursive-descent parser for the MIG language as GNU Mach's `.defs` use it.
//!
//! Grammar (keywords are case-insensitive):
//!
//! ```text
//! file       := { statement }
//! statement  := 'subsystem' {'KernelServer'|'KernelUser'} IDENT NUMBER ';'
//!             | ('routine'|'simpleroutine') IDENT '(' [arg {';' arg}] [';'] ')' ';'
//!             | 'skip' ';'
//!             | 'type' IDENT '=' typespec {annotation} ';'
//!             | ('import'|'uimport'|'simport') FILE ';'
//!             | ('serverprefix'|'userprefix'|'serverdemux') IDENT ';'
//!             | ('rcsid' STRING | 'msgoption' expr | 'waittime' expr) ';'
//! arg        := [kind] IDENT ':' IDENT ['=' typespec {annotation}] {',' flag}
//! typespec   := ipcname ['|' ipcname] | '(' ipcname ',' expr [',' 'dealloc'] ')'
//!             | 'array' '[' [expr | '*' [':' expr]] ']' 'of' typespec
//!             | 'struct' '[' expr ']' 'of' typespec | 'struct' '{' {IDENT IDENT ';'} '}'
//!             | 'c_string' '[' ['*' ':'] expr ']' | '^' typespec | IDENT
//! annotation := ('ctype'|'cusertype'|'cservertype'|'intran'|'outtran'
//!               |'destructor'|'intranpayload') ':' tokens...
//! ```

use super::ast::{Arg, ArgKind, Dealloc, Import, Routine, Subsystem};
use super::error::{Error, Pos};
use super::lexer::{Tok, Token};
use super::types::{self, IpcType, MsgName};
use std::collections::HashMap;

/// Parses a token stream into a [`Subsystem`].
///
/// # Errors
/// [`Error::Syntax`] for malformed input, [`Error::Semantic`] for unknown types
/// or impossible type constructions.
pub fn parse(tokens: Vec<Token>) -> Result<Subsystem, Error> {
    let mut p = Parser { toks: tokens, i: 0, types: HashMap::new(), sub: Subsystem::default() };
    p.file()?;
    Ok(p.sub)
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    types: HashMap<String, IpcType>,
    sub: Subsystem,
}

const ANNOTATIONS: &[&str] =
    &["ctype", "cusertype", "cservertype", "intran", "outtran", "destructor", "intranpayload"];

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }
    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.i + k).map(|t| &t.tok)
    }
    fn pos(&self) -> Pos {
        self.toks
            .get(self.i)
            .or_else(|| self.toks.last())
            .map(|t| t.pos.clone())
            .unwrap_or_default()
    }
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, Error> {
        Err(Error::Syntax { pos: self.pos(), msg: msg.into() })
    }
    fn sem<T>(&self, msg: impl Into<String>) -> Result<T, Error> {
        Err(Error::Semantic { pos: self.pos(), msg: msg.into() })
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).map(|t| t.tok.clone());
        self.i += 1;
        t
    }
    fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }
    fn eat_punct(&mut self, c: char) -> bool {
        if self.is_punct(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect_punct(&mut self, c: char) -> Result<(), Error> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            self.err(format!("expected `{c}`, found {:?}", self.peek()))
        }
    }
    /// The current token as a lower-cased keyword, if it is an identifier.
    fn keyword(&self) -> Option<String> {
        match self.peek() {
            Some(Tok::Ident(s)) => Some(s.to_ascii_lowercase()),
            _ => None,
        }
    }
    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.keyword().as_deref() == Some(kw) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Result<String, Error> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.i += 1;
                Ok(s)
            }
            other => self.err(format!("expected identifier, found {other:?}")),
        }
    }

    fn file(&mut self) -> Result<(), Error> {
        let mut index: u32 = 0;
        while self.peek().is_some() {
            if self.eat_punct(';') {
                continue;
            }
            let kw = match self.keyword() {
                Some(k) => k,
                None => return self.err(format!("expected a statement, found {:?}", self.peek())),
            };
            self.i += 1;
            match kw.as_str() {
                "subsystem" => self.subsystem()?,
                "routine" | "simpleroutine" => {
                    let r = self.routine(kw == "simpleroutine", index)?;
                    self.sub.routines.push(r);
                    index += 1;
                }
                "skip" => {
                    index += 1;
                    self.expect_punct(';')?;
                }
                "type" => self.type_decl()?,
                "import" | "uimport" | "simport" => {
                    let side = match kw.as_str() {
                        "uimport" => Some(super::Side::User),
                        "simport" => Some(super::Side::Server),
                        _ => None,
                    };
                    let file = match self.next() {
                        Some(Tok::FileName(f)) | Some(Tok::Str(f)) => f,
                        other => return self.err(format!("expected file name, found {other:?}")),
                    };
                    self.sub.imports.push(Import { side, file });
                    self.expect_punct(';')?;
                }
                "serverprefix" => {
                    self.sub.server_prefix = Some(self.ident()?);
                    self.expect_punct(';')?;
                }
                "userprefix" => {
                    self.sub.user_prefix = Some(self.ident()?);
                    self.expect_punct(';')?;
                }
                "serverdemux" => {
                    self.sub.server_demux = Some(self.ident()?);
                    self.expect_punct(';')?;
                }
                "rcsid" => {
                    match self.next() {
                        Some(Tok::Str(s)) => self.sub.rcsid = Some(s),
                        other => return self.err(format!("expected string, found {other:?}")),
                    }
                    self.expect_punct(';')?;
                }
                "msgoption" => {
                    self.sub.msg_option = Some(self.text_until_semicolon());
                    self.expect_punct(';')?;
                }
                "waittime" => {
                    self.sub.wait_time = Some(self.text_until_semicolon());
                    self.expect_punct(';')?;
                }
                other => {
                    self.i -= 1;
                    return self.err(format!("unknown statement `{other}`"));
                }
            }
        }
        self.sub.count = index;
        Ok(())
    }

    fn text_until_semicolon(&mut self) -> String {
        let mut parts = Vec::new();
        while let Some(t) = self.peek() {
            if *t == Tok::Punct(';') {
                break;
            }
            parts.push(tok_text(t));
            self.i += 1;
        }
        parts.join(" ")
    }

    fn subsystem(&mut self) -> Result<(), Error> {
        loop {
            match self.keyword().as_deref() {
                Some("kernelserver") => self.sub.kernel_server = true,
                Some("kerneluser") => self.sub.kernel_user = true,
                _ => break,
            }
            self.i += 1;
        }
        self.sub.name = self.ident()?;
        self.sub.base = self.expr()?;
        self.expect_punct(';')
    }

    fn routine(&mut self, simple: bool, index: u32) -> Result<Routine, Error> {
        let pos = self.pos();
        let name = self.ident()?;
        self.expect_punct('(')?;
        let mut args = Vec::new();
        loop {
            if self.eat_punct(')') {
                break;
            }
            if self.eat_punct(';') {
                continue;
            }
            args.push(self.argument()?);
            if !self.is_punct(')') {
                self.expect_punct(';')?;
            }
        }
        self.expect_punct(';')?;
        Ok(Routine { name, simple, index, args, pos })
    }

    fn argument(&mut self) -> Result<Arg, Error> {
        let pos = self.pos();
        let kind = match self.keyword().as_deref() {
            // A kind keyword is only a kind when an argument name follows it.
            Some(k) if matches!(self.peek_at(1), Some(Tok::Ident(_))) => {
                let kind = match k {
                    "in" => ArgKind::In,
                    "out" => ArgKind::Out,
                    "inout" => ArgKind::InOut,
                    "requestport" => ArgKind::RequestPort,
                    "replyport" => ArgKind::ReplyPort,
                    "sreplyport" => ArgKind::SReplyPort,
                    "ureplyport" => ArgKind::UReplyPort,
                    "waittime" => ArgKind::WaitTime,
                    "msgoption" => ArgKind::MsgOption,
                    "msgseqno" => ArgKind::MsgSeqno,
                    other => return self.err(format!("unknown argument kind `{other}`")),
                };
                self.i += 1;
                kind
            }
            _ => ArgKind::In,
        };
        let name = self.ident()?;
        self.expect_punct(':')?;
        let type_name = self.ident()?;
        let ty = if self.eat_punct('=') {
            let mut t = self.type_spec()?;
            t.name = type_name;
            self.annotations(&mut t)?;
            t
        } else {
            match self.lookup(&type_name) {
                Some(t) => t,
                None => return self.sem(format!("unknown type `{type_name}`")),
            }
        };
        let mut arg = Arg {
            name,
            kind,
            ty,
            dealloc: Dealloc::Never,
            server_copy: false,
            count_in_out: false,
            pos,
        };
        while self.eat_punct(',') {
            let flag = match self.keyword() {
                Some(f) => f,
                None => return self.err("expected an argument flag"),
            };
            self.i += 1;
            match flag.as_str() {
                "dealloc" => {
                    if self.is_punct('[') {
                        self.expect_punct('[')?;
                        self.expect_punct(']')?;
                        arg.dealloc = Dealloc::Runtime;
                    } else {
                        arg.dealloc = Dealloc::Always;
                    }
                }
                "notdealloc" => arg.dealloc = Dealloc::Never,
                "servercopy" => arg.server_copy = true,
                "countinout" => arg.count_in_out = true,
                // Flags that change only the C interface, not the message.
                "samecount" | "physicalcopy" | "overwrite" | "retcode" | "auto" | "const" => {}
                other => return self.err(format!("unknown argument flag `{other}`")),
            }
        }
        Ok(arg)
    }

    fn lookup(&self, name: &str) -> Option<IpcType> {
        self.types.get(name).cloned().or_else(|| types::builtin(name))
    }

    fn type_decl(&mut self) -> Result<(), Error> {
        let name = self.ident()?;
        self.expect_punct('=')?;
        let mut t = self.type_spec()?;
        t.name = name.clone();
        self.annotations(&mut t)?;
        self.expect_punct(';')?;
        self.types.insert(name, t.clone());
        self.sub.types.push(t);
        Ok(())
    }

    /// Parses `ctype:`-style annotations; their text is kept but does not change
    /// the wire format.
    fn annotations(&mut self, t: &mut IpcType) -> Result<(), Error> {
        while let Some(kw) = self.keyword() {
            if !ANNOTATIONS.contains(&kw.as_str()) || self.peek_at(1) != Some(&Tok::Punct(':')) {
                break;
            }
            self.i += 2;
            let mut parts = Vec::new();
            let mut depth = 0;
            while let Some(tok) = self.peek() {
                match tok {
                    Tok::Punct('(') => depth += 1,
                    Tok::Punct(')') if depth == 0 => break,
                    Tok::Punct(')') => depth -= 1,
                    Tok::Punct(';') | Tok::Punct(',') if depth == 0 => break,
                    Tok::Ident(s)
                        if depth == 0
                            && ANNOTATIONS.contains(&s.to_ascii_lowercase().as_str())
                            && self.peek_at(1) == Some(&Tok::Punct(':')) =>
                    {
                        break
                    }
                    _ => {}
                }
                parts.push(tok_text(tok));
                self.i += 1;
            }
            let text = Some(parts.join(" "));
            match kw.as_str() {
                "ctype" => t.ctype = text,
                "cusertype" => t.cusertype = text,
                "cservertype" => t.cservertype = text,
                "intran" | "intranpayload" => t.intran = text,
                "outtran" => t.outtran = text,
                _ => t.destructor = text,
            }
        }
        Ok(())
    }

    /// One descriptor name: `MACH_MSG_TYPE_*`, `polymorphic`, or a number.
    /// Returns (name, default size, PORT_* shorthand).
    fn ipc_name(&mut self) -> Result<Option<(MsgName, u32, bool)>, Error> {
        match self.peek().cloned() {
            Some(Tok::Ident(s)) => {
                if s == "polymorphic" {
                    self.i += 1;
                    return Ok(Some((MsgName::Poly, 32, false)));
                }
                if let Some(n) = types::msg_type_name(&s) {
                    self.i += 1;
                    return Ok(Some(n));
                }
                Ok(None)
            }
            Some(Tok::Num(_)) => {
                let v = self.expr()?;
                Ok(Some((MsgName::Fixed(v), types::default_size_for(v), false)))
            }
            _ => Ok(None),
        }
    }

    fn type_spec(&mut self) -> Result<IpcType, Error> {
        // `(name, size [, dealloc])`
        if self.eat_punct('(') {
            let (name, _, shorthand) = match self.ipc_name()? {
                Some(n) => n,
                None => return self.err("expected a MACH_MSG_TYPE_* name"),
            };
            self.expect_punct(',')?;
            let size = self.expr()?;
            let mut dealloc = false;
            if self.eat_punct(',') {
                if !self.eat_keyword("dealloc") {
                    return self.err("expected `dealloc`");
                }
                dealloc = true;
            }
            self.expect_punct(')')?;
            let mut t = self.simple_type(name, size, shorthand);
            t.dealloc = dealloc;
            t.finish();
            return Ok(t);
        }
        if self.eat_punct('^') {
            let mut t = self.type_spec()?;
            if !t.inline && !t.indefinite {
                return self.sem("`^` applied to an out-of-line type");
            }
            t.inline = false;
            t.indefinite = false;
            t.finish();
            return Ok(t);
        }
        if let Some((name, size, shorthand)) = self.ipc_name()? {
            let mut t = self.simple_type(name, size, shorthand);
            if self.eat_punct('|') {
                let (out, _, _) = match self.ipc_name()? {
                    Some(n) => n,
                    None => return self.err("expected a MACH_MSG_TYPE_* name after `|`"),
                };
                t.out_name = out;
            }
            t.finish();
            return Ok(t);
        }
        let kw = match self.keyword() {
            Some(k) => k,
            None => return self.err(format!("expected a type, found {:?}", self.peek())),
        };
        match kw.as_str() {
            "array" => {
                self.i += 1;
                self.expect_punct('[')?;
                let (var, max) = if self.eat_punct(']') {
                    (true, 0)
                } else if self.eat_punct('*') {
                    // `array[*]` is GNU MIG's spelling of `array[]`.
                    if self.eat_punct(']') {
                        (true, 0)
                    } else {
                        self.expect_punct(':')?;
                        let n = self.expr()?;
                        self.expect_punct(']')?;
                        (true, n)
                    }
                } else {
                    let n = self.expr()?;
                    self.expect_punct(']')?;
                    (false, n)
                };
                if !self.eat_keyword("of") {
                    return self.err("expected `of`");
                }
                let elem = self.type_spec()?;
                if !elem.inline || elem.var_array {
                    return self.sem("array element must be a fixed-size inline type");
                }
                let mut t = elem.clone();
                t.var_array = var;
                t.number = max.saturating_mul(elem.number);
                if var && max == 0 {
                    // GNU MIG's indefinite array; sent out of line by our stubs.
                    t.indefinite = true;
                    t.inline = false;
                }
                t.finish();
                Ok(t)
            }
            "struct" => {
                self.i += 1;
                if self.eat_punct('{') {
                    return self.struct_fields();
                }
                self.expect_punct('[')?;
                let n = self.expr()?;
                self.expect_punct(']')?;
                if !self.eat_keyword("of") {
                    return self.err("expected `of`");
                }
                let elem = self.type_spec()?;
                if !elem.inline || elem.var_array {
                    return self.sem("struct element must be a fixed-size inline type");
                }
                let mut t = elem;
                t.number = t.number.saturating_mul(n);
                t.finish();
                Ok(t)
            }
            "c_string" => {
                self.i += 1;
                self.expect_punct('[')?;
                let var = self.eat_punct('*');
                if var {
                    self.expect_punct(':')?;
                }
                let n = self.expr()?;
                self.expect_punct(']')?;
                let mut t = IpcType::basic("c_string", types::names::STRING, 8);
                t.number = n;
                t.var_array = var;
                t.c_string = true;
                t.finish();
                Ok(t)
            }
            _ => {
                let name = self.ident()?;
                match self.lookup(&name) {
                    Some(t) => Ok(t),
                    None => self.sem(format!("unknown type `{name}`")),
                }
            }
        }
    }

    /// A simple type from a descriptor name and size.
    fn simple_type(&self, name: MsgName, size: u32, shorthand: bool) -> IpcType {
        let mut t = IpcType::basic("", 0, size);
        t.in_name = name;
        t.out_name = match name {
            MsgName::Fixed(n) => MsgName::Fixed(types::names::received(n)),
            MsgName::Poly => MsgName::Poly,
        };
        if shorthand {
            // `PORT_*` as a declared type: the sender picks the disposition
            // (kernel senders always move; see `layout`).
            t.in_name = MsgName::Poly;
            t.port_shorthand = true;
        }
        t.finish();
        t
    }

    /// `struct { type field; ... }`: the fields are laid out back to back; when they
    /// all share one descriptor name and size the item uses it, otherwise it
    /// travels as 32-bit integers (or bytes if not a whole number of words).
    fn struct_fields(&mut self) -> Result<IpcType, Error> {
        let mut fields: Vec<IpcType> = Vec::new();
        while !self.eat_punct('}') {
            let t = self.type_spec()?;
            let _field = self.ident()?;
            self.expect_punct(';')?;
            if !t.inline || t.var_array {
                return self.sem("struct field must be a fixed-size inline type");
            }
            fields.push(t);
        }
        if fields.is_empty() {
            return self.sem("empty struct");
        }
        let first = fields[0].clone();
        let uniform = fields.iter().all(|f| f.in_name == first.in_name && f.size == first.size);
        let mut t = first.clone();
        if uniform {
            t.number = fields.iter().map(|f| f.number).sum();
        } else {
            let bits: u64 = fields.iter().map(|f| f.fixed_bits()).sum();
            let (name, size) =
                if bits.is_multiple_of(32) { (types::names::INTEGER_32, 32) } else { (types::names::BYTE, 8) };
            t = IpcType::basic("", name, size);
            t.number = (bits / u64::from(size)) as u32;
        }
        t.finish();
        Ok(t)
    }

    /// Integer constant expression with `+ - *` and parentheses.
    fn expr(&mut self) -> Result<u32, Error> {
        let mut v = self.term()?;
        loop {
            if self.eat_punct('+') {
                v = v.wrapping_add(self.term()?);
            } else if self.is_punct('-') && matches!(self.peek_at(1), Some(Tok::Num(_)) | Some(Tok::Punct('('))) {
                self.i += 1;
                v = v.wrapping_sub(self.term()?);
            } else {
                return Ok(v);
            }
        }
    }
    fn term(&mut self) -> Result<u32, Error> {
        let mut v = self.atom()?;
        while self.eat_punct('*') {
            v = v.wrapping_mul(self.atom()?);
        }
        Ok(v)
    }
    fn atom(&mut self) -> Result<u32, Error> {
        if self.eat_punct('(') {
            let v = self.expr()?;
            self.expect_punct(')')?;
            return Ok(v);
        }
        match self.next() {
            Some(Tok::Num(n)) => u32::try_from(n).or_else(|_| self.err("number too large")),
            other => {
                self.i -= 1;
                self.err(format!("expected a number, found {other:?}"))
            }
        }
    }
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => s.clone(),
        Tok::Num(n) => n.to_string(),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::FileName(s) => format!("<{s}>"),
        Tok::Punct(c) => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::super::lexer::tokenize;

    fn parse_str(s: &str) -> Subsystem {
        parse(tokenize(s, "test.defs").unwrap()).unwrap()
    }

    #[test]
    fn ids_count_skips() {
        let s = parse_str(
            "subsystem KernelServer foo 100; type int32_t = MACH_MSG_TYPE_INTEGER_32;\n\
             routine a(p : int32_t); skip; skip; simpleroutine b(p : int32_t; x : int32_t);",
        );
        assert!(s.kernel_server);
        assert_eq!(s.base, 100);
        assert_eq!(s.routines[0].index, 0);
        assert_eq!(s.routines[1].index, 3);
        assert!(s.routines[1].simple);
        assert_eq!(s.count, 4);
    }

    #[test]
    fn type_forms() {
        let s = parse_str(
            "subsystem x 1;\n\
             type n = (MACH_MSG_TYPE_STRING_C, 8*128);\n\
             type v = array[*:128] of char;\n\
             type o = ^array[] of MACH_MSG_TYPE_INTEGER_8;\n\
             type r = MACH_MSG_TYPE_MAKE_SEND_ONCE | polymorphic ctype: mach_port_t;\n\
             type st = struct { int a; int b; };\n\
             type cs = c_string[*:64];\n\
             type p = MACH_MSG_TYPE_PORT_SEND ctype: mach_port_t intran: a b(c) destructor: d(e);\n\
             type d = struct[2] of int;\n\
             type dl = array[*] of d;\n",
        );
        let n = s.type_named("n").unwrap();
        assert_eq!((n.size, n.number, n.long_form), (1024, 1, true));
        let v = s.type_named("v").unwrap();
        assert_eq!((v.size, v.number, v.var_array, v.long_form), (8, 128, true, false));
        let o = s.type_named("o").unwrap();
        assert!(!o.inline && o.long_form && o.var_array);
        let r = s.type_named("r").unwrap();
        assert_eq!(r.in_name, MsgName::Fixed(21));
        assert_eq!(r.out_name, MsgName::Poly);
        let st = s.type_named("st").unwrap();
        assert_eq!((st.size, st.number), (32, 2));
        let cs = s.type_named("cs").unwrap();
        assert!(cs.c_string && cs.var_array);
        let p = s.type_named("p").unwrap();
        assert!(p.port_shorthand);
        assert_eq!(p.out_name, MsgName::Fixed(17));
        assert_eq!(p.destructor.as_deref(), Some("d ( e )"));
        // mach_i386.defs' descriptor list: `array[*]` is `array[]`.
        let dl = s.type_named("dl").unwrap();
        assert!(dl.var_array && dl.indefinite && !dl.inline);
        assert_eq!((dl.size, dl.number), (32, 0));
    }
}
