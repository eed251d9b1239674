//! The kernel proper: start-up, the log, panics, boot facts, and the
//! in-kernel tests. Tasks, threads and IPC come with the Mach core.

pub mod bootinfo;
pub mod bootstrap;
pub mod exception;
pub mod exec;
pub mod gsync;
pub mod host;
pub mod ktest;
pub mod log;
pub mod mem;
pub mod mig;
pub mod panic;
pub mod sched_prim;
pub mod startup;
pub mod syscall_sw;
pub mod task;
pub mod thread;
