//! GNU Mach's boot script: the multiboot module command lines turned into a plan
//! of tasks to create, arguments to give them and tasks to resume.
//!
//! # The language, as GNU Mach reads it
//! Each module's command line is one command. (QEMU's `-initrd` passes the whole
//! text, file name included; GRUB 2's `module FILE WORDS...` passes only `WORDS`,
//! which is why the Hurd's `grub.cfg` repeats a task name such as `ext2fs` after
//! the file. Either way the kernel sees one string.)
//!
//! - Blanks are spaces and tabs. A line whose first non-blank byte is `#` is a
//!   comment; a blank line is skipped. A newline or NUL ends the line.
//! - The first word is the *path*: the task's name and `argv[0]`.
//! - Every further word is an argument, copied verbatim, except:
//!   - `${NAME}` is replaced by the variable's value: a string variable inserts
//!     its text; a port variable inserts a send right into the new task and its
//!     name (in decimal) is the text; a task variable does the same with a send
//!     right to that task's port. Text in front of `${NAME}` in the same word is
//!     kept (`--host-priv-port=${host-port}` gives `--host-priv-port=1`); text
//!     *after* the closing brace starts a new argument (GNU Mach's rule), and so
//!     does a second `${...}` right after the first.
//!   - A word starting with `$(` calls a function and adds no argument:
//!     `$(task-create)` creates this line's task (suspended), `$(task-resume)`
//!     resumes it once every command has been loaded, `$(prompt-task-resume)` asks
//!     on the console first. `$(NAME=task-create)` also stores the task in the
//!     variable `NAME`; `$(A=B)` copies variable `B` into `A` (and `$(A=B=F)`
//!     chains). `$(` in the middle of a word is plain text.
//! - There is no quoting and no escaping: quote characters are ordinary bytes.
//!   GRUB removes the single quotes of a `grub.cfg` line (they stop GRUB from
//!   expanding `${...}` itself) and backslash-escapes `\`, `'` and `"` when it
//!   builds the command line; QEMU passes the text as typed.
//!
//! A variable used in `${...}` may be defined by a *later* line: the Hurd's own
//! script passes `${exec-task}` to the file system before the `exec` line
//! defines it. GNU Mach looks up a variable when the line is parsed and, when it is
//! not defined yet, once more after all lines are parsed; so does this module.
//! Only a variable still undefined then is an error.
//!
//! Variables defined before the first line, in this order (the first definition of
//! a name wins): `host-port`, `device-port`, `kernel-task` (ports),
//! `kernel-command-line`, `boot-args`, `root-device` (strings, see
//! [`compat_boot_args`] and [`compat_root_device`]), then each `NAME=VALUE` word of
//! the kernel command line.
//!
//! # Compat mode
//! When there is exactly one module and its line has no word after the path,
//! GNU Mach runs it the old way: task name and `argv[0]` `bootstrap`, then
//! `-<flags>` (`${boot-args}`), the host and device port names, the root device
//! name (`${root-device}`); envp holds `MULTIBOOT_CMDLINE=<kernel command line>`
//! when that line is not empty; the task is resumed at once.
//!
//! # Executing a [`Plan`]
//! Run it only when [`Plan::errors`] is empty (GNU Mach panics otherwise). Then:
//! 1. create one suspended task per [`Command`], in order (named [`Command::name`]);
//! 2. for each command in order: insert the send right of each [`Arg::right`] in
//!    `argv` order, each at the lowest free name from 1 up, and append that name in
//!    decimal to [`Arg::text`]; load the module's ELF image; build the stack from
//!    the finished argv and [`Command::envp`] (see [`crate::userstack`]);
//! 3. for each command in order: perform its [`Command::actions`] in order.
//!
//! Deviations from GNU Mach, all on input GNU Mach mishandles: a tab-only tail
//! still counts as "no words" for compat mode; a newline always ends the line;
//! `$(NAME)` with no function and no assignment, `$(task-resume)` on a line that
//! creates no task, two `$(task-create)` on one line, `$(vm-object-create)` and
//! circular variables are reported as errors instead of being ignored, leaking a
//! task, failing later or looping forever; a line with an error leaves no
//! variable definitions behind.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// A port the kernel itself holds and a boot script can hand out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelPort {
    /// `${host-port}`: the privileged host port.
    HostPriv,
    /// `${device-port}`: the device master port.
    DeviceMaster,
    /// `${kernel-task}`: the kernel task's port.
    KernelTask,
}

/// A send right to insert into a new task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Right {
    Kernel(KernelPort),
    /// The task port of the task created for the command of this module index.
    Task(usize),
}

/// One element of a new task's `argv`: `text`, followed by the decimal name of
/// `right` in the new task when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub text: String,
    pub right: Option<Right>,
}

impl Arg {
    fn literal(s: &str) -> Self {
        Arg { text: s.to_string(), right: None }
    }
}

/// What to do with a task after every command has been loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `$(task-resume)`: resume the task (GNU Mach prints `start NAME:`).
    Resume,
    /// `$(prompt-task-resume)`: ask on the console, then resume.
    PromptResume,
}

/// A task to create, load from one module, and start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// Index of the multiboot module whose image the task runs.
    pub module: usize,
    /// The task's name, also `argv[0]` (the path word; `bootstrap` in compat mode).
    pub name: String,
    /// The full argument vector, `argv[0]` included.
    pub argv: Vec<Arg>,
    /// The environment strings (empty in script mode, as in GNU Mach).
    pub envp: Vec<String>,
    /// Done in order after all commands are loaded.
    pub actions: Vec<Action>,
}

/// Which of GNU Mach's two start-up conventions the modules use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One module with nothing after its file name: the old `bootstrap` convention.
    Compat,
    /// Every module line is a boot-script command.
    Script,
}

/// Why a module line yields no task (not an error; GNU Mach does the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Nothing but blanks.
    Empty,
    /// A `#` comment.
    Comment,
    /// No `$(task-create)`: parsed (its assignments count) but not loaded.
    NoTask,
}

/// Why a `${...}` or `$(...)` could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// `${}`, `$()` or `$(=x)`.
    EmptyName,
    /// The line ends before the closing `}` or `)`.
    Unterminated,
    /// `=` inside `${...}` (assignments only exist in `$(...)`).
    AssignInBraces,
}

/// What is wrong with one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// No module at all (reported against module 0).
    NoModules,
    /// Bad `${...}`/`$(...)` syntax at byte offset `at` of the line.
    Syntax { at: usize, what: Syntax },
    /// `${F}` where `F` is a function (`task-create`...).
    FunctionInBraces(String),
    /// `$(F=...)` where `F` is a function.
    AssignToFunction(String),
    /// `$(NAME)` where `NAME` is no function: it would do nothing.
    NotAFunction(String),
    /// A function GNU Mach has that this kernel does not (`vm-object-create`).
    UnsupportedFunction(String),
    /// A second `$(task-create)` on one line.
    TaskCreatedTwice,
    /// `$(task-resume)` or `$(prompt-task-resume)` on a line with no `$(task-create)`.
    NoTaskToResume,
    /// A variable still undefined after every line was parsed.
    UndefinedVariable(String),
    /// A variable defined only through itself (`$(a=b) $(b=a)`).
    CircularVariable(String),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::NoModules => write!(f, "no boot module"),
            ErrorKind::Syntax { at, what } => {
                let what = match what {
                    Syntax::EmptyName => "empty name",
                    Syntax::Unterminated => "unterminated ${...} or $(...)",
                    Syntax::AssignInBraces => "'=' inside ${...}",
                };
                write!(f, "syntax error at byte {}: {}", at, what)
            }
            ErrorKind::FunctionInBraces(n) => write!(f, "function {} used as a variable", n),
            ErrorKind::AssignToFunction(n) => write!(f, "cannot assign to function {}", n),
            ErrorKind::NotAFunction(n) => write!(f, "$({}) is not a function", n),
            ErrorKind::UnsupportedFunction(n) => write!(f, "unsupported function {}", n),
            ErrorKind::TaskCreatedTwice => write!(f, "task created twice"),
            ErrorKind::NoTaskToResume => write!(f, "task-resume without task-create"),
            ErrorKind::UndefinedVariable(n) => write!(f, "undefined variable {}", n),
            ErrorKind::CircularVariable(n) => write!(f, "variable {} is defined by itself", n),
        }
    }
}

/// An error, with the index of the module whose line has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub module: usize,
    pub kind: ErrorKind,
}

/// What the kernel does with its boot modules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub mode: Mode,
    /// The tasks to create, in module order.
    pub commands: Vec<Command>,
    /// Modules that yield no task, and why.
    pub skipped: Vec<(usize, Skip)>,
    /// Every error found; the plan must not be run unless this is empty.
    pub errors: Vec<LineError>,
}

impl Plan {
    /// True when the plan may be executed.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The command loading module `module`, if any.
    pub fn command_for(&self, module: usize) -> Option<&Command> {
        self.commands.iter().find(|c| c.module == module)
    }
}

/// `${boot-args}`: `-` followed by the letters of every `-letters` word of the
/// kernel command line, or `-x` when there is none (GNU Mach's compat string).
pub fn compat_boot_args(cmdline: &str) -> String {
    let mut out = String::from("-");
    for word in words_above_space(cmdline) {
        if let Some(flags) = word.strip_prefix('-') {
            out.push_str(flags);
        }
    }
    if out.len() == 1 {
        out.push('x');
    }
    out
}

/// `${root-device}`: the value of the last `root=` word with any `/dev/` prefix
/// removed, or `UNKNOWN` (GNU Mach's compat string).
pub fn compat_root_device(cmdline: &str) -> String {
    let mut root = "UNKNOWN";
    for word in words_above_space(cmdline) {
        if let Some(v) = word.strip_prefix("root=") {
            root = v.strip_prefix("/dev/").unwrap_or(v);
        }
    }
    root.to_string()
}

/// Words as GNU Mach's compat scan sees them: runs of bytes above `' '`.
fn words_above_space(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| (c as u32) <= 0x20).filter(|w| !w.is_empty())
}

/// The value a variable holds.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Val {
    Str(String),
    Port(KernelPort),
    Task(usize),
}

#[derive(Clone, Debug)]
enum SymVal {
    Undefined,
    Val(Val),
    /// Defined as another symbol that was undefined at the time.
    Alias(usize),
}

#[derive(Clone, Debug)]
struct Sym {
    name: String,
    val: SymVal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Func {
    TaskCreate,
    TaskResume,
    PromptTaskResume,
    VmObjectCreate,
}

fn builtin(name: &str) -> Option<Func> {
    match name {
        "task-create" => Some(Func::TaskCreate),
        "task-resume" => Some(Func::TaskResume),
        "prompt-task-resume" => Some(Func::PromptTaskResume),
        "vm-object-create" => Some(Func::VmObjectCreate),
        _ => None,
    }
}

/// An argument value known at parse time, or a symbol to look up at the end.
#[derive(Clone, Debug)]
enum Pending {
    None,
    Val(Val),
    Deferred(usize),
}

#[derive(Clone, Debug)]
struct ParsedArg {
    text: String,
    value: Pending,
}

struct ParsedLine {
    name: String,
    args: Vec<ParsedArg>,
    task: bool,
    actions: Vec<Action>,
}

struct Symbols(Vec<Sym>);

impl Symbols {
    fn initial(cmdline: &str) -> Self {
        let mut syms = Vec::new();
        let mut def = |name: &str, v: Val| syms.push(Sym { name: name.to_string(), val: SymVal::Val(v) });
        def("host-port", Val::Port(KernelPort::HostPriv));
        def("device-port", Val::Port(KernelPort::DeviceMaster));
        def("kernel-task", Val::Port(KernelPort::KernelTask));
        def("kernel-command-line", Val::Str(cmdline.to_string()));
        def("boot-args", Val::Str(compat_boot_args(cmdline)));
        def("root-device", Val::Str(compat_root_device(cmdline)));
        for word in cmdline.split([' ', '\t']) {
            if let Some((name, value)) = word.split_once('=') {
                def(name, Val::Str(value.to_string()));
            }
        }
        Symbols(syms)
    }

    /// The first symbol called `name`, created undefined when there is none.
    fn lookup_or_enter(&mut self, name: &str) -> usize {
        match self.0.iter().position(|s| s.name == name) {
            Some(i) => i,
            None => {
                self.0.push(Sym { name: name.to_string(), val: SymVal::Undefined });
                self.0.len() - 1
            }
        }
    }

    /// Follows aliases from symbol `i` to a value.
    fn resolve(&self, start: usize) -> Result<&Val, ErrorKind> {
        let mut i = start;
        for _ in 0..=self.0.len() {
            match &self.0[i].val {
                SymVal::Val(v) => return Ok(v),
                SymVal::Undefined => return Err(ErrorKind::UndefinedVariable(self.0[i].name.clone())),
                SymVal::Alias(j) => i = *j,
            }
        }
        Err(ErrorKind::CircularVariable(self.0[start].name.clone()))
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

enum LineOutcome {
    Skip(Skip),
    Parsed(ParsedLine),
}

/// Parses one line (already cut at its first NUL) for module `module`.
fn parse_line(module: usize, line: &str, syms: &mut Symbols) -> Result<LineOutcome, ErrorKind> {
    let b = line.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n && is_blank(b[i]) {
        i += 1;
    }
    if i < n && b[i] == b'#' {
        return Ok(LineOutcome::Skip(Skip::Comment));
    }
    let mut q = i;
    while q < n && !is_blank(b[q]) && b[q] != b'\n' {
        q += 1;
    }
    if q == i {
        return Ok(LineOutcome::Skip(Skip::Empty));
    }
    let mut parsed = ParsedLine { name: line[i..q].to_string(), args: Vec::new(), task: false, actions: Vec::new() };
    i = q;
    // An argument whose text ran into `${`: the variable's value completes it.
    let mut open: Option<ParsedArg> = None;
    loop {
        if open.is_none() {
            while i < n && is_blank(b[i]) {
                i += 1;
            }
            if i >= n || b[i] == b'\n' {
                break;
            }
        }
        let starts_expr = i + 1 < n && b[i] == b'$' && (b[i + 1] == b'{' || b[i + 1] == b'(');
        if open.is_some() || starts_expr {
            let close = if b[i + 1] == b'{' { b'}' } else { b')' };
            i += 2;
            parse_expr(module, line, &mut i, close, &mut open, &mut parsed, syms)?;
        } else {
            // Plain text up to a blank, the end, or `${`.
            let mut q = i;
            while q < n && !is_blank(b[q]) && b[q] != b'\n' && !(b[q] == b'$' && q + 1 < n && b[q + 1] == b'{') {
                q += 1;
            }
            let arg = ParsedArg { text: line[i..q].to_string(), value: Pending::None };
            if q < n && b[q] == b'$' {
                open = Some(arg);
            } else {
                parsed.args.push(arg);
            }
            i = q;
        }
    }
    if !parsed.task {
        if !parsed.actions.is_empty() {
            return Err(ErrorKind::NoTaskToResume);
        }
        return Ok(LineOutcome::Skip(Skip::NoTask));
    }
    Ok(LineOutcome::Parsed(parsed))
}

/// Parses the names of one `${...}` or `$(...)` starting at `*i` (just past the
/// opening bracket), through the closing `close`.
fn parse_expr(
    module: usize,
    line: &str,
    i: &mut usize,
    close: u8,
    open: &mut Option<ParsedArg>,
    parsed: &mut ParsedLine,
    syms: &mut Symbols,
) -> Result<(), ErrorKind> {
    let b = line.as_bytes();
    let n = b.len();
    let start = *i;
    // The variable the next name's value is assigned to (`$(A=...)`).
    let mut target: Option<usize> = None;
    loop {
        let mut q = *i;
        while q < n && b[q] != b'\n' && b[q] != close && b[q] != b'=' {
            q += 1;
        }
        if q == *i {
            return Err(ErrorKind::Syntax { at: q, what: Syntax::EmptyName });
        }
        if q >= n || b[q] == b'\n' {
            return Err(ErrorKind::Syntax { at: start, what: Syntax::Unterminated });
        }
        if close == b'}' && b[q] != b'}' {
            return Err(ErrorKind::Syntax { at: q, what: Syntax::AssignInBraces });
        }
        let c = b[q];
        let name = &line[*i..q];
        let value = match builtin(name) {
            Some(func) => {
                if close == b'}' {
                    return Err(ErrorKind::FunctionInBraces(name.to_string()));
                }
                if c == b'=' {
                    return Err(ErrorKind::AssignToFunction(name.to_string()));
                }
                match func {
                    Func::TaskCreate => {
                        if parsed.task {
                            return Err(ErrorKind::TaskCreatedTwice);
                        }
                        parsed.task = true;
                        Pending::Val(Val::Task(module))
                    }
                    Func::TaskResume => {
                        parsed.actions.push(Action::Resume);
                        Pending::None
                    }
                    Func::PromptTaskResume => {
                        parsed.actions.push(Action::PromptResume);
                        Pending::None
                    }
                    Func::VmObjectCreate => return Err(ErrorKind::UnsupportedFunction(name.to_string())),
                }
            }
            None => {
                let s = syms.lookup_or_enter(name);
                if close == b')' && c == b')' && target.is_none() {
                    return Err(ErrorKind::NotAFunction(name.to_string()));
                }
                let value = match &syms.0[s].val {
                    SymVal::Val(v) => Pending::Val(v.clone()),
                    SymVal::Undefined | SymVal::Alias(_) => Pending::Deferred(s),
                };
                if c == b'=' {
                    // Assign what follows to this symbol; after this value reached the
                    // previous target, if any (chains like `$(a=b=task-create)`).
                    if let Some(t) = target {
                        assign(syms, t, &value);
                    }
                    target = Some(s);
                    *i = q + 1;
                    continue;
                }
                value
            }
        };
        if let Some(t) = target {
            assign(syms, t, &value);
        } else if let Some(arg) = open.as_mut() {
            arg.value = value.clone();
        }
        *i = q + 1;
        // c is the closing bracket here.
        match open.take() {
            Some(arg) => parsed.args.push(arg),
            None if close == b'}' => parsed.args.push(ParsedArg { text: String::new(), value }),
            None => {}
        }
        return Ok(());
    }
}

fn assign(syms: &mut Symbols, target: usize, value: &Pending) {
    match value {
        Pending::Val(v) => syms.0[target].val = SymVal::Val(v.clone()),
        Pending::Deferred(s) => {
            if *s != target {
                syms.0[target].val = SymVal::Alias(*s);
            }
            // `$(a=a)` with `a` undefined leaves `a` undefined.
        }
        Pending::None => {}
    }
}

/// True when GNU Mach would start `modules` in compat mode.
pub fn is_compat(modules: &[&str]) -> bool {
    match modules {
        [only] => {
            let line = cut_at_nul(only);
            let mut words = line.split([' ', '\t', '\n']).filter(|w| !w.is_empty());
            words.next();
            words.next().is_none()
        }
        _ => false,
    }
}

fn cut_at_nul(s: &str) -> &str {
    match s.find('\0') {
        Some(i) => &s[..i],
        None => s,
    }
}

/// The compat-mode command for the only module (see the module docs).
fn compat_command(cmdline: &str) -> Command {
    let mut envp = Vec::new();
    if !cmdline.is_empty() {
        let mut e = String::from("MULTIBOOT_CMDLINE=");
        e.push_str(cmdline);
        envp.push(e);
    }
    Command {
        module: 0,
        name: "bootstrap".to_string(),
        argv: alloc::vec![
            Arg::literal("bootstrap"),
            Arg::literal(&compat_boot_args(cmdline)),
            Arg { text: String::new(), right: Some(Right::Kernel(KernelPort::HostPriv)) },
            Arg { text: String::new(), right: Some(Right::Kernel(KernelPort::DeviceMaster)) },
            Arg::literal(&compat_root_device(cmdline)),
        ],
        envp,
        actions: alloc::vec![Action::Resume],
    }
}

/// Builds the plan for `modules` (each module's command line, in module order)
/// under the kernel command line `cmdline`. Never panics; every problem is in
/// [`Plan::errors`], every line is examined even after an error.
pub fn plan(modules: &[&str], cmdline: &str) -> Plan {
    let mut plan = Plan { mode: Mode::Script, commands: Vec::new(), skipped: Vec::new(), errors: Vec::new() };
    if modules.is_empty() {
        plan.errors.push(LineError { module: 0, kind: ErrorKind::NoModules });
        return plan;
    }
    if is_compat(modules) {
        plan.mode = Mode::Compat;
        plan.commands.push(compat_command(cmdline));
        return plan;
    }
    let mut syms = Symbols::initial(cmdline);
    let mut lines: Vec<(usize, ParsedLine)> = Vec::new();
    for (module, line) in modules.iter().enumerate() {
        let saved = syms.0.clone();
        match parse_line(module, cut_at_nul(line), &mut syms) {
            Ok(LineOutcome::Parsed(p)) => lines.push((module, p)),
            Ok(LineOutcome::Skip(why)) => plan.skipped.push((module, why)),
            Err(kind) => {
                syms.0 = saved;
                plan.errors.push(LineError { module, kind });
            }
        }
    }
    for (module, p) in lines {
        let mut argv = alloc::vec![Arg::literal(&p.name)];
        let mut error = None;
        for a in p.args {
            let val = match a.value {
                Pending::None => None,
                Pending::Val(v) => Some(v),
                Pending::Deferred(s) => match syms.resolve(s) {
                    Ok(v) => Some(v.clone()),
                    Err(kind) => {
                        error.get_or_insert(kind);
                        None
                    }
                },
            };
            let mut arg = Arg { text: a.text, right: None };
            match val {
                None => {}
                Some(Val::Str(s)) => arg.text.push_str(&s),
                Some(Val::Port(p)) => arg.right = Some(Right::Kernel(p)),
                Some(Val::Task(m)) => arg.right = Some(Right::Task(m)),
            }
            argv.push(arg);
        }
        match error {
            Some(kind) => plan.errors.push(LineError { module, kind }),
            None => plan.commands.push(Command { module, name: p.name, argv, envp: Vec::new(), actions: p.actions }),
        }
    }
    plan.errors.sort_by_key(|e| e.module);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMDLINE: &str = "/boot/gnumach console=com0 root=device:hd0s1 -s";

    fn text(s: &str) -> Arg {
        Arg::literal(s)
    }

    fn port(prefix: &str, r: Right) -> Arg {
        Arg { text: prefix.to_string(), right: Some(r) }
    }

    fn one_error(modules: &[&str]) -> ErrorKind {
        let p = plan(modules, CMDLINE);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        p.errors[0].kind.clone()
    }

    /// The Hurd's `grub.cfg` lines as GRUB 2 hands them over (quotes removed,
    /// file name dropped, so the task name comes first).
    #[test]
    fn hurd_grub_lines() {
        let ext2fs = "ext2fs --multiboot-command-line=${kernel-command-line} --host-priv-port=${host-port} \
                      --device-master-port=${device-port} --exec-server-task=${exec-task} -T typed ${root} \
                      $(task-create) $(task-resume)";
        let exec = "exec /hurd/exec $(exec-task=task-create)";
        let p = plan(&[ext2fs, exec], CMDLINE);
        assert!(p.is_ok(), "{:?}", p.errors);
        assert_eq!(p.mode, Mode::Script);
        assert_eq!(p.commands.len(), 2);
        let fs = &p.commands[0];
        assert_eq!(fs.module, 0);
        assert_eq!(fs.name, "ext2fs");
        assert_eq!(
            fs.argv,
            vec![
                text("ext2fs"),
                text(&format!("--multiboot-command-line={}", CMDLINE)),
                port("--host-priv-port=", Right::Kernel(KernelPort::HostPriv)),
                port("--device-master-port=", Right::Kernel(KernelPort::DeviceMaster)),
                port("--exec-server-task=", Right::Task(1)),
                text("-T"),
                text("typed"),
                text("device:hd0s1"),
            ]
        );
        assert!(fs.envp.is_empty());
        assert_eq!(fs.actions, vec![Action::Resume]);
        let ex = &p.commands[1];
        assert_eq!(ex.name, "exec");
        assert_eq!(ex.argv, vec![text("exec"), text("/hurd/exec")]);
        assert!(ex.actions.is_empty(), "the file system resumes exec itself");
    }

    /// The same lines as QEMU's `-initrd` passes them: the file name first.
    #[test]
    fn hurd_lines_with_file_names() {
        let fs = "/hurd/ext2fs.static --host-priv-port=${host-port} ${root-device} $(task-create) $(task-resume)";
        let ld = "/lib/ld.so.1 /hurd/exec $(exec-task=task-create)";
        let p = plan(&[fs, ld], "root=/dev/hd0s1");
        assert!(p.is_ok());
        assert_eq!(p.commands[0].name, "/hurd/ext2fs.static");
        assert_eq!(p.commands[0].argv[2], text("hd0s1"));
        assert_eq!(p.commands[1].argv, vec![text("/lib/ld.so.1"), text("/hurd/exec")]);
    }

    #[test]
    fn test_program_line() {
        let p = plan(&["/hello ${host-port} ${device-port} $(task-create) $(task-resume)"], "");
        assert!(p.is_ok());
        assert_eq!(p.mode, Mode::Script);
        let c = &p.commands[0];
        assert_eq!(
            c.argv,
            vec![
                text("/hello"),
                port("", Right::Kernel(KernelPort::HostPriv)),
                port("", Right::Kernel(KernelPort::DeviceMaster)),
            ]
        );
        assert_eq!(c.actions, vec![Action::Resume]);
    }

    #[test]
    fn compat_mode() {
        for line in ["/boot/serverboot", "/boot/serverboot   ", "serverboot\t", ""] {
            let p = plan(&[line], CMDLINE);
            assert_eq!(p.mode, Mode::Compat, "{:?}", line);
            assert!(p.is_ok());
            let c = &p.commands[0];
            assert_eq!(c.name, "bootstrap");
            assert_eq!(
                c.argv,
                vec![
                    text("bootstrap"),
                    text("-s"),
                    port("", Right::Kernel(KernelPort::HostPriv)),
                    port("", Right::Kernel(KernelPort::DeviceMaster)),
                    text("device:hd0s1"),
                ]
            );
            assert_eq!(c.envp, vec![format!("MULTIBOOT_CMDLINE={}", CMDLINE)]);
            assert_eq!(c.actions, vec![Action::Resume]);
        }
        let p = plan(&["/boot/serverboot"], "");
        assert!(p.commands[0].envp.is_empty());
        assert_eq!(p.commands[0].argv[1], text("-x"));
        assert_eq!(p.commands[0].argv[4], text("UNKNOWN"));
        // Two bare modules: script mode, and neither creates a task.
        let p = plan(&["/a", "/b"], "");
        assert_eq!(p.mode, Mode::Script);
        assert!(p.commands.is_empty());
        assert_eq!(p.skipped, vec![(0, Skip::NoTask), (1, Skip::NoTask)]);
        assert!(!is_compat(&["/a x"]));
    }

    #[test]
    fn compat_strings() {
        assert_eq!(compat_boot_args("/k -s -ad root=x"), "-sad");
        assert_eq!(compat_boot_args("/k root=x"), "-x");
        assert_eq!(compat_boot_args("--"), "--");
        assert_eq!(compat_root_device("root=/dev/sd0 root=hd1"), "hd1");
        assert_eq!(compat_root_device("root=/dev/sd0"), "sd0");
        assert_eq!(compat_root_device("noroot=1"), "UNKNOWN");
    }

    #[test]
    fn string_variables() {
        let p = plan(&["/t ${boot-args} ${root-device} x${foo}y ${empty} $(task-create)"], "-a foo=bar empty= -b");
        assert!(p.is_ok(), "{:?}", p.errors);
        assert_eq!(
            p.commands[0].argv,
            vec![text("/t"), text("-ab"), text("UNKNOWN"), text("xbar"), text("y"), text("")]
        );
    }

    #[test]
    fn adjacent_expressions_make_separate_args() {
        let p = plan(&["/t ${a}${b} pre${a}${host-port} $(task-create)"], "a=1 b=2");
        assert!(p.is_ok());
        assert_eq!(
            p.commands[0].argv,
            vec![text("/t"), text("1"), text("2"), text("pre1"), port("", Right::Kernel(KernelPort::HostPriv))]
        );
    }

    #[test]
    fn first_definition_wins() {
        let p = plan(&["/t ${host-port} ${x} $(task-create)"], "host-port=9 x=1 x=2");
        assert_eq!(p.commands[0].argv[1], port("", Right::Kernel(KernelPort::HostPriv)));
        assert_eq!(p.commands[0].argv[2], text("1"));
    }

    #[test]
    fn dollar_paren_mid_word_and_odd_dollars_are_text() {
        let p = plan(&["/t a$(task-create) $x $ $( $(task-create)"], "");
        // `$(` followed by a blank name is a syntax error only at a word start.
        assert_eq!(p.errors.len(), 1);
        let p = plan(&["/t a$(task-create) $x $ 'q' \"${x}\" $(task-create)"], "x=v");
        assert!(p.is_ok(), "{:?}", p.errors);
        assert_eq!(
            p.commands[0].argv,
            vec![text("/t"), text("a$(task-create)"), text("$x"), text("$"), text("'q'"), text("\"v"), text("\"")]
        );
    }

    #[test]
    fn task_variables_and_forward_references() {
        let lines = [
            "/a ${t-b} ${t-c} $(task-create) $(task-resume)",
            "/b $(t-b=task-create)",
            "/c $(t-c=task-create) $(prompt-task-resume) ${t-b}",
        ];
        let p = plan(&lines, "");
        assert!(p.is_ok(), "{:?}", p.errors);
        assert_eq!(p.commands[0].argv[1..], [port("", Right::Task(1)), port("", Right::Task(2))]);
        assert_eq!(p.commands[2].argv[1], port("", Right::Task(1)));
        assert_eq!(p.commands[2].actions, vec![Action::PromptResume]);
        assert_eq!(p.command_for(1).unwrap().name, "/b");
    }

    #[test]
    fn assignment_copies_and_aliases() {
        // Copy of a defined variable: later changes of the source do not matter.
        let p = plan(&["/a $(x=host-port) ${x} $(task-create)"], "");
        assert_eq!(p.commands[0].argv[1], port("", Right::Kernel(KernelPort::HostPriv)));
        // Alias of a variable defined later, and a chain.
        let lines = ["/a ${x} ${y} $(task-create)", "/b $(x=z)", "/c $(y=z=task-create)"];
        let p = plan(&lines, "");
        assert!(p.is_ok(), "{:?}", p.errors);
        assert_eq!(p.commands[0].argv[1..], [port("", Right::Task(2)), port("", Right::Task(2))]);
        assert_eq!(p.skipped, vec![(1, Skip::NoTask)]);
        // An argument takes the value the variable has when the line is read.
        let lines = ["/a $(v=task-create) ${v}", "/b ${v} $(v=task-create)"];
        let p = plan(&lines, "");
        assert_eq!(p.commands[0].argv[1], port("", Right::Task(0)));
        assert_eq!(p.commands[1].argv[1], port("", Right::Task(0)));
    }

    #[test]
    fn comments_blank_lines_and_newlines() {
        let p = plan(&["  # /x $(task-create)", "   ", "/t a\n b $(task-create)", "/u $(task-create)\n"], "");
        assert_eq!(p.skipped, vec![(0, Skip::Comment), (1, Skip::Empty), (2, Skip::NoTask)]);
        assert_eq!(p.commands.len(), 1);
        assert_eq!(p.commands[0].argv, vec![text("/u")]);
        let p = plan(&["/t $(task-create)\0 ${junk}", "/u"], "");
        assert!(p.is_ok());
    }

    #[test]
    fn undefined_variables() {
        assert_eq!(one_error(&["/t ${nope} $(task-create)", "/u"]), ErrorKind::UndefinedVariable("nope".into()));
        assert_eq!(one_error(&["/t ${a} $(task-create)", "/u $(a=b)"]), ErrorKind::UndefinedVariable("b".into()));
        assert_eq!(one_error(&["/t ${a} $(task-create)", "/u $(a=b) $(b=a)"]), ErrorKind::CircularVariable("a".into()));
        // A line with no task is never loaded, so its variables are not needed.
        let p = plan(&["/t ${nope}", "/u $(task-create)"], "");
        assert!(p.is_ok());
    }

    #[test]
    fn syntax_errors() {
        use Syntax::*;
        let cases: [(&str, ErrorKind); 9] = [
            ("/t ${}", ErrorKind::Syntax { at: 5, what: EmptyName }),
            ("/t $()", ErrorKind::Syntax { at: 5, what: EmptyName }),
            ("/t ${abc", ErrorKind::Syntax { at: 5, what: Unterminated }),
            ("/t x${abc", ErrorKind::Syntax { at: 6, what: Unterminated }),
            ("/t $(task-create", ErrorKind::Syntax { at: 5, what: Unterminated }),
            ("/t ${a=b}", ErrorKind::Syntax { at: 6, what: AssignInBraces }),
            ("/t $(a=)", ErrorKind::Syntax { at: 7, what: EmptyName }),
            ("/t ${ab\n}", ErrorKind::Syntax { at: 5, what: Unterminated }),
            ("/t ${ab)", ErrorKind::Syntax { at: 5, what: Unterminated }),
        ];
        for (line, want) in cases {
            assert_eq!(one_error(&[line, "/u"]), want, "{:?}", line);
        }
    }

    #[test]
    fn function_misuse() {
        assert_eq!(one_error(&["/t ${task-create}", "/u"]), ErrorKind::FunctionInBraces("task-create".into()));
        assert_eq!(one_error(&["/t $(task-create=x)", "/u"]), ErrorKind::AssignToFunction("task-create".into()));
        assert_eq!(one_error(&["/t $(host-port)", "/u"]), ErrorKind::NotAFunction("host-port".into()));
        assert_eq!(
            one_error(&["/t $(vm-object-create)", "/u"]),
            ErrorKind::UnsupportedFunction("vm-object-create".into())
        );
        assert_eq!(one_error(&["/t $(task-create) $(task-create)", "/u"]), ErrorKind::TaskCreatedTwice);
        assert_eq!(one_error(&["/t $(task-resume)", "/u"]), ErrorKind::NoTaskToResume);
    }

    #[test]
    fn errors_are_per_line_and_roll_back() {
        let lines = [
            "/a $(t=task-create) ${bad",                     // error: `t` must not stay defined
            "/b ${t} $(task-create)",                        // so this one is undefined
            "/c ${host-port} $(task-create) $(task-resume)", // fine
        ];
        let p = plan(&lines, "");
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.errors[0].module, 0);
        assert_eq!(p.errors[1], LineError { module: 1, kind: ErrorKind::UndefinedVariable("t".into()) });
        assert_eq!(p.commands.len(), 1);
        assert_eq!(p.commands[0].module, 2);
        assert!(!p.is_ok());
        let p = plan(&[], "");
        assert_eq!(p.errors, vec![LineError { module: 0, kind: ErrorKind::NoModules }]);
    }

    #[test]
    fn error_messages() {
        let e = ErrorKind::UndefinedVariable("root".into());
        assert_eq!(e.to_string(), "undefined variable root");
        let e = ErrorKind::Syntax { at: 3, what: Syntax::Unterminated };
        assert!(e.to_string().contains("byte 3"));
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        let samples = [
            "$",
            "${",
            "$(",
            "/t $",
            "/t ${",
            "/t $(",
            "/t }",
            "/t )",
            "/t $(=)",
            "/t $(a==b)",
            "/t ${}}",
            "/t é${é}ü $(é=task-create)",
            "\t\t/t\t$(task-create)\t",
            "/t $(a=b=c=d)",
            "/t x${y}${",
        ];
        for s in samples {
            let _ = plan(&[s, s], "é=ü -é root=é");
            let _ = plan(&[s], s);
        }
    }
}
