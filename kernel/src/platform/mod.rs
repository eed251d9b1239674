//! Platform discovery: PCI buses (`pci_types`) and ACPI tables (`acpi`).

pub mod acpi;
pub mod pci;
