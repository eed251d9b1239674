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
		dev->master = (mach_pci_config_read(info.bus, info.devfn, PCI_COMMAND, 2) &
			       PCI_COMMAND_MASTER) != 0;
		dev->sibling = bus->devices;
		bus->devices = dev;
		*tail = dev;
		tail = &dev->next;
	}
}
