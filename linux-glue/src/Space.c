/*
 * Space.c - the Ethernet probe chain of the network layer (Linux 2.0's
 * drivers/net/Space.c model): the static eth0..eth3 devices on dev_base,
 * each with init = ethif_probe, which tries the configured drivers in
 * turn. The struct device initializers are positional: name, rmem_end,
 * rmem_start, mem_end, mem_start, base_addr, irq, start, interrupt, tbusy,
 * next, init.
 *
 * eth0 and eth1 autoprobe (base_addr 0); eth2 and eth3 are "do not probe"
 * (0xffe0) slots that init_etherdev may hand to a driver finding more cards.
 */
#include <linux/config.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/netdevice.h>

/* The drivers of this build. */
extern int rtl8139_probe(struct device *dev);
extern int pcnet32_probe(struct device *dev);
extern int e1000_probe(struct device *dev);
extern int eepro100_probe(struct device *dev);
extern int ne2k_pci_probe(struct device *dev);
extern int ne_probe(struct device *dev);

/*
 * Tries each driver on `dev`: a probe returns 0 when it found a card.
 * Returns 0 if one did, non-zero otherwise.
 */
int ethif_probe(struct device *dev)
{
	unsigned long base_addr = dev->base_addr;

	if (base_addr == 0xffe0 || base_addr == 1)
		return 1;		/* not to be probed */
	/* PCI probes first: they only take cards no other ethN has. */
	if (1
	    && rtl8139_probe(dev)
	    && pcnet32_probe(dev)
	    && e1000_probe(dev)
	    && eepro100_probe(dev)
	    && ne2k_pci_probe(dev)
	    && ne_probe(dev)
	    && 1)
		return -ENODEV;
	return 0;
}

/* Only the positional head of struct device is given, as in Linux. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static char eth_names[4][8] = { "eth0", "eth1", "eth2", "eth3" };

static struct device eth3_dev = {
	eth_names[3], 0, 0, 0, 0, 0xffe0, 0, 0, 0, 0, NULL, ethif_probe
};
static struct device eth2_dev = {
	eth_names[2], 0, 0, 0, 0, 0xffe0, 0, 0, 0, 0, &eth3_dev, ethif_probe
};
static struct device eth1_dev = {
	eth_names[1], 0, 0, 0, 0, 0, 0, 0, 0, 0, &eth2_dev, ethif_probe
};
static struct device eth0_dev = {
	eth_names[0], 0, 0, 0, 0, 0, 0, 0, 0, 0, &eth1_dev, ethif_probe
};

struct device *dev_base = &eth0_dev;
