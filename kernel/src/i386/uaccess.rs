//! The one way the kernel touches user memory: checked copies.
//!
//! A copy first checks that the whole range lies in user space (below
//! [`VM_MAX_ADDRESS`], no wrap-around); the copy itself runs with an entry in
//! the exception fix-up table, so a fault on an unmapped or protected page
//! ends it with an error instead of a kernel fault.

use core::arch::asm;

/// End of user space (GNU Mach's `VM_MAX_ADDRESS` on i386).
pub const VM_MAX_ADDRESS: u32 = 0xC000_0000;

/// A user address range that is outside user space or not (fully) mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadAddress;

/// Whether `[addr, addr + len)` lies in user space.
pub fn user_range(addr: u32, len: usize) -> bool {
    u32::try_from(len).ok().and_then(|l| addr.checked_add(l)).is_some_and(|end| end <= VM_MAX_ADDRESS)
}

/// Copies `len` bytes from `src` to `dst`, either of which may be a user
/// address; returns the bytes left uncopied (0 on success).
///
/// # Safety
/// The kernel-side pointer must be valid for `len` bytes; the user side must
/// have passed [`user_range`].
unsafe fn copy_with_fixup(dst: *mut u8, src: *const u8, len: usize) -> usize {
    let left: usize;
    // SAFETY: the copy goes by words (`rep movsd`), then the last bytes
    // (`rep movsb`). A fault inside the word copy resumes at label 5, which
    // turns the words left plus the tail into bytes left; a fault inside the
    // byte copy resumes at label 3 with %ecx = bytes left. Both through the
    // exception table. %esi (which LLVM may reserve, so it cannot be named
    // as an operand) is swapped in and out around the copy; the tail count
    // lives in %edx, named, so that it never lands in %esi.
    unsafe {
        asm!(
            "xchg esi, {src}",
            "mov edx, ecx",
            "shr ecx, 2",
            "and edx, 3",
            "2: rep movsd",
            "mov ecx, edx",
            "4: rep movsb",
            "jmp 3f",
            "5: lea ecx, [ecx * 4 + edx]",
            "3:",
            "xchg esi, {src}",
            ".pushsection .ex_table, \"a\"",
            ".long 2b, 5b",
            ".long 4b, 3b",
            ".popsection",
            src = inout(reg) src => _,
            out("edx") _,
            inout("ecx") len => left,
            inout("edi") dst => _,
            options(nostack),
        );
    }
    left
}

/// Copies user memory at `uaddr` into `dst`.
///
/// # Errors
/// [`BadAddress`] when the range is not user space or a page is not readable;
/// `dst` may then be partly written.
pub fn copyin(uaddr: u32, dst: &mut [u8]) -> Result<(), BadAddress> {
    if !user_range(uaddr, dst.len()) {
        return Err(BadAddress);
    }
    // SAFETY: `dst` is a valid kernel buffer; the user range was checked.
    match unsafe { copy_with_fixup(dst.as_mut_ptr(), uaddr as *const u8, dst.len()) } {
        0 => Ok(()),
        _ => Err(BadAddress),
    }
}

/// Copies `len` bytes of user memory at `uaddr` into the start of `buf`,
/// which need not be initialised (a message buffer on the stack, so that
/// nothing is cleared first); returns the copied bytes.
///
/// # Errors
/// [`BadAddress`] as for [`copyin`], or when `len` exceeds the buffer.
pub fn copyin_uninit(uaddr: u32, buf: &mut [core::mem::MaybeUninit<u8>], len: usize) -> Result<&mut [u8], BadAddress> {
    if len > buf.len() || !user_range(uaddr, len) {
        return Err(BadAddress);
    }
    // SAFETY: `buf` is a valid kernel buffer of at least `len` bytes; the
    // user range was checked.
    match unsafe { copy_with_fixup(buf.as_mut_ptr().cast(), uaddr as *const u8, len) } {
        // SAFETY: the copy wrote all `len` bytes, so they are initialised.
        0 => Ok(unsafe { core::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<u8>(), len) }),
        _ => Err(BadAddress),
    }
}

/// Copies `src` to user memory at `uaddr`.
///
/// # Errors
/// [`BadAddress`] when the range is not user space or a page is not writable.
pub fn copyout(src: &[u8], uaddr: u32) -> Result<(), BadAddress> {
    if !user_range(uaddr, src.len()) {
        return Err(BadAddress);
    }
    // SAFETY: `src` is a valid kernel buffer; the user range was checked.
    match unsafe { copy_with_fixup(uaddr as *mut u8, src.as_ptr(), src.len()) } {
        0 => Ok(()),
        _ => Err(BadAddress),
    }
}

/// Reads a 32-bit word of user memory.
///
/// # Errors
/// As [`copyin`].
pub fn read_u32(uaddr: u32) -> Result<u32, BadAddress> {
    let mut b = [0u8; 4];
    copyin(uaddr, &mut b)?;
    Ok(u32::from_le_bytes(b))
}

/// Reads a NUL-terminated user string of at most `max` bytes into `buf`;
/// returns its length.
///
/// # Errors
/// [`BadAddress`] for an unreadable byte before the NUL, or no NUL within `max`.
pub fn copyin_str(uaddr: u32, buf: &mut [u8]) -> Result<usize, BadAddress> {
    for (i, b) in buf.iter_mut().enumerate() {
        let at = uaddr.checked_add(i as u32).ok_or(BadAddress)?;
        let mut one = [0u8];
        copyin(at, &mut one)?;
        if one[0] == 0 {
            return Ok(i);
        }
        *b = one[0];
    }
    Err(BadAddress)
}
