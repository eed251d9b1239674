//! `defpager`: a user-level default pager for the memory-pressure test. It
//! registers with `vm_set_default_memory_manager`, takes the temporary
//! objects the kernel makes (`memory_object_create`, whose receive rights it
//! gathers in a port set), keeps the pages the kernel pages out
//! (`memory_object_data_initialize`, `memory_object_data_return`) and gives
//! them back on `memory_object_data_request` (`data_supply`; a page it never
//! got is `data_unavailable`). `memory_object_terminate` forgets an object.
//!
//! It keeps no disk: a page that repeats one 32-bit word is kept as that
//! word, any other as a copy (the test's pages repeat a word, so a machine
//! can page out more than it has).
//!
//! Boot-script line: `/defpager ${host-port} $(pager=task-create) $(task-resume)`;
//! it runs until it is terminated (memhog does that when done).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use mach_user::abi::*;
use mach_user::mig::{mach, mach_port, memory_object_default_server as mds, memory_object_server as mos, rt, Mach};
use mach_user::trap::mach_task_self;
use mach_user::{entry, uprintln, Args};

const NAME: &str = "defpager";
const PAGE: usize = 4096;
const MACH_PORT_RIGHT_PORT_SET_: u32 = MACH_PORT_RIGHT_PORT_SET;

enum Stored {
    Word(u32),
    Page(Vec<u8>),
}

struct Pager {
    m: Mach,
    task: u32,
    set: u32,
    /// (object port, offset) -> data.
    pages: BTreeMap<(u32, u32), Stored>,
    objects: u32,
    stored: u32,
    supplied: u32,
}

impl Pager {
    fn store(&mut self, obj: u32, offset: u32, data: rt::Ool) {
        // SAFETY: the kernel mapped `count` bytes of out-of-line data here.
        let bytes = unsafe { core::slice::from_raw_parts(data.addr as *const u8, data.count as usize) };
        if bytes.len() == PAGE {
            let first = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            let uniform = bytes.chunks_exact(4).all(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) == first);
            let s = if uniform { Stored::Word(first) } else { Stored::Page(bytes.to_vec()) };
            self.pages.insert((obj, offset), s);
            self.stored += 1;
        }
        let _ = mach::vm_deallocate(&mut self.m, self.task, data.addr, data.count);
    }
}

impl mds::MemoryObjectDefaultServer for Pager {
    fn memory_object_create(&mut self, req: mds::MemoryObjectCreateRequest) -> Result<(), i32> {
        self.objects += 1;
        if self.objects <= 4 {
            uprintln!("{}: object {} created (size {:#x}, page size {})", NAME, self.objects, req.new_object_size, req.new_page_size);
        }
        // Serve the new object too; the control and name rights are kept
        // until terminate.
        mach_port::mach_port_move_member(&mut self.m, self.task, req.new_memory_object, self.set)
    }

    fn memory_object_data_initialize(&mut self, req: mds::MemoryObjectDataInitializeRequest) -> Result<(), i32> {
        self.store(req.memory_object, req.offset, req.data);
        let _ = mach_port::mach_port_deallocate(&mut self.m, self.task, req.memory_control_port);
        Ok(())
    }
}

impl mos::MemoryObjectServer for Pager {
    fn memory_object_data_return(&mut self, req: mos::MemoryObjectDataReturnRequest) -> Result<(), i32> {
        self.store(req.memory_object, req.offset, req.data);
        let _ = mach_port::mach_port_deallocate(&mut self.m, self.task, req.memory_control);
        Ok(())
    }

    fn memory_object_data_request(&mut self, req: mos::MemoryObjectDataRequestRequest) -> Result<(), i32> {
        let mut page = alloc::vec![0u8; PAGE];
        let r = match self.pages.get(&(req.memory_object, req.offset)) {
            Some(Stored::Word(w)) => {
                for c in page.chunks_exact_mut(4) {
                    c.copy_from_slice(&w.to_le_bytes());
                }
                Some(page)
            }
            Some(Stored::Page(p)) => Some(p.clone()),
            None => None,
        };
        let control = req.memory_control;
        let res = match r {
            Some(mut p) => {
                self.supplied += 1;
                let ool = rt::Ool { addr: p.as_mut_ptr() as u32, count: PAGE as u32, dealloc: false };
                mach::memory_object_data_supply(&mut self.m, control, req.offset, ool, 0, 0, 0)
            }
            None => mach::memory_object_data_unavailable(&mut self.m, control, req.offset, PAGE as u32),
        };
        let _ = mach_port::mach_port_deallocate(&mut self.m, self.task, control);
        res
    }

    fn memory_object_terminate(&mut self, req: mos::MemoryObjectTerminateRequest) -> Result<(), i32> {
        let obj = req.memory_object;
        self.pages.retain(|k, _| k.0 != obj);
        for n in [req.memory_control, req.memory_object_name, obj] {
            let _ = mach_port::mach_port_destroy(&mut self.m, self.task, n);
        }
        Ok(())
    }
}

fn main(args: &Args) -> i32 {
    mach_user::set_test_name(NAME);
    let mut m = Mach::new();
    // SAFETY: no arguments.
    let task = unsafe { mach_task_self() };
    let Some(host_priv) = args.number(1) else {
        uprintln!("user-test: {} FAILED: argv[1] is not the host port", NAME);
        return 0;
    };
    let Ok(port) = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_RECEIVE).map(|r| r.name) else { return 0 };
    let Ok(set) = mach_port::mach_port_allocate(&mut m, task, MACH_PORT_RIGHT_PORT_SET_).map(|r| r.name) else { return 0 };
    let _ = mach_port::mach_port_move_member(&mut m, task, port, set);
    match mach::vm_set_default_memory_manager(&mut m, host_priv, port) {
        Ok(r) => uprintln!("{}: registered (previous manager {})", NAME, r.default_manager),
        Err(e) => {
            uprintln!("user-test: {} FAILED: vm_set_default_memory_manager {}", NAME, e);
            return 0;
        }
    }
    let mut p = Pager { m: Mach::new(), task, set, pages: BTreeMap::new(), objects: 0, stored: 0, supplied: 0 };
    let mut told = 0;
    mach_user::mig::serve_forever(set, |req, reply| {
        let mut out = mds::memory_object_default_server(&mut p, req, reply);
        if !out.known {
            out = mos::memory_object_server(&mut p, req, reply);
        }
        if p.stored != told && p.stored.is_power_of_two() && p.stored >= 256 {
            told = p.stored;
            uprintln!("{}: {} pages kept, {} given back", NAME, p.stored, p.supplied);
        }
        out
    })
}

entry!(main);
