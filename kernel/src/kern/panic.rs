//! Panics: the message, its source location, a frame-pointer backtrace, and,
//! in a test run, a failing `isa-debug-exit` status.

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::i386::{cpu, qemu};
use crate::vm::pmap::{KERNEL_BASE, LINEAR_MAX};

static IN_PANIC: AtomicBool = AtomicBool::new(false);
static EXIT_ON_PANIC: AtomicBool = AtomicBool::new(false);

/// Makes a panic end the QEMU run with a failure status (set for test runs).
pub fn exit_on_panic(on: bool) {
    EXIT_ON_PANIC.store(on, Ordering::SeqCst);
}

/// Prints the return addresses on the `%ebp` chain starting at `ebp`.
pub fn backtrace(mut ebp: u32) {
    crate::kprintln!("backtrace:");
    for _ in 0..32 {
        if ebp == 0 || ebp % 4 != 0 || ebp < KERNEL_BASE || ebp >= KERNEL_BASE + LINEAR_MAX - 8 {
            break;
        }
        if !crate::vm::pmap::linear_mapped(ebp as usize, 8) {
            break;
        }
        // SAFETY: `ebp` is aligned and its 8 bytes are in the present part of
        // the linear map (checked above); frames are [saved ebp, return address].
        let (next, ret) = unsafe { (*(ebp as *const u32), *((ebp + 4) as *const u32)) };
        crate::kprintln!("  {:#010x}", ret);
        if next <= ebp {
            break;
        }
        ebp = next;
    }
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    cpu::disable_interrupts();
    if IN_PANIC.swap(true, Ordering::SeqCst) {
        // A panic while panicking: stop quietly rather than recurse.
        if EXIT_ON_PANIC.load(Ordering::SeqCst) {
            qemu::exit(qemu::FAILURE);
        }
        cpu::halt_forever();
    }
    crate::kern::log::force_unlock();
    match info.location() {
        Some(loc) => crate::kprintln!("panic: {} at {}:{}:{}", info.message(), loc.file(), loc.line(), loc.column()),
        None => crate::kprintln!("panic: {}", info.message()),
    }
    crate::kprintln!("in thread '{}'", crate::kern::sched_prim::current_name());
    backtrace(cpu::frame_pointer());
    if EXIT_ON_PANIC.load(Ordering::SeqCst) {
        qemu::exit(qemu::FAILURE);
    }
    crate::kprintln!("kernel halted");
    cpu::halt_forever()
}

/// The i586 Linux target's prebuilt `core` names an unwinding personality;
/// with `panic = "abort"` it is never called.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

/// The prebuilt `alloc` has landing pads that name the unwinder's resume
/// function; with `panic = "abort"` no unwinding ever starts, so it cannot run.
#[no_mangle]
pub extern "C" fn _Unwind_Resume() -> ! {
    panic!("_Unwind_Resume called: unwinding is not supported");
}
