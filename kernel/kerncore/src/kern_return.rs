//! `kern_return_t` values, as GNU Mach's `mach/kern_return.h` defines them
//! (checked against the installed header by a host test).

pub type KernReturn = i32;

pub const KERN_SUCCESS: KernReturn = 0;
pub const KERN_INVALID_ADDRESS: KernReturn = 1;
pub const KERN_PROTECTION_FAILURE: KernReturn = 2;
pub const KERN_NO_SPACE: KernReturn = 3;
pub const KERN_INVALID_ARGUMENT: KernReturn = 4;
pub const KERN_FAILURE: KernReturn = 5;
pub const KERN_RESOURCE_SHORTAGE: KernReturn = 6;
pub const KERN_NOT_RECEIVER: KernReturn = 7;
pub const KERN_NO_ACCESS: KernReturn = 8;
pub const KERN_MEMORY_FAILURE: KernReturn = 9;
pub const KERN_MEMORY_ERROR: KernReturn = 10;
pub const KERN_NOT_IN_SET: KernReturn = 12;
pub const KERN_NAME_EXISTS: KernReturn = 13;
pub const KERN_ABORTED: KernReturn = 14;
pub const KERN_INVALID_NAME: KernReturn = 15;
pub const KERN_INVALID_TASK: KernReturn = 16;
pub const KERN_INVALID_RIGHT: KernReturn = 17;
pub const KERN_INVALID_VALUE: KernReturn = 18;
pub const KERN_UREFS_OVERFLOW: KernReturn = 19;
pub const KERN_INVALID_CAPABILITY: KernReturn = 20;
pub const KERN_RIGHT_EXISTS: KernReturn = 21;
pub const KERN_INVALID_HOST: KernReturn = 22;
pub const KERN_MEMORY_PRESENT: KernReturn = 23;
pub const KERN_WRITE_PROTECTION_FAILURE: KernReturn = 24;
pub const KERN_TERMINATED: KernReturn = 26;
pub const KERN_TIMEDOUT: KernReturn = 27;
pub const KERN_INTERRUPTED: KernReturn = 28;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every constant here equals the one in GNU Mach's installed header
    /// (Debian's gnumach-dev, which `cargo xtask` installs).
    #[test]
    fn values_match_gnu_mach_header() {
        let env = std::env::var("MACH_DEFS_INCLUDE").map(|d| format!("{d}/mach/kern_return.h")).unwrap_or_default();
        let path = [env.as_str(), "/usr/include/i386-gnu/mach/kern_return.h", "/usr/include/x86_64-linux-gnu/mach/kern_return.h", "/usr/include/i386-linux-gnu/mach/kern_return.h"]
            .into_iter()
            .find(|p| !p.is_empty() && std::path::Path::new(p).exists())
            .expect("mach/kern_return.h not found: apt-get install gnumach-dev");
        let text = std::fs::read_to_string(path).unwrap();
        let ours: &[(&str, KernReturn)] = &[
            ("KERN_SUCCESS", KERN_SUCCESS), ("KERN_INVALID_ADDRESS", KERN_INVALID_ADDRESS),
            ("KERN_PROTECTION_FAILURE", KERN_PROTECTION_FAILURE), ("KERN_NO_SPACE", KERN_NO_SPACE),
            ("KERN_INVALID_ARGUMENT", KERN_INVALID_ARGUMENT), ("KERN_FAILURE", KERN_FAILURE),
            ("KERN_RESOURCE_SHORTAGE", KERN_RESOURCE_SHORTAGE), ("KERN_NOT_RECEIVER", KERN_NOT_RECEIVER),
            ("KERN_NO_ACCESS", KERN_NO_ACCESS), ("KERN_MEMORY_FAILURE", KERN_MEMORY_FAILURE),
            ("KERN_MEMORY_ERROR", KERN_MEMORY_ERROR), ("KERN_NOT_IN_SET", KERN_NOT_IN_SET),
            ("KERN_NAME_EXISTS", KERN_NAME_EXISTS), ("KERN_ABORTED", KERN_ABORTED),
            ("KERN_INVALID_NAME", KERN_INVALID_NAME), ("KERN_INVALID_TASK", KERN_INVALID_TASK),
            ("KERN_INVALID_RIGHT", KERN_INVALID_RIGHT), ("KERN_INVALID_VALUE", KERN_INVALID_VALUE),
            ("KERN_UREFS_OVERFLOW", KERN_UREFS_OVERFLOW), ("KERN_INVALID_CAPABILITY", KERN_INVALID_CAPABILITY),
            ("KERN_RIGHT_EXISTS", KERN_RIGHT_EXISTS), ("KERN_INVALID_HOST", KERN_INVALID_HOST),
            ("KERN_MEMORY_PRESENT", KERN_MEMORY_PRESENT), ("KERN_WRITE_PROTECTION_FAILURE", KERN_WRITE_PROTECTION_FAILURE),
            ("KERN_TERMINATED", KERN_TERMINATED), ("KERN_TIMEDOUT", KERN_TIMEDOUT), ("KERN_INTERRUPTED", KERN_INTERRUPTED),
        ];
        for (name, value) in ours {
            let line = text
                .lines()
                .find(|l| l.split_whitespace().nth(1) == Some(name) && l.trim_start().starts_with("#define"))
                .unwrap_or_else(|| panic!("{name} not in {path}"));
            let theirs: i32 = line.split_whitespace().nth(2).unwrap().parse().unwrap();
            assert_eq!(theirs, *value, "{name}");
        }
    }
}
