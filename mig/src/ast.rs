//! The parsed form of one MIG subsystem, with every type already resolved.
//!
//! MIG resolves type names in declaration order, so the parser hands back
//! routines whose arguments carry complete [`IpcType`]s.

use super::error::Pos;
use super::types::IpcType;

/// How an argument is passed (MIG's argument "kind" keyword).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// `in` (the default): sent in the request.
    In,
    /// `out`: returned in the reply.
    Out,
    /// `inout`: in both messages.
    InOut,
    /// `requestport`: the header's destination. Without one, the first argument is it.
    RequestPort,
    /// `replyport`: the header's reply port, visible on both sides.
    ReplyPort,
    /// `sreplyport`: the reply port, an argument of the server function only.
    SReplyPort,
    /// `ureplyport`: the reply port, an argument of the user stub only.
    UReplyPort,
    /// `waittime`: user-side receive timeout; not in the message.
    WaitTime,
    /// `msgoption`: user-side extra `mach_msg` options; not in the message.
    MsgOption,
    /// `msgseqno`: server-side request sequence number; not in the body.
    MsgSeqno,
}

/// What the `dealloc` flags of an argument say about the deallocate bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dealloc {
    /// No flag (or `notdealloc`): the bit is clear.
    Never,
    /// `dealloc`: the bit is always set by the sender.
    Always,
    /// `dealloc[]`: the sender chooses at run time.
    Runtime,
}

/// One routine argument.
#[derive(Clone, Debug)]
pub struct Arg {
    /// Argument name as written.
    pub name: String,
    /// Its kind.
    pub kind: ArgKind,
    /// Its resolved type.
    pub ty: IpcType,
    /// `dealloc`, `dealloc[]`, `notdealloc`.
    pub dealloc: Dealloc,
    /// `servercopy` (the server receives a copy of out-of-line data).
    pub server_copy: bool,
    /// `countinout`: the count of an `out` variable array also travels in the request.
    pub count_in_out: bool,
    /// Where it was declared.
    pub pos: Pos,
}

/// A `routine` or `simpleroutine`.
#[derive(Clone, Debug)]
pub struct Routine {
    /// Routine name.
    pub name: String,
    /// `simpleroutine`: one-way, no reply.
    pub simple: bool,
    /// Position in the subsystem: request id = base + index (each `skip` counts).
    pub index: u32,
    /// Arguments in declaration order.
    pub args: Vec<Arg>,
    /// Where it was declared.
    pub pos: Pos,
}

/// One `import`, `uimport` or `simport` statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// `None` for `import`, `Some(User)`/`Some(Server)` for `uimport`/`simport`.
    pub side: Option<super::Side>,
    /// The file name between `<>` or quotes.
    pub file: String,
}

/// A whole `.defs` file.
#[derive(Clone, Debug, Default)]
pub struct Subsystem {
    /// Subsystem name (`mach`, `device`...).
    pub name: String,
    /// Base message id.
    pub base: u32,
    /// `KernelServer` modifier.
    pub kernel_server: bool,
    /// `KernelUser` modifier.
    pub kernel_user: bool,
    /// Routines in order, skips removed (their indexes keep the gaps).
    pub routines: Vec<Routine>,
    /// Number of ids used including skips (`base + count` is one past the last id).
    pub count: u32,
    /// Import statements.
    pub imports: Vec<Import>,
    /// `serverprefix` value.
    pub server_prefix: Option<String>,
    /// `userprefix` value.
    pub user_prefix: Option<String>,
    /// `serverdemux` value.
    pub server_demux: Option<String>,
    /// `rcsid` value.
    pub rcsid: Option<String>,
    /// Global `msgoption` statement value (a C expression, kept as text).
    pub msg_option: Option<String>,
    /// Global `waittime` statement value (a C expression, kept as text).
    pub wait_time: Option<String>,
    /// Every named type in declaration order (later declarations replace earlier ones).
    pub types: Vec<IpcType>,
}

impl Subsystem {
    /// Finds a routine by name.
    pub fn routine(&self, name: &str) -> Option<&Routine> {
        self.routines.iter().find(|r| r.name == name)
    }

    /// Finds a declared type by name (the latest declaration wins).
    pub fn type_named(&self, name: &str) -> Option<&IpcType> {
        self.types.iter().rev().find(|t| t.name == name)
    }
}
