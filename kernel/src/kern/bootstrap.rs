//! Starting the boot tasks from the multiboot modules, as GNU Mach does: the
//! module command lines form a boot script (`kerncore::bootscript`) whose
//! plan is carried out here: create each task, insert the port rights its
//! arguments name, load its ELF image with its argv, and resume it.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use alloc::format;

use kerncore::bootscript::{self, Action, Command, Right};

use super::bootinfo;
use super::exec;
use super::task::{self, TaskId};
use crate::vm::pmap;

/// Inserts a send right for `right` into `task`; returns its name there.
///
/// # Errors
/// A message when the right cannot be given.
fn insert_right(task: TaskId, right: &Right, tasks: &[Option<TaskId>]) -> Result<u32, String> {
    use crate::ipc::KernelPort as K;
    let space = crate::ipc::space_of(task).ok_or("task has no IPC space")?;
    let which = match right {
        Right::Kernel(bootscript::KernelPort::HostPriv) => K::HostPriv,
        Right::Kernel(bootscript::KernelPort::DeviceMaster) => K::DeviceMaster,
        Right::Kernel(bootscript::KernelPort::KernelTask) => return Err("no kernel task port to give".into()),
        Right::Task(m) => K::Task(tasks.get(*m).copied().flatten().ok_or_else(|| format!("task of module {m} does not exist"))?),
    };
    match crate::ipc::give_send(space, which) {
        0 => Err(format!("cannot give {:?}", right)),
        name => Ok(name),
    }
}

/// The bytes of module `index`.
fn module_image(index: usize) -> Option<&'static [u8]> {
    let m = bootinfo::get().modules.get(index)?;
    let len = (m.end - m.start) as usize;
    if len == 0 {
        return Some(&[]);
    }
    let va = pmap::map_phys(u64::from(m.start), len, false)?;
    // SAFETY: the module's pages are reserved from the page allocator for the
    // kernel's life and mapped at `va` (linear map or window); only read.
    Some(unsafe { core::slice::from_raw_parts(va as *const u8, len) })
}

/// Loads one command's task; returns the task.
fn load(cmd: &Command, tasks: &[Option<TaskId>]) -> Result<TaskId, String> {
    let image = module_image(cmd.module).ok_or_else(|| format!("module {} is not readable", cmd.module))?;
    // The task exists first: the rights its arguments name go into it.
    let t = task::create(&cmd.name).map_err(|e| format!("task_create: {e}"))?;
    let mut argv: Vec<String> = Vec::with_capacity(cmd.argv.len());
    for a in &cmd.argv {
        let mut s = a.text.clone();
        if let Some(r) = &a.right {
            match insert_right(t, r, tasks) {
                Ok(name) => s.push_str(&name.to_string()),
                Err(e) => {
                    task::terminate(t);
                    return Err(e);
                }
            }
        }
        argv.push(s);
    }
    exec::load_into(t, &cmd.name, image, &argv, &cmd.envp)?;
    crate::kprintln!("task loaded: {}", argv.join(" "));
    Ok(t)
}

/// Runs the boot script over the modules. Returns the tasks started.
pub fn run() -> Vec<TaskId> {
    let boot = bootinfo::get();
    if boot.modules.is_empty() {
        return Vec::new();
    }
    let lines: Vec<&str> = boot.modules.iter().map(|m| m.cmdline.as_str()).collect();
    let plan = bootscript::plan(&lines, boot.cmdline);
    for e in &plan.errors {
        crate::kwarn!("boot script: module {}: {}", e.module, e.kind);
    }
    if !plan.is_ok() {
        crate::kwarn!("boot script has errors; no boot task started");
        return Vec::new();
    }
    let mut tasks: Vec<Option<TaskId>> = alloc::vec![None; boot.modules.len()];
    for cmd in &plan.commands {
        match load(cmd, &tasks) {
            Ok(t) => tasks[cmd.module] = Some(t),
            Err(e) => crate::kwarn!("bootstrap: {}: {}", cmd.name, e),
        }
    }
    let mut started = Vec::new();
    for cmd in &plan.commands {
        let Some(t) = tasks[cmd.module] else { continue };
        for action in &cmd.actions {
            match action {
                Action::Resume | Action::PromptResume => {
                    // No console input yet: a prompt resumes at once.
                    crate::kprintln!("start {}:", cmd.name);
                    if task::resume(t).is_ok() {
                        started.push(t);
                    }
                }
            }
        }
    }
    started
}
