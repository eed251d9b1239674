//! The kernel command line, in GNU Mach's words.
//!
//! Words are separated by blanks. The kernel acts on the words it knows:
//! `console=com0`..`com3` (kernel messages and the `console` device go to that
//! UART), `test=NAME[,NAME..]` (in-kernel tests, used by `cargo xtask test`),
//! `bench` (print start-up figures and power off). Every other `NAME=VALUE` word
//! is kept as a boot-script variable (GNU Mach passes them to `${NAME}`), and
//! words starting with `-` are the bootstrap flags (`${boot-args}`). Anything
//! else is reported on the console and skipped.

use crate::fixedvec::FixedVec;

/// Where console output goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Console {
    /// The VGA text screen (serial COM1 still gets a copy of kernel messages).
    #[default]
    Vga,
    /// A 16550 UART, `com0`..`com3`.
    Com(u8),
}

/// Most words of each kind kept; the rest are reported.
pub const MAX_WORDS: usize = 32;

/// A word the kernel could not use, and why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rejected<'a> {
    #[default]
    None,
    /// A bare word the kernel does not know.
    Unknown(&'a str),
    /// A known name with a value it cannot take (`console=lpt9`).
    BadValue(&'a str),
    /// More words than [`MAX_WORDS`] of one kind.
    TooMany(&'a str),
}

/// What the command line asks of the kernel.
#[derive(Clone, Default)]
pub struct KernelArgs<'a> {
    /// The kernel image's file name, when the loader put it first.
    pub image: Option<&'a str>,
    pub console: Console,
    /// In-kernel tests to run, in order.
    pub tests: FixedVec<&'a str, MAX_WORDS>,
    /// Print start-up figures and power off.
    pub bench: bool,
    /// `NAME=VALUE` words for the boot script, in order.
    pub vars: FixedVec<(&'a str, &'a str), MAX_WORDS>,
    /// Bootstrap flags (`-s`, `-a`, ...), in order.
    pub flags: FixedVec<&'a str, MAX_WORDS>,
    /// Words skipped, to be reported.
    pub rejected: FixedVec<Rejected<'a>, MAX_WORDS>,
}

/// Bare words kept for the Linux drivers' own parsers (GNU Mach passes them on).
const DRIVER_WORDS: &[&str] = &["noide", "noahci", "nopci"];

fn parse_console(v: &str) -> Option<Console> {
    match v {
        "vga" => Some(Console::Vga),
        _ => {
            let unit = v.strip_prefix("com")?;
            match unit.as_bytes() {
                [d @ b'0'..=b'3'] => Some(Console::Com(d - b'0')),
                _ => None,
            }
        }
    }
}

impl<'a> KernelArgs<'a> {
    /// Parses `line`, a multiboot command line: its first word is the kernel
    /// image's file name when it is neither `NAME=VALUE` nor a `-` flag (GRUB
    /// and QEMU put it there). Never fails: unusable words land in `rejected`.
    pub fn parse(line: &'a str) -> Self {
        let mut args = KernelArgs::default();
        let mut words = line.split_ascii_whitespace().peekable();
        if let Some(first) = words.peek() {
            if !first.contains('=') && !first.starts_with('-') && first.contains('/') {
                args.image = Some(first);
                words.next();
            }
        }
        for word in words {
            args.word(word);
        }
        args
    }

    fn reject(&mut self, r: Rejected<'a>) {
        let _ = self.rejected.push(r);
    }

    fn word(&mut self, word: &'a str) {
        if let Some((name, value)) = word.split_once('=') {
            match name {
                "console" => match parse_console(value) {
                    Some(c) => self.console = c,
                    None => self.reject(Rejected::BadValue(word)),
                },
                "test" => {
                    for t in value.split(',').filter(|t| !t.is_empty()) {
                        if self.tests.push(t).is_err() {
                            self.reject(Rejected::TooMany(t));
                        }
                    }
                }
                "" => self.reject(Rejected::Unknown(word)),
                _ => {
                    if self.vars.push((name, value)).is_err() {
                        self.reject(Rejected::TooMany(word));
                    }
                }
            }
        } else if word.starts_with('-') && word.len() > 1 {
            if self.flags.push(word).is_err() {
                self.reject(Rejected::TooMany(word));
            }
        } else if word == "bench" {
            self.bench = true;
        } else if DRIVER_WORDS.contains(&word) {
            // Kept in the command line for the driver layer; nothing to do here.
        } else {
            self.reject(Rejected::Unknown(word));
        }
    }

    /// The value of boot-script variable `name`, last one wins.
    pub fn var(&self, name: &str) -> Option<&'a str> {
        self.vars.as_slice().iter().rev().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gnu_mach_words() {
        let a = KernelArgs::parse("/boot/gnumach  console=com0 root=device:hd0s1 -s test=boot,timer  bench ");
        assert_eq!(a.image, Some("/boot/gnumach"));
        assert_eq!(a.console, Console::Com(0));
        assert_eq!(a.var("root"), Some("device:hd0s1"));
        assert_eq!(a.flags.as_slice(), &["-s"]);
        assert_eq!(a.tests.as_slice(), &["boot", "timer"]);
        assert!(a.bench);
        assert!(a.rejected.is_empty());
    }

    #[test]
    fn unknown_and_bad_words_are_rejected_not_fatal() {
        let a = KernelArgs::parse("frobnicate console=lpt9 =x noide console=com3 - ");
        assert_eq!(a.image, None);
        assert_eq!(a.console, Console::Com(3));
        assert_eq!(
            a.rejected.as_slice(),
            &[
                Rejected::Unknown("frobnicate"),
                Rejected::BadValue("console=lpt9"),
                Rejected::Unknown("=x"),
                Rejected::Unknown("-"),
            ]
        );
    }

    #[test]
    fn too_many_words_are_reported() {
        let line: String = (0..40).map(|i| format!("v{i}=1 ")).collect();
        let a = KernelArgs::parse(&line);
        assert_eq!(a.vars.len(), MAX_WORDS);
        assert_eq!(a.rejected.len(), 8);
        assert_eq!(a.var("v31"), Some("1"));
        assert_eq!(a.var("v35"), None);
    }

    #[test]
    fn console_values() {
        assert_eq!(parse_console("com1"), Some(Console::Com(1)));
        assert_eq!(parse_console("vga"), Some(Console::Vga));
        assert_eq!(parse_console("com4"), None);
        assert_eq!(parse_console("com10"), None);
    }
}
