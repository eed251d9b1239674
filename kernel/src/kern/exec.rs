//! Loading a statically linked i386 ELF program into a new task, as GNU
//! Mach's bootstrap does for boot modules: each `PT_LOAD` segment gets
//! zero-filled pages with its file bytes copied in and its protection set,
//! the stack (128 KiB) ends at the top of user space with argc/argv/envp at
//! `%esp`, and one thread starts at the entry point (suspended until the
//! caller resumes it).

use alloc::string::String;
use alloc::format;

use kerncore::elf;
use kerncore::userstack;
use kerncore::vm_entries::{VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE};

use super::sched_prim::ThreadId;
use super::task::{self, TaskId};
use crate::i386::uaccess::VM_MAX_ADDRESS;

/// Bytes of a boot task's stack.
pub const STACK_SIZE: u32 = 128 * 1024;

/// Loads `image` into the empty task `t` and gives it its first thread,
/// leaving the task suspended (`task::resume` starts it).
///
/// # Errors
/// A message naming what was wrong (bad ELF, no memory); the task is
/// terminated then.
pub fn load_into(t: TaskId, name: &str, image: &[u8], argv: &[String], envp: &[String]) -> Result<ThreadId, String> {
    let exe = match elf::parse(image) {
        Ok(exe) if !exe.interp && !exe.dynamic => exe,
        Ok(_) => {
            task::terminate(t);
            return Err(format!("{name}: dynamically linked programs are not supported as boot modules"));
        }
        Err(e) => {
            task::terminate(t);
            return Err(format!("{name}: not a loadable i386 ELF program: {e:?}"));
        }
    };
    // Boot tasks start suspended; `task::resume` lets them run.
    let _ = task::suspend(t);
    match fill(t, image, &exe, argv, envp) {
        Ok((esp, entry)) => match task::create_user_thread(t, entry, esp, true) {
            Ok(thread) => Ok(thread),
            Err(e) => {
                task::terminate(t);
                Err(format!("{name}: thread_create: {e}"))
            }
        },
        Err(e) => {
            task::terminate(t);
            Err(format!("{name}: {e}"))
        }
    }
}

fn fill(t: TaskId, image: &[u8], exe: &elf::Executable, argv: &[String], envp: &[String]) -> Result<(u32, u32), String> {
    task::with_task(t, |tk| -> Result<(u32, u32), String> {
        for seg in exe.segments.as_slice() {
            let (start, end) = seg.page_range();
            // Segments may share a page at their edges: allocate only what is new.
            let mut va = start;
            while va < end {
                if tk.map.region(va).is_none_or(|e| e.start > va) {
                    tk.map.allocate(va, 4096, false).map_err(|e| format!("vm_allocate {va:#x}: {e}"))?;
                }
                va += 4096;
            }
            let from = seg.offset as usize;
            let bytes = &image[from..from + seg.filesz as usize];
            tk.map.write_kernel(seg.vaddr, bytes).map_err(|e| format!("loading segment at {:#x}: {e}", seg.vaddr))?;
        }
        // Protections once every segment is written (shared pages get the union).
        for seg in exe.segments.as_slice() {
            let (start, end) = seg.page_range();
            let mut prot = 0;
            if seg.readable() {
                prot |= VM_PROT_READ;
            }
            if seg.writable() {
                prot |= VM_PROT_WRITE;
            }
            if seg.executable() {
                prot |= VM_PROT_EXECUTE | VM_PROT_READ;
            }
            let shared_with_writable = exe.segments.as_slice().iter().any(|o| {
                o.writable() && o.page_range().0 < end && o.page_range().1 > start
            });
            if shared_with_writable {
                prot |= VM_PROT_WRITE;
            }
            tk.map.protect(start, end - start, false, prot).map_err(|e| format!("vm_protect: {e}"))?;
        }
        let top = VM_MAX_ADDRESS;
        tk.map.allocate(top - STACK_SIZE, STACK_SIZE, false).map_err(|e| format!("stack: {e}"))?;
        let stack = userstack::build(top, argv, envp, userstack::GNU_MACH_ALIGN).map_err(|e| format!("arguments: {e:?}"))?;
        tk.map.write_kernel(stack.esp, &stack.bytes).map_err(|e| format!("stack: {e}"))?;
        Ok((stack.esp, exe.entry))
    })
    .ok_or_else(|| String::from("task vanished"))?
}
