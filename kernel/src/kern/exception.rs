//! Mach exceptions: a user thread's fault becomes an `exception_raise`
//! message (from GNU Mach's `exc.defs`, through the MIG-generated stub) sent
//! to the thread's exception port, or else the task's. The thread waits for
//! the reply: `KERN_SUCCESS` resumes it (with whatever state the handler
//! set); anything else, or no exception port, ends the task.

use alloc::vec;
use alloc::vec::Vec;

use mach_ipc::{PortId, Right, WaitObj};

use crate::i386::trap::TrapFrame;
use crate::ipc::{self, with_ipc, KernelPort};
use crate::kern::mig::{exc, rt};
use crate::kern::sched_prim as sched;
use crate::kern::task;

pub const EXC_BAD_ACCESS: u32 = 1;
pub const EXC_BAD_INSTRUCTION: u32 = 2;
pub const EXC_ARITHMETIC: u32 = 3;
pub const EXC_BREAKPOINT: u32 = 6;
const EXC_I386_INVOP: u32 = 1;
const EXC_I386_DIV: u32 = 1;
const EXC_I386_INTO: u32 = 2;
const EXC_I386_NOEXT: u32 = 3;
const EXC_I386_EXTERR: u32 = 5;
const EXC_I386_BOUND: u32 = 7;
const EXC_I386_SGL: u32 = 1;
const EXC_I386_BPT: u32 = 2;
const KERN_PROTECTION_FAILURE: u32 = 2;
const KERN_INVALID_ADDRESS: u32 = 1;

/// The Mach exception for CPU exception `vector` (GNU Mach's i386 mapping).
pub fn from_trap(vector: u32, err: u32, cr2: u32) -> (u32, u32, u32) {
    match vector {
        0 => (EXC_ARITHMETIC, EXC_I386_DIV, 0),
        1 => (EXC_BREAKPOINT, EXC_I386_SGL, 0),
        3 => (EXC_BREAKPOINT, EXC_I386_BPT, 0),
        4 => (EXC_ARITHMETIC, EXC_I386_INTO, 0),
        5 => (EXC_ARITHMETIC, EXC_I386_BOUND, 0),
        6 => (EXC_BAD_INSTRUCTION, EXC_I386_INVOP, 0),
        7 => (EXC_ARITHMETIC, EXC_I386_NOEXT, 0),
        14 => (EXC_BAD_ACCESS, if err & 1 != 0 { KERN_PROTECTION_FAILURE } else { KERN_INVALID_ADDRESS }, cr2),
        16 => (EXC_ARITHMETIC, EXC_I386_EXTERR, 0),
        v => (EXC_BAD_INSTRUCTION, v, err),
    }
}

/// `mach_msg` for the generated stub: sends the request as a kernel message
/// (port fields are handles into `rights`), then waits on a kernel reply port.
struct KernelMsg {
    dest: Option<Right>,
    rights: Vec<Right>,
    reply: PortId,
}

/// Marker the stub writes as its reply port.
const REPLY_HANDLE: u32 = 0xFFFF_FF01;

impl rt::MachMsg for KernelMsg {
    fn mach_msg(&mut self, msg: &mut [u8], _option: u32, send_size: u32, _rcv_size: u32, _rcv_name: u32, _timeout: u32, _notify: u32) -> u32 {
        let dest = self.dest.take().unwrap_or(Right::null());
        let rights = core::mem::take(&mut self.rights);
        let reply = self.reply;
        let sent = with_ipc(|ipc| {
            let so = ipc.make_send_once(reply).map_err(|_| 0x1000_0009u32)?;
            let m = ipc.kernel_request(dest, so, &msg[..send_size as usize], rights)?;
            ipc.send_always(m);
            Ok(())
        });
        if let Err(code) = sent {
            return code;
        }
        let ev = ipc::wait_event(WaitObj::Port(reply), false);
        loop {
            let got = with_ipc(|ipc| {
                let m = ipc.dequeue(reply);
                if m.is_none() {
                    sched::assert_wait(ev, None);
                }
                m
            });
            if let Some(k) = got {
                // Straight into the stub's buffer: the handler chose the
                // body's size (up to a MiB), the stub reads a few words.
                let mut header = [0u8; 24];
                for (i, w) in [k.bits, k.size, 0, REPLY_HANDLE, k.seqno, k.id].into_iter().enumerate() {
                    header[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
                }
                let n = header.len().min(msg.len());
                msg[..n].copy_from_slice(&header[..n]);
                let b = k.body.len().min(msg.len() - n);
                msg[n..n + b].copy_from_slice(&k.body[..b]);
                with_ipc(|ipc| ipc.destroy_received_kmsg(k));
                return 0;
            }
            sched::thread_block();
            if sched::halt_pending() {
                return 0x1000_4005; // MACH_RCV_INTERRUPTED
            }
        }
    }

    fn reply_port(&mut self) -> u32 {
        REPLY_HANDLE
    }
}

/// Delivers an exception for the running user thread; true when a handler
/// answered `KERN_SUCCESS` (the thread resumes with its possibly changed state).
/// Called with interrupts on, from the trap path.
pub fn raise(_frame: &mut TrapFrame, exception: u32, code: u32, subcode: u32) -> bool {
    let th = sched::current();
    let Some(t) = task::current() else { return false };
    let Some(port) = ipc::exception_port(t, th) else { return false };
    let (Some(thread_right), Some(task_right)) = (ipc::make_send(KernelPort::Thread(th)), ipc::make_send(KernelPort::Task(t))) else {
        with_ipc(|i| i.release_right(port));
        return false;
    };
    let reply = with_ipc(|ipc| ipc.alloc_kernel_port(Some((ipc::KOBJ_KREPLY, u64::from(th)))));
    let mut km = KernelMsg { dest: Some(port), rights: vec![thread_right, task_right], reply };
    let r = exc::exception_raise(&mut km, 0, 1, 2, exception, code, subcode);
    // Rights the stub never sent go back.
    with_ipc(|ipc| {
        if let Some(d) = km.dest.take() {
            ipc.release_right(d);
        }
        for x in km.rights.drain(..) {
            ipc.release_right(x);
        }
        let _ = ipc.destroy_kernel_port(reply);
    });
    r.is_ok()
}
