/*
 * /init of the Linux 6.1 reference guest of `cargo xtask bench --against linux`.
 *
 * Freestanding: built by xtask with `gcc -m32 -static -nostdlib`, no C
 * library, every system call a raw `int $0x80`. It loads the modules listed
 * in /modules (one path a line, dependencies first) with finit_module, then
 * measures what `bench_dev` measures on this repository's kernel and prints
 * it in the same shape:
 *
 *   clock: TSC 1000000 kHz            (the "cycles" below are nanoseconds)
 *   bench: NAME ops=N bytes=B cycles=C [lost=L]
 *
 * benchmode=all (from the kernel command line; the kernel hands unknown
 * NAME=VALUE words to init as environment):
 *   disk_seq_64k   sequential 64 KiB O_DIRECT reads over /dev/sda (ata_piix)
 *   disk_rand_512  2000 O_DIRECT reads of 512 bytes at pseudo-random sectors
 *   cd_seq_64k     64 KiB O_DIRECT reads over /dev/sr0 (the ATAPI disc)
 *   fd_seq_9k      9 KiB O_DIRECT reads over /dev/fd0
 *   ahci_seq_64k   64 KiB O_DIRECT reads over /dev/sdb (ahci)
 * and then the network figures of benchmode=net on eth0, an AF_PACKET raw
 * socket bound to Ethernet type 0x88B5, talking to xtask's host peer (the
 * protocol of bench_dev: SINK frames counted by the peer, CNT? / CNT=,
 * BRST bursts, PING / PONG):
 *   net_tx_64, net_tx_1514, net_rx_64, net_rx_1514, net_rtt_64
 * benchmode=ping: eth0 gets 10.0.2.15/24 on QEMU's user network and a raw
 * ICMP socket pings the gateway 10.0.2.2 (ping_gw; one ping first, untimed,
 * for ARP).
 *
 * Last line: "bench_dev: done"; then the guest powers off.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* i386 system call numbers. */
enum {
	SYS_exit = 1, SYS_read = 3, SYS_write = 4, SYS_open = 5, SYS_close = 6,
	SYS_mount = 21, SYS_mkdir = 39, SYS_ioctl = 54, SYS_reboot = 88,
	SYS_llseek = 140, SYS_sched_yield = 158, SYS_nanosleep = 162,
	SYS_clock_gettime = 265, SYS_finit_module = 350, SYS_socket = 359,
	SYS_bind = 361, SYS_setsockopt = 366, SYS_sendto = 369, SYS_recvfrom = 371,
};

#define O_RDONLY 0
#define O_RDWR 2
#define O_LARGEFILE 0100000
#define O_DIRECT 040000
#define EINTR 4
#define EAGAIN 11
#define EEXIST 17
#define ENOBUFS 105

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long r, af[2] = { a, f };
	long *p = af;
	/* %ebp carries the sixth argument: saved and restored around the trap;
	 * the first and sixth come through memory, all registers being taken. */
	__asm__ volatile("push %%ebp\n\t"
			 "mov 4(%%ebx), %%ebp\n\t"
			 "mov (%%ebx), %%ebx\n\t"
			 "int $0x80\n\t"
			 "pop %%ebp"
			 : "=a"(r), "+b"(p)
			 : "a"(n), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory");
	return r;
}
#define sys(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* The compiler may emit calls to these. */
void *memcpy(void *d, const void *s, unsigned n)
{
	u8 *dd = d;
	const u8 *ss = s;
	while (n--)
		*dd++ = *ss++;
	return d;
}

void *memset(void *d, int c, unsigned n)
{
	u8 *dd = d;
	while (n--)
		*dd++ = c;
	return d;
}

static int memeq(const void *a, const void *b, unsigned n)
{
	const u8 *x = a, *y = b;
	while (n--)
		if (*x++ != *y++)
			return 0;
	return 1;
}

/* ---- output -------------------------------------------------------- */

static char out[256];
static unsigned outn;

static void flush(void)
{
	sys(SYS_write, 1, out, outn);
	outn = 0;
}

static void puts_(const char *s)
{
	while (*s) {
		if (outn == sizeof(out))
			flush();
		out[outn++] = *s++;
	}
}

/* n / 10 and n % 10 of a 64-bit number without libgcc: two 32-bit divl. */
static u64 div10(u64 n, u32 *rem)
{
	u32 hi = n >> 32, lo = n, qhi = hi / 10, r = hi % 10, qlo;
	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "r"(10u));
	*rem = r;
	return ((u64)qhi << 32) | qlo;
}

static void putu(u64 n)
{
	char b[24];
	int i = 23;
	u32 r;
	b[i] = 0;
	do {
		n = div10(n, &r);
		b[--i] = '0' + r;
	} while (n);
	puts_(b + i);
}

static void putd(long n)
{
	if (n < 0) {
		puts_("-");
		n = -n;
	}
	putu((u32)n);
}

/* One figure in bench_dev's shape; `ns` stands for its cycles. */
static void figure(const char *name, u32 ops, u64 bytes, u64 ns, long lost)
{
	puts_("bench: ");
	puts_(name);
	puts_(" ops=");
	putu(ops);
	puts_(" bytes=");
	putu(bytes);
	puts_(" cycles=");
	putu(ns);
	if (lost >= 0) {
		puts_(" lost=");
		putu((u32)lost);
	}
	puts_("\n");
	flush();
}

static void fail(const char *what, long err)
{
	puts_("bench_dev: ");
	puts_(what);
	puts_(" failed: ");
	putd(err);
	puts_("\n");
	flush();
}

/* ---- time ---------------------------------------------------------- */

struct timespec32 {
	long sec, nsec;
};

static u64 now_ns(void)
{
	struct timespec32 t;
	sys(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, &t, 0);
	return (u64)t.sec * 1000000000u + (u32)t.nsec;
}

static void sleep_ms(long ms)
{
	struct timespec32 t = { ms / 1000, (ms % 1000) * 1000000 };
	sys(SYS_nanosleep, &t, 0, 0);
}

/* ---- modules ------------------------------------------------------- */

static char list[8192];

static void load_modules(void)
{
	long fd = sys(SYS_open, "/modules", O_RDONLY, 0), n;
	char *p, *e;
	if (fd < 0) {
		fail("open /modules", fd);
		return;
	}
	n = sys(SYS_read, fd, list, sizeof(list) - 1);
	sys(SYS_close, fd, 0, 0);
	if (n < 0)
		n = 0;
	list[n] = 0;
	for (p = list; *p; p = e) {
		long m, r;
		for (e = p; *e && *e != '\n'; e++)
			;
		if (*e)
			*e++ = 0;
		if (!*p)
			continue;
		m = sys(SYS_open, p, O_RDONLY, 0);
		if (m < 0) {
			fail(p, m);
			continue;
		}
		r = sys(SYS_finit_module, m, "", 0);
		sys(SYS_close, m, 0, 0);
		if (r < 0 && r != -EEXIST)
			fail(p, r);
	}
}

/* ---- block devices ------------------------------------------------- */

static u8 blockbuf[64 * 1024 + 4096];

static long open_wait(const char *path, int flags)
{
	long fd = -1;
	int i;
	for (i = 0; i < 50; i++) {
		fd = sys(SYS_open, path, flags, 0);
		if (fd >= 0)
			return fd;
		sleep_ms(100);
	}
	return fd;
}

static u64 seek(long fd, u64 off, int whence)
{
	u64 res = 0;
	long r = sys6(SYS_llseek, fd, (long)(off >> 32), (long)(u32)off, (long)&res, whence, 0);
	return r < 0 ? (u64)-1 : res;
}

/* Sequential O_DIRECT reads of `chunk` bytes over the whole of `path`. */
static void seq_read(const char *name, const char *path, u32 chunk)
{
	u8 *buf = (u8 *)(((u32)blockbuf + 4095) & ~4095u);
	long fd = open_wait(path, O_RDONLY | O_DIRECT | O_LARGEFILE);
	u64 size, t, done = 0;
	u32 ops = 0;
	if (fd < 0) {
		fail(path, fd);
		return;
	}
	size = seek(fd, 0, 2);
	seek(fd, 0, 0);
	t = now_ns();
	while (done + chunk <= size) {
		long r = sys(SYS_read, fd, buf, chunk);
		if (r != (long)chunk) {
			fail(name, r);
			sys(SYS_close, fd, 0, 0);
			return;
		}
		done += chunk;
		ops++;
	}
	figure(name, ops, done, now_ns() - t, -1);
	sys(SYS_close, fd, 0, 0);
}

/* 2000 O_DIRECT reads of 512 bytes at pseudo-random sectors (bench_dev's sequence). */
static void rand_read(const char *path)
{
	u8 *buf = (u8 *)(((u32)blockbuf + 4095) & ~4095u);
	long fd = open_wait(path, O_RDONLY | O_DIRECT | O_LARGEFILE);
	u32 x = 12345, sectors, i;
	u64 t;
	if (fd < 0) {
		fail(path, fd);
		return;
	}
	sectors = seek(fd, 0, 2) >> 9;
	t = now_ns();
	for (i = 0; i < 2000; i++) {
		long r;
		x = x * 1103515245u + 12345u;
		seek(fd, (u64)((x >> 4) % sectors) << 9, 0);
		r = sys(SYS_read, fd, buf, 512);
		if (r != 512) {
			fail("disk_rand_512", r);
			sys(SYS_close, fd, 0, 0);
			return;
		}
	}
	figure("disk_rand_512", 2000, 2000 * 512, now_ns() - t, -1);
	sys(SYS_close, fd, 0, 0);
}

/* ---- network ------------------------------------------------------- */

#define AF_INET 2
#define AF_PACKET 17
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOL_SOCKET 1
#define SO_RCVTIMEO 20
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCSIFADDR 0x8916
#define SIOCSIFNETMASK 0x891c
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFINDEX 0x8933
#define IFF_UP 0x1
#define IFF_RUNNING 0x40
#define ETHERTYPE 0x88B5

struct ifreq {
	char name[16];
	union {
		struct {
			u16 family;
			u8 data[14];
		} addr;
		short flags;
		int index;
	} u;
	u8 pad[8];
};

struct sockaddr_in {
	u16 family, port;
	u32 addr;
	u8 zero[8];
};

struct sockaddr_ll {
	u16 family, protocol;
	int ifindex;
	u16 hatype;
	u8 pkttype, halen, addr[8];
};

static u16 htons(u16 v)
{
	return (u16)(v << 8 | v >> 8);
}

static void ifr_for(struct ifreq *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->name, "eth0", 5);
}

static void ip_into(struct ifreq *r, u32 be_addr)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.addr = be_addr;
	memcpy(&r->u.addr, &a, sizeof(a));
}

/* eth0 up (with 10.0.2.15/24 when `with_ip`), its link waited for;
 * returns its index and MAC, or a negative error. */
static long eth_up(int with_ip, u8 mac[6])
{
	struct ifreq r;
	long s = sys(SYS_socket, AF_INET, SOCK_DGRAM, 0), e;
	int i;
	if (s < 0)
		return s;
	if (with_ip) {
		ifr_for(&r);
		ip_into(&r, 0x0f02000a); /* 10.0.2.15 */
		if ((e = sys(SYS_ioctl, s, SIOCSIFADDR, &r)) < 0)
			return e;
		ifr_for(&r);
		ip_into(&r, 0x00ffffff); /* 255.255.255.0 */
		if ((e = sys(SYS_ioctl, s, SIOCSIFNETMASK, &r)) < 0)
			return e;
	}
	ifr_for(&r);
	if ((e = sys(SYS_ioctl, s, SIOCGIFFLAGS, &r)) < 0)
		return e;
	r.u.flags |= IFF_UP;
	if ((e = sys(SYS_ioctl, s, SIOCSIFFLAGS, &r)) < 0)
		return e;
	for (i = 0; i < 500; i++) {
		ifr_for(&r);
		sys(SYS_ioctl, s, SIOCGIFFLAGS, &r);
		if (r.u.flags & IFF_RUNNING)
			break;
		sleep_ms(10);
	}
	if (!(r.u.flags & IFF_RUNNING))
		puts_("bench_dev: eth0 link still down\n");
	ifr_for(&r);
	if ((e = sys(SYS_ioctl, s, SIOCGIFHWADDR, &r)) < 0)
		return e;
	memcpy(mac, r.u.addr.data, 6);
	ifr_for(&r);
	if ((e = sys(SYS_ioctl, s, SIOCGIFINDEX, &r)) < 0)
		return e;
	sys(SYS_close, s, 0, 0);
	return r.u.index;
}

static long set_timeout(long s, long ms)
{
	long tv[2] = { ms / 1000, (ms % 1000) * 1000 };
	return sys6(SYS_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO, (long)tv, sizeof(tv), 0);
}

static long pkt;          /* the AF_PACKET socket */
static u8 frame[1514];    /* the frame being sent */
static u8 rx[2048];       /* the last frame received */
static u32 asked;         /* "CNT?" questions so far */

static u32 word_at(const u8 *b, int off)
{
	return b[off] | b[off + 1] << 8 | b[off + 2] << 16 | (u32)b[off + 3] << 24;
}

/* Sends `len` bytes of `frame` with `tag` and up to two words after it;
 * a full queue (ENOBUFS) is waited out. */
static int send_frame(u32 len, const char *tag, u32 w0, u32 w1)
{
	int i;
	memcpy(frame + 14, tag, 4);
	for (i = 0; i < 4; i++) {
		frame[18 + i] = w0 >> (8 * i);
		frame[22 + i] = w1 >> (8 * i);
	}
	for (;;) {
		long r = sys6(SYS_sendto, pkt, (long)frame, len, 0, 0, 0);
		if (r == (long)len)
			return 1;
		if (r != -ENOBUFS && r != -EAGAIN && r != -EINTR) {
			fail("sendto", r);
			return 0;
		}
		sys(SYS_sched_yield, 0, 0, 0);
	}
}

/* The next frame of ours (timeout set on the socket): 1 with its tag in rx. */
static int receive(void)
{
	long r = sys6(SYS_recvfrom, pkt, (long)rx, sizeof(rx), 0, 0, 0);
	return r >= 26;
}

static int peer_count(int tries, u32 *count)
{
	while (tries--) {
		asked++;
		if (!send_frame(64, "CNT?", asked, 0))
			return 0;
		while (receive())
			if (memeq(rx + 14, "CNT=", 4) && word_at(rx, 22) == asked) {
				*count = word_at(rx, 18);
				return 1;
			}
	}
	return 0;
}

static void network(void)
{
	static const u8 peer[6] = { 2, 0, 0, 0, 0, 1 };
	struct sockaddr_ll a;
	u8 mac[6];
	long idx = eth_up(0, mac), r;
	u32 sunk, k;
	if (idx < 0) {
		fail("eth0", idx);
		return;
	}
	pkt = sys(SYS_socket, AF_PACKET, SOCK_RAW, htons(ETHERTYPE));
	if (pkt < 0) {
		fail("AF_PACKET socket", pkt);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.family = AF_PACKET;
	a.protocol = htons(ETHERTYPE);
	a.ifindex = idx;
	if ((r = sys(SYS_bind, pkt, &a, sizeof(a))) < 0) {
		fail("bind", r);
		return;
	}
	set_timeout(pkt, 500);
	memcpy(frame, peer, 6);
	memcpy(frame + 6, mac, 6);
	frame[12] = ETHERTYPE >> 8;
	frame[13] = ETHERTYPE & 0xff;
	if (!peer_count(20, &sunk)) {
		puts_("bench_dev: no peer on eth0\n");
		flush();
		return;
	}
	for (k = 0; k < 2; k++) {
		u32 size = k ? 1514 : 64, frames = k ? 2000 : 4000, i, now;
		u64 t = now_ns(), ns;
		for (i = 0; i < frames; i++)
			if (!send_frame(size, "SINK", 0, 0))
				return;
		ns = now_ns() - t;
		if (!peer_count(10, &now))
			now = sunk;
		figure(k ? "net_tx_1514" : "net_tx_64", frames, (u64)frames * size, ns,
		       frames - (now - sunk > frames ? frames : now - sunk));
		sunk = now;
	}
	set_timeout(pkt, 300);
	for (k = 0; k < 2; k++) {
		u32 size = k ? 1514 : 64, frames = k ? 2000 : 4000, burst = k ? 8 : 16;
		u32 req = 0, got = 0;
		u64 ns = 0;
		while (req < frames) {
			u64 t = now_ns();
			u32 n = 0;
			if (!send_frame(64, "BRST", burst, size))
				return;
			req += burst;
			while (n < burst && receive())
				if (memeq(rx + 14, "DATA", 4))
					n++;
			got += n;
			ns += now_ns() - t;
		}
		figure(k ? "net_rx_1514" : "net_rx_64", got, (u64)got * size, ns, req - got);
	}
	{
		u32 seq, done = 0, lost = 0;
		u64 ns = 0;
		for (seq = 0; seq < 1000; seq++) {
			u64 t = now_ns();
			if (!send_frame(64, "PING", seq, 0))
				return;
			for (;;) {
				if (!receive()) {
					lost++;
					break;
				}
				if (memeq(rx + 14, "PONG", 4) && word_at(rx, 18) == seq) {
					ns += now_ns() - t;
					done++;
					break;
				}
			}
		}
		figure("net_rtt_64", done, (u64)done * 128, ns, lost);
	}
}

static u16 csum(const u8 *b, int n)
{
	u32 s = 0;
	int i;
	for (i = 0; i + 1 < n; i += 2)
		s += b[i] << 8 | b[i + 1];
	if (n & 1)
		s += b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

/* ICMP echo to 10.0.2.2 through a raw ICMP socket, 32 bytes of data as
 * bench_dev's ping. */
static void ping_gateway(void)
{
	u8 mac[6], req[40], ans[128];
	struct sockaddr_in gw;
	long idx = eth_up(1, mac), s;
	u32 seq, done = 0, lost = 0;
	u64 ns = 0;
	int i;
	if (idx < 0) {
		fail("eth0", idx);
		return;
	}
	s = sys(SYS_socket, AF_INET, SOCK_RAW, 1 /* IPPROTO_ICMP */);
	if (s < 0) {
		fail("ICMP socket", s);
		return;
	}
	set_timeout(s, 1000);
	memset(&gw, 0, sizeof(gw));
	gw.family = AF_INET;
	gw.addr = 0x0202000a; /* 10.0.2.2 */
	for (seq = 0; seq <= 200; seq++) {
		u64 t = now_ns();
		u16 c;
		memset(req, 0, sizeof(req));
		req[0] = 8; /* echo request */
		req[4] = 0x4d;
		req[5] = 0x41;
		req[6] = seq >> 8;
		req[7] = seq;
		for (i = 0; i < 32; i++)
			req[8 + i] = 'a' + i;
		c = csum(req, sizeof(req));
		req[2] = c >> 8;
		req[3] = c;
		if (sys6(SYS_sendto, s, (long)req, sizeof(req), 0, (long)&gw, sizeof(gw)) != sizeof(req)) {
			fail("ICMP sendto", 0);
			return;
		}
		for (;;) {
			long r = sys6(SYS_recvfrom, s, (long)ans, sizeof(ans), 0, 0, 0);
			int h;
			if (r < 0) {
				lost += seq != 0;
				break;
			}
			h = (ans[0] & 15) * 4;
			if (r >= h + 8 && ans[h] == 0 && memeq(ans + h + 4, req + 4, 4)) {
				/* The first ping pays for ARP: not counted. */
				if (seq) {
					ns += now_ns() - t;
					done++;
				}
				break;
			}
		}
	}
	figure("ping_gw", done, (u64)done * 2 * 74, ns, lost);
}

/* ---- main ---------------------------------------------------------- */

static void mkdir_mount(const char *dir, const char *type)
{
	sys(SYS_mkdir, dir, 0755, 0);
	sys6(SYS_mount, (long)type, (long)dir, (long)type, 0, 0, 0);
}

void cmain(long *sp)
{
	long argc = sp[0];
	char **env = (char **)(sp + argc + 2);
	const char *mode = "all";
	for (; *env; env++)
		if (memeq(*env, "benchmode=", 10))
			mode = *env + 10;
	mkdir_mount("/dev", "devtmpfs");
	mkdir_mount("/proc", "proc");
	mkdir_mount("/sys", "sysfs");
	puts_("linux-init: loading modules, mode ");
	puts_(mode);
	puts_("\n");
	flush();
	load_modules();
	puts_("clock: TSC 1000000 kHz\n");
	flush();
	if (memeq(mode, "all", 4)) {
		seq_read("disk_seq_64k", "/dev/sda", 64 * 1024);
		rand_read("/dev/sda");
		seq_read("cd_seq_64k", "/dev/sr0", 64 * 1024);
		seq_read("fd_seq_9k", "/dev/fd0", 9 * 1024);
		seq_read("ahci_seq_64k", "/dev/sdb", 64 * 1024);
	}
	if (memeq(mode, "ping", 5))
		ping_gateway();
	else
		network();
	puts_("bench_dev: done\n");
	flush();
	sleep_ms(100);
	/* LINUX_REBOOT_MAGIC1, MAGIC2, LINUX_REBOOT_CMD_POWER_OFF */
	sys(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc);
	for (;;)
		sys(SYS_exit, 0, 0, 0);
}

__asm__(".globl _start\n"
	"_start:\n\t"
	"xor %ebp, %ebp\n\t"
	"mov %esp, %eax\n\t"
	"and $-16, %esp\n\t"
	"sub $12, %esp\n\t"
	"push %eax\n\t"
	"call cmain\n\t"
	"hlt\n");
