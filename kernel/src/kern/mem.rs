//! `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp` for Rust's generated
//! code and for the C glue (the i586 Linux target expects a C library
//! to give them), from `mem_i386.s`, which the user runtime includes too.

use core::arch::global_asm;

global_asm!(include_str!("mem_i386.s"));
