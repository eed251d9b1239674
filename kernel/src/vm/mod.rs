//! Memory: the linear map and page directory (`pmap`), physical pages
//! (`vm_page`), and the kernel heap (`kalloc`). Mach VM maps and objects come
//! with the VM work.

pub mod kalloc;
pub mod pmap;
pub mod vm_map;
pub mod vm_page;
