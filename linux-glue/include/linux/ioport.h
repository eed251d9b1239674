/*
 * linux/ioport.h - I/O-port reservations and IRQ autodetection.
 *
 * The reservation table is the kernel's (shared with native drivers):
 * check_region returns 0 if [from, from+extent) is free, -EBUSY otherwise;
 * request_region records ownership (it cannot fail in 2.0: an overlapping
 * request is logged and ignored); release_region drops it.
 */
#ifndef _LINUX_PORTIO_H
#define _LINUX_PORTIO_H

#define HAVE_PORTRESERVE

extern void reserve_setup(char *str, int *ints);
extern int check_region(unsigned int from, unsigned int extent);
extern void request_region(unsigned int from, unsigned int extent, const char *name);
extern void release_region(unsigned int from, unsigned int extent);
extern int get_ioport_list(char *);

#define snarf_region(from, extent) request_region((from), (extent), 0)

#define HAVE_AUTOIRQ
extern int autoirq_setup(int waittime);
extern int autoirq_report(int waittime);

#endif
