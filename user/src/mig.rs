//! MIG user stubs for the kernel's interfaces, generated at build time from
//! GNU Mach's own `.defs` (`mach.defs`, `mach_port.defs`, `mach_host.defs`),
//! and [`Mach`], the `mach_msg` runtime they run on.

#![allow(dead_code, clippy::all, missing_docs, unused_imports, unused_variables, non_snake_case)]

/// The MIG runtime shared by the stubs.
pub mod rt {
    include!(concat!(env!("OUT_DIR"), "/mig_rt.rs"));
}

/// `mach.defs`: tasks, threads, VM.
pub mod mach {
    include!(concat!(env!("OUT_DIR"), "/mach_user.rs"));
}

/// `mach_port.defs`: rights and names.
pub mod mach_port {
    include!(concat!(env!("OUT_DIR"), "/mach_port_user.rs"));
}

/// `mach_host.defs`: the host.
pub mod mach_host {
    include!(concat!(env!("OUT_DIR"), "/mach_host_user.rs"));
}

/// `device.defs`: the device interface.
pub mod device {
    include!(concat!(env!("OUT_DIR"), "/device_user.rs"));
}

/// `gnumach.defs`: GNU Mach's additions.
pub mod gnumach {
    include!(concat!(env!("OUT_DIR"), "/gnumach_user.rs"));
}

/// `exc.defs`: exception messages, served by an exception handler.
pub mod exc_server {
    include!(concat!(env!("OUT_DIR"), "/exc_server.rs"));
}

/// `memory_object.defs`: what the kernel asks of a pager, served by one.
pub mod memory_object_server {
    include!(concat!(env!("OUT_DIR"), "/memory_object_server.rs"));
}

/// `memory_object_default.defs`: what the kernel asks of the default pager.
pub mod memory_object_default_server {
    include!(concat!(env!("OUT_DIR"), "/memory_object_default_server.rs"));
}

/// `device_request.defs`: the asynchronous device requests.
pub mod device_request {
    include!(concat!(env!("OUT_DIR"), "/device_request_user.rs"));
}

/// `device_reply.defs`: decoding the replies of asynchronous requests.
pub mod device_reply {
    include!(concat!(env!("OUT_DIR"), "/device_reply_server.rs"));
}

/// The repository's own `echo.defs` (user/defs): client stubs.
pub mod echo_user {
    include!(concat!(env!("OUT_DIR"), "/echo_user.rs"));
}

/// The repository's own `echo.defs`: the server side, for a server task.
pub mod echo_server {
    include!(concat!(env!("OUT_DIR"), "/echo_server.rs"));
}

/// `mach_msg` through the trap, with this thread's own reply port.
pub struct Mach {
    reply: u32,
}

impl Mach {
    /// A runtime with a fresh reply port (one per thread).
    pub fn new() -> Mach {
        // SAFETY: the trap takes no arguments and only adds a right to our space.
        Mach { reply: unsafe { crate::trap::mach_reply_port() } }
    }
}

impl Default for Mach {
    fn default() -> Self {
        Self::new()
    }
}

impl rt::MachMsg for Mach {
    fn mach_msg(&mut self, msg: &mut [u8], option: u32, send_size: u32, rcv_size: u32, rcv_name: u32, timeout: u32, notify: u32) -> u32 {
        // SAFETY: `msg` is a live buffer at least as long as both sizes (the
        // stubs guarantee it); the trap reads and writes only within it.
        unsafe {
            crate::trap::mach_msg_trap(msg.as_mut_ptr().cast(), option as i32, send_size, rcv_size, rcv_name, timeout, notify) as u32
        }
    }

    fn reply_port(&mut self) -> u32 {
        self.reply
    }

    fn dealloc_reply_port(&mut self, _port: u32) {
        // SAFETY: as in `new`.
        self.reply = unsafe { crate::trap::mach_reply_port() };
    }
}

/// Serves requests on `port` (a receive right or a port set) forever:
/// each request that arrives is handed to `server` (a MIG dispatcher: the
/// request and a reply buffer in, the outcome out), and the reply it built,
/// if any, is sent. Messages up to 512 bytes (out-of-line data aside).
pub fn serve_forever(port: u32, mut server: impl FnMut(&[u8], &mut [u8]) -> rt::Outcome) -> ! {
    let mut req = rt::MsgBuf::<512>::new();
    let mut reply = rt::MsgBuf::<512>::new();
    loop {
        // SAFETY: a 512-byte buffer for the receive.
        let r = unsafe { crate::trap::mach_msg_trap(req.0.as_mut_ptr().cast(), crate::message::MACH_RCV_MSG, 0, 512, port, 0, 0) };
        if r != 0 {
            continue;
        }
        let out = server(&req.0, &mut reply.0);
        if out.send_reply {
            // SAFETY: the server wrote `reply_size` bytes of reply.
            unsafe { crate::trap::mach_msg_trap(reply.0.as_mut_ptr().cast(), crate::message::MACH_SEND_MSG, out.reply_size as u32, 0, 0, 0, 0) };
        }
    }
}

/// `mach_i386.defs`: i386 descriptors (`i386_set_gdt` for TLS, the LDT)
/// and I/O port permissions.
pub mod mach_i386 {
    include!(concat!(env!("OUT_DIR"), "/mach_i386_user.rs"));
}
