//! Every `.defs` file GNU Mach ships parses, and both sides generate.
//!
//! Needs Debian's `gnumach-dev`; without it these tests fail with the message
//! telling how to install it.

use mig::{generate_server, generate_user, parse_defs, Options};

/// The interface files the kernel and its users rely on.
pub const ALL_DEFS: &[&str] = &[
    "mach/mach.defs",
    "mach/mach_port.defs",
    "mach/mach_host.defs",
    "mach/mach4.defs",
    "mach/gnumach.defs",
    "mach/notify.defs",
    "mach/exc.defs",
    "mach/memory_object.defs",
    "mach/memory_object_default.defs",
    "mach/default_pager.defs",
    "mach/task_notify.defs",
    "device/device.defs",
    "device/device_request.defs",
    "device/device_reply.defs",
];

#[test]
fn include_dir_is_found() {
    let dir = mig::locate_include_dir().expect("gnumach-dev installed");
    assert!(dir.join("mach/std_types.defs").is_file());
}

#[test]
fn every_defs_file_parses_for_every_side() {
    for defs in ALL_DEFS {
        for opts in [Options::kernel_server(), Options::kernel_user(), Options::user()] {
            let sub = parse_defs(defs, &opts).unwrap_or_else(|e| panic!("{defs} ({:?}): {e}", opts.defines));
            assert!(!sub.routines.is_empty(), "{defs}: no routines");
            assert!(!sub.name.is_empty());
        }
    }
}

#[test]
fn every_defs_file_generates() {
    for defs in ALL_DEFS {
        let s = generate_server(defs, &Options::kernel_server()).unwrap_or_else(|e| panic!("{defs} server: {e}"));
        assert!(s.contains("pub trait"));
        let u = generate_user(defs, &Options::user()).unwrap_or_else(|e| panic!("{defs} user: {e}"));
        assert!(u.contains("pub fn"));
    }
}

#[test]
fn subsystem_bases() {
    let base = |f: &str| parse_defs(f, &Options::kernel_server()).unwrap().base;
    assert_eq!(base("mach/mach.defs"), 2000);
    assert_eq!(base("mach/mach_port.defs"), 3200);
    assert_eq!(base("mach/mach_host.defs"), 2600);
    assert_eq!(base("device/device.defs"), 2800);
    assert_eq!(base("mach/notify.defs"), 64);
}

#[test]
fn missing_headers_error_mentions_gnumach_dev() {
    let opts = Options { include_dir: Some("/nonexistent".into()), ..Options::default() };
    let e = parse_defs("mach/mach.defs", &opts).unwrap_err().to_string();
    assert!(e.contains("no such"), "{e}");
    let e = mig::cpp::locate_in(None, &["/nonexistent"]).unwrap_err().to_string();
    assert!(e.contains("apt-get install gnumach-dev"), "{e}");
}

/// `cargo xtask mig` prints this: ids and sizes worked out by hand
/// (device_open: 24 header + 4+4 mode + 12+128 name = 172; reply 32 + 4+4 port = 40).
#[test]
fn summary_of_device_defs() {
    let s = mig::summarize("device/device.defs", &mig::Options::kernel_server()).expect("summary");
    assert!(s.contains("subsystem device base 2800"), "{s}");
    assert!(s.contains("routine device_open\n    request id 2800: 172 bytes"), "{s}");
    assert!(s.contains("reply   id 2900: 40 bytes"), "{s}");
    assert!(s.contains("routine device_read_inband"), "{s}");
}
