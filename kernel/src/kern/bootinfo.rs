//! What the boot loader told the kernel, kept for later stages: the command
//! line and its words, the memory map, and the module list (names, command
//! lines, physical ranges) for the bootstrap of the Mach core.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

use spin::Once;

use kerncore::cmdline::KernelArgs;
use kerncore::multiboot::{BootInfo, PhysRead, PhysStr};

use crate::vm::pmap::{phys_to_virt, LINEAR_MAX};

/// Reads physical memory through the linear map (below [`LINEAR_MAX`]).
pub struct LinearReader;

impl PhysRead for LinearReader {
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        let Some(end) = addr.checked_add(buf.len() as u64) else { return false };
        if end > u64::from(LINEAR_MAX) || !crate::vm::pmap::linear_mapped(phys_to_virt(addr as u32), buf.len()) {
            return false;
        }
        // SAFETY: the range is inside the present linear map (checked above);
        // boot data is only read.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(addr as u32) as *const u8, buf.as_mut_ptr(), buf.len()) };
        true
    }
}

/// Reads the string `s` from physical memory, replacing invalid UTF-8.
pub fn read_string(s: PhysStr) -> String {
    let mut bytes = alloc::vec![0u8; s.len as usize];
    if !LinearReader.read(u64::from(s.addr), &mut bytes) {
        return String::new();
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A boot module as the bootstrap will see it.
#[derive(Clone, Debug)]
pub struct BootModule {
    pub start: u32,
    pub end: u32,
    /// The module's line: file name first, then its arguments.
    pub cmdline: String,
}

/// Boot-time facts kept for the rest of the kernel.
pub struct Boot {
    pub info: BootInfo,
    pub cmdline: &'static str,
    pub args: KernelArgs<'static>,
    pub modules: Vec<BootModule>,
}

static BOOT: Once<Boot> = Once::new();

/// The boot facts (after start-up).
pub fn get() -> &'static Boot {
    BOOT.get().expect("boot info read at start-up")
}

pub fn set(boot: Boot) -> &'static Boot {
    BOOT.call_once(|| boot)
}

/// Room for the command line before the heap exists.
const CMDLINE_MAX: usize = 4096;
struct CmdlineBuf(UnsafeCell<[u8; CMDLINE_MAX]>);
// SAFETY: written once by `copy_cmdline` during single-threaded start-up, read-only after.
unsafe impl Sync for CmdlineBuf {}
static CMDLINE: CmdlineBuf = CmdlineBuf(UnsafeCell::new([0; CMDLINE_MAX]));

/// Copies the command line into kernel memory; invalid UTF-8 is cut at the first bad byte.
pub fn copy_cmdline(info: &BootInfo) -> &'static str {
    let Some(s) = info.cmdline else { return "" };
    let len = (s.len as usize).min(CMDLINE_MAX);
    // SAFETY: called once, before anything reads CMDLINE (start-up is single-threaded).
    let buf = unsafe { &mut *CMDLINE.0.get() };
    if !LinearReader.read(u64::from(s.addr), &mut buf[..len]) {
        return "";
    }
    match core::str::from_utf8(&buf[..len]) {
        Ok(v) => v,
        Err(e) => core::str::from_utf8(&buf[..e.valid_up_to()]).unwrap_or(""),
    }
}
