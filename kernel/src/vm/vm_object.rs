//! Memory objects: the external memory management interface of GNU Mach
//! (`memory_object.defs` to pagers, the `memory_object_*` calls of
//! `mach.defs` back from them), and kernel-provided physical objects
//! (`device_map`). The page bookkeeping is `kerncore::vm_object` (host-tested);
//! this module owns the ports, sends the messages and wakes faulting threads.
//!
//! A pager-backed object is made at the first `vm_map` of its memory object
//! port: the kernel makes a control port and a name port and sends
//! `memory_object_init`. Faults wait until the pager says
//! `memory_object_ready`, then ask for each missing page once with
//! `memory_object_data_request`; `data_supply`, `data_unavailable` and
//! `data_error` answer them. When no map refers to the object any more, its
//! dirty and precious pages go back with `memory_object_data_return` and
//! `memory_object_terminate` hands the pager the control and name ports.
//!
//! Lock order: a task map (TASKS) may take the registry; the registry never
//! takes a map or the IPC lock. Messages go out after the registry is left.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use kerncore::kern_return::*;
use kerncore::vm_entries::PAGE_SIZE;
use kerncore::vm_object::{Backing, LockResult, Lookup, Object};
use mach_ipc::{PortId, Right};
use spin::Mutex;

use super::pmap::phys_to_virt;
use super::vm_page::{self, Zone};
use crate::i386::cpu;
use crate::ipc::{with_ipc, KOBJ_MEMORY_OBJECT, KOBJ_PAGER_CONTROL, KOBJ_PAGER_NAME};
use crate::kern::mig::{memory_object as mo, memory_object_default as mod_, rt};
use crate::kern::sched_prim as sched;
use crate::kern::task::{self, TaskId};

struct KObj {
    obj: Object,
    /// Send right to the pager's memory object port (null for physical objects).
    pager: Right,
    control: Option<PortId>,
    name: Option<PortId>,
    /// The kernel's memory object port of a physical object.
    kport: Option<PortId>,
    /// Tasks whose maps refer to the object, with the count of their maps.
    mappers: BTreeMap<TaskId, u32>,
    /// `memory_object_destroy` was called: faults fail.
    dead: bool,
    /// The most a mapping may allow (physical objects may be read-only).
    max_prot: u32,
    /// Offsets the pager has had data for (`data_initialize` sent).
    initialized: alloc::collections::BTreeSet<u32>,
    /// Paged-out pages whose data is not sent yet.
    in_transit: alloc::collections::BTreeSet<u32>,
    /// A task's paged-out memory (its pages belong to maps): not reclaimed.
    swap: bool,
    /// Held by a `vm_map` between finding the object and mapping it: not
    /// reclaimed (another thread's request may reap meanwhile); also one
    /// per out-of-line copy (a message, a `vm_read` reply) holding it.
    pins: u32,
    /// A frozen object: the data of a copy (`VmMap::copy_out_of`), which
    /// nobody writes; maps refer to it copy-on-write.
    frozen: bool,
}

impl KObj {
    /// An object of `obj` served by `pager` (null for the kernel's own),
    /// with no ports, mappings or history yet.
    fn new(obj: Object, pager: Right) -> KObj {
        KObj {
            obj,
            pager,
            control: None,
            name: None,
            kport: None,
            mappers: BTreeMap::new(),
            dead: false,
            max_prot: kerncore::vm_entries::VM_PROT_ALL,
            initialized: Default::default(),
            in_transit: Default::default(),
            swap: false,
            pins: 0,
            frozen: false,
        }
    }
}

struct Registry {
    objects: BTreeMap<u32, KObj>,
    by_pager: BTreeMap<PortId, u32>,
    by_phys: BTreeMap<(u32, u32), u32>,
    /// Objects no map refers to any more, terminated at the next `reap`.
    unused: Vec<u32>,
    next: u32,
}

static REG: Mutex<Registry> =
    Mutex::new(Registry { objects: BTreeMap::new(), by_pager: BTreeMap::new(), by_phys: BTreeMap::new(), unused: Vec::new(), next: 1 });

fn with<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    cpu::without_interrupts(|| f(&mut REG.lock()))
}

/// The event threads waiting for pages of `obj` sleep on.
fn event(obj: u32) -> usize {
    0xFC00_0000usize.wrapping_sub(obj as usize * 4)
}

/// Pager-backed objects alive, and pages they hold (for leak checks).
pub fn counts() -> (usize, usize) {
    (with(|r| r.objects.values().filter(|o| o.kport.is_none()).count()), OBJECT_PAGES.load(core::sync::atomic::Ordering::Relaxed))
}

/// `mach_msg` for the generated `memory_object.defs` stubs: one-way kernel
/// messages whose port fields are handles into `rights` and whose
/// out-of-line field is a handle into `ool`.
pub(crate) struct OneWay {
    dest: Right,
    rights: Vec<Right>,
    ool: Vec<Vec<u8>>,
    /// Pages that are the data of the (one) out-of-line region instead.
    run: Option<super::vm_map::PageRun>,
}

impl rt::MachMsg for OneWay {
    fn mach_msg(&mut self, msg: &mut [u8], _option: u32, send_size: u32, _rcv_size: u32, _rcv_name: u32, _timeout: u32, _notify: u32) -> u32 {
        let dest = core::mem::replace(&mut self.dest, Right::null());
        let rights = core::mem::take(&mut self.rights);
        let ool = core::mem::take(&mut self.ool);
        let run = self.run.take();
        with_ipc(|ipc| match ipc.kernel_message(dest, &msg[..send_size as usize], rights, ool) {
            Ok(mut m) => {
                if let (Some(run), Some(region)) = (run, m.ool.last_mut()) {
                    region.data = Vec::new();
                    region.pages = Some(alloc::boxed::Box::new(run));
                }
                ipc.send_always(m);
                0
            }
            Err(e) => e,
        })
    }

    fn reply_port(&mut self) -> u32 {
        0
    }
}

/// Sends one kernel message through a generated stub.
pub(crate) fn send(dest: Right, rights: Vec<Right>, ool: Vec<Vec<u8>>, stub: impl FnOnce(&mut OneWay) -> Result<(), rt::KernReturn>) {
    let mut m = OneWay { dest, rights, ool, run: None };
    let _ = stub(&mut m);
    finish(m);
}

/// Releases what a stub did not send.
fn finish(mut m: OneWay) {
    with_ipc(|ipc| {
        ipc.release_right(core::mem::replace(&mut m.dest, Right::null()));
        m.rights.drain(..).for_each(|r| ipc.release_right(r));
    });
}

/// A send right to port `p` (null if it died).
fn make_send(p: Option<PortId>) -> Right {
    p.and_then(crate::ipc::make_send_port).unwrap_or(Right::null())
}

/// The pager's port (a copy of the kernel's send right) and a send right
/// to the control port of `obj`, for a message.
fn pager_and_control(obj: u32) -> Option<(Right, Right)> {
    let (pager, control) = with(|r| r.objects.get(&obj).map(|o| (o.pager.port_id(), o.control)))?;
    let pager = make_send_to(pager?)?;
    Some((pager, make_send(control)))
}

/// A copy of a send right to `p` (the kernel's own is kept).
fn make_send_to(p: PortId) -> Option<Right> {
    with_ipc(|ipc| {
        let r = ipc.make_send(p).ok()?;
        Some(r)
    })
}

/// A physical object of `size` bytes at `base` (a device's memory, the
/// mapped time page) that mappings may give at most `max_prot`: a send
/// right to its kernel memory object port.
pub fn physical_object(base: u32, size: u32, max_prot: u32) -> Option<Right> {
    let existing = with(|r| r.by_phys.get(&(base, size)).and_then(|id| r.objects.get(id)).and_then(|o| o.kport));
    if let Some(p) = existing {
        return crate::ipc::make_send_port(p);
    }
    let id = with(|r| {
        let id = r.next;
        r.next += 1;
        id
    });
    let kport = with_ipc(|ipc| ipc.alloc_kernel_port(Some((KOBJ_MEMORY_OBJECT, u64::from(id)))));
    with(|r| {
        let obj = Object::new(Backing::Physical { base, size: size.div_ceil(PAGE_SIZE) * PAGE_SIZE });
        r.objects.insert(id, KObj { kport: Some(kport), max_prot, ..KObj::new(obj, Right::null()) });
        r.by_phys.insert((base, size), id);
    });
    crate::ipc::make_send_port(kport)
}

/// A new anonymous shared object (`VM_INHERIT_SHARE` memory) that takes
/// `pages` ((offset, page) pairs, each with one owner, from a task map).
pub fn create_anonymous(pages: &[(u32, u32)]) -> Option<u32> {
    let id = with(|r| {
        let id = r.next;
        r.next += 1;
        let mut obj = Object::new(Backing::Anonymous);
        for &(off, pa) in pages {
            obj.supply(off, pa, 0, false);
            // Data no pager has seen.
            obj.set_dirty(off);
        }
        r.objects.insert(id, KObj::new(obj, Right::null()));
        r.unused.push(id);
        id
    });
    OBJECT_PAGES.fetch_add(pages.len(), core::sync::atomic::Ordering::Relaxed);
    Some(id)
}

/// A new frozen object holding `pages` ((offset, page) pairs in offset
/// order, each with one owner, from a task map): the data of a copy of
/// memory (see `VmMap::copy_out_of`). Missing pages are zeros.
pub fn create_frozen(pages: &[(u32, u32)]) -> u32 {
    let id = with(|r| {
        let id = r.next;
        r.next += 1;
        let obj = Object::with_pages(Backing::Anonymous, pages, true);
        // The map that made it refers to it at once.
        r.objects.insert(id, KObj { frozen: true, ..KObj::new(obj, Right::null()) });
        id
    });
    OBJECT_PAGES.fetch_add(pages.len(), core::sync::atomic::Ordering::Relaxed);
    id
}

/// Whether `obj` is a frozen object.
pub fn is_frozen(obj: u32) -> bool {
    with(|r| r.objects.get(&obj).is_some_and(|o| o.frozen))
}

/// Whether a missing page of `obj` may need its pager (anonymous objects
/// are zero-filled by the kernel).
pub fn is_paged(obj: u32) -> bool {
    with(|r| r.objects.get(&obj).is_none_or(|o| o.obj.backing != Backing::Anonymous))
}

/// Whether frozen object `obj` is referred to by task `t`'s map only (no
/// copy holds it, no other map maps it) and still anonymous, so that its
/// pages may be replaced ([`fold`]).
pub fn exclusive(obj: u32, t: TaskId) -> bool {
    with(|r| {
        r.objects.get(&obj).is_some_and(|o| {
            o.frozen && o.pins == 0 && o.obj.backing == Backing::Anonymous && o.mappers.len() == 1 && o.mappers.get(&t) == Some(&1)
        })
    })
}

/// Puts `pages` ((offset, page) pairs, each with one owner, from the one
/// map referring to frozen object `obj`) in place of the object's pages
/// at those offsets, which are freed.
pub fn fold(obj: u32, pages: &[(u32, u32)]) {
    let old: Vec<u32> = with(|r| {
        let Some(o) = r.objects.get_mut(&obj) else { return pages.iter().map(|p| p.1).collect() };
        pages.iter().filter_map(|&(off, pa)| o.obj.replace(off, pa)).collect()
    });
    OBJECT_PAGES.fetch_add(pages.len(), core::sync::atomic::Ordering::Relaxed);
    old.into_iter().for_each(free_page);
}

/// One more hold on `obj` by a copy of it (an out-of-line message).
pub fn hold(obj: u32) {
    with(|r| r.objects.get_mut(&obj).map(|o| o.pins += 1));
}

/// A copy lets go of `obj` (taken by [`hold`]); a frozen object nothing
/// refers to any more goes at once, others at the next [`reap`]. Takes only
/// the registry lock (callers may hold the IPC lock).
pub fn unhold(obj: u32) {
    with(|r| {
        let Some(o) = r.objects.get_mut(&obj) else { return };
        o.pins = o.pins.saturating_sub(1);
        if o.mappers.is_empty() && o.pins == 0 && o.kport.is_none() && !r.unused.contains(&obj) {
            r.unused.push(obj);
        }
        free_if_unused_frozen(r, obj);
    });
}

/// Frees frozen anonymous object `obj` and its pages if no map and no copy
/// refers to it (nothing to tell a pager, no fault can wait on it).
fn free_if_unused_frozen(r: &mut Registry, obj: u32) {
    let gone = r.objects.get(&obj).is_some_and(|o| o.frozen && o.obj.backing == Backing::Anonymous && o.mappers.is_empty() && o.pins == 0);
    if !gone {
        return;
    }
    let Some(mut o) = r.objects.remove(&obj) else { return };
    r.unused.retain(|x| *x != obj);
    for pa in o.obj.drain().free {
        free_page(pa);
    }
}

/// Copies bytes of frozen or anonymous object `obj` at `offset` into `buf`
/// (within one page): zeros for a page never touched. False when the page
/// is with a pager (or the object is gone).
pub fn read(obj: u32, offset: u32, buf: &mut [u8]) -> bool {
    with(|r| {
        let Some(o) = r.objects.get(&obj) else { return false };
        match o.obj.peek(offset) {
            Some(pa) => {
                let at = (offset % PAGE_SIZE) as usize;
                assert!(at + buf.len() <= PAGE_SIZE as usize);
                // SAFETY: a page the object holds, in the linear map; the range stays in it.
                unsafe { core::ptr::copy_nonoverlapping((phys_to_virt(pa) + at) as *const u8, buf.as_mut_ptr(), buf.len()) };
                true
            }
            None if o.obj.backing == Backing::Anonymous => {
                buf.fill(0);
                true
            }
            None => false,
        }
    })
}

/// A zeroed page for anonymous object `o` at `offset` (under the registry
/// lock); `None` without memory.
fn zero_fill(o: &mut KObj, offset: u32) -> Option<u32> {
    let pa = vm_page::alloc_page(Zone::Any)?;
    // SAFETY: a fresh page in the linear map.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE as usize) };
    OBJECT_PAGES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    o.obj.supply(offset, pa, 0, false);
    Some(pa)
}

/// The object `vm_map` maps for memory object right `right` (consumed): a
/// kernel physical object, the object already made for that pager port, or
/// a new one, announced to its pager with `memory_object_init`. The object
/// is held until [`unpin`], so that no reap takes it before it is mapped.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for a right that is not a live send right.
pub fn object_for(right: Right) -> Result<u32, KernReturn> {
    let Some(p) = right.port_id().filter(|_| !right.is_dead()) else {
        with_ipc(|ipc| ipc.release_right(right));
        return Err(KERN_INVALID_ARGUMENT);
    };
    let pin = |r: &mut Registry, id: u32| r.objects.get_mut(&id).map(|o| o.pins += 1).is_some();
    if let Some((KOBJ_MEMORY_OBJECT, id)) = with_ipc(|ipc| ipc.port_kobject(p)) {
        with_ipc(|ipc| ipc.release_right(right));
        // Gone meanwhile: its port died with it.
        return if with(|r| pin(r, id as u32)) { Ok(id as u32) } else { Err(KERN_INVALID_ARGUMENT) };
    }
    if let Some(id) = with(|r| r.by_pager.get(&p).copied().filter(|&id| pin(r, id))) {
        with_ipc(|ipc| ipc.release_right(right));
        return Ok(id);
    }
    let id = with(|r| {
        let id = r.next;
        r.next += 1;
        id
    });
    let (control, name) =
        with_ipc(|ipc| (ipc.alloc_kernel_port(Some((KOBJ_PAGER_CONTROL, u64::from(id)))), ipc.alloc_kernel_port(Some((KOBJ_PAGER_NAME, u64::from(id))))));
    with(|r| {
        r.objects.insert(id, KObj { control: Some(control), name: Some(name), pins: 1, ..KObj::new(Object::new(Backing::Pager), right) });
        r.by_pager.insert(p, id);
        // Until a map refers to it, nothing keeps it.
        r.unused.push(id);
    });
    if let Some(pager) = make_send_to(p) {
        send(pager, vec![make_send(Some(control)), make_send(Some(name))], Vec::new(), |m| mo::memory_object_init(m, 0, 1, 2, PAGE_SIZE));
    }
    Ok(id)
}

/// What a `vm_map` asks for (the RPC's and the trap's arguments).
pub struct MapRequest {
    pub address: u32,
    pub size: u32,
    pub mask: u32,
    pub anywhere: bool,
    pub offset: u32,
    pub copy: bool,
    pub cur_protection: u32,
    pub max_protection: u32,
    pub inheritance: u32,
}

/// `vm_map` into task `t` of memory object `right` (consumed; null for
/// anonymous memory): the object is found or made ([`object_for`]), the
/// protections are capped by what the object allows, and the mapping is
/// made. Returns the address.
///
/// # Errors
/// As [`object_for`]; `KERN_PROTECTION_FAILURE` for a protection the object
/// does not allow; the map's errors; `KERN_INVALID_TASK`.
pub fn map(t: crate::kern::task::TaskId, right: Right, req: &MapRequest) -> Result<u32, KernReturn> {
    use kerncore::vm_entries::{Attrs, VM_PROT_ALL};
    let obj = if right.is_null() { 0 } else { object_for(right)? };
    let (mut cur, mut max) = (req.cur_protection & VM_PROT_ALL, req.max_protection & VM_PROT_ALL);
    let r = (|| {
        if obj != 0 {
            let limit = max_protection(obj);
            if cur & !limit != 0 {
                return Err(KERN_PROTECTION_FAILURE);
            }
            (cur, max) = (cur & limit, max & limit);
        }
        let attrs = Attrs { prot: cur, max_prot: max, inheritance: req.inheritance, object: obj, delta: 0, copy: req.copy, wired: false };
        crate::kern::task::with_task(t, |tk| tk.map.map_object(req.address, req.size, req.mask, req.anywhere, req.offset, attrs)).ok_or(KERN_INVALID_TASK)?
    })();
    if obj != 0 {
        unpin(obj);
    }
    // A new object no map took goes back to its pager.
    reap();
    r
}

/// Ends the hold [`object_for`] put on `obj` (the caller mapped it, or gave
/// up); an object no map took goes at the next [`reap`].
pub fn unpin(obj: u32) {
    with(|r| {
        if let Some(o) = r.objects.get_mut(&obj) {
            o.pins = o.pins.saturating_sub(1);
        }
    });
}

/// The most a mapping of `obj` may allow.
pub fn max_protection(obj: u32) -> u32 {
    with(|r| r.objects.get(&obj).map_or(0, |o| o.max_prot))
}

/// Task `t`'s map now refers to `obj`.
pub fn reference(obj: u32, t: TaskId) {
    with(|r| {
        if let Some(o) = r.objects.get_mut(&obj) {
            *o.mappers.entry(t).or_default() += 1;
        }
        r.unused.retain(|x| *x != obj);
    });
}

/// Task `t`'s map no longer refers to `obj`; with no map left, the object
/// goes at the next [`reap`] (called where no lock is held).
pub fn release(obj: u32, t: TaskId) {
    with(|r| {
        let Some(o) = r.objects.get_mut(&obj) else { return };
        if let Some(n) = o.mappers.get_mut(&t) {
            *n -= 1;
            if *n == 0 {
                o.mappers.remove(&t);
            }
        }
        if o.mappers.is_empty() && o.kport.is_none() && !r.unused.contains(&obj) {
            r.unused.push(obj);
        }
        free_if_unused_frozen(r, obj);
    });
}

/// Lets go of a default pager whose port died (a task ended).
pub fn forget_dead_pager() {
    let dead = cpu::without_interrupts(|| DEFAULT_PAGER.lock().as_ref().and_then(|r| r.0.port_id()))
        .is_some_and(|p| !with_ipc(|ipc| ipc.port_alive(p)));
    if dead {
        if let Some((r, _)) = cpu::without_interrupts(|| DEFAULT_PAGER.lock().take()) {
            with_ipc(|ipc| ipc.release_right(r));
        }
    }
}

/// Terminates the pager-backed objects no map refers to: their dirty and
/// precious pages go back to the pager, then `memory_object_terminate`.
pub fn reap() {
    if with(|r| r.unused.is_empty()) {
        return;
    }
    // Cached objects (`may_cache`) stay for their next mapping, unless
    // their pager is gone (its task ended): then nothing can map them again.
    let cached: Vec<(u32, Option<PortId>)> =
        with(|r| r.unused.iter().filter_map(|id| r.objects.get(id).filter(|o| o.obj.may_cache).map(|o| (*id, o.pager.port_id()))).collect());
    let orphans: Vec<u32> = cached.into_iter().filter(|(_, p)| p.is_none_or(|p| !with_ipc(|ipc| ipc.port_alive(p)))).map(|(id, _)| id).collect();
    loop {
        let next = with(|r| {
            let i = r.unused.iter().position(|id| r.objects.get(id).is_some_and(|o| o.mappers.is_empty() && o.pins == 0 && (!o.obj.may_cache || orphans.contains(id))))?;
            let id = r.unused.remove(i);
            let mut o = r.objects.remove(&id)?;
            if let Some(p) = o.pager.port_id() {
                r.by_pager.remove(&p);
            }
            let pages = o.obj.drain();
            Some((id, o, pages))
        });
        let Some((id, o, pages)) = next else { return };
        // Faults still waiting on it find it gone.
        wake(id);
        give_back(id, o.pager.port_id(), o.control, &pages);
        if o.pager.is_null() {
            continue; // anonymous memory: no pager to tell
        }
        if orphans.contains(&id) {
            // Its pager is gone: the control and name ports just go.
            with_ipc(|ipc| {
                for p in [o.control, o.name].into_iter().flatten() {
                    let _ = ipc.destroy_kernel_port(p);
                }
                ipc.release_right(o.pager);
            });
            continue;
        }
        let (control, name) = with_ipc(|ipc| {
            let take = |ipc: &mut mach_ipc::Ipc, p: Option<PortId>| p.and_then(|p| ipc.kernel_port_into_receive(p).ok()).unwrap_or(Right::null());
            (take(ipc, o.control), take(ipc, o.name))
        });
        send(o.pager, vec![control, name], Vec::new(), |m| mo::memory_object_terminate(m, 0, 1, 2));
    }
}

/// Returns the pages listed in `pages.returns` with
/// `memory_object_data_return`, then frees `pages.free`.
fn give_back(_obj: u32, pager: Option<PortId>, control: Option<PortId>, pages: &LockResult) {
    for &(off, pa, dirty) in &pages.returns {
        let mut data = vec![0u8; PAGE_SIZE as usize];
        // SAFETY: `pa` is a page the object held, in the linear map.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(pa) as *const u8, data.as_mut_ptr(), data.len()) };
        if let Some(p) = pager.and_then(make_send_to) {
            let ool = rt::Ool { addr: 1, count: PAGE_SIZE, dealloc: true };
            send(p, vec![make_send(control)], vec![data], |m| mo::memory_object_data_return(m, 0, 1, off, ool, u32::from(dirty), 0));
        }
    }
    for &pa in &pages.free {
        free_page(pa);
    }
}

fn free_page(pa: u32) {
    let _ = vm_page::free_pages(pa, 0);
    OBJECT_PAGES.fetch_sub(1, core::sync::atomic::Ordering::Relaxed);
}

/// Pages held by pager-backed objects.
static OBJECT_PAGES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// A wait a fault must do before it runs again.
#[derive(Clone, Copy, Debug)]
pub struct Wait {
    obj: u32,
    offset: u32,
    /// Ask the pager: data_request (`Some(false)`) or data_unlock (`Some(true)`).
    ask: Option<bool>,
    write: bool,
}

/// A fault's look at page `offset` of `obj`: the page, or a [`Wait`].
pub fn lookup(obj: u32, offset: u32, write: bool) -> Result<u32, Result<Wait, KernReturn>> {
    with(|r| {
        let o = r.objects.get_mut(&obj).ok_or(Err(KERN_MEMORY_FAILURE))?;
        if o.dead {
            return Err(Err(KERN_MEMORY_FAILURE));
        }
        match o.obj.lookup(offset, write) {
            Lookup::Resident { pa, .. } => Ok(pa),
            Lookup::ZeroFill => zero_fill(o, offset).ok_or(Err(KERN_RESOURCE_SHORTAGE)),
            Lookup::Error(e) => Err(Err(e)),
            Lookup::Request => Err(Ok(Wait { obj, offset, ask: Some(false), write })),
            Lookup::Unlock => Err(Ok(Wait { obj, offset, ask: Some(true), write })),
            Lookup::Wait => Err(Ok(Wait { obj, offset, ask: None, write })),
        }
    })
}

/// The page of `obj` at `offset` if the kernel holds it, as it is.
pub fn peek_resident(obj: u32, offset: u32) -> Option<u32> {
    with(|r| r.objects.get(&obj).and_then(|o| o.obj.peek(offset)))
}

/// The page of `obj` at `offset` if the kernel holds it (anonymous memory:
/// zero-filled now if need be).
pub fn peek(obj: u32, offset: u32) -> Option<u32> {
    with(|r| {
        let o = r.objects.get_mut(&obj)?;
        match o.obj.peek(offset) {
            None if o.obj.backing == Backing::Anonymous => zero_fill(o, offset),
            p => p,
        }
    })
}

/// Gives up a wait without waiting: the request it marked is forgotten, so
/// the next fault asks again.
pub fn cancel(w: Wait) {
    with(|r| r.objects.get_mut(&w.obj).map(|o| o.obj.cancel(w.offset)));
}

/// Does the wait of a fault: asks the pager if the fault is the first to
/// need the page, then sleeps until the object has news (unless `block` is
/// false: a kernel copy that may not sleep fails instead).
///
/// # Errors
/// `KERN_MEMORY_FAILURE` when the thread may not sleep; `KERN_ABORTED` when
/// it is being halted.
pub fn wait(w: Wait, block: bool) -> Result<(), KernReturn> {
    let off = w.offset & !(PAGE_SIZE - 1);
    let access = if w.write { 3 } else { 1 };
    if !block {
        // The caller may hold the IPC lock: no message now. The next fault
        // that can wait asks.
        cancel(w);
        return Err(KERN_MEMORY_FAILURE);
    }
    let to = if w.ask.is_some() { pager_and_control(w.obj) } else { None };
    if w.ask.is_some() && to.is_none() {
        // The pager is gone: nobody will answer.
        cancel(w);
        return Err(KERN_MEMORY_ERROR);
    }
    sched::assert_wait(event(w.obj), None);
    if let (Some(unlock), Some((pager, control))) = (w.ask, to) {
        if unlock {
            send(pager, vec![control], Vec::new(), |m| mo::memory_object_data_unlock(m, 0, 1, off, PAGE_SIZE, access));
        } else {
            send(pager, vec![control], Vec::new(), |m| mo::memory_object_data_request(m, 0, 1, off, PAGE_SIZE, access));
        }
    }
    sched::thread_block();
    if sched::halt_pending() {
        return Err(KERN_ABORTED);
    }
    Ok(())
}

fn wake(obj: u32) {
    sched::thread_wakeup(event(obj));
}

/// The object a control port stands for.
fn control_object(target: Option<(u32, u64)>) -> Result<u32, KernReturn> {
    match target {
        Some((KOBJ_PAGER_CONTROL, id)) => Ok(id as u32),
        _ => Err(rt::MIG_BAD_ID),
    }
}

/// `memory_object_ready`.
pub fn ready(target: Option<(u32, u64)>, may_cache: bool, copy_strategy: u32) -> Result<(), KernReturn> {
    let obj = control_object(target)?;
    with(|r| {
        if let Some(o) = r.objects.get_mut(&obj) {
            o.obj.ready = true;
            o.obj.may_cache = may_cache;
            o.obj.copy_strategy = copy_strategy;
        }
    });
    wake(obj);
    Ok(())
}

/// `memory_object_get_attributes`: (ready, may_cache, copy_strategy).
pub fn attributes(target: Option<(u32, u64)>) -> Result<(bool, bool, u32), KernReturn> {
    let obj = control_object(target)?;
    with(|r| r.objects.get(&obj).map(|o| (o.obj.ready, o.obj.may_cache, o.obj.copy_strategy))).ok_or(KERN_INVALID_ARGUMENT)
}

/// `memory_object_change_attributes`; an object that may no longer be
/// cached and has no mapping goes.
pub fn change_attributes(target: Option<(u32, u64)>, may_cache: bool, copy_strategy: u32, reply_to: Right) -> Result<(), KernReturn> {
    let obj = control_object(target)?;
    with(|r| {
        if let Some(o) = r.objects.get_mut(&obj) {
            o.obj.may_cache = may_cache;
            o.obj.copy_strategy = copy_strategy;
            if o.mappers.is_empty() && !r.unused.contains(&obj) {
                r.unused.push(obj);
            }
        }
    });
    if !reply_to.is_null() {
        send(reply_to, Vec::new(), Vec::new(), |m| mo::memory_object_change_completed(m, rt::PolyPort { name: 0, disposition: 0 }, u32::from(may_cache), copy_strategy));
    }
    Ok(())
}

/// Fills pages of `obj` from `first` on, one per `fill` call (which writes a
/// fresh page); pages the object holds already are skipped. Returns the
/// result for `supply_completed`.
fn fill_pages(obj: u32, first: u32, pages: u32, lock: u32, precious: bool, fill: impl Fn(u32, &mut [u8])) -> KernReturn {
    let mut result = KERN_SUCCESS;
    for i in 0..pages {
        let off = first + i * PAGE_SIZE;
        if !with(|r| r.objects.get(&obj).is_some_and(|o| o.obj.wants(off))) {
            continue;
        }
        let Some(pa) = vm_page::alloc_page(Zone::Any) else {
            result = KERN_RESOURCE_SHORTAGE;
            break;
        };
        OBJECT_PAGES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        // SAFETY: a fresh page from the allocator, in the linear map.
        let page = unsafe { core::slice::from_raw_parts_mut(phys_to_virt(pa) as *mut u8, PAGE_SIZE as usize) };
        fill(i, page);
        if let Some(back) = with(|r| r.objects.get_mut(&obj).map_or(Some(pa), |o| o.obj.supply(off, pa, lock, precious))) {
            free_page(back);
        }
    }
    wake(obj);
    result
}

/// `memory_object_data_supply`: whole pages of `data` from `offset` on.
pub fn data_supply(target: Option<(u32, u64)>, offset: u32, data: &[u8], lock: u32, precious: bool, reply_to: Right) -> Result<(), KernReturn> {
    let obj = control_object(target)?;
    if offset % PAGE_SIZE != 0 {
        with_ipc(|ipc| ipc.release_right(reply_to));
        return Err(KERN_INVALID_ARGUMENT);
    }
    let pages = data.len() as u32 / PAGE_SIZE;
    let result = fill_pages(obj, offset, pages, lock, precious, |i, page| {
        let at = (i * PAGE_SIZE) as usize;
        page.copy_from_slice(&data[at..at + PAGE_SIZE as usize]);
    });
    if reply_to.is_null() {
        return Ok(());
    }
    let control = with(|r| r.objects.get(&obj).and_then(|o| o.control));
    send(reply_to, vec![make_send(control)], Vec::new(), |m| {
        mo::memory_object_supply_completed(m, rt::PolyPort { name: 0, disposition: 0 }, 1, offset, data.len() as u32, result as u32, 0)
    });
    Ok(())
}

/// `memory_object_data_unavailable`: zero-filled pages.
pub fn data_unavailable(target: Option<(u32, u64)>, offset: u32, size: u32) -> Result<(), KernReturn> {
    let obj = control_object(target)?;
    let first = offset & !(PAGE_SIZE - 1);
    let pages = (offset.saturating_add(size).saturating_sub(first)).div_ceil(PAGE_SIZE);
    fill_pages(obj, first, pages, 0, false, |_, page| page.fill(0));
    Ok(())
}

/// `memory_object_data_error`: the waiting faults fail.
pub fn data_error(target: Option<(u32, u64)>, offset: u32, size: u32, error: KernReturn) -> Result<(), KernReturn> {
    let obj = control_object(target)?;
    with(|r| r.objects.get_mut(&obj).map(|o| o.obj.error(offset, size, error)));
    wake(obj);
    Ok(())
}

/// Removes the mappings of `offsets` of `obj` from every map that has it.
fn unmap_everywhere(obj: u32, offsets: &[u32]) {
    if offsets.is_empty() {
        return;
    }
    let tasks: Vec<TaskId> = with(|r| r.objects.get(&obj).map(|o| o.mappers.keys().copied().collect()).unwrap_or_default());
    for t in tasks {
        task::with_task(t, |tk| {
            for &off in offsets {
                tk.map.object_page_gone(obj, off);
            }
        });
    }
}

/// `memory_object_lock_request`: restrict, return and flush pages, then
/// `memory_object_lock_completed` to `reply_to`.
pub fn lock_request(target: Option<(u32, u64)>, offset: u32, size: u32, should_return: u32, flush: bool, lock: u32, reply_to: Right) -> Result<(), KernReturn> {
    let obj = control_object(target)?;
    let Some((pages, pager, control)) = with(|r| r.objects.get_mut(&obj).map(|o| (o.obj.lock(offset, size, should_return, flush, lock), o.pager.port_id(), o.control)))
    else {
        with_ipc(|ipc| ipc.release_right(reply_to));
        return Err(KERN_INVALID_ARGUMENT);
    };
    unmap_everywhere(obj, &pages.unmap);
    give_back(obj, pager, control, &pages);
    wake(obj);
    if !reply_to.is_null() {
        send(reply_to, vec![make_send(control)], Vec::new(), |m| mo::memory_object_lock_completed(m, rt::PolyPort { name: 0, disposition: 0 }, 1, offset, size));
    }
    Ok(())
}

/// `vm_object_sync` and `vm_msync`: the object's resident pages in
/// `[offset, offset + size)` go back to its pager (with `should_return`, as
/// `MEMORY_OBJECT_RETURN_ALL`) and, with `flush`, leave memory; page locks
/// stay. Only objects a pager task serves take part: memory the kernel
/// provides (a device's, shared anonymous memory) has nowhere to go.
///
/// # Errors
/// `KERN_INVALID_ARGUMENT` for an object that does not exist.
pub fn sync(obj: u32, offset: u32, size: u32, should_return: bool, flush: bool) -> Result<(), KernReturn> {
    let ret = if should_return { kerncore::vm_object::MEMORY_OBJECT_RETURN_ALL } else { kerncore::vm_object::MEMORY_OBJECT_RETURN_NONE };
    let done = with(|r| {
        let o = r.objects.get_mut(&obj)?;
        if o.obj.backing != kerncore::vm_object::Backing::Pager {
            return Some(None);
        }
        let pages = o.obj.lock(offset, size, ret, flush, kerncore::vm_object::VM_PROT_NO_CHANGE);
        Some(Some((pages, o.pager.port_id(), o.control)))
    });
    match done {
        None => Err(KERN_INVALID_ARGUMENT),
        Some(None) => Ok(()),
        Some(Some((pages, pager, control))) => {
            unmap_everywhere(obj, &pages.unmap);
            give_back(obj, pager, control, &pages);
            wake(obj);
            Ok(())
        }
    }
}

/// `memory_object_destroy`: the object's pages go (unwritten); faults on
/// its mappings fail from now on.
pub fn destroy(target: Option<(u32, u64)>) -> Result<(), KernReturn> {
    let obj = control_object(target)?;
    let pages = with(|r| {
        r.objects.get_mut(&obj).map(|o| {
            o.dead = true;
            o.obj.drain()
        })
    });
    if let Some(p) = pages {
        unmap_everywhere(obj, &p.unmap);
        p.free.iter().for_each(|pa| free_page(*pa));
    }
    wake(obj);
    Ok(())
}

/// The default memory manager (`vm_set_default_memory_manager`) and the
/// task that set it (its memory is never paged out).
static DEFAULT_PAGER: Mutex<Option<(Right, Option<TaskId>)>> = Mutex::new(None);

/// Sets the default memory manager to `new` (served by task `by`) and
/// returns the old one, or, for a null `new`, returns a send right to the
/// current one (GNU Mach's inout `default_manager`). Null when there is none.
pub fn set_default_pager(new: Right, by: Option<TaskId>) -> Right {
    if new.is_null() {
        let cur = cpu::without_interrupts(|| DEFAULT_PAGER.lock().as_ref().and_then(|r| r.0.port_id()));
        return cur.and_then(make_send_to).unwrap_or(Right::null());
    }
    cpu::without_interrupts(|| DEFAULT_PAGER.lock().replace((new, by))).map_or(Right::null(), |(r, _)| r)
}

/// A send right to the default pager, if it lives.
fn default_pager() -> Option<Right> {
    let p = cpu::without_interrupts(|| DEFAULT_PAGER.lock().as_ref().and_then(|r| r.0.port_id()))?;
    with_ipc(|ipc| ipc.port_alive(p)).then(|| make_send_to(p)).flatten()
}

/// Whether a live default pager is registered.
pub fn default_pager_present() -> bool {
    default_pager().map(|r| with_ipc(|ipc| ipc.release_right(r))).is_some()
}

/// The task serving the default pager.
pub fn default_pager_task() -> Option<TaskId> {
    cpu::without_interrupts(|| DEFAULT_PAGER.lock().as_ref().and_then(|r| r.1))
}

/// A temporary object for the paged-out memory of task `t`, announced to
/// the default pager with `memory_object_create`: the kernel makes the
/// object's port and hands the pager its receive right. `None` without a
/// default pager.
pub fn create_swap_object(t: TaskId) -> Option<u32> {
    let pager = default_pager()?;
    let id = with(|r| {
        let id = r.next;
        r.next += 1;
        id
    });
    let (object_recv, object_send, control, name) = temporary_ports(id);
    let p = object_send.port_id();
    with(|r| {
        let mut obj = Object::new(Backing::Pager);
        // The kernel made the object: no memory_object_ready to wait for.
        obj.ready = true;
        let mut mappers = BTreeMap::new();
        mappers.insert(t, 1);
        r.objects.insert(id, KObj { control: Some(control), name: Some(name), mappers, swap: true, ..KObj::new(obj, object_send) });
        if let Some(p) = p {
            r.by_pager.insert(p, id);
        }
    });
    announce_temporary(pager, object_recv, control, name);
    Some(id)
}

/// Messages waiting on the pager port of `obj` (the pager's backlog).
pub fn backlog(obj: u32) -> u32 {
    let p = with(|r| r.objects.get(&obj).and_then(|o| o.pager.port_id()));
    p.and_then(|p| with_ipc(|ipc| ipc.port_msgcount(p))).unwrap_or(0)
}

/// The ports of a temporary object `id` the kernel makes: the object's
/// port (its receive right, for the default pager, and the kernel's send
/// right) and the control and name ports.
fn temporary_ports(id: u32) -> (Right, Right, PortId, PortId) {
    with_ipc(|ipc| {
        let p = ipc.alloc_kernel_port(None);
        let send = ipc.make_send(p).expect("fresh port");
        let recv = ipc.kernel_port_into_receive(p).expect("fresh kernel port");
        let control = ipc.alloc_kernel_port(Some((KOBJ_PAGER_CONTROL, u64::from(id))));
        let name = ipc.alloc_kernel_port(Some((KOBJ_PAGER_NAME, u64::from(id))));
        (recv, send, control, name)
    })
}

/// `memory_object_create` to the default pager for a temporary object.
fn announce_temporary(pager: Right, object_recv: Right, control: PortId, name: PortId) {
    send(pager, vec![object_recv, make_send(Some(control)), make_send(Some(name))], Vec::new(), |m| {
        mod_::memory_object_create(m, 0, 1, crate::i386::uaccess::VM_MAX_ADDRESS, 2, 3, PAGE_SIZE)
    });
}

/// Brings back page `va` of a task's swap object `obj`: the page if the
/// object holds it (it becomes the map's), or a [`Wait`] for the pager.
pub fn swap_in(obj: u32, va: u32) -> Result<u32, Result<Wait, KernReturn>> {
    with(|r| {
        let o = r.objects.get_mut(&obj).ok_or(Err(KERN_MEMORY_FAILURE))?;
        if o.in_transit.contains(&va) {
            return Err(Ok(Wait { obj, offset: va, ask: None, write: false }));
        }
        if let Some(pa) = o.obj.take(va) {
            OBJECT_PAGES.fetch_sub(1, core::sync::atomic::Ordering::Relaxed);
            return Ok(pa);
        }
        match o.obj.lookup(va, false) {
            Lookup::Request => Err(Ok(Wait { obj, offset: va, ask: Some(false), write: false })),
            Lookup::Wait | Lookup::Unlock => Err(Ok(Wait { obj, offset: va, ask: None, write: false })),
            Lookup::Error(e) => Err(Err(e)),
            Lookup::Resident { .. } | Lookup::ZeroFill => Err(Err(KERN_MEMORY_FAILURE)),
        }
    })
}

/// Marks page `va` of swap object `obj` as on its way to the pager (a
/// fault on it waits until the data has been sent, so that its request
/// reaches the pager after the data). Called with the page's map locked,
/// as it leaves the map.
pub fn mark_in_transit(obj: u32, va: u32) {
    with(|r| r.objects.get_mut(&obj).map(|o| o.in_transit.insert(va)));
}

/// Pages out page `pa` (taken from a task map at `va`, marked in transit):
/// the page itself goes to the default pager as the out-of-line data of
/// `memory_object_data_initialize` (or `data_return` if the pager has had
/// that page before), without a copy; it is freed when the pager is done
/// with it.
pub fn page_out(obj: u32, va: u32, pa: u32) {
    let first = with(|r| r.objects.get_mut(&obj).map(|o| o.initialized.insert(va))).unwrap_or(true);
    let run = super::vm_map::PageRun::new(vec![Some(pa)], 0, PAGE_SIZE);
    if let Some((pager, control)) = pager_and_control(obj) {
        let ool = rt::Ool { addr: 1, count: PAGE_SIZE, dealloc: true };
        let mut m = OneWay { dest: pager, rights: vec![control], ool: vec![Vec::new()], run: Some(run) };
        let _ = if first { mod_::memory_object_data_initialize(&mut m, 0, 1, va, ool) } else { mo::memory_object_data_return(&mut m, 0, 1, va, ool, 1, 0) };
        finish(m);
    }
    with(|r| r.objects.get_mut(&obj).map(|o| o.in_transit.remove(&va)));
    wake(obj);
}

/// Hands anonymous object `obj` to the default pager, as a temporary
/// object (`memory_object_create`): from now on its pages can be paged
/// out, and missing ones come from the pager (which answers
/// `data_unavailable` for pages it never had). False without a pager.
fn make_temporary(obj: u32) -> bool {
    let Some(pager) = default_pager() else { return false };
    let (object_recv, object_send, control, name) = temporary_ports(obj);
    let p = object_send.port_id();
    let taken = with(|r| {
        let o = r.objects.get_mut(&obj).filter(|o| o.obj.backing == Backing::Anonymous)?;
        o.obj.backing = Backing::Pager;
        o.pager = object_send;
        o.control = Some(control);
        o.name = Some(name);
        if let Some(p) = p {
            r.by_pager.insert(p, obj);
        }
        Some(())
    });
    if taken.is_none() {
        // Someone else converted it meanwhile: undo ours.
        with_ipc(|ipc| {
            ipc.release_right(object_recv);
            let _ = ipc.destroy_kernel_port(control);
            let _ = ipc.destroy_kernel_port(name);
        });
        with_ipc(|ipc| ipc.release_right(pager));
        return true;
    }
    announce_temporary(pager, object_recv, control, name);
    true
}

/// Reclaims up to `max` resident pages of memory objects for the page-out
/// daemon, walking from `cursor` (object, offset): each page leaves every
/// map; a dirty or precious one goes back to its pager first
/// (`memory_object_data_initialize` the first time a temporary object's
/// page goes, `data_return` otherwise). Anonymous shared objects become
/// temporary objects of the default pager first. Returns the pages freed.
pub fn reclaim(max: usize, cursor: &mut (u32, u32)) -> usize {
    let mut freed = 0;
    while freed < max {
        let next = with(|r| {
            r.objects
                .range(cursor.0..)
                .filter(|(_, o)| !o.swap && !o.dead && o.kport.is_none() && !matches!(o.obj.backing, Backing::Physical { .. }))
                .find_map(|(id, o)| {
                    let from = if *id == cursor.0 { cursor.1 } else { 0 };
                    o.obj.resident_from(from).map(|off| (*id, off, o.obj.backing == Backing::Anonymous))
                })
        });
        let Some((obj, off, anonymous)) = next else {
            *cursor = (0, 0);
            break;
        };
        *cursor = (obj, off + PAGE_SIZE);
        if anonymous && !make_temporary(obj) {
            continue;
        }
        let got = with(|r| {
            let o = r.objects.get_mut(&obj)?;
            if matches!(o.obj.backing, Backing::Physical { .. }) {
                return None;
            }
            let pages = o.obj.lock(off, PAGE_SIZE, kerncore::vm_object::MEMORY_OBJECT_RETURN_ALL, true, 0);
            let first = pages.returns.iter().map(|&(off, _, _)| o.initialized.insert(off)).collect::<Vec<bool>>();
            Some((pages, first, o.pager.port_id(), o.control))
        });
        let Some((pages, first, pager, control)) = got else { continue };
        unmap_everywhere(obj, &pages.unmap);
        for (&(off, pa, dirty), first) in pages.returns.iter().zip(first) {
            let mut data = vec![0u8; PAGE_SIZE as usize];
            // SAFETY: a page the object held until now, in the linear map.
            unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(pa) as *const u8, data.as_mut_ptr(), data.len()) };
            if let Some(p) = pager.and_then(make_send_to) {
                let ool = rt::Ool { addr: 1, count: PAGE_SIZE, dealloc: true };
                if first {
                    send(p, vec![make_send(control)], vec![data], |m| mod_::memory_object_data_initialize(m, 0, 1, off, ool));
                } else {
                    send(p, vec![make_send(control)], vec![data], |m| mo::memory_object_data_return(m, 0, 1, off, ool, u32::from(dirty), 0));
                }
            }
        }
        freed += pages.free.len();
        for &pa in &pages.free {
            free_page(pa);
        }
    }
    freed
}
