/*
 * pci.c - the PCI BIOS interface of Linux 2.0 (pcibios_*) and the
 * pci_devices list, answered from the kernel's PCI scan and its
 * configuration mechanism #1.
 */
#include <linux/kernel.h>
#include <linux/bios32.h>
#include <linux/pci.h>
#include <linux/malloc.h>
#include <linux/string.h>
#include "glue.h"

struct pci_bus pci_root;
struct pci_dev *pci_devices;

int pcibios_present(void)
{
	struct mach_pci_info info;

	return mach_pci_device(0, &info) == 0;
}

unsigned long pcibios_init(unsigned long memory_start, unsigned long memory_end)
{
	(void)memory_end;
	return memory_start;
}

unsigned long pcibios_fixup(unsigned long memory_start, unsigned long memory_end)
{
	(void)memory_end;
	return memory_start;
}

int pcibios_find_device(unsigned short vendor, unsigned short device_id,
			unsigned short index, unsigned char *bus, unsigned char *devfn)
{
	struct mach_pci_info info;
	unsigned int i;

	if (vendor == 0xffff)
		return PCIBIOS_BAD_VENDOR_ID;
	for (i = 0; mach_pci_device(i, &info) == 0; i++) {
		if (info.vendor != vendor || info.device != device_id)
			continue;
		if (index-- == 0) {
			*bus = info.bus;
			*devfn = info.devfn;
			return PCIBIOS_SUCCESSFUL;
		}
	}
	return PCIBIOS_DEVICE_NOT_FOUND;
}

/* class_code: base class << 16 | subclass << 8 | programming interface. */
int pcibios_find_class(unsigned int class_code, unsigned short index,
		       unsigned char *bus, unsigned char *devfn)
{
	struct mach_pci_info info;
	unsigned int i;

	for (i = 0; mach_pci_device(i, &info) == 0; i++) {
		if ((info.class_rev >> 8) != (class_code & 0xffffff))
			continue;
		if (index-- == 0) {
			*bus = info.bus;
			*devfn = info.devfn;
			return PCIBIOS_SUCCESSFUL;
		}
	}
	return PCIBIOS_DEVICE_NOT_FOUND;
}

int pcibios_read_config_byte(unsigned char bus, unsigned char devfn,
			     unsigned char where, unsigned char *val)
{
	*val = mach_pci_config_read(bus, devfn, where, 1);
	return PCIBIOS_SUCCESSFUL;
}

int pcibios_read_config_word(unsigned char bus, unsigned char devfn,
			     unsigned char where, unsigned short *val)
{
	if (where & 1)
		return PCIBIOS_BAD_REGISTER_NUMBER;
	*val = mach_pci_config_read(bus, devfn, where, 2);
	return PCIBIOS_SUCCESSFUL;
}

int pcibios_read_config_dword(unsigned char bus, unsigned char devfn,
			      unsigned char where, unsigned int *val)
{
	if (where & 3)
		return PCIBIOS_BAD_REGISTER_NUMBER;
	*val = mach_pci_config_read(bus, devfn, where, 4);
	return PCIBIOS_SUCCESSFUL;
}

int pcibios_write_config_byte(unsigned char bus, unsigned char devfn,
			      unsigned char where, unsigned char val)
{
	mach_pci_config_write(bus, devfn, where, 1, val);
	return PCIBIOS_SUCCESSFUL;
}

int pcibios_write_config_word(unsigned char bus, unsigned char devfn,
			      unsigned char where, unsigned short val)
{
	if (where & 1)
		return PCIBIOS_BAD_REGISTER_NUMBER;
	mach_pci_config_write(bus, devfn, where, 2, val);
	return PCIBIOS_SUCCESSFUL;
}

int pcibios_write_config_dword(unsigned char bus, unsigned char devfn,
			       unsigned char where, unsigned int val)
{
	if (where & 3)
		return PCIBIOS_BAD_REGISTER_NUMBER;
	mach_pci_config_write(bus, devfn, where, 4, val);
	return PCIBIOS_SUCCESSFUL;
}

const char *pcibios_strerror(int error)
{
	static char buf[32];

	switch (error) {
	case PCIBIOS_SUCCESSFUL:
		return "SUCCESSFUL";
	case PCIBIOS_FUNC_NOT_SUPPORTED:
		return "FUNC_NOT_SUPPORTED";
	case PCIBIOS_BAD_VENDOR_ID:
		return "BAD_VENDOR_ID";
	case PCIBIOS_DEVICE_NOT_FOUND:
		return "DEVICE_NOT_FOUND";
	case PCIBIOS_BAD_REGISTER_NUMBER:
		return "BAD_REGISTER_NUMBER";
	case PCIBIOS_SET_FAILED:
		return "SET_FAILED";
	case PCIBIOS_BUFFER_TOO_SMALL:
		return "BUFFER_TOO_SMALL";
	default:
		glue_snprintf(buf, sizeof(buf), "UNKNOWN RETURN 0x%x", error);
		return buf;
	}
}

/* The bus structure for `number`, made on first sight (children of the root). */
static struct pci_bus *bus_for(unsigned int number)
{
	struct pci_bus *b;

	if (number == 0)
		return &pci_root;
	for (b = pci_root.children; b; b = b->next)
		if (b->number == number)
			return b;
	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return &pci_root;
	memset(b, 0, sizeof(*b));
	b->parent = &pci_root;
	b->number = b->secondary = b->subordinate = number;
	b->next = pci_root.children;
	pci_root.children = b;
	if (pci_root.subordinate < number)
		pci_root.subordinate = number;
	return b;
}

/*
 * What a PC BIOS does for a bus-master IDE controller (class 01:01,
 * programming interface bit 7) before the OS starts: with its I/O decode
 * on and its bus-master range (BAR4) assigned, bus mastering is turned on.
 * Linux 2.0's triton.c takes DMA as the BIOS's choice and stays with PIO
 * when the bit is off; QEMU's SeaBIOS leaves it off.
 */
static void enable_ide_bus_master(const struct mach_pci_info *info)
{
	unsigned int cmd, bar4;

	if ((info->class_rev >> 16) != 0x0101 || !(info->class_rev & 0x8000))
		return;
	cmd = mach_pci_config_read(info->bus, info->devfn, PCI_COMMAND, 2);
	bar4 = mach_pci_config_read(info->bus, info->devfn, PCI_BASE_ADDRESS_4, 4);
	if (!(cmd & PCI_COMMAND_IO) || (cmd & PCI_COMMAND_MASTER) ||
	    !(bar4 & PCI_BASE_ADDRESS_SPACE_IO) || (bar4 & PCI_BASE_ADDRESS_IO_MASK & 0xffff) == 0)
		return;
	mach_pci_config_write(info->bus, info->devfn, PCI_COMMAND, 2, cmd | PCI_COMMAND_MASTER);
}

void glue_pci_init(void)
{
	struct mach_pci_info info;
	struct pci_dev **tail = &pci_devices;
	unsigned int i;

	memset(&pci_root, 0, sizeof(pci_root));
	for (i = 0; mach_pci_device(i, &info) == 0; i++) {
		struct pci_dev *dev = kmalloc(sizeof(*dev), GFP_KERNEL);
		struct pci_bus *bus;

		if (!dev)
			break;
		memset(dev, 0, sizeof(*dev));
		bus = bus_for(info.bus);
		dev->bus = bus;
		dev->devfn = info.devfn;
		dev->vendor = info.vendor;
		dev->device = info.device;
		dev->class = info.class_rev >> 8;
		dev->irq = info.irq;
		enable_ide_bus_master(&info);
		dev->master = (mach_pci_config_read(info.bus, info.devfn, PCI_COMMAND, 2) &
			       PCI_COMMAND_MASTER) != 0;
		dev->sibling = bus->devices;
		bus->devices = dev;
		*tail = dev;
		tail = &dev->next;
	}
}
