/* Development aid for mach-user (not a kernel, not built by cargo): runs an i386
 * mach-user program on an x86-64 Linux host with IA32 emulation, catching each
 * `lcall $0x7,$0x0` (it faults on Linux: there is no such call gate) with ptrace
 * and emulating the Mach trap. Only what the test programs need: mach_print,
 * mach_task_self/thread_self/host_self, mach_reply_port, a mach_msg send and
 * receive on one of the program's own ports, swtch, syscall_task_terminate.
 * Usage: trapemu NRIGHTS program args...   NRIGHTS names (1..N) are taken before
 * the program starts, as the boot script does when it inserts rights. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <sys/user.h>
#include <sys/uio.h>

static pid_t child;
static int used[256];
static uint32_t task_name, thread_name, host_name;
static int receive_right[256];
static uint8_t queued[4096];
static uint32_t queued_len, queued_port;
static int have_queued;

static uint32_t alloc_name(void) {
    for (uint32_t n = 1; n < 256; n++) if (!used[n]) { used[n] = 1; return n; }
    return 0;
}
static void rd(uint32_t addr, void *buf, size_t len) {
    struct iovec l = { buf, len }, r = { (void *)(uintptr_t)addr, len };
    if (process_vm_readv(child, &l, 1, &r, 1, 0) != (ssize_t)len) { fprintf(stderr, "emu: bad read %#x\n", addr); exit(2); }
}
static void wr(uint32_t addr, const void *buf, size_t len) {
    struct iovec l = { (void *)buf, len }, r = { (void *)(uintptr_t)addr, len };
    if (process_vm_writev(child, &l, 1, &r, 1, 0) != (ssize_t)len) { fprintf(stderr, "emu: bad write %#x\n", addr); exit(2); }
}

static uint32_t trap(int num, uint32_t esp) {
    uint32_t a[11];
    rd(esp + 4, a, sizeof a);
    switch (num) {
    case -30: { char s[4096]; size_t i = 0; for (; i < sizeof s - 1; i++) { rd(a[0] + i, &s[i], 1); if (!s[i]) break; } s[i] = 0; fputs(s, stdout); fflush(stdout); return 0; }
    case -28: if (!task_name) task_name = alloc_name(); return task_name;
    case -27: if (!thread_name) thread_name = alloc_name(); return thread_name;
    case -29: if (!host_name) host_name = alloc_name(); return host_name;
    case -26: { uint32_t n = alloc_name(); receive_right[n] = 1; return n; }
    case -60: case -59: return 0;
    case -69: printf("[emu] task_terminate(%u)\n", a[0]); kill(child, SIGKILL); exit(0);
    case -25: {
        uint32_t msg = a[0], opt = a[1], ssize = a[2], rsize = a[3], rname = a[4];
        printf("[emu] mach_msg(%#x, opt %#x, send %u, rcv %u, name %u, timeout %u, notify %u)\n", msg, opt, ssize, rsize, rname, a[5], a[6]);
        if (opt & 1) {
            uint32_t h[6];
            if (ssize < 24 || ssize > sizeof queued || ssize % 4) return 0x10000008;
            rd(msg, queued, ssize);
            memcpy(h, queued, 24);
            if (h[1] != ssize) return 0x10000010;
            if (h[2] >= 256 || !receive_right[h[2]] || (h[0] & 0xff) != 20) return 0x10000003;
            if (h[3] != 0 || (h[0] & 0xff00)) return 0x10000009;
            /* As received: reply (none) in remote, the destination's name in
               local, the send right made by MAKE_SEND as PORT_SEND (17). */
            h[0] = (h[0] & 0x80000000u) | (17 << 8);
            queued_port = h[2];
            h[2] = 0; h[3] = queued_port; h[4] = 0;
            memcpy(queued, h, 24);
            queued_len = ssize; have_queued = 1;
        }
        if (opt & 2) {
            if (!have_queued || rname != queued_port) return 0x10004003;
            if (rsize < queued_len) return 0x10004004;
            wr(msg, queued, queued_len); have_queued = 0;
        }
        return 0;
    }
    default: fprintf(stderr, "emu: unknown trap %d\n", num); kill(child, SIGKILL); exit(3);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: trapemu NRIGHTS program args...\n"); return 1; }
    int nrights = atoi(argv[1]);
    for (int i = 1; i <= nrights; i++) used[i] = 1;
    child = fork();
    if (child == 0) {
        char *envp[] = { "MULTIBOOT_CMDLINE=emu test", NULL };
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        execve(argv[2], argv + 2, envp);
        perror("execve"); _exit(127);
    }
    int status;
    waitpid(child, &status, 0); /* the exec stop */
    ptrace(PTRACE_CONT, child, 0, 0);
    for (;;) {
        if (waitpid(child, &status, 0) < 0) return 4;
        if (WIFEXITED(status)) { printf("[emu] exited %d\n", WEXITSTATUS(status)); return 5; }
        if (WIFSIGNALED(status)) { printf("[emu] killed by %d\n", WTERMSIG(status)); return 6; }
        int sig = WSTOPSIG(status);
        struct user_regs_struct r;
        ptrace(PTRACE_GETREGS, child, 0, &r);
        uint8_t code[7];
        if (sig == SIGSEGV) {
            rd((uint32_t)r.rip, code, 7);
            static const uint8_t lcall[7] = { 0x9a, 0, 0, 0, 0, 7, 0 };
            if (!memcmp(code, lcall, 7)) {
                r.rax = trap((int32_t)(uint32_t)r.rax, (uint32_t)r.rsp);
                r.rip += 7;
                ptrace(PTRACE_SETREGS, child, 0, &r);
                ptrace(PTRACE_CONT, child, 0, 0);
                continue;
            }
            printf("[emu] SIGSEGV at %#llx\n", (unsigned long long)r.rip);
            return 7;
        }
        printf("[emu] signal %d at %#llx\n", sig, (unsigned long long)r.rip);
        return 8;
    }
}
