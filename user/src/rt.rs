//! The i386 process runtime: entry point, exit, panics, and the C functions the
//! compiler's output expects (the i586 Linux target assumes a C library).

use crate::args::Args;
use crate::trap;
use core::arch::global_asm;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

// `_start`: the kernel enters here with `%esp` at argc (GNU Mach's initial stack,
// aligned to 4 only). Clear `%ebp` to end frame-pointer chains, align the stack
// to 16 as the i386 System V ABI wants at a call, and pass the original `%esp`
// to `mach_user_start`, which never returns.
global_asm!(
    r#"
    .pushsection .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    xor ebp, ebp
    mov eax, esp
    and esp, -16
    sub esp, 12
    push eax
    call mach_user_start
    ud2
    .size _start, . - _start
    .popsection
"#
);

extern "Rust" {
    /// The program's main function, defined by [`crate::entry!`].
    fn mach_user_main(args: &Args) -> i32;
}

/// Called by `_start` with the initial stack pointer: runs the program's main
/// and terminates the task.
///
/// # Safety
/// Only `_start` calls this, with the stack pointer the kernel set up.
#[no_mangle]
pub unsafe extern "C" fn mach_user_start(sp: *const usize) -> ! {
    // SAFETY: `sp` is the initial stack pointer, which points at the argument
    // block the kernel wrote; that block is never popped (we never return).
    let args = unsafe { Args::from_initial_stack(sp) };
    // SAFETY: `mach_user_main` is the program's `entry!` function, a safe Rust fn.
    let status = unsafe { mach_user_main(&args) };
    if status != 0 {
        crate::uprintln!("{}: exit status {}", test_name().unwrap_or("program"), status);
    }
    trap::exit()
}

static NAME_PTR: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
static NAME_LEN: AtomicUsize = AtomicUsize::new(0);

/// Names the program for failure reports: a panic then also prints
/// `user-test: NAME FAILED: panic`, the line the test harness looks for.
pub fn set_test_name(name: &'static str) {
    NAME_LEN.store(name.len(), Ordering::Relaxed);
    NAME_PTR.store(name.as_ptr() as *mut u8, Ordering::Release);
}

/// The body of a test program: names the test, runs `body`, and prints the
/// verdict line the QEMU tests look for (`user-test: NAME ok` or
/// `user-test: NAME FAILED: why`). Returns the exit status (0).
pub fn test_main(name: &'static str, body: impl FnOnce() -> Result<(), &'static str>) -> i32 {
    set_test_name(name);
    match body() {
        Ok(()) => crate::uprintln!("user-test: {} ok", name),
        Err(why) => crate::uprintln!("user-test: {} FAILED: {}", name, why),
    }
    0
}

/// The name given to [`set_test_name`], if any.
pub fn test_name() -> Option<&'static str> {
    let p = NAME_PTR.load(Ordering::Acquire);
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` and the length come from a `&'static str` stored by `set_test_name`.
    let bytes = unsafe { core::slice::from_raw_parts(p, NAME_LEN.load(Ordering::Relaxed)) };
    core::str::from_utf8(bytes).ok()
}

static IN_PANIC: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    if !IN_PANIC.swap(true, Ordering::SeqCst) {
        match info.location() {
            Some(l) => crate::uprintln!("panic: {} at {}:{}", info.message(), l.file(), l.line()),
            None => crate::uprintln!("panic: {}", info.message()),
        }
        if let Some(name) = test_name() {
            crate::uprintln!("user-test: {} FAILED: panic", name);
        }
    }
    trap::exit()
}

/// The prebuilt `core` names an unwinding personality; with `panic = "abort"` it
/// is never called.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

/// Named by landing pads in prebuilt code; no unwinding ever starts, so it
/// cannot run. Terminates the task if it somehow does.
#[no_mangle]
pub extern "C" fn _Unwind_Resume() -> ! {
    trap::print_str("_Unwind_Resume called\n");
    trap::exit()
}

// memcpy, memmove, memset, memcmp, bcmp, strlen: the C functions Rust's generated code
// calls (`CStr` uses strlen). The mem* functions are the kernel's source; strlen is
// ours (the kernel takes the C glue's).
global_asm!(include_str!("../../kernel/src/kern/mem_i386.s"));
global_asm!(
    r#"
    .pushsection .text.mem, "ax", @progbits
    .globl strlen
    .type strlen, @function
strlen:
    push edi
    mov edi, [esp + 8]
    xor eax, eax
    mov ecx, -1
    repne scasb
    /* ecx went down by len + 1 from -1. */
    mov eax, -2
    sub eax, ecx
    pop edi
    ret
    .size strlen, . - strlen
    .popsection
"#
);


/// Starts a new thread of this task at `entry`, on the stack
/// `[stack, stack + stack_bytes)` (the caller's memory); returns the
/// thread's port name.
///
/// # Errors
/// Which step failed: `thread_create`, `thread_set_state` or `thread_resume`.
pub fn start_thread(m: &mut crate::mig::Mach, entry: extern "C" fn() -> !, stack: u32, stack_bytes: u32) -> Result<u32, &'static str> {
    use crate::mig::mach;
    // SAFETY: no arguments.
    let task = unsafe { crate::trap::mach_task_self() };
    let th = mach::thread_create(m, task).map_err(|_| "thread_create")?.child_thread;
    // i386_thread_state: eip is word 12, uesp word 15.
    let mut state = [0u32; 17];
    state[12] = entry as usize as u32;
    state[15] = stack + stack_bytes - 16;
    mach::thread_set_state(m, th, 1, &state).map_err(|_| "thread_set_state")?;
    mach::thread_resume(m, th).map_err(|_| "thread_resume")?;
    Ok(th)
}

/// A device name as `device_open` takes it (`dev_name_t`, 128 bytes).
pub fn device_name(s: &str) -> [u8; 128] {
    let mut n = [0u8; 128];
    n[..s.len().min(127)].copy_from_slice(&s.as_bytes()[..s.len().min(127)]);
    n
}
