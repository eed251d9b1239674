//! The program's arguments and environment, as the kernel left them on the stack.

use core::ffi::{c_char, CStr};

/// argc, argv and envp from the initial stack: `%esp` pointed at argc, then argc
/// argv pointers, a NULL, the envp pointers, a NULL (GNU Mach's layout). The
/// strings stay valid for the whole life of the program: nothing ever pops them.
#[derive(Clone, Copy, Debug)]
pub struct Args {
    argc: usize,
    argv: *const *const c_char,
    envp: *const *const c_char,
}

impl Args {
    /// Reads the block at the initial stack pointer `sp`.
    ///
    /// # Safety
    /// `sp` must point at a block laid out as described above, in memory that is
    /// never written again.
    pub unsafe fn from_initial_stack(sp: *const usize) -> Self {
        // SAFETY: the caller guarantees `sp` points at argc followed by the
        // argv array (argc entries and a NULL) and the envp array.
        unsafe {
            let argc = *sp;
            let argv = sp.add(1) as *const *const c_char;
            let envp = argv.add(argc + 1);
            Args { argc, argv, envp }
        }
    }

    /// The number of arguments, `argv[0]` included.
    pub fn argc(&self) -> usize {
        self.argc
    }

    /// The raw `argv` pointer (argc entries, then NULL).
    pub fn argv_ptr(&self) -> *const *const c_char {
        self.argv
    }

    /// The raw `envp` pointer (NULL-terminated).
    pub fn envp_ptr(&self) -> *const *const c_char {
        self.envp
    }

    /// `argv[i]` without its NUL, or `None` past the end (or for a NULL entry).
    pub fn arg(&self, i: usize) -> Option<&'static [u8]> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: i < argc, so argv[i] is inside the array built by the kernel.
        let p = unsafe { *self.argv.add(i) };
        cstr(p)
    }

    /// `argv[i]` as a decimal number: how boot scripts pass port names
    /// (`${host-port}` becomes `1`). `None` if absent or not a number.
    pub fn number(&self, i: usize) -> Option<u32> {
        let s = self.arg(i)?;
        if s.is_empty() {
            return None;
        }
        s.iter().try_fold(0u32, |n, &c| if c.is_ascii_digit() { n.checked_mul(10)?.checked_add(u32::from(c - b'0')) } else { None })
    }

    /// `argv[i]` as text (`"<not utf-8>"` when it is not).
    pub fn arg_str(&self, i: usize) -> Option<&'static str> {
        self.arg(i).map(as_text)
    }

    /// All arguments, `argv[0]` first.
    pub fn args(&self) -> impl Iterator<Item = &'static str> + '_ {
        (0..self.argc).filter_map(move |i| self.arg_str(i))
    }

    /// The environment strings, in order.
    pub fn env(&self) -> impl Iterator<Item = &'static str> {
        let mut p = self.envp;
        core::iter::from_fn(move || {
            // SAFETY: envp is NULL-terminated; `p` never moves past the NULL.
            let s = unsafe { *p };
            if s.is_null() {
                return None;
            }
            // SAFETY: still inside the array (the NULL was not reached).
            p = unsafe { p.add(1) };
            cstr(s).map(as_text)
        })
    }
}

fn cstr(p: *const c_char) -> Option<&'static [u8]> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the kernel wrote NUL-terminated strings for every non-NULL pointer,
    // and they are never freed or written (see `Args`).
    Some(unsafe { CStr::from_ptr(p) }.to_bytes())
}

fn as_text(b: &'static [u8]) -> &'static str {
    core::str::from_utf8(b).unwrap_or("<not utf-8>")
}
