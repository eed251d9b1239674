/*
 * linux/bios32.h - PCI configuration access in the PCI BIOS's terms.
 *
 * The glue answers from the kernel's own PCI scan and configuration
 * mechanism #1 (no BIOS call is made). bus/devfn are the scan's bus number
 * and (device << 3 | function); `where` is a register offset; results are
 * PCIBIOS_* codes.
 */
#ifndef BIOS32_H
#define BIOS32_H

#define PCIBIOS_PCI_FUNCTION_ID 0xb1XX
#define PCIBIOS_PCI_BIOS_PRESENT 0xb101
#define PCIBIOS_FIND_PCI_DEVICE 0xb102
#define PCIBIOS_FIND_PCI_CLASS_CODE 0xb103
#define PCIBIOS_GENERATE_SPECIAL_CYCLE 0xb106
#define PCIBIOS_READ_CONFIG_BYTE 0xb108
#define PCIBIOS_READ_CONFIG_WORD 0xb109
#define PCIBIOS_READ_CONFIG_DWORD 0xb10a
#define PCIBIOS_WRITE_CONFIG_BYTE 0xb10b
#define PCIBIOS_WRITE_CONFIG_WORD 0xb10c
#define PCIBIOS_WRITE_CONFIG_DWORD 0xb10d

#define PCIBIOS_SUCCESSFUL 0x00
#define PCIBIOS_FUNC_NOT_SUPPORTED 0x81
#define PCIBIOS_BAD_VENDOR_ID 0x83
#define PCIBIOS_DEVICE_NOT_FOUND 0x86
#define PCIBIOS_BAD_REGISTER_NUMBER 0x87
#define PCIBIOS_SET_FAILED 0x88
#define PCIBIOS_BUFFER_TOO_SMALL 0x89

extern int pcibios_present(void);
extern unsigned long pcibios_init(unsigned long memory_start, unsigned long memory_end);
extern unsigned long pcibios_fixup(unsigned long memory_start, unsigned long memory_end);
extern int pcibios_find_class(unsigned int class_code, unsigned short index,
			      unsigned char *bus, unsigned char *dev_fn);
extern int pcibios_find_device(unsigned short vendor, unsigned short dev_id,
			       unsigned short index, unsigned char *bus,
			       unsigned char *dev_fn);
extern int pcibios_read_config_byte(unsigned char bus, unsigned char dev_fn,
				    unsigned char where, unsigned char *val);
extern int pcibios_read_config_word(unsigned char bus, unsigned char dev_fn,
				    unsigned char where, unsigned short *val);
extern int pcibios_read_config_dword(unsigned char bus, unsigned char dev_fn,
				     unsigned char where, unsigned int *val);
extern int pcibios_write_config_byte(unsigned char bus, unsigned char dev_fn,
				     unsigned char where, unsigned char val);
extern int pcibios_write_config_word(unsigned char bus, unsigned char dev_fn,
				     unsigned char where, unsigned short val);
extern int pcibios_write_config_dword(unsigned char bus, unsigned char dev_fn,
				      unsigned char where, unsigned int val);
extern const char *pcibios_strerror(int error);

#endif
