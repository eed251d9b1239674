//! The scheduler and the one primitive to block and wake threads, as GNU
//! Mach's `sched_prim`: `assert_wait(event, timeout)`, `thread_block()`,
//! `thread_wakeup(event)`, `clear_wait(thread, result)`.
//!
//! One CPU, whose running thread, idle thread, run queues and hand-off
//! candidate sit in a per-processor record (`Processor`). Thread records
//! are reached by their id's slot in a table (`Threads`), never by a tree
//! search. A `mach_msg` that sends and then receives hands the CPU straight
//! to the receiver its send woke (see [`handoff_begin`]).
//!
//! Priorities run from 0 (highest) to `NRQS - 1` (idle), GNU Mach's
//! range; time-sharing threads' scheduled priority decays with recent CPU
//! use, fixed-priority threads keep theirs and run for their quantum. The
//! clock interrupt charges the running thread, expires timeouts and asks for
//! a reschedule, which happens when the interrupt returns.
//!
//! # Locking
//! All state sits behind `SCHED`, taken only with interrupts off; every other
//! spin lock of the kernel is also taken with interrupts off, so preempting a
//! thread at interrupt return can never leave a lock held by a thread that is
//! not running.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

use core::sync::atomic::{AtomicU32, Ordering};

use spin::Mutex;

use crate::i386::{cpu, gdt, pcb};
use crate::vm::{pmap, vm_page};

/// Number of priority levels (GNU Mach's `NRQS`).
pub const NRQS: usize = 50;
/// Priority of kernel service threads.
pub const BASEPRI_SYSTEM: u8 = 6;
/// Default priority of user threads.
pub const BASEPRI_USER: u8 = 25;
/// The idle thread's priority: below everything.
pub const IDLE_PRI: u8 = (NRQS - 1) as u8;
/// Ticks a thread runs before others of its priority get the CPU.
pub const QUANTUM_TICKS: u32 = 5;
/// Ticks between two decays of CPU usage.
const DECAY_TICKS: u64 = 100;

/// A thread's identity (never reused).
pub type ThreadId = u32;

/// Why `thread_block` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum WaitResult {
    /// `thread_wakeup` on the event.
    Awakened,
    /// The timeout given to `assert_wait` expired.
    TimedOut,
    /// `clear_wait` interrupted the wait (abort, termination).
    Interrupted,
    /// The thread did not block (the wake-up came first, or no wait was asserted).
    NotWaiting,
}

impl WaitResult {
    fn from_u32(v: u32) -> WaitResult {
        match v {
            0 => WaitResult::Awakened,
            1 => WaitResult::TimedOut,
            2 => WaitResult::Interrupted,
            _ => WaitResult::NotWaiting,
        }
    }
}

/// Scheduling policy, as GNU Mach's `POLICY_TIMESHARE` / `POLICY_FIXEDPRI`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Timeshare,
    /// Fixed priority, with a quantum in ticks.
    FixedPri { quantum: u32 },
}

/// A thread as the scheduler sees it.
pub struct Thread {
    pub id: ThreadId,
    pub name: &'static str,
    /// Owning task (None: a kernel thread).
    pub task: Option<u32>,
    /// The task's IPC space, as the IPC layer's opaque (index + 1, generation)
    /// pair (0 index: none), so that the running thread's space is one load.
    space: (u32, u32),
    /// Physical base of the kernel stack (None: the boot stack).
    kstack: Option<u32>,
    saved_esp: u32,
    /// Page directory to load when this thread runs.
    pub page_dir: u32,
    /// A wait is asserted (see [`assert_wait`]).
    waiting: bool,
    /// The thread gave up the CPU in [`thread_block`] for that wait. Until
    /// then it stays runnable: preempted between `assert_wait` and
    /// `thread_block`, it goes back to its run queue and gets to finish
    /// what it checks before blocking, whether or not the event comes.
    blocked: bool,
    wait_event: usize,
    wait_result: WaitResult,
    deadline: u64,
    pub suspend_count: u32,
    halted: bool,
    /// Asked to stop: runs (even if suspended) to its next safe point (the
    /// return to user mode, or a thread start) and ends there.
    halt_requested: bool,
    on_runq: bool,
    pub policy: Policy,
    pub base_pri: u8,
    pub max_pri: u8,
    sched_pri: u8,
    cpu_usage: u32,
    quantum: u32,
    depressed: bool,
    /// Ticks this thread has run.
    pub ticks: u64,
    /// The thread is inside a hand-off window (see [`handoff_begin`]):
    /// saved from and restored to its processor's record when it switches.
    handoff_window: bool,
    /// Switched out by [`thread_block`]: the switch back hands it its wait
    /// result through its processor's record (no lock taken to read it).
    in_block: bool,
    /// `thread_wire`: the thread may take pages from the reserve the
    /// kernel keeps for paging (as the default pager's task may).
    pub vm_privileged: bool,
}

impl Thread {
    fn runnable(&self) -> bool {
        !(self.waiting && self.blocked) && (self.suspend_count == 0 || self.halt_requested) && !self.halted
    }

    /// Top of the kernel stack (virtual), if it has its own.
    pub fn kstack_top(&self) -> Option<u32> {
        self.kstack.map(|pa| pmap::phys_to_virt(pa) as u32 + pcb::KSTACK_SIZE as u32)
    }

    fn recompute_pri(&mut self) {
        if self.depressed {
            self.sched_pri = IDLE_PRI - 1;
            return;
        }
        self.sched_pri = match self.policy {
            Policy::Timeshare => (u32::from(self.base_pri) + self.cpu_usage / 8).min(u32::from(IDLE_PRI) - 1) as u8,
            Policy::FixedPri { .. } => self.base_pri,
        };
    }

    fn full_quantum(&self) -> u32 {
        match self.policy {
            Policy::Timeshare => QUANTUM_TICKS,
            Policy::FixedPri { quantum } => quantum.max(1),
        }
    }
}

/// Bits of a [`ThreadId`] that give its slot in the thread table; the bits
/// above count the slot's reuses, so an id is not reused until a slot has
/// been reused 2^18 times.
const SLOT_BITS: u32 = 14;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
/// Slots taken fresh before ended threads' slots are reused (ids stay
/// small, and a reused slot comes round rarely).
const FRESH_SLOTS: usize = 1024;

/// The slot of thread `id` in the scheduler's table (unique among live
/// threads): for per-thread tables kept elsewhere (`pcb`) and wait events.
pub const fn thread_slot(id: ThreadId) -> usize {
    (id & SLOT_MASK) as usize
}

/// The scheduler's thread records, indexed by their ids' slots: every
/// lookup is one bounds check and one id compare (GNU Mach reaches its
/// threads by pointer).
struct Threads {
    slots: Vec<Option<Box<Thread>>>,
    /// Ended threads' slots, reused oldest first once [`FRESH_SLOTS`] exist.
    free: VecDeque<usize>,
    /// The id the next use of each slot gets (its generation).
    next_gen: Vec<u32>,
    live: usize,
}

impl Threads {
    fn new() -> Threads {
        Threads { slots: Vec::with_capacity(64), free: VecDeque::new(), next_gen: Vec::with_capacity(64), live: 0 }
    }

    /// An unused id (its slot is reserved by the caller's [`Threads::insert`]).
    fn alloc_id(&mut self) -> ThreadId {
        let slot = if self.slots.len() < FRESH_SLOTS || self.free.is_empty() {
            // Slot 0 is never used: no thread has id 0.
            if self.slots.is_empty() {
                self.slots.push(None);
                self.next_gen.push(0);
            }
            self.slots.push(None);
            self.next_gen.push(0);
            self.slots.len() - 1
        } else {
            self.free.pop_front().expect("checked")
        };
        let g = self.next_gen[slot];
        self.next_gen[slot] = (g + 1) & ((1 << (32 - SLOT_BITS)) - 1);
        (g << SLOT_BITS) | slot as u32
    }

    fn insert(&mut self, id: ThreadId, t: Box<Thread>) {
        let slot = thread_slot(id);
        debug_assert!(self.slots[slot].is_none());
        self.slots[slot] = Some(t);
        self.live += 1;
    }

    #[inline]
    fn get(&self, id: &ThreadId) -> Option<&Thread> {
        match self.slots.get(thread_slot(*id)) {
            Some(Some(t)) if t.id == *id => Some(t),
            _ => None,
        }
    }

    #[inline]
    fn get_mut(&mut self, id: &ThreadId) -> Option<&mut Thread> {
        match self.slots.get_mut(thread_slot(*id)) {
            Some(Some(t)) if t.id == *id => Some(t),
            _ => None,
        }
    }

    fn contains_key(&self, id: &ThreadId) -> bool {
        self.get(id).is_some()
    }

    fn remove(&mut self, id: &ThreadId) -> Option<Box<Thread>> {
        self.get(id)?;
        let slot = thread_slot(*id);
        let t = self.slots[slot].take();
        self.free.push_back(slot);
        self.live -= 1;
        t
    }

    fn values(&self) -> impl Iterator<Item = &Thread> {
        self.slots.iter().filter_map(|t| t.as_deref())
    }

    fn keys(&self) -> impl Iterator<Item = ThreadId> + '_ {
        self.values().map(|t| t.id)
    }

    fn len(&self) -> usize {
        self.live
    }
}

impl core::ops::Index<&ThreadId> for Threads {
    type Output = Thread;

    #[inline]
    fn index(&self, id: &ThreadId) -> &Thread {
        self.get(id).expect("unknown thread")
    }
}

struct Sched {
    threads: Threads,
    /// Each processor's own state (one for now: see [`Processor`]).
    cpus: [Processor; 1],
    /// Halted threads whose stacks wait to be freed by another thread.
    dead: Vec<ThreadId>,
    /// (event, thread) of every wait, hashed by event into buckets that
    /// keep their storage: asserting a wait and waking allocate nothing.
    waiters: [Vec<(usize, ThreadId)>; WAIT_BUCKETS],
    /// Threads waiting with a deadline.
    timed: Vec<ThreadId>,
    /// Depressed threads and the tick their depression ends (a depressed
    /// thread that never runs again would otherwise stay depressed).
    depressed: Vec<(ThreadId, u64)>,
    ticks: u64,
}

/// What one processor schedules from (GNU Mach's `processor` and its
/// local run queue): its running and idle threads, its run queues and a
/// hand-off candidate. Sched keeps one per processor so that a second
/// processor adds a record, not a rewrite; the queues are still under the
/// one `SCHED` lock (a lock per processor comes with SMP).
struct Processor {
    runq: [VecDeque<ThreadId>; NRQS],
    /// Bit `p` set: `runq[p]` is not empty (the next thread is one scan away).
    runq_mask: u64,
    current: ThreadId,
    idle: ThreadId,
    /// A thread woken by this processor's `mach_msg` send and not queued:
    /// it gets the processor straight from the sender when the sender
    /// blocks (see [`handoff_begin`]).
    handoff: Option<ThreadId>,
}

/// The processor running this code, as an index into `Sched::cpus`.
const fn cpu_index() -> usize {
    0
}

static SCHED: Mutex<Option<Sched>> = Mutex::new(None);

/// Number of wait buckets (a power of two).
const WAIT_BUCKETS: usize = 64;

fn bucket(event: usize) -> usize {
    // Events are object addresses and port-derived words: mix the bits
    // above the alignment in.
    (event ^ (event >> 6) ^ (event >> 12)) & (WAIT_BUCKETS - 1)
}

/// Bit `b` clear: wait buckets `b` and `b + 32` are empty. Written under
/// `SCHED`; read without it by [`thread_wakeup_receiver`], whose waits are
/// asserted and woken under the IPC lock, so it cannot miss one.
static WAIT_MASK: AtomicU32 = AtomicU32::new(0);

/// Halted threads are waiting in `Sched::dead` to have their stacks freed.
static DEAD_PENDING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// What a processor is running, readable without `SCHED` (GNU Mach's
/// `active_threads[cpu]` and its AST bits): the trap and interrupt return
/// paths look only at [`PerCpu::ast`], and the current thread and task are
/// one load away.
///
/// # Locking
/// Written only by its own processor, under `SCHED` when it switches
/// threads (and by anyone setting an AST bit). A thread reading its own
/// processor's record always sees its own values: whenever it runs, the
/// record holds them.
pub struct PerCpu {
    thread: AtomicU32,
    /// The running thread's task (0: a kernel thread).
    task: AtomicU32,
    /// Pending work before returning to user mode: [`AST_RESCHED`], [`AST_HALT`].
    ast: AtomicU32,
    /// The running thread's IPC space (see [`Thread`]'s `space`).
    space_idx: AtomicU32,
    space_gen: AtomicU32,
    /// Nonzero while the running thread is in a `mach_msg` that will
    /// receive after its send: wake-ups of receivers become hand-offs
    /// (see [`handoff_begin`]); 2 once one is pending in `Sched::handoff`.
    handoff: AtomicU32,
    /// The wait result of a thread switched back into [`thread_block`].
    resumed: AtomicU32,
}

/// A reschedule is due.
const AST_RESCHED: u32 = 1;
/// The running thread has been asked to stop at its next safe point.
const AST_HALT: u32 = 2;

/// One processor for now; indexed by processor number once there are more.
static CPUS: [PerCpu; 1] = [PerCpu {
    thread: AtomicU32::new(1),
    task: AtomicU32::new(0),
    ast: AtomicU32::new(0),
    space_idx: AtomicU32::new(0),
    space_gen: AtomicU32::new(0),
    handoff: AtomicU32::new(0),
    resumed: AtomicU32::new(0),
}];

fn this_cpu() -> &'static PerCpu {
    &CPUS[0]
}

fn set_resched() {
    this_cpu().ast.fetch_or(AST_RESCHED, Ordering::Relaxed);
}

fn with<R>(f: impl FnOnce(&mut Sched) -> R) -> R {
    cpu::without_interrupts(|| f(SCHED.lock().as_mut().expect("scheduler not started")))
}

impl Sched {
    fn thread(&mut self, id: ThreadId) -> &mut Thread {
        self.threads.get_mut(&id).expect("unknown thread")
    }

    /// Makes `id` eligible to run. The running thread is never queued (it
    /// goes back to a queue when it is switched out).
    fn enqueue(&mut self, id: ThreadId) {
        if id == self.cpus[cpu_index()].current {
            return;
        }
        self.push_runq(id);
    }

    fn push_runq(&mut self, id: ThreadId) {
        let (cur, idle) = (self.cpus[cpu_index()].current, self.cpus[cpu_index()].idle);
        let t = self.thread(id);
        if t.on_runq || !t.runnable() || id == idle {
            return;
        }
        t.on_runq = true;
        let pri = t.sched_pri;
        self.cpus[cpu_index()].runq[usize::from(pri)].push_back(id);
        self.cpus[cpu_index()].runq_mask |= 1 << pri;
        if id != cur {
            let cur_pri = self.threads[&cur].sched_pri;
            if pri < cur_pri || cur == self.cpus[cpu_index()].idle || !self.threads[&cur].runnable() {
                set_resched();
            }
        }
    }

    fn dequeue(&mut self, id: ThreadId) {
        let t = self.thread(id);
        if !t.on_runq {
            return;
        }
        t.on_runq = false;
        let pri = t.sched_pri;
        let q = &mut self.cpus[cpu_index()].runq[usize::from(pri)];
        if let Some(i) = q.iter().position(|&x| x == id) {
            q.remove(i);
        }
        if q.is_empty() {
            self.cpus[cpu_index()].runq_mask &= !(1 << pri);
        }
    }

    fn pick(&mut self) -> ThreadId {
        if self.cpus[cpu_index()].runq_mask == 0 {
            return self.cpus[cpu_index()].idle;
        }
        let pri = self.cpus[cpu_index()].runq_mask.trailing_zeros() as usize;
        let q = &mut self.cpus[cpu_index()].runq[pri];
        let id = q.pop_front().expect("run queue mask out of step");
        if q.is_empty() {
            self.cpus[cpu_index()].runq_mask &= !(1 << pri);
        }
        id
    }

    /// Wakes every thread waiting on `event`, in the order the waits were
    /// asserted; returns how many.
    fn wakeup(&mut self, event: usize) -> usize {
        let b = bucket(event);
        let mut n = 0;
        while let Some(i) = self.waiters[b].iter().position(|&(e, _)| e == event) {
            let (_, id) = self.waiters[b].remove(i);
            self.unwait_inner(id, WaitResult::Awakened, true, false);
            n += 1;
        }
        self.bucket_changed(b);
        n
    }

    /// [`Sched::wakeup`] for a receiver woken by a `mach_msg` send that
    /// will block to receive: the first thread woken is kept aside for a
    /// direct hand-off instead of being queued (any earlier candidate is
    /// queued now); the others are queued as usual.
    fn wakeup_handoff(&mut self, event: usize) -> usize {
        let b = bucket(event);
        let Some(i) = self.waiters[b].iter().position(|&(e, _)| e == event) else { return 0 };
        let (_, id) = self.waiters[b].remove(i);
        self.bucket_changed(b);
        if id == self.cpus[cpu_index()].current || id == self.cpus[cpu_index()].idle {
            self.unwait_inner(id, WaitResult::Awakened, true, false);
        } else if self.unwait_inner(id, WaitResult::Awakened, false, false) {
            if let Some(old) = self.cpus[cpu_index()].handoff.replace(id) {
                self.enqueue(old);
            }
            this_cpu().handoff.store(2, Ordering::Relaxed);
        }
        1 + self.wakeup(event)
    }

    /// Queues the hand-off candidate, if any (the sender did not block).
    fn flush_handoff(&mut self) {
        if let Some(id) = self.cpus[cpu_index()].handoff.take() {
            if self.threads.contains_key(&id) {
                self.enqueue(id);
            }
        }
    }

    /// Removes thread `id`'s wait on `event` from its bucket.
    fn forget_wait(&mut self, event: usize, id: ThreadId) {
        let bi = bucket(event);
        let b = &mut self.waiters[bi];
        if let Some(i) = b.iter().position(|&w| w == (event, id)) {
            b.remove(i);
        }
        self.bucket_changed(bi);
    }

    /// Keeps [`WAIT_MASK`] in step with bucket `b` (one bit covers `b`
    /// and `b ^ 32`).
    fn bucket_changed(&self, b: usize) {
        if self.waiters[b].is_empty() && self.waiters[b ^ 32].is_empty() {
            WAIT_MASK.fetch_and(!(1 << (b & 31)), Ordering::Relaxed);
        } else {
            WAIT_MASK.fetch_or(1 << (b & 31), Ordering::Relaxed);
        }
    }

    fn unwait(&mut self, id: ThreadId, result: WaitResult) {
        self.unwait_inner(id, result, true, true);
    }

    /// Ends thread `id`'s wait; queues it if `queue`; takes its entry out
    /// of its wait bucket if `forget` (a wake-up has already). Whether it
    /// waited.
    fn unwait_inner(&mut self, id: ThreadId, result: WaitResult, queue: bool, forget: bool) -> bool {
        let t = self.thread(id);
        if !t.waiting {
            return false;
        }
        let event = t.wait_event;
        t.waiting = false;
        t.blocked = false;
        t.wait_result = result;
        if t.deadline != 0 {
            t.deadline = 0;
            self.timed.retain(|&x| x != id);
        }
        if forget {
            self.forget_wait(event, id);
        }
        if queue {
            self.enqueue(id);
        }
        true
    }

    /// The hand-off candidate, if the running thread gives up the CPU by
    /// blocking and no thread of higher priority is queued (it runs next
    /// without a trip through the run queue, as GNU Mach's
    /// `thread_handoff`); otherwise it is queued and `None` returned.
    fn take_handoff(&mut self, blocking: bool) -> Option<ThreadId> {
        let id = self.cpus[cpu_index()].handoff.take()?;
        this_cpu().handoff.fetch_and(1, Ordering::Relaxed);
        let best = if self.cpus[cpu_index()].runq_mask == 0 { NRQS as u32 } else { self.cpus[cpu_index()].runq_mask.trailing_zeros() };
        let t = self.threads.get_mut(&id)?;
        if blocking && t.runnable() && !t.halted && u32::from(t.sched_pri) <= best {
            if t.on_runq {
                self.dequeue(id);
            }
            return Some(id);
        }
        self.enqueue(id);
        None
    }

    /// Chooses the next thread; returns the switch to make, if any.
    fn reschedule(&mut self) -> Option<(*mut u32, u32)> {
        this_cpu().ast.fetch_and(!AST_RESCHED, Ordering::Relaxed);
        let cur = self.cpus[cpu_index()].current;
        // The running thread (never on a queue while it runs) goes back to
        // the tail of its priority's queue.
        let blocking = !self.threads[&cur].runnable();
        if !blocking {
            self.push_runq(cur);
        }
        let next = match self.take_handoff(blocking) {
            Some(id) => id,
            None => self.pick(),
        };
        let nt = self.thread(next);
        nt.on_runq = false;
        if nt.quantum == 0 {
            nt.quantum = nt.full_quantum();
        }
        if next == cur {
            return None;
        }
        let next_esp = nt.saved_esp;
        let next_dir = nt.page_dir;
        if let Some(top) = nt.kstack_top() {
            gdt::set_kernel_stack(top);
        }
        let cur_dir = self.threads[&cur].page_dir;
        if next_dir != cur_dir {
            pmap::activate(next_dir);
        }
        self.cpus[cpu_index()].current = next;
        let (task, space, halt) = {
            let t = &self.threads[&next];
            (t.task.unwrap_or(0), t.space, t.halt_requested)
        };
        let pc = this_cpu();
        // The hand-off window is the thread's (no candidate is pending here).
        let window = pc.handoff.load(Ordering::Relaxed) & 1 != 0;
        self.thread(cur).handoff_window = window;
        let nt = self.thread(next);
        pc.handoff.store(u32::from(nt.handoff_window), Ordering::Relaxed);
        if core::mem::replace(&mut nt.in_block, false) {
            let r = core::mem::replace(&mut nt.wait_result, WaitResult::NotWaiting);
            pc.resumed.store(r as u32, Ordering::Relaxed);
        }
        pc.thread.store(next, Ordering::Relaxed);
        pc.task.store(task, Ordering::Relaxed);
        pc.space_idx.store(space.0, Ordering::Relaxed);
        pc.space_gen.store(space.1, Ordering::Relaxed);
        if halt {
            pc.ast.fetch_or(AST_HALT, Ordering::Relaxed);
        } else {
            pc.ast.fetch_and(!AST_HALT, Ordering::Relaxed);
        }
        // Machine state: the FPU of `cur`, the descriptors of `next`.
        pcb::switch_machine(cur, next, self.threads[&next].task);
        let save = &mut self.thread(cur).saved_esp as *mut u32;
        Some((save, next_esp))
    }
}

/// Switches to whatever should run now. Interrupts must be off.
fn switch_now() {
    let sw = {
        let mut g = SCHED.lock();
        g.as_mut().expect("scheduler not started").reschedule()
    };
    if let Some((save, next)) = sw {
        // SAFETY: `save` points into the current thread's boxed record, which
        // stays allocated while it runs (threads are freed only by others,
        // after they halt); `next` is a stack pointer saved by
        // `switch_context` or prepared by `pcb::prepare_*`. Interrupts are off.
        unsafe { pcb::switch_context(save, next) };
        reap();
    }
}

/// Frees the stacks of halted threads other than the current one.
fn reap() {
    // One load on every switch; the lock only when a thread ended.
    if !DEAD_PENDING.load(Ordering::Relaxed) {
        return;
    }
    let stacks: Vec<(ThreadId, u32)> = cpu::without_interrupts(|| {
        let mut g = SCHED.lock();
        let s = g.as_mut().expect("scheduler not started");
        let cur = s.cpus[cpu_index()].current;
        let mut out = Vec::new();
        s.dead.retain(|&id| {
            if id == cur {
                return true;
            }
            if let Some(t) = s.threads.remove(&id) {
                if let Some(k) = t.kstack {
                    out.push((id, k));
                }
            }
            false
        });
        DEAD_PENDING.store(!s.dead.is_empty(), Ordering::Relaxed);
        out
    });
    for (id, k) in stacks {
        // Its descriptors and FPU state go with it.
        pcb::forget(id);
        let _ = vm_page::free_contig(k, pcb::KSTACK_SIZE / vm_page::PAGE_SIZE as usize);
    }
}

/// First thing a new kernel thread does (called by `thread_trampoline`).
#[no_mangle]
extern "C" fn thread_start_hook() {
    reap();
    cpu::enable_interrupts();
}

/// First thing a new user thread does before entering user mode.
#[no_mangle]
extern "C" fn user_start_hook() {
    reap();
    halt_if_requested();
}

/// Makes the running start-up code thread 1 and creates the idle thread.
pub fn init() {
    let boot = Box::new(Thread {
        id: 1,
        name: "startup",
        task: None,
        space: (0, 0),
        kstack: None,
        saved_esp: 0,
        page_dir: pmap::kernel_page_dir(),
        waiting: false,
        blocked: false,
        wait_event: 0,
        wait_result: WaitResult::NotWaiting,
        deadline: 0,
        suspend_count: 0,
        halted: false,
        halt_requested: false,
        on_runq: false,
        policy: Policy::Timeshare,
        base_pri: BASEPRI_SYSTEM,
        max_pri: 0,
        sched_pri: BASEPRI_SYSTEM,
        cpu_usage: 0,
        quantum: QUANTUM_TICKS,
        depressed: false,
        ticks: 0,
        handoff_window: false,
        in_block: false,
        vm_privileged: false,
    });
    let mut threads = Threads::new();
    let boot_id = threads.alloc_id();
    debug_assert_eq!(boot_id, 1);
    threads.insert(boot_id, boot);
    cpu::without_interrupts(|| {
        *SCHED.lock() = Some(Sched {
            threads,
            cpus: [Processor {
                // Queues are sized up front so scheduling never allocates in the common case.
                runq: core::array::from_fn(|_| VecDeque::with_capacity(8)),
                runq_mask: 0,
                current: 1,
                idle: 0,
                handoff: None,
            }],
            dead: Vec::new(),
            waiters: core::array::from_fn(|_| Vec::with_capacity(4)),
            timed: Vec::new(),
            depressed: Vec::new(),
            ticks: 0,
        });
    });
    let idle = spawn("idle", idle_body, 0, IDLE_PRI, Policy::Timeshare).expect("no memory for the idle thread");
    with(|s| {
        s.dequeue(idle);
        s.cpus[cpu_index()].idle = idle;
        let t = s.thread(idle);
        t.policy = Policy::FixedPri { quantum: 1 };
        t.sched_pri = IDLE_PRI;
    });
}

extern "C" fn idle_body(_: usize) {
    loop {
        cpu::enable_and_halt();
    }
}

/// Creates a runnable kernel thread running `body(arg)`; `None` without memory.
pub fn spawn(name: &'static str, body: extern "C" fn(usize), arg: usize, pri: u8, policy: Policy) -> Option<ThreadId> {
    let pages = pcb::KSTACK_SIZE / vm_page::PAGE_SIZE as usize;
    let stack = vm_page::alloc_contig(pages, vm_page::Zone::Any)?;
    let top = pmap::phys_to_virt(stack) as u32 + pcb::KSTACK_SIZE as u32;
    // SAFETY: the stack was just allocated for this thread.
    let esp = unsafe { pcb::prepare_kernel_thread(top, body, arg) };
    Some(add_thread(name, None, (0, 0), stack, esp, pmap::kernel_page_dir(), pri, policy, true))
}

/// Registers a thread whose stack is prepared; runnable unless `run` is false
/// (then it starts with a suspend count of 1).
#[allow(clippy::too_many_arguments)]
pub fn add_thread(name: &'static str, task: Option<u32>, space: (u32, u32), kstack: u32, esp: u32, page_dir: u32, pri: u8, policy: Policy, run: bool) -> ThreadId {
    with(|s| {
        let id = s.threads.alloc_id();
        let mut t = Box::new(Thread {
            id,
            name,
            task,
            space,
            kstack: Some(kstack),
            saved_esp: esp,
            page_dir,
            waiting: false,
            blocked: false,
            wait_event: 0,
            wait_result: WaitResult::NotWaiting,
            deadline: 0,
            suspend_count: u32::from(!run),
            halted: false,
            halt_requested: false,
            on_runq: false,
            policy,
            base_pri: pri.min(IDLE_PRI),
            max_pri: 0,
            sched_pri: pri.min(IDLE_PRI),
            cpu_usage: 0,
            quantum: 0,
            depressed: false,
            ticks: 0,
            handoff_window: false,
            in_block: false,
            vm_privileged: false,
        });
        t.recompute_pri();
        s.threads.insert(id, t);
        s.enqueue(id);
        id
    })
}

/// The running thread's name, for panic reports (never waits for the lock).
pub fn current_name() -> &'static str {
    SCHED.try_lock().and_then(|g| g.as_ref().map(|s| s.threads[&s.cpus[cpu_index()].current].name)).unwrap_or("?")
}

/// The running thread.
pub fn current() -> ThreadId {
    this_cpu().thread.load(Ordering::Relaxed)
}

/// The running thread's IPC space as given to [`add_thread`] (index 0: none).
pub fn current_space_raw() -> (u32, u32) {
    let pc = this_cpu();
    (pc.space_idx.load(Ordering::Relaxed), pc.space_gen.load(Ordering::Relaxed))
}

/// The running thread's task (`None` for a kernel thread).
pub fn current_task() -> Option<u32> {
    match this_cpu().task.load(Ordering::Relaxed) {
        0 => None,
        t => Some(t),
    }
}

/// Runs `f` on thread `id`'s record; `None` if it does not exist.
pub fn with_thread<R>(id: ThreadId, f: impl FnOnce(&mut Thread) -> R) -> Option<R> {
    with(|s| s.threads.get_mut(&id).map(|t| f(t)))
}

/// Whether the running thread is VM-privileged (`thread_wire`).
pub fn current_vm_privileged() -> bool {
    with(|s| {
        let id = s.cpus[cpu_index()].current;
        s.threads.get(&id).is_some_and(|t| t.vm_privileged)
    })
}

/// Declares that the running thread will wait for `event` (any nonzero
/// word, usually an object's address), for at most `timeout_ticks` if given.
/// Nothing blocks until [`thread_block`].
pub fn assert_wait(event: usize, timeout_ticks: Option<u64>) {
    with(|s| {
        let id = s.cpus[cpu_index()].current;
        let now = s.ticks;
        // A wait asserted again replaces the earlier one: no stale entry may
        // wake this thread from a later, unrelated wait.
        let t = s.thread(id);
        if t.waiting {
            let (old, timed) = (t.wait_event, t.deadline != 0);
            s.forget_wait(old, id);
            if timed {
                s.timed.retain(|&x| x != id);
            }
        }
        let t = s.thread(id);
        t.waiting = true;
        t.wait_event = event;
        t.wait_result = WaitResult::NotWaiting;
        t.deadline = timeout_ticks.map_or(0, |n| now + n.max(1));
        let timed = t.deadline != 0;
        let b = bucket(event);
        s.waiters[b].push((event, id));
        s.bucket_changed(b);
        if timed {
            s.timed.push(id);
        }
    });
}

/// Gives up the CPU if the running thread is waiting; returns why it runs again.
pub fn thread_block() -> WaitResult {
    cpu::without_interrupts(|| {
        // Marked blocked and switched away in one critical section.
        let sw = {
            let mut g = SCHED.lock();
            let s = g.as_mut().expect("scheduler not started");
            let id = s.cpus[cpu_index()].current;
            let t = s.thread(id);
            if t.waiting {
                t.blocked = true;
                t.in_block = true;
                let sw = s.reschedule();
                if sw.is_none() {
                    s.thread(id).in_block = false;
                }
                sw
            } else {
                None
            }
        };
        if let Some((save, next)) = sw {
            // SAFETY: as in `switch_now`.
            unsafe { pcb::switch_context(save, next) };
            reap();
            // The switch back took the wait result out of the record.
            return WaitResult::from_u32(this_cpu().resumed.load(Ordering::Relaxed));
        }
        with(|s| {
            let id = s.cpus[cpu_index()].current;
            core::mem::replace(&mut s.thread(id).wait_result, WaitResult::NotWaiting)
        })
    })
}

/// Wakes every thread waiting on `event`; returns how many.
pub fn thread_wakeup(event: usize) -> usize {
    with(|s| s.wakeup(event))
}

/// [`thread_wakeup`] for the receivers of a message just queued: inside a
/// [`handoff_begin`] window the first thread woken is kept for a direct
/// hand-off instead of being queued.
///
/// The IPC lock must be held (it orders the receivers' waits with this
/// wake-up): an empty wait bucket is seen without taking `SCHED`.
pub fn thread_wakeup_receiver(event: usize) -> usize {
    if WAIT_MASK.load(Ordering::Relaxed) & (1 << (bucket(event) & 31)) == 0 {
        return 0;
    }
    if this_cpu().handoff.load(Ordering::Relaxed) != 0 {
        return with(|s| s.wakeup_handoff(event));
    }
    with(|s| s.wakeup(event))
}

/// Opens a hand-off window for the running thread's `mach_msg`, whose
/// send is followed by a receive: a receiver its send wakes is not queued
/// but kept, and gets the CPU directly when this thread blocks to receive
/// (GNU Mach's `mach_msg` continuations and L4's IPC do the same). If this
/// thread does not block, [`handoff_end`] queues the receiver, so nothing
/// else changes: the receiver still takes the message off the queue itself
/// (sequence numbers, order, port sets, timeouts stay the queue's). Any
/// reschedule in between (a fault, preemption) also settles the candidate.
#[inline]
pub fn handoff_begin() {
    this_cpu().handoff.store(1, Ordering::Relaxed);
}

/// Closes the window of [`handoff_begin`], queueing a receiver that did not
/// get the CPU.
#[inline]
pub fn handoff_end() {
    // One exchange: an interrupt's wake-up cannot slip in between.
    if this_cpu().handoff.swap(0, Ordering::Relaxed) > 1 {
        handoff_flush();
    }
}

#[cold]
fn handoff_flush() {
    with(|s| s.flush_handoff());
}

/// Ends thread `id`'s wait (if it waits) with `result`.
pub fn clear_wait(id: ThreadId, result: WaitResult) {
    with(|s| {
        if s.threads.contains_key(&id) {
            s.unwait(id, result);
        }
    });
}

/// Ends thread `id`'s wait with `Awakened` if it still waits on `event`;
/// whether it did (a wait that timed out or was interrupted meanwhile is
/// left alone).
pub fn wake_thread(id: ThreadId, event: usize) -> bool {
    with(|s| match s.threads.get(&id) {
        Some(t) if t.waiting && t.wait_event == event => {
            s.unwait(id, WaitResult::Awakened);
            true
        }
        _ => false,
    })
}

/// Sleeps the running thread for `ticks` clock ticks.
pub fn sleep_ticks(ticks: u64) {
    let me = current();
    // A per-thread event nobody else wakes: the thread's slot (unique
    // among live threads), offset into a range no object address uses.
    assert_wait(0xFFFF_0000usize + (thread_slot(me) << 1) | 1, Some(ticks));
    thread_block();
}

/// Lets other threads of the same or higher priority run (`swtch`).
/// Returns whether any other thread was runnable.
pub fn yield_now() -> bool {
    cpu::without_interrupts(|| {
        let others = with(|s| {
            let id = s.cpus[cpu_index()].current;
            s.thread(id).quantum = 0;
            s.cpus[cpu_index()].runq_mask != 0
        });
        switch_now();
        others
    })
}

/// The default processor set's maximum priority (`processor_set_max_priority`):
/// the highest (numerically lowest) priority new user threads may take.
pub static PSET_MAX_PRI: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(BASEPRI_USER);

/// `POLICY_TIMESHARE` and `POLICY_FIXEDPRI` (mach/policy.h).
pub const POLICY_TIMESHARE: u32 = 1;
pub const POLICY_FIXEDPRI: u32 = 2;

/// The policies the default processor set allows (`processor_set_policy_enable`).
pub static PSET_POLICIES: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(POLICY_TIMESHARE);

/// Thread `id`'s policy as a `POLICY_*` value.
pub fn policy_of(id: ThreadId) -> Option<u32> {
    with_thread(id, |t| match t.policy {
        Policy::Timeshare => POLICY_TIMESHARE,
        Policy::FixedPri { .. } => POLICY_FIXEDPRI,
    })
}

/// Sets thread `id`'s scheduling policy (a fixed-priority quantum is in ticks).
pub fn set_policy(id: ThreadId, policy: Policy) -> Option<()> {
    with(|s| {
        let on = s.threads.get(&id)?.on_runq;
        if on {
            s.dequeue(id);
        }
        let t = s.thread(id);
        t.policy = policy;
        t.quantum = t.full_quantum();
        t.recompute_pri();
        if on {
            s.enqueue(id);
        }
        Some(())
    })
}

/// Whether `p` is a priority (GNU Mach's `invalid_pri`: 0 .. NRQS-1).
pub fn valid_pri(p: u32) -> bool {
    p < NRQS as u32
}

/// Thread `id`'s (base, max) priority.
pub fn priorities(id: ThreadId) -> Option<(u8, u8)> {
    with_thread(id, |t| (t.base_pri, t.max_pri))
}

/// Sets thread `id`'s base and/or maximum priority and recomputes where it
/// runs. `None` if there is no such thread.
pub fn set_priorities(id: ThreadId, base: Option<u8>, max: Option<u8>) -> Option<()> {
    with(|s| {
        let on = s.threads.get(&id)?.on_runq;
        if on {
            s.dequeue(id);
        }
        let t = s.thread(id);
        if let Some(b) = base {
            t.base_pri = b.min(IDLE_PRI - 1);
        }
        if let Some(m) = max {
            t.max_pri = m.min(IDLE_PRI - 1);
        }
        t.recompute_pri();
        if on {
            s.enqueue(id);
        }
        Some(())
    })
}

/// `thread_depress_abort`: ends a priority depression of thread `id`.
pub fn depress_abort(id: ThreadId) -> Option<()> {
    with(|s| {
        // A queued thread moves to its new priority's queue.
        let on = s.threads.get(&id)?.on_runq;
        if on {
            s.dequeue(id);
        }
        let t = s.thread(id);
        t.depressed = false;
        t.recompute_pri();
        if on {
            s.enqueue(id);
        }
        Some(())
    })
}

/// `swtch_pri`, `thread_switch(SWITCH_OPTION_DEPRESS)`: runs the thread
/// at the lowest non-idle priority while it yields, so every other runnable
/// thread goes first, then restores it. The depression lasts at most
/// `ticks` (as GNU Mach's depression timeout): behind a thread that never
/// blocks, a depressed thread would otherwise never run again.
pub fn depress_and_yield(ticks: u64) -> bool {
    with(|s| {
        let id = s.cpus[cpu_index()].current;
        let until = s.ticks + ticks.max(1);
        let t = s.thread(id);
        t.depressed = true;
        t.recompute_pri();
        s.depressed.retain(|&(x, _)| x != id);
        s.depressed.push((id, until));
    });
    let others = yield_now();
    with(|s| {
        let id = s.cpus[cpu_index()].current;
        s.depressed.retain(|&(x, _)| x != id);
        let t = s.thread(id);
        t.depressed = false;
        t.recompute_pri();
    });
    others
}

/// Adds one suspension to thread `id` (GNU Mach's `thread_suspend`).
pub fn suspend(id: ThreadId) -> bool {
    let switch = with(|s| {
        let Some(t) = s.threads.get_mut(&id) else { return None };
        t.suspend_count += 1;
        s.dequeue(id);
        Some(id == s.cpus[cpu_index()].current)
    });
    match switch {
        Some(true) => {
            cpu::without_interrupts(switch_now);
            true
        }
        Some(false) => true,
        None => false,
    }
}

/// Removes one suspension; the thread runs again when none are left.
/// Returns false if it was not suspended (GNU Mach's KERN_FAILURE).
pub fn resume(id: ThreadId) -> bool {
    with(|s| {
        let Some(t) = s.threads.get_mut(&id) else { return false };
        if t.suspend_count == 0 {
            return false;
        }
        t.suspend_count -= 1;
        s.enqueue(id);
        true
    })
}

/// Asks thread `id` (not the running one) to stop at its next safe point:
/// a wait it is in is interrupted and a suspension no longer holds it, so it
/// runs until it would return to user mode (or start) and ends there, with
/// nothing of the kernel's left on its stack. See [`halted`].
pub fn request_halt(id: ThreadId) {
    with(|s| {
        let Some(t) = s.threads.get_mut(&id) else { return };
        if t.halted {
            return;
        }
        t.halt_requested = true;
        if id == s.cpus[cpu_index()].current {
            this_cpu().ast.fetch_or(AST_HALT, Ordering::Relaxed);
        }
        s.unwait(id, WaitResult::Interrupted);
        s.enqueue(id);
    });
}

/// Threads of user task `task` that have not stopped.
pub fn live_threads_of(task: u32) -> Vec<ThreadId> {
    with(|s| s.threads.values().filter(|t| t.task == Some(task) && !t.halted).map(|t| t.id).collect())
}

/// Whether the running thread has been asked to stop.
pub fn halt_pending() -> bool {
    this_cpu().ast.load(Ordering::Relaxed) & AST_HALT != 0
}

/// Whether the running thread has work to do before it returns to user
/// mode (a reschedule, or a request to stop): one load on the trap path.
pub fn ast_pending() -> bool {
    this_cpu().ast.load(Ordering::Relaxed) != 0
}


/// The event a thread's end raises (see [`wait_halted`]).
fn halt_event() -> usize {
    static HALTS: u8 = 0;
    core::ptr::addr_of!(HALTS) as usize
}

/// Waits until every thread of `ids` has stopped: woken by each thread's
/// end (and, to be safe, every tick).
pub fn wait_halted(ids: &[ThreadId]) {
    loop {
        let all = cpu::without_interrupts(|| {
            let done = with(|s| ids.iter().all(|id| s.threads.get(id).is_none_or(|t| t.halted)));
            if !done {
                assert_wait(halt_event(), Some(1));
            }
            done
        });
        if all {
            return;
        }
        thread_block();
    }
}

/// Ends the running thread if it has been asked to stop (a safe point).
pub fn halt_if_requested() {
    if halt_pending() {
        thread_exit_current();
    }
}

/// Stops thread `id` for good; its stack is freed once it no longer runs.
/// For a thread other than the running one this must only be used when it
/// holds nothing (kernel threads that never run again); user threads are
/// stopped with [`request_halt`].
pub fn terminate(id: ThreadId) {
    let me = with(|s| {
        if !s.threads.contains_key(&id) {
            return false;
        }
        s.unwait(id, WaitResult::Interrupted);
        s.dequeue(id);
        s.thread(id).halted = true;
        s.dead.push(id);
        DEAD_PENDING.store(true, Ordering::Relaxed);
        s.wakeup(halt_event());
        id == s.cpus[cpu_index()].current
    });
    if me {
        cpu::disable_interrupts();
        switch_now();
        unreachable!("a halted thread was scheduled");
    }
}

/// Ends the running thread (kernel thread bodies that return come here).
#[no_mangle]
pub extern "C" fn thread_exit_current() -> ! {
    terminate(current());
    unreachable!()
}

/// Charges the running thread one tick, expires timeouts, decays usage.
/// Called by the clock interrupt.
pub fn clock_tick() {
    let mut g = SCHED.lock();
    let Some(s) = g.as_mut() else { return };
    s.ticks += 1;
    let now = s.ticks;
    let cur = s.cpus[cpu_index()].current;
    let idle = s.cpus[cpu_index()].idle;
    {
        let t = s.thread(cur);
        t.ticks += 1;
        if cur != idle {
            t.cpu_usage = t.cpu_usage.saturating_add(1);
            t.recompute_pri();
            t.quantum = t.quantum.saturating_sub(1);
            if t.quantum == 0 {
                set_resched();
            }
        }
    }
    if !s.timed.is_empty() {
        let expired: Vec<ThreadId> = s.timed.iter().copied().filter(|id| {
            let d = s.threads[id].deadline;
            d != 0 && d <= now
        }).collect();
        for id in expired {
            s.unwait(id, WaitResult::TimedOut);
        }
    }
    if s.depressed.iter().any(|&(_, until)| until <= now) {
        let due: Vec<ThreadId> = s.depressed.iter().filter(|&&(_, until)| until <= now).map(|&(id, _)| id).collect();
        s.depressed.retain(|&(_, until)| until > now);
        for id in due {
            let Some(on) = s.threads.get(&id).map(|t| t.on_runq) else { continue };
            if on {
                s.dequeue(id);
            }
            let t = s.thread(id);
            t.depressed = false;
            t.recompute_pri();
            if on {
                s.enqueue(id);
            }
        }
    }
    if now % DECAY_TICKS == 0 {
        let ids: Vec<ThreadId> = s.threads.keys().collect();
        for id in ids {
            let on = s.threads[&id].on_runq;
            if on {
                s.dequeue(id);
            }
            let t = s.thread(id);
            t.cpu_usage = t.cpu_usage * 5 / 8;
            t.recompute_pri();
            if on {
                s.enqueue(id);
            }
        }
    }
}

/// Whether a reschedule is due (checked when an interrupt or trap returns).
pub fn need_resched() -> bool {
    this_cpu().ast.load(Ordering::Relaxed) & AST_RESCHED != 0
}

/// Reschedules at interrupt return (interrupts are off).
pub fn preempt() {
    switch_now();
}

/// Scheduler statistics: (threads, runnable threads, ticks).
pub fn stats() -> (usize, usize, u64) {
    with(|s| (s.threads.len(), s.cpus[cpu_index()].runq.iter().map(|q| q.len()).sum(), s.ticks))
}

/// What `thread_info` reports of a thread.
pub struct Snapshot {
    pub ticks: u64,
    pub halted: bool,
    pub waiting: bool,
    pub suspend_count: u32,
    pub cpu_usage: u32,
    pub base_pri: u8,
    pub sched_pri: u8,
    pub max_pri: u8,
    pub depressed: bool,
    /// `POLICY_*`, and for fixed priority the quantum in milliseconds.
    pub policy: u32,
    pub policy_data: u32,
}

/// A snapshot of thread `id`.
pub fn snapshot(id: ThreadId) -> Option<Snapshot> {
    with(|s| {
        s.threads.get(&id).map(|t| Snapshot {
            ticks: t.ticks,
            halted: t.halted,
            waiting: t.waiting,
            suspend_count: t.suspend_count,
            cpu_usage: t.cpu_usage,
            base_pri: t.base_pri,
            sched_pri: t.sched_pri,
            max_pri: t.max_pri,
            depressed: t.depressed,
            policy: match t.policy {
                Policy::Timeshare => POLICY_TIMESHARE,
                Policy::FixedPri { .. } => POLICY_FIXEDPRI,
            },
            policy_data: match t.policy {
                Policy::Timeshare => 0,
                Policy::FixedPri { quantum } => quantum * (1000 / crate::i386::clock::HZ),
            },
        })
    })
}
