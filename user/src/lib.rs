//! `mach_user`: a tiny `#![no_std]` runtime for i386 programs on this kernel and on
//! GNU Mach itself, using only GNU Mach's binary interface.
//!
//! - [`trap`]: every Mach trap as an `extern "C"` function, each a real stub
//!   (`mov $-N, %eax; lcall $0x7, $0x0; ret`), so the kernel finds the trap's
//!   arguments at the user `%esp + 4`, above the stub's return address.
//! - [`abi`]: return codes, port rights, notification ids, device, VM and
//!   exception numbers, written out from GNU Mach's headers.
//! - [`message`]: the message header, type descriptors, options, dispositions and
//!   return codes of `mach/message.h`.
//! - [`print`]: [`uprint!`]/[`uprintln!`], formatted output through `mach_print`.
//! - [`rt`] (i386 only): the entry point `_start`, which reads argc/argv/envp from
//!   the initial stack the kernel built (see `kerncore::userstack`), calls the
//!   program's main function (declared with [`entry!`]) and terminates the task;
//!   the panic handler; the C memory functions the compiler's output calls.
//!
//! A program:
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use mach_user::{entry, uprintln, Args};
//! fn main(args: &Args) -> i32 {
//!     uprintln!("argc = {}", args.argc());
//!     0
//! }
//! entry!(main);
//! ```
//! Build: `cargo build -p mach-user --target i586-unknown-linux-gnu --release`;
//! `build.rs` links each program with `link.ld` (static, at 0x08048000).
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

extern crate alloc;

pub mod abi;
pub mod args;
pub mod message;
pub mod mig;
pub mod net;
pub mod print;
#[cfg(target_arch = "x86")]
pub mod heap;
#[cfg(target_arch = "x86")]
pub mod rt;
#[cfg(target_arch = "x86")]
pub mod trap;

pub use args::Args;
#[cfg(target_arch = "x86")]
pub use rt::{device_name, set_test_name, start_thread, test_main, test_name};
#[cfg(target_arch = "x86")]
pub use trap::exit;

/// `Ok(())` when `cond` holds, else `Err(why)`: the test programs' check.
///
/// # Errors
/// `why` when `cond` is false.
pub fn expect(cond: bool, why: &'static str) -> Result<(), &'static str> {
    if cond { Ok(()) } else { Err(why) }
}

/// A port name in the task's IPC space (`mach_port_t` in user space).
pub type MachPort = u32;
/// `kern_return_t`: 0 for success, else an error code.
pub type KernReturn = i32;
/// The null port name.
pub const MACH_PORT_NULL: MachPort = 0;
/// The dead port name.
pub const MACH_PORT_DEAD: MachPort = !0;
/// `KERN_SUCCESS`.
pub const KERN_SUCCESS: KernReturn = 0;

/// Declares the program's main function: `fn(&Args) -> i32`. The runtime calls it
/// once from `_start`; when it returns the task terminates (the value is only
/// printed when it is not 0; Mach tasks have no exit status).
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        pub fn mach_user_main(args: &$crate::Args) -> i32 {
            let main: fn(&$crate::Args) -> i32 = $main;
            main(args)
        }
    };
}
