//! The MIG-generated server side of the kernel-served interfaces, from GNU
//! Mach's own `.defs` (see `build.rs`): request validation, dispatch and reply
//! layout are generated, never written by hand.

#![allow(dead_code, clippy::all, missing_docs, unused_imports, unused_variables, non_snake_case)]

/// The runtime shared by every generated server.
pub mod rt {
    include!(concat!(env!("OUT_DIR"), "/mig_rt.rs"));
}

/// `mach.defs` (subsystem 2000): tasks, threads, VM.
pub mod mach {
    include!(concat!(env!("OUT_DIR"), "/mach_server.rs"));
}

/// `mach_port.defs` (subsystem 3200): port rights and name spaces.
pub mod mach_port {
    include!(concat!(env!("OUT_DIR"), "/mach_port_server.rs"));
}

/// `mach_host.defs` (subsystem 2600): host information and control.
pub mod mach_host {
    include!(concat!(env!("OUT_DIR"), "/mach_host_server.rs"));
}

/// `gnumach.defs` (subsystem 4200): GNU Mach's additions.
pub mod gnumach {
    include!(concat!(env!("OUT_DIR"), "/gnumach_server.rs"));
}

/// `device.defs` (subsystem 2800): the device interface.
pub mod device {
    include!(concat!(env!("OUT_DIR"), "/device_server.rs"));
}

/// `mach_i386.defs` (subsystem 3800): i386 descriptors (TLS, LDT) and
/// I/O port permissions.
pub mod mach_i386 {
    include!(concat!(env!("OUT_DIR"), "/mach_i386_server.rs"));
}

/// `memory_object.defs` (subsystem 2200), the kernel's side as a client:
/// what the kernel tells pagers.
pub mod memory_object {
    include!(concat!(env!("OUT_DIR"), "/memory_object_user.rs"));
}

/// `memory_object_default.defs` (subsystem 2250), the kernel's side as a
/// client: new temporary objects and their first data, to the default pager.
pub mod memory_object_default {
    include!(concat!(env!("OUT_DIR"), "/memory_object_default_user.rs"));
}

/// `exc.defs` (subsystem 2400), the kernel's side as a client: exception messages.
pub mod exc {
    include!(concat!(env!("OUT_DIR"), "/exc_user.rs"));
}

/// `task_notify.defs` (subsystem 4400), the kernel's side as a client:
/// `mach_notify_new_task` to the port `register_new_task_notification` named.
pub mod task_notify {
    include!(concat!(env!("OUT_DIR"), "/task_notify_user.rs"));
}
