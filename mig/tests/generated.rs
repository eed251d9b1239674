//! The generated code for every GNU Mach `.defs` file compiles, and its
//! constants and layouts are what the ABI says.
#![cfg(not(mig_no_defs))]
#![allow(clippy::all)]

#[allow(dead_code)]
mod gen {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

#[allow(dead_code)]
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/device_server_embedded.rs"));
}

#[test]
fn ids_match_the_abi() {
    assert_eq!(gen::device::server::DEVICE_OPEN_ID, 2800);
    assert_eq!(gen::device::server::DEVICE_INTR_ACK_ID, 2814);
    assert_eq!(gen::mach::user::VM_ALLOCATE_ID, 2021);
    assert_eq!(gen::mach::user::TASK_CREATE_ID, 2007);
    assert_eq!(gen::mach::user::VM_MAP_ID, 2089);
    assert_eq!(gen::mach_port::user::MACH_PORT_INSERT_RIGHT_ID, 3215);
    assert_eq!(gen::mach_host::user::HOST_INFO_ID, 2638);
    assert_eq!(embedded::DEVICE_READ_ID, 2804);
}

#[test]
fn default_methods_answer_bad_id_and_runtime_can_be_embedded() {
    struct Nothing;
    impl embedded::DeviceServer for Nothing {}
    // device_close request (as the kernel sees it): just a header.
    let mut req = [0u8; 24];
    for (i, w) in [17u32 | 18 << 8, 24, 7, 0x44, 0, 2801].iter().enumerate() {
        req[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
    }
    let mut reply = [0u8; embedded::MAX_REPLY_SIZE];
    let o = embedded::device_server(&mut Nothing, &req, &mut reply);
    assert!(o.known);
    assert_eq!((o.ret_code, o.reply_size), (embedded::rt::MIG_BAD_ID, 32));
    assert_eq!(embedded::ROUTINES[0], (2800, "device_open"));
    // The 2026 device.defs adds device_open_new for the kernel.
    assert_eq!(embedded::ROUTINES.len(), 13);
    assert!(embedded::ROUTINES.iter().any(|&(_, n)| n == "device_open_new"));
}
