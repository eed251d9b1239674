//! Memory: the linear map and page directory (`pmap`), physical pages
//! (`vm_page`), the kernel heap (`kalloc`), task maps (`vm_map`) and memory
//! objects with their pagers (`vm_object`).

pub mod kalloc;
pub mod pageout;
pub mod pmap;
pub mod vm_map;
pub mod vm_object;
pub mod vm_page;
pub mod vm_user;
