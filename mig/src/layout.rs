//! Message layouts: which arguments travel in which message, in which order,
//! with which descriptors, and how big the messages are.
//!
//! Rules (MIG's, as GNU Mach's stubs apply them on i386):
//! - request id = subsystem base + routine index; reply id = request id + 100;
//! - the request port (`requestport`, or else the first argument) and the reply
//!   port travel in the header, not the body; `waittime`, `msgoption`,
//!   `msgseqno` do not travel at all;
//! - `in`/`inout` arguments form the request body, in declaration order; an
//!   `out` variable array declared `CountInOut` contributes its count (an
//!   `INTEGER_32` item) to the request at its position;
//! - a reply body starts with the return code (`INTEGER_32` descriptor + value),
//!   followed by the `out`/`inout` arguments; an error reply is exactly 32 bytes;
//! - each item is a 4-byte descriptor (12 bytes in long form) followed by its
//!   data padded to 4 bytes, or by a 4-byte address when out of line; a
//!   variable inline array takes only the space of its actual count, and what
//!   follows is packed right after it;
//! - a message is complex when it carries port rights or out-of-line memory.
//!
//! A `MACH_MSG_TYPE_PORT_*` type is polymorphic for a user-level sender; the
//! kernel sends it as `MOVE_*`, and replies of a `KernelServer` move the naked
//! send rights the kernel holds (`COPY_SEND` becomes `MOVE_SEND`); see
//! [`sender_name`].

use super::ast::{Arg, ArgKind, Dealloc, Routine, Subsystem};
use super::error::Error;
use super::types::{names, IpcType, MsgName};

/// What an item of a message body stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemRole {
    /// The value of an argument.
    Arg,
    /// The caller's capacity for an `out` array declared `CountInOut`.
    CountInOut,
    /// The reply's return code.
    RetCode,
}

/// One typed item of a message body.
#[derive(Clone, Debug)]
pub struct Item {
    /// Rust name of the value (argument name, `<arg>_cnt`, or `ret_code`).
    pub name: String,
    /// The argument it comes from (empty for the return code).
    pub arg: String,
    /// What it stands for.
    pub role: ItemRole,
    /// Its wire type, with the sender's name already adjusted for kernel senders.
    pub ty: IpcType,
    /// The deallocate bit rule.
    pub dealloc: Dealloc,
}

impl Item {
    /// Descriptor bytes: 4, or 12 in long form.
    pub fn desc_bytes(&self) -> u32 {
        if self.ty.long_form {
            12
        } else {
            4
        }
    }
    /// Data bytes at the maximum count (inline), or 4 (an address, out of line).
    pub fn max_data_bytes(&self) -> u32 {
        if self.ty.inline {
            pad4_bits(self.ty.fixed_bits())
        } else {
            4
        }
    }
    /// Data bytes at the minimum count.
    pub fn min_data_bytes(&self) -> u32 {
        if self.ty.inline && self.ty.var_array {
            0
        } else {
            self.max_data_bytes()
        }
    }
    /// True when the item's size varies with its count (an inline variable array).
    pub fn is_var_inline(&self) -> bool {
        self.ty.inline && self.ty.var_array
    }
    /// Whether this item makes a message complex, as seen by the sender
    /// (`in_name`) or the receiver (`out_name`). `None` means "depends on the
    /// run-time polymorphic name".
    pub fn complex(&self, receiver: bool) -> Option<bool> {
        if !self.ty.inline {
            return Some(true);
        }
        let n = if receiver { self.ty.out_name } else { self.ty.in_name };
        match n {
            MsgName::Poly => None,
            MsgName::Fixed(v) => Some(names::is_right(v)),
        }
    }
}

fn pad4_bits(bits: u64) -> u32 {
    let bytes = bits.div_ceil(8);
    ((bytes + 3) & !3) as u32
}

/// Static complexity of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Complexity {
    /// Never complex: the complex bit must be clear.
    Simple,
    /// Always complex: the complex bit must be set.
    Complex,
    /// Depends on polymorphic names chosen at run time.
    Runtime,
}

/// The body of one message.
#[derive(Clone, Debug)]
pub struct Message {
    /// `msgh_id`.
    pub id: u32,
    /// Items in wire order.
    pub items: Vec<Item>,
    /// Smallest possible `msgh_size` (variable arrays empty).
    pub min_size: u32,
    /// Largest possible `msgh_size` (variable arrays full).
    pub max_size: u32,
    /// Complexity as the sender computes it.
    pub send_complexity: Complexity,
    /// Complexity as the receiver checks it.
    pub recv_complexity: Complexity,
}

impl Message {
    fn new(id: u32, items: Vec<Item>, header: u32) -> Message {
        let min_size = header + items.iter().map(|i| i.desc_bytes() + i.min_data_bytes()).sum::<u32>();
        let max_size = header + items.iter().map(|i| i.desc_bytes() + i.max_data_bytes()).sum::<u32>();
        let cx = |receiver: bool| {
            let mut runtime = false;
            for i in &items {
                match i.complex(receiver) {
                    Some(true) => return Complexity::Complex,
                    None => runtime = true,
                    Some(false) => {}
                }
            }
            if runtime {
                Complexity::Runtime
            } else {
                Complexity::Simple
            }
        };
        let (send_complexity, recv_complexity) = (cx(false), cx(true));
        Message { id, items, min_size, max_size, send_complexity, recv_complexity }
    }
    /// True when every message has the same size.
    pub fn fixed_size(&self) -> bool {
        self.min_size == self.max_size
    }
}

/// A port that travels in the header.
#[derive(Clone, Debug)]
pub struct HeaderPort {
    /// Argument name.
    pub arg: String,
    /// Argument kind (`requestport`, `replyport`, `sreplyport`, `ureplyport`).
    pub kind: ArgKind,
    /// Its type.
    pub ty: IpcType,
}

/// Everything generated code needs to know about one routine.
#[derive(Clone, Debug)]
pub struct RoutineLayout {
    /// Routine name.
    pub name: String,
    /// `simpleroutine`.
    pub simple: bool,
    /// The request.
    pub request: Message,
    /// The reply (`None` for a simpleroutine).
    pub reply: Option<Message>,
    /// The request port.
    pub request_port: HeaderPort,
    /// An explicit reply port argument, if any.
    pub reply_port: Option<HeaderPort>,
    /// `waittime` argument name.
    pub wait_time: Option<String>,
    /// `msgoption` argument name.
    pub msg_option: Option<String>,
    /// `msgseqno` argument name.
    pub msg_seqno: Option<String>,
    /// The arguments as declared.
    pub args: Vec<Arg>,
}

/// The `_cnt` name of a count for argument `arg`.
pub fn count_name(arg: &str) -> String {
    format!("{arg}_cnt")
}

/// Who sends a message, as far as descriptor names are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A task: writes the declared names; `PORT_*` shorthands are polymorphic.
    Task,
    /// The kernel replying as a `KernelServer`: it holds naked rights and
    /// moves them (`COPY_SEND` and `PORT_SEND` become `MOVE_SEND`, as in GNU
    /// Mach's generated `task_create` reply).
    KernelServer,
    /// The kernel calling a `KernelUser` stub: declared names are kept
    /// (`COPY_SEND` in `exception_raise`, `MAKE_SEND` in `device_open_reply`);
    /// `PORT_*` shorthands are sent as their `MOVE_*` form.
    KernelUser,
}

/// The descriptor name a sender writes for a value of type `ty`.
pub fn sender_name(ty: &IpcType, sender: Sender) -> MsgName {
    match (sender, ty.in_name) {
        (Sender::Task, n) => n,
        (_, MsgName::Poly) if ty.port_shorthand => ty.out_name,
        (Sender::KernelServer, MsgName::Fixed(names::COPY_SEND)) => MsgName::Fixed(names::MOVE_SEND),
        (_, n) => n,
    }
}

fn sender_adjusted(ty: &IpcType, sender: Sender) -> IpcType {
    let mut t = ty.clone();
    t.in_name = sender_name(ty, sender);
    t
}

fn ret_code_item() -> Item {
    Item {
        name: "ret_code".into(),
        arg: String::new(),
        role: ItemRole::RetCode,
        ty: IpcType::basic("kern_return_t", names::INTEGER_32, 32),
        dealloc: Dealloc::Never,
    }
}

/// Computes the layout of one routine.
///
/// # Errors
/// [`Error::Semantic`] when the routine has no request port, or an argument
/// that cannot travel (e.g. a `waittime` of an array type).
pub fn routine_layout(sub: &Subsystem, r: &Routine) -> Result<RoutineLayout, Error> {
    let sem = |msg: String| Error::Semantic { pos: r.pos.clone(), msg };
    let mut args = r.args.clone();
    if !args.iter().any(|a| a.kind == ArgKind::RequestPort) {
        match args.first_mut() {
            Some(a) if a.kind == ArgKind::In => a.kind = ArgKind::RequestPort,
            _ => return Err(sem(format!("routine {} has no request port", r.name))),
        }
    }
    let id = sub.base + r.index;
    let request_sender = if sub.kernel_user { Sender::KernelUser } else { Sender::Task };
    let reply_sender = if sub.kernel_server { Sender::KernelServer } else { Sender::Task };
    let mut request_port = None;
    let mut reply_port = None;
    let (mut wait_time, mut msg_option, mut msg_seqno) = (None, None, None);
    let mut req_items = Vec::new();
    let mut rep_items = vec![ret_code_item()];
    for a in &args {
        let item = |sender: Sender| Item {
            name: a.name.clone(),
            arg: a.name.clone(),
            role: ItemRole::Arg,
            ty: sender_adjusted(&a.ty, sender),
            dealloc: a.dealloc,
        };
        match a.kind {
            ArgKind::RequestPort => {
                request_port = Some(HeaderPort { arg: a.name.clone(), kind: a.kind, ty: a.ty.clone() })
            }
            ArgKind::ReplyPort | ArgKind::SReplyPort | ArgKind::UReplyPort => {
                reply_port = Some(HeaderPort { arg: a.name.clone(), kind: a.kind, ty: a.ty.clone() })
            }
            ArgKind::WaitTime => wait_time = Some(a.name.clone()),
            ArgKind::MsgOption => msg_option = Some(a.name.clone()),
            ArgKind::MsgSeqno => msg_seqno = Some(a.name.clone()),
            ArgKind::In => req_items.push(item(request_sender)),
            ArgKind::Out => {
                if a.count_in_out {
                    if !a.ty.var_array {
                        return Err(sem(format!("CountInOut on {}, which is not a variable array", a.name)));
                    }
                    req_items.push(Item {
                        name: count_name(&a.name),
                        arg: a.name.clone(),
                        role: ItemRole::CountInOut,
                        ty: IpcType::basic("mach_msg_type_number_t", names::INTEGER_32, 32),
                        dealloc: Dealloc::Never,
                    });
                }
                rep_items.push(item(reply_sender));
            }
            ArgKind::InOut => {
                req_items.push(item(request_sender));
                rep_items.push(item(reply_sender));
            }
        }
    }
    for i in req_items.iter().chain(rep_items.iter()) {
        if i.ty.size == 0 || (i.ty.size % 8 != 0) {
            return Err(sem(format!("{}: element size {} bits is not supported", i.name, i.ty.size)));
        }
    }
    let request_port = request_port.ok_or_else(|| sem(format!("routine {} has no request port", r.name)))?;
    Ok(RoutineLayout {
        name: r.name.clone(),
        simple: r.simple,
        request: Message::new(id, req_items, 24),
        reply: if r.simple { None } else { Some(Message::new(id + 100, rep_items, 24)) },
        request_port,
        reply_port,
        wait_time,
        msg_option,
        msg_seqno,
        args,
    })
}

/// Layouts of all routines of a subsystem, in id order.
///
/// # Errors
/// As [`routine_layout`].
pub fn layouts(sub: &Subsystem) -> Result<Vec<RoutineLayout>, Error> {
    sub.routines.iter().map(|r| routine_layout(sub, r)).collect()
}
