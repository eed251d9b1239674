/*
 * seam.c - the C end of the Rust/C seam (see include/seam.h).
 */
#include "seam.h"

/* Linux 2.0.36 as LINUX_VERSION_CODE: (2 << 16) | (0 << 8) | 36. */
#define GLUE_LINUX_VERSION_CODE 0x020024u

unsigned int glue_linux_version_code(void)
{
	return GLUE_LINUX_VERSION_CODE;
}

int glue_seam_selftest(int a, int b)
{
	static const char msg[] = "linux-glue: seam self-test called from Rust\n";

	mach_log_write(msg, sizeof(msg) - 1);
	return mach_seam_mix(a, b) * 2 + 1;
}
