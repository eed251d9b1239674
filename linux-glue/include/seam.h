/*
 * seam.h - the one header where the Linux glue (C) and the kernel (Rust) meet.
 *
 * bindgen reads this file to give Rust the C side; the C side includes it to
 * see the Rust functions it may call. Only plain data and opaque handles
 * cross this seam: Linux types (sk_buff, struct request, ...) never do.
 *
 * Naming: functions implemented in C start with `glue_`, functions
 * implemented in Rust (kernel/src/glue.rs) start with `mach_`.
 */
#ifndef _LINUX_GLUE_SEAM_H
#define _LINUX_GLUE_SEAM_H

/* --- implemented in C (linux-glue/src) --------------------------------- */

/* Identifies the glue build: the Linux version code it emulates (2.0.36). */
unsigned int glue_linux_version_code(void);

/* Self-test of the seam: returns mach_seam_mix(a, b) * 2 + 1, computed by
 * calling back into Rust, so one call proves both directions. */
int glue_seam_selftest(int a, int b);

/* --- implemented in Rust (kernel/src/glue.rs) -------------------------- */

/* Writes `len` bytes of `msg` to the kernel log (printk's sink). */
void mach_log_write(const char *msg, unsigned int len);

/* Seam self-test helper: returns a * 1000 + b. */
int mach_seam_mix(int a, int b);

#endif /* _LINUX_GLUE_SEAM_H */
