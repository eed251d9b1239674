//! The initial user stack of a boot task: argc, argv, envp and their strings.
//!
//! Layout, from the new `%esp` upward (all words 32-bit little-endian):
//!
//! ```text
//! esp ->  argc
//!         argv[0] .. argv[argc-1]   pointers into the strings below
//!         0
//!         envp[0] .. envp[envc-1]
//!         0
//!         "argv[0]\0" ... "argv[argc-1]\0" "envp[0]\0" ... "envp[envc-1]\0"
//!         padding (zero) up to `top`
//! top ->
//! ```
//!
//! This is GNU Mach's layout (kern/bootstrap.c `build_args_and_stack` with
//! i386 `set_user_regs`): the block's size is rounded up to 4 bytes and placed at
//! the very top of the stack, so `%esp` is only 4-byte aligned, and the strings
//! follow the pointer arrays with no gap. Programs cope: glibc's i386 `_start`
//! aligns `%esp` to 16 itself before calling into C, and so does `mach_user`'s.
//! [`GNU_MACH_ALIGN`] gives GNU Mach's exact bytes; an alignment of 16 (as the
//! i386 System V ABI wants at a `call`) only moves `%esp` down and adds padding
//! after the strings; the program sees the same structure.

use alloc::vec::Vec;

/// The `%esp` alignment GNU Mach gives a boot task.
pub const GNU_MACH_ALIGN: u32 = 4;
/// Largest block accepted (the stack GNU Mach gives a boot task is 128 KiB;
/// half of it stays free for the program).
pub const MAX_BLOCK: u32 = 64 * 1024;

/// Why the block could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackError {
    /// `argv[index]` contains a NUL byte.
    NulInArg { index: usize },
    /// `envp[index]` contains a NUL byte.
    NulInEnv { index: usize },
    /// The alignment is not a power of two of at least 4.
    BadAlign(u32),
    /// The stack top is not 4-byte aligned.
    TopUnaligned(u32),
    /// The block would exceed [`MAX_BLOCK`] or the space below `top`.
    TooLarge,
    /// The output buffer's length is not [`Layout::len`].
    WrongBuffer,
}

/// Where the block goes, computed by [`layout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The stack top given to [`layout`].
    pub top: u32,
    /// The new `%esp`: the address of `argc`.
    pub esp: u32,
    /// Bytes from `esp` to `top`.
    pub len: u32,
    pub argc: u32,
    pub envc: u32,
}

/// Computes where the block for `argv` and `envp` lies below `top` with `%esp`
/// aligned to `align` ([`GNU_MACH_ALIGN`] for GNU Mach's exact layout).
///
/// # Errors
/// [`StackError`]: a NUL inside a string, a bad alignment or top, too much data.
pub fn layout<A: AsRef<[u8]>, E: AsRef<[u8]>>(
    top: u32,
    argv: &[A],
    envp: &[E],
    align: u32,
) -> Result<Layout, StackError> {
    if align < 4 || !align.is_power_of_two() {
        return Err(StackError::BadAlign(align));
    }
    if !top.is_multiple_of(4) {
        return Err(StackError::TopUnaligned(top));
    }
    let mut strings: u64 = 0;
    for (index, a) in argv.iter().enumerate() {
        if a.as_ref().contains(&0) {
            return Err(StackError::NulInArg { index });
        }
        strings += a.as_ref().len() as u64 + 1;
    }
    for (index, e) in envp.iter().enumerate() {
        if e.as_ref().contains(&0) {
            return Err(StackError::NulInEnv { index });
        }
        strings += e.as_ref().len() as u64 + 1;
    }
    let words = 1 + argv.len() as u64 + 1 + envp.len() as u64 + 1;
    let size = words * 4 + strings;
    if size > u64::from(MAX_BLOCK) || size > u64::from(top) {
        return Err(StackError::TooLarge);
    }
    let esp = (top - size as u32) & !(align - 1);
    Ok(Layout { top, esp, len: top - esp, argc: argv.len() as u32, envc: envp.len() as u32 })
}

/// Writes the block described by `l` into `out` (exactly `l.len` bytes, to be
/// copied to user address `l.esp`). `argv` and `envp` must be those given to
/// [`layout`].
///
/// # Errors
/// [`StackError::WrongBuffer`] when `out` or the strings do not match `l`.
pub fn write<A: AsRef<[u8]>, E: AsRef<[u8]>>(
    l: &Layout,
    argv: &[A],
    envp: &[E],
    out: &mut [u8],
) -> Result<(), StackError> {
    if out.len() != l.len as usize || argv.len() != l.argc as usize || envp.len() != l.envc as usize {
        return Err(StackError::WrongBuffer);
    }
    let words = 1 + argv.len() + 1 + envp.len() + 1;
    let mut word_at = 0usize;
    let mut string_at = words * 4;
    out.fill(0);
    put_word(out, &mut word_at, l.argc);
    put_list(out, l.esp, argv, &mut word_at, &mut string_at)?;
    put_list(out, l.esp, envp, &mut word_at, &mut string_at)
}

fn put_word(out: &mut [u8], at: &mut usize, v: u32) {
    out[*at..*at + 4].copy_from_slice(&v.to_le_bytes());
    *at += 4;
}

/// Writes the pointers of `list` and its NULL at `word_at`, its strings at `string_at`.
fn put_list<S: AsRef<[u8]>>(
    out: &mut [u8],
    esp: u32,
    list: &[S],
    word_at: &mut usize,
    string_at: &mut usize,
) -> Result<(), StackError> {
    for s in list {
        let s = s.as_ref();
        let end = *string_at + s.len() + 1;
        if end > out.len() {
            return Err(StackError::WrongBuffer);
        }
        put_word(out, word_at, esp + *string_at as u32);
        out[*string_at..end - 1].copy_from_slice(s);
        *string_at = end;
    }
    put_word(out, word_at, 0);
    Ok(())
}

/// The block to copy to the top of a new task's stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialStack {
    /// The task's initial `%esp` (where `bytes` start).
    pub esp: u32,
    /// Exactly `top - esp` bytes.
    pub bytes: Vec<u8>,
}

/// [`layout`] and [`write()`] in one step.
///
/// # Errors
/// As [`layout`].
pub fn build<A: AsRef<[u8]>, E: AsRef<[u8]>>(
    top: u32,
    argv: &[A],
    envp: &[E],
    align: u32,
) -> Result<InitialStack, StackError> {
    let l = layout(top, argv, envp, align)?;
    let mut bytes = alloc::vec![0u8; l.len as usize];
    write(&l, argv, envp, &mut bytes)?;
    Ok(InitialStack { esp: l.esp, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: u32 = 0xC000_0000;

    fn word(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    /// Reads the block back the way a program's `_start` does.
    fn read_back(s: &InitialStack) -> (Vec<String>, Vec<String>) {
        let off = |addr: u32| (addr - s.esp) as usize;
        let cstr = |addr: u32| {
            let b = &s.bytes[off(addr)..];
            String::from_utf8(b[..b.iter().position(|&c| c == 0).unwrap()].to_vec()).unwrap()
        };
        let argc = word(&s.bytes, 0) as usize;
        let argv: Vec<String> = (0..argc).map(|i| cstr(word(&s.bytes, 4 + 4 * i))).collect();
        assert_eq!(word(&s.bytes, 4 + 4 * argc), 0);
        let mut envp = Vec::new();
        let mut at = 8 + 4 * argc;
        while word(&s.bytes, at) != 0 {
            envp.push(cstr(word(&s.bytes, at)));
            at += 4;
        }
        (argv, envp)
    }

    #[test]
    fn gnu_mach_exact_bytes() {
        // argc 2, argv "ab" "1", no env: 4 + 4*2 + 4 + 4 = 20 bytes of words,
        // 5 bytes of strings = 25, rounded to 28.
        let s = build(TOP, &["ab", "1"], &[] as &[&str], GNU_MACH_ALIGN).unwrap();
        assert_eq!(s.esp, TOP - 28);
        let mut want = Vec::new();
        for w in [2, TOP - 8, TOP - 5, 0, 0] {
            want.extend_from_slice(&u32::to_le_bytes(w));
        }
        want.extend_from_slice(b"ab\x001\x00\x00\x00\x00");
        assert_eq!(s.bytes, want);
    }

    #[test]
    fn compat_style_block_reads_back() {
        let argv = ["bootstrap", "-s", "1", "2", "hd0s1"];
        let envp = ["MULTIBOOT_CMDLINE=/boot/gnumach root=device:hd0s1 -s"];
        let s = build(TOP, &argv, &envp, GNU_MACH_ALIGN).unwrap();
        assert_eq!(s.esp % 4, 0);
        assert_eq!(s.bytes.len(), (TOP - s.esp) as usize);
        let (a, e) = read_back(&s);
        assert_eq!(a, argv);
        assert_eq!(e, envp);
        // Strings start right after envp's NULL.
        assert_eq!(word(&s.bytes, 4), s.esp + 4 * (1 + 5 + 1 + 1 + 1));
    }

    #[test]
    fn sixteen_byte_alignment_only_adds_padding() {
        for n in 0..20 {
            let arg: String = "x".repeat(n);
            let s4 = build(TOP - 0x1000, &[arg.as_str()], &["A=1"], 4).unwrap();
            let s16 = build(TOP - 0x1000, &[arg.as_str()], &["A=1"], 16).unwrap();
            assert_eq!(s16.esp % 16, 0);
            assert!(s16.esp <= s4.esp && s4.esp - s16.esp < 16);
            assert_eq!(read_back(&s4), read_back(&s16));
        }
    }

    #[test]
    fn empty_vectors() {
        let s = build(TOP, &[] as &[&str], &[] as &[&str], 4).unwrap();
        assert_eq!(s.esp, TOP - 12);
        assert_eq!(s.bytes, [0u8; 12]);
    }

    #[test]
    fn errors() {
        let none: &[&str] = &[];
        assert_eq!(layout(TOP, &["a\0b"], none, 4), Err(StackError::NulInArg { index: 0 }));
        assert_eq!(layout(TOP, &["a"], &["x", "y\0"], 4), Err(StackError::NulInEnv { index: 1 }));
        assert_eq!(layout(TOP, none, none, 8 + 4), Err(StackError::BadAlign(12)));
        assert_eq!(layout(TOP, none, none, 2), Err(StackError::BadAlign(2)));
        assert_eq!(layout(TOP - 2, none, none, 4), Err(StackError::TopUnaligned(TOP - 2)));
        let big = "y".repeat(MAX_BLOCK as usize);
        assert_eq!(layout(TOP, &[big.as_str()], none, 4), Err(StackError::TooLarge));
        assert_eq!(layout(8, &["a"], none, 4), Err(StackError::TooLarge));
        let l = layout(TOP, &["a"], none, 4).unwrap();
        assert_eq!(write(&l, &["a"], none, &mut [0u8; 3]), Err(StackError::WrongBuffer));
        let mut buf = vec![0u8; l.len as usize];
        assert_eq!(write(&l, &["abcdefgh"], none, &mut buf), Err(StackError::WrongBuffer));
        assert_eq!(write(&l, &["a"], none, &mut buf), Ok(()));
    }
}
