//! `pager`: a user-level pager serving a memory object to its own task,
//! through GNU Mach's external memory management interface. A second thread
//! serves `memory_object.defs` on the object's port; the main thread maps
//! the object with `vm_map` and touches it:
//!
//! - the kernel sends `memory_object_init`; the pager answers
//!   `memory_object_ready`; the first touch of each page brings one
//!   `memory_object_data_request`, answered by `data_supply` (pages 0, 1),
//!   `data_unavailable` (page 2: zeros) or `data_error` (page 3: a kernel
//!   copy from that page fails, and waits for the answer first);
//! - a write dirties page 1; `memory_object_lock_request` with
//!   RETURN_DIRTY brings it back with `memory_object_data_return`, then
//!   `memory_object_lock_completed`; a flush makes the next touch ask again;
//! - `vm_deallocate` of the last mapping returns the dirty page 0 and ends
//!   with `memory_object_terminate`, which hands over the control and name
//!   ports (receive rights).
//!
//! Then the `time` device: `device_map` and `vm_map` give the mapped time
//! page, which advances; write access is refused.
//!
//! Boot-script line: `/pager ${device-port} $(task-create) $(task-resume)`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use mach_user::abi::*;
use mach_user::message::*;
use mach_user::mig::{device as ds, gnumach, mach, mach_port, memory_object_server as mos, rt, Mach};
use mach_user::trap::{mach_msg_trap, mach_task_self};
use mach_user::{entry, expect, uprintln, Args};

const NAME: &str = "pager";
const PAGE: u32 = 4096;
const MEMORY_OBJECT_RETURN_DIRTY: u32 = 1;
const MEMORY_OBJECT_RETURN_NONE: u32 = 0;
const MEMORY_OBJECT_COPY_NONE: u32 = 1;
const KERN_MEMORY_ERROR: u32 = 10;
const VM_INHERIT_COPY: u32 = 1;

/// What the pager thread saw, for the main thread to check.
static OBJECT: AtomicU32 = AtomicU32::new(0);
static CONTROL: AtomicU32 = AtomicU32::new(0);
static NAME_PORT: AtomicU32 = AtomicU32::new(0);
static INITS: AtomicU32 = AtomicU32::new(0);
/// Data requests per page (pages 0..4).
static REQUESTS: [AtomicU32; 4] = [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)];
/// Returned pages: bit per page, and the byte at offset 11 of the last one.
static RETURNED: AtomicU32 = AtomicU32::new(0);
static RETURNED_BYTE: AtomicU32 = AtomicU32::new(0);
static RETURNED_DIRTY: AtomicU32 = AtomicU32::new(0);
static LOCKS_COMPLETED: AtomicU32 = AtomicU32::new(0);
static UNLOCKS: AtomicU32 = AtomicU32::new(0);
/// The page the pager supplies write-locked.
const LOCKED_PAGE: u32 = 16;
static TERMINATED: AtomicU32 = AtomicU32::new(0);
/// Set when the terminate message carried receive rights for both ports.
static TERMINATE_RIGHTS_OK: AtomicU32 = AtomicU32::new(0);

struct Pager {
    m: Mach,
    task: u32,
}

impl mos::MemoryObjectServer for Pager {
    fn memory_object_init(&mut self, req: mos::MemoryObjectInitRequest) -> Result<(), i32> {
        INITS.fetch_add(1, Ordering::SeqCst);
        CONTROL.store(req.memory_control, Ordering::SeqCst);
        NAME_PORT.store(req.memory_object_name, Ordering::SeqCst);
        if req.memory_object_page_size != PAGE {
            uprintln!("{}: page size {}", NAME, req.memory_object_page_size);
        }
        mach::memory_object_ready(&mut self.m, req.memory_control, 0, MEMORY_OBJECT_COPY_NONE).map_err(|e| e)
    }

    fn memory_object_data_request(&mut self, req: mos::MemoryObjectDataRequestRequest) -> Result<(), i32> {
        let page = req.offset / PAGE;
        let n = REQUESTS.get(page as usize).map_or(0, |c| c.fetch_add(1, Ordering::SeqCst));
        uprintln!("{}: data_request page {} length {} access {}", NAME, page, req.length, req.desired_access);
        match page {
            2 => mach::memory_object_data_unavailable(&mut self.m, req.memory_control, req.offset, req.length),
            3 => mach::memory_object_data_error(&mut self.m, req.memory_control, req.offset, req.length, KERN_MEMORY_ERROR),
            _ => {
                // Page p holds 'A' + p the first time, 'a' + p after that.
                let fill = if n == 0 { b'A' } else { b'a' } + page as u8;
                let mut data = [fill; PAGE as usize];
                data[0] = page as u8;
                let ool = rt::Ool { addr: data.as_mut_ptr() as u32, count: PAGE, dealloc: false };
                // Page 16 comes write-locked: a write must ask to unlock it.
                let lock = if page == LOCKED_PAGE { VM_PROT_WRITE } else { 0 };
                mach::memory_object_data_supply(&mut self.m, req.memory_control, req.offset, ool, lock, 0, 0)
            }
        }
    }

    fn memory_object_data_unlock(&mut self, req: mos::MemoryObjectDataUnlockRequest) -> Result<(), i32> {
        uprintln!("{}: data_unlock page {} access {}", NAME, req.offset / PAGE, req.desired_access);
        UNLOCKS.fetch_add(1, Ordering::SeqCst);
        mach::memory_object_lock_request(&mut self.m, req.memory_control, req.offset, req.length, MEMORY_OBJECT_RETURN_NONE, 0, 0, 0)
    }

    fn memory_object_data_return(&mut self, req: mos::MemoryObjectDataReturnRequest) -> Result<(), i32> {
        let page = req.offset / PAGE;
        // SAFETY: the kernel mapped `count` bytes of out-of-line data here.
        let byte = unsafe { *((req.data.addr + 11) as *const u8) };
        uprintln!("{}: data_return page {} dirty {} byte {:?}", NAME, page, req.dirty, byte as char);
        if page < 4 {
            RETURNED_BYTE.store(u32::from(byte), Ordering::SeqCst);
            RETURNED_DIRTY.store(req.dirty, Ordering::SeqCst);
        }
        RETURNED.fetch_or(1 << page, Ordering::SeqCst);
        let _ = mach::vm_deallocate(&mut self.m, self.task, req.data.addr, req.data.count);
        Ok(())
    }

    fn memory_object_lock_completed(&mut self, req: mos::MemoryObjectLockCompletedRequest) -> Result<(), i32> {
        uprintln!("{}: lock_completed offset {} length {}", NAME, req.offset, req.length);
        LOCKS_COMPLETED.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn memory_object_terminate(&mut self, req: mos::MemoryObjectTerminateRequest) -> Result<(), i32> {
        let ty = |n: u32| mach_port::mach_port_type(&mut Mach::new(), self.task, n).map(|r| r.ptype).unwrap_or(0);
        let ok = ty(req.memory_control) & MACH_PORT_TYPE_RECEIVE != 0 && ty(req.memory_object_name) & MACH_PORT_TYPE_RECEIVE != 0;
        uprintln!("{}: terminate (control and name receive rights: {})", NAME, ok);
        TERMINATE_RIGHTS_OK.store(u32::from(ok), Ordering::SeqCst);
        // Done with both: destroy them (and the send rights init gave).
        for n in [req.memory_control, req.memory_object_name] {
            let _ = mach_port::mach_port_destroy(&mut self.m, self.task, n);
        }
        TERMINATED.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

extern "C" fn pager_thread() -> ! {
    // SAFETY: no arguments.
    let mut p = Pager { m: Mach::new(), task: unsafe { mach_task_self() } };
    mach_user::mig::serve_forever(OBJECT.load(Ordering::SeqCst), |req, reply| mos::memory_object_server(&mut p, req, reply))
}

/// Waits up to about a second for `cond`, sleeping in a receive timeout.
fn wait_for(m: &mut Mach, task: u32, cond: impl Fn() -> bool) -> bool {
    let Ok(port) = mach_port::mach_port_allocate(m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name) else { return false };
    let mut buf = rt::MsgBuf::<64>::new();
    let mut ok = false;
    for _ in 0..100 {
        if cond() {
            ok = true;
            break;
        }
        // SAFETY: a 64-byte buffer; nothing is ever sent to `port`.
        unsafe { mach_msg_trap(buf.0.as_mut_ptr().cast(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, port, 10, 0) };
    }
    let _ = mach_port::mach_port_destroy(m, task, port);
    ok
}

fn read(at: u32) -> u8 {
    // SAFETY: `at` lies in a mapping of the pager's object.
    unsafe { core::ptr::read_volatile(at as *const u8) }
}

fn write(at: u32, b: u8) {
    // SAFETY: as in `read`, writable.
    unsafe { core::ptr::write_volatile(at as *mut u8, b) }
}

fn main(args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    match pager_test().and_then(|_| time_test(args)).and_then(|_| anonymous_vm_map()) {
        Ok(()) => uprintln!("user-test: {} ok", NAME),
        Err(why) => uprintln!("user-test: {} FAILED: {}", NAME, why),
    }
    0
}

fn pager_test() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let obj = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate")?;
    mach_port::mach_port_insert_right(&mut m, task, obj, rt::PolyPort { name: obj, disposition: MACH_MSG_TYPE_MAKE_SEND }).map_err(|_| "insert")?;
    OBJECT.store(obj, Ordering::SeqCst);
    let stack = mach::vm_allocate(&mut m, task, 0, 8 * PAGE, 1).map_err(|_| "stack")?.address;
    mach_user::start_thread(&mut m, pager_thread, stack, 8 * PAGE)?;

    // Map 4 pages of the object, from object offset 0.
    let at = mach::vm_map(&mut m, task, 0, 4 * PAGE, 0, 1, obj, 0, 0, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_COPY)
        .map_err(|e| {
            uprintln!("{}: vm_map of the object: {:#x}", NAME, e);
            "vm_map of the object"
        })?
        .address;
    expect(wait_for(&mut m, task, || INITS.load(Ordering::SeqCst) == 1), "no memory_object_init")?;
    // A second vm_map of the same port is the same object: no second init.
    let again = mach::vm_map(&mut m, task, 0, PAGE, 0, 1, obj, PAGE, 0, VM_PROT_READ, VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_COPY)
        .map_err(|_| "second vm_map")?
        .address;

    let (p0, p1) = (read(at + 5), read(at + PAGE + 5));
    uprintln!("{}: pages 0 and 1 read {:?} {:?}", NAME, p0 as char, p1 as char);
    expect(p0 == b'A' && p1 == b'B' && read(at + PAGE) == 1, "supplied data wrong")?;
    expect(read(again + 5) == b'B', "second mapping shows other data")?;
    expect(read(at + 2 * PAGE + 77) == 0, "data_unavailable is not zeros")?;
    expect(REQUESTS.iter().take(3).all(|c| c.load(Ordering::SeqCst) == 1), "a page was asked for more than once")?;
    expect(INITS.load(Ordering::SeqCst) == 1, "a second vm_map sent another init")?;

    // A kernel copy from page 3 waits for the pager, which answers data_error.
    let mut buf = rt::MsgBuf::<64>::new();
    buf.0[..4].copy_from_slice(&0u32.to_le_bytes());
    // SAFETY: the message is read from page 3 of the mapping.
    let r = unsafe { mach_msg_trap((at + 3 * PAGE) as *mut _, MACH_SEND_MSG, 24, 0, 0, 0, 0) };
    uprintln!("{}: send from the data_error page: {:#x}", NAME, r);
    expect(r == MACH_SEND_INVALID_DATA, "a copy from a page the pager refused did not fail")?;
    expect(REQUESTS[3].load(Ordering::SeqCst) == 1, "page 3 not asked for")?;

    // Dirty page 1, clean it: it comes back, once.
    write(at + PAGE + 11, b'Z');
    let control = CONTROL.load(Ordering::SeqCst);
    mach::memory_object_lock_request(&mut m, control, 0, 4 * PAGE, MEMORY_OBJECT_RETURN_DIRTY, 0, 0, obj).map_err(|_| "lock_request")?;
    expect(wait_for(&mut m, task, || LOCKS_COMPLETED.load(Ordering::SeqCst) == 1), "no lock_completed")?;
    expect(RETURNED.load(Ordering::SeqCst) == 0b10, "the dirty page did not come back (alone)")?;
    expect(RETURNED_BYTE.load(Ordering::SeqCst) == u32::from(b'Z') && RETURNED_DIRTY.load(Ordering::SeqCst) == 1, "returned data wrong")?;
    expect(read(at + PAGE + 11) == b'Z', "cleaning lost the data")?;

    // Flush everything: the next touch asks again and sees the new data.
    mach::memory_object_lock_request(&mut m, control, 0, 4 * PAGE, MEMORY_OBJECT_RETURN_NONE, 1, 0, obj).map_err(|_| "flush")?;
    expect(wait_for(&mut m, task, || LOCKS_COMPLETED.load(Ordering::SeqCst) == 2), "no lock_completed for the flush")?;
    expect(read(at + 5) == b'a' && REQUESTS[0].load(Ordering::SeqCst) == 2, "a flushed page was not asked for again")?;
    uprintln!("{}: flushed page 0 came back as {:?}", NAME, read(at + 5) as char);

    // msync: the dirty page goes back to the pager and stays; with
    // VM_SYNC_INVALIDATE it leaves memory and the next touch asks again.
    const VM_SYNC_SYNCHRONOUS: u32 = 2;
    const VM_SYNC_INVALIDATE: u32 = 4;
    RETURNED.store(0, Ordering::SeqCst);
    write(at + PAGE + 11, b'M');
    expect(gnumach::vm_msync(&mut m, task, at, PAGE, 3).err() == Some(KERN_INVALID_ARGUMENT), "vm_msync took both sync modes")?;
    gnumach::vm_msync(&mut m, task, at, 2 * PAGE, VM_SYNC_SYNCHRONOUS).map_err(|_| "vm_msync")?;
    expect(wait_for(&mut m, task, || RETURNED.load(Ordering::SeqCst) == 0b10), "vm_msync did not return the dirty page (alone)")?;
    expect(RETURNED_BYTE.load(Ordering::SeqCst) == u32::from(b'M') && read(at + PAGE + 11) == b'M', "vm_msync returned the wrong data or lost it")?;
    let asked = REQUESTS[1].load(Ordering::SeqCst);
    gnumach::vm_msync(&mut m, task, at + PAGE, PAGE, VM_SYNC_INVALIDATE).map_err(|_| "vm_msync invalidate")?;
    let _ = read(at + PAGE + 11);
    expect(REQUESTS[1].load(Ordering::SeqCst) == asked + 1, "an invalidated page was not asked for again")?;
    uprintln!("{}: vm_msync returned the dirty page, then invalidated it", NAME);
    // vm_object_sync on the object's name port does the same per object.
    RETURNED.store(0, Ordering::SeqCst);
    write(at + PAGE + 11, b'N');
    let name = NAME_PORT.load(Ordering::SeqCst);
    gnumach::vm_object_sync(&mut m, name, 0, 4 * PAGE, 0, 1, 1).map_err(|_| "vm_object_sync")?;
    expect(wait_for(&mut m, task, || RETURNED.load(Ordering::SeqCst) == 0b10), "vm_object_sync did not return the dirty page")?;
    expect(RETURNED_BYTE.load(Ordering::SeqCst) == u32::from(b'N'), "vm_object_sync returned the wrong data")?;
    expect(gnumach::vm_object_sync(&mut m, control, 0, PAGE, 0, 1, 1).err() == Some(KERN_INVALID_ARGUMENT), "vm_object_sync took the control port")?;
    uprintln!("{}: vm_object_sync returned the dirty page", NAME);

    // Out-of-line data straight from a flushed page: the kernel asks the
    // pager before it copies the message.
    mach::memory_object_lock_request(&mut m, control, 0, 4 * PAGE, MEMORY_OBJECT_RETURN_NONE, 1, 0, obj).map_err(|_| "flush")?;
    expect(wait_for(&mut m, task, || LOCKS_COMPLETED.load(Ordering::SeqCst) == 3), "no lock_completed for the second flush")?;
    let port = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name).map_err(|_| "allocate")?;
    let mut ool = [0u32; 16];
    ool[..10].copy_from_slice(&[MACH_MSG_TYPE_MAKE_SEND | MACH_MSGH_BITS_COMPLEX, 40, port, 0, 0, 7, 1 << 29, MACH_MSG_TYPE_INTEGER_8 | (8 << 16), PAGE, at]);
    // SAFETY: a 64-byte message buffer, used for the send and the receive.
    let r = unsafe { mach_msg_trap(ool.as_mut_ptr().cast(), MACH_SEND_MSG | MACH_RCV_MSG, 40, 64, port, 0, 0) };
    expect(r == 0 && ool[8] == PAGE, "OOL send from the object's memory failed")?;
    // SAFETY: the kernel mapped the received region here.
    let got = unsafe { core::slice::from_raw_parts(ool[9] as *const u8, PAGE as usize) };
    uprintln!("{}: OOL from the mapping carried {:?} (request {})", NAME, got[5] as char, REQUESTS[0].load(Ordering::SeqCst));
    expect(got[5] == b'a' && REQUESTS[0].load(Ordering::SeqCst) == 3, "OOL data did not come from the pager")?;
    mach::vm_deallocate(&mut m, task, ool[9], PAGE).map_err(|_| "vm_deallocate OOL")?;
    mach_port::mach_port_destroy(&mut m, task, port).map_err(|_| "destroy")?;

    // A write-locked page: reading is fine; the first write waits for the
    // pager's unlock (data_unlock, answered by lock_request), then goes on.
    let locked = mach::vm_map(&mut m, task, 0, PAGE, 0, 1, obj, LOCKED_PAGE * PAGE, 0, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_COPY)
        .map_err(|_| "vm_map of the locked page")?
        .address;
    expect(read(locked + 1) == b'A' + LOCKED_PAGE as u8 && UNLOCKS.load(Ordering::SeqCst) == 0, "locked page read")?;
    write(locked + 1, b'U');
    expect(UNLOCKS.load(Ordering::SeqCst) == 1 && read(locked + 1) == b'U', "the write to a locked page did not go through data_unlock")?;
    uprintln!("{}: write-locked page unlocked by the pager", NAME);
    mach::vm_deallocate(&mut m, task, locked, PAGE).map_err(|_| "vm_deallocate locked")?;

    // Dirty page 0, then unmap everything: it is returned, then terminate.
    write(at + 11, b'T');
    RETURNED.store(0, Ordering::SeqCst);
    mach::vm_deallocate(&mut m, task, again, PAGE).map_err(|_| "vm_deallocate")?;
    expect(TERMINATED.load(Ordering::SeqCst) == 0, "terminated while still mapped")?;
    mach::vm_deallocate(&mut m, task, at, 4 * PAGE).map_err(|_| "vm_deallocate")?;
    expect(wait_for(&mut m, task, || TERMINATED.load(Ordering::SeqCst) == 1), "no memory_object_terminate")?;
    // Page 0 and the unlocked page 16 were dirty.
    expect(RETURNED.load(Ordering::SeqCst) == 1 | 1 << LOCKED_PAGE && RETURNED_BYTE.load(Ordering::SeqCst) == u32::from(b'T'), "dirty page not returned at termination")?;
    expect(TERMINATE_RIGHTS_OK.load(Ordering::SeqCst) == 1, "terminate did not carry the receive rights")?;
    // The control port the pager holds is no kernel port any more.
    expect(mach::memory_object_ready(&mut m, control, 0, 0).is_err(), "old control port still answers")?;
    Ok(())
}

/// The mapped time page: seconds since the epoch that advance.
fn time_test(args: &Args) -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let master = args.number(1).ok_or("argv[1] is not the device master port")?;
    let dev = ds::device_open(&mut m, master, D_READ, &mach_user::device_name("time")).map_err(|_| "device_open time")?.device;
    expect(ds::device_map(&mut m, dev, VM_PROT_READ | VM_PROT_WRITE, 0, PAGE, 0).err() == Some(D_INVALID_OPERATION), "writable time mapping")?;
    let pager = ds::device_map(&mut m, dev, VM_PROT_READ, 0, PAGE, 0).map_err(|_| "device_map")?.pager;
    expect(
        mach::vm_map(&mut m, task, 0, PAGE, 0, 1, pager, 0, 0, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE, 0).err() == Some(KERN_PROTECTION_FAILURE),
        "vm_map gave write access to the time page",
    )?;
    let at = mach::vm_map(&mut m, task, 0, PAGE, 0, 1, pager, 0, 0, VM_PROT_READ, VM_PROT_READ, 0).map_err(|_| "vm_map time")?.address;
    let now = || loop {
        // SAFETY: the mapped time page; the reader's side of its protocol.
        let (s, us, check) = unsafe {
            let p = at as *const u32;
            (p.read_volatile(), p.add(1).read_volatile(), p.add(2).read_volatile())
        };
        if s == check {
            return (s, us);
        }
    };
    let t0 = now();
    expect(wait_for(&mut m, task, || now() != t0), "the mapped time did not advance")?;
    let t1 = now();
    uprintln!("{}: mapped time {}.{:06} -> {}.{:06}", NAME, t0.0, t0.1, t1.0, t1.1);
    expect(t0.0 > 1_500_000_000 && t1 > t0, "mapped time is not the time of day")?;
    mach::vm_deallocate(&mut m, task, at, PAGE).map_err(|_| "vm_deallocate time")?;
    mach_port::mach_port_deallocate(&mut m, task, pager).map_err(|_| "deallocate pager")?;
    ds::device_close(&mut m, dev).map_err(|_| "device_close")?;
    mach_port::mach_port_deallocate(&mut m, task, dev).map_err(|_| "deallocate device")?;
    Ok(())
}

/// `vm_map` of no object: anonymous memory with the mask, protections and
/// inheritance asked for.
fn anonymous_vm_map() -> Result<(), &'static str> {
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let at = mach::vm_map(&mut m, task, 0, 3 * PAGE, 0xF_FFFF, 1, 0, 0, 0, VM_PROT_READ, VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_NONE)
        .map_err(|_| "anonymous vm_map")?
        .address;
    expect(at % 0x10_0000 == 0, "mask not honoured")?;
    expect(read(at + 2 * PAGE) == 0, "anonymous memory is not zero")?;
    let r = mach::vm_region(&mut m, task, at).map_err(|_| "vm_region")?;
    expect(r.address == at && r.size == 3 * PAGE && r.protection == VM_PROT_READ && r.inheritance == VM_INHERIT_NONE, "vm_region disagrees")?;
    expect(mach::vm_map(&mut m, task, at, PAGE, 0, 0, 0, 0, 0, VM_PROT_READ, VM_PROT_READ, 0).err() == Some(KERN_NO_SPACE), "fixed vm_map over a mapping")?;
    expect(mach::vm_map(&mut m, task, 0, PAGE, 0, 1, 0, 0, 0, VM_PROT_WRITE, VM_PROT_READ, 0).err() == Some(KERN_INVALID_ARGUMENT), "protection above maximum")?;
    expect(mach::vm_map(&mut m, task, 0, PAGE, 0, 1, 0xDEAD, 0, 0, VM_PROT_READ, VM_PROT_READ, 0).is_err(), "bogus memory object name")?;
    mach::vm_deallocate(&mut m, task, at, 3 * PAGE).map_err(|_| "vm_deallocate")?;
    Ok(())
}

entry!(main);
