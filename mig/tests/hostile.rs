//! Hostile requests to the kernel's own MIG server side (issue 16).
//!
//! `build.rs` generates every interface the kernel serves exactly as the kernel's
//! build does (KERNEL_SERVER, default methods that answer `MIG_BAD_ID`). This
//! test reads each generated stub's own checks (the descriptor words it expects,
//! in order) from the generated text, builds for every routine requests that
//! follow them, and then damages them: random data, wrong counts and sizes, long
//! and short forms swapped, items dropped, duplicated or cut, bits flipped,
//! `msgh_size` and the complex bit lying, the buffer shorter than `msgh_size`.
//! No request may panic; every outcome's reply fits the reply buffer; and every
//! routine must be reached past its decoding (its default method answered) by
//! some case, so the cases really go through each decoder.
#![cfg(not(mig_no_defs))]
#![allow(clippy::all)]

use mig::rt;

#[allow(dead_code)]
mod served {
    include!(concat!(env!("OUT_DIR"), "/kernel_served.rs"));
}

/// Cases per routine.
const CASES_PER_ROUTINE: u64 = 2_000;

/// xorshift64*: the seeded generator of this test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// One check a stub makes, in order.
#[derive(Clone, Copy, Debug)]
enum Item {
    /// `expect_word(w)`: an exact short descriptor.
    Word(u32),
    /// `expect_desc(long, inline, name, size, number)`.
    Desc { long: bool, inline: bool, name: u32, size: u32, number: Option<u32> },
    /// `expect_poly()`: a short port descriptor of any disposition.
    Poly,
    /// `expect_desc_indefinite(name, size)`: GNU MIG's indefinite array,
    /// in line or out of line.
    Indefinite { name: u32, size: u32 },
}

/// A routine: its id and its checks.
#[derive(Debug)]
struct Routine {
    id: u32,
    name: String,
    items: Vec<Item>,
}

/// The routines of one generated server file, read from its text.
fn routines(src: &str) -> Vec<Routine> {
    let mut out = Vec::new();
    for line in src.lines() {
        // Dispatch lines: `        2802 => (true, false, device_write_stub(server, ...`.
        let t = line.trim();
        let Some((id, rest)) = t.split_once(" => (true, ") else { continue };
        let Ok(id) = id.parse::<u32>() else { continue };
        let Some(stub) = rest.split(", ").nth(1).and_then(|s| s.split('(').next()) else { continue };
        let name = stub.trim_end_matches("_stub").to_string();
        let start = src.find(&format!("fn {stub}<")).expect("stub body");
        let body = &src[start..];
        let body = &body[..body.find("\n}\n").expect("stub end")];
        let mut items = Vec::new();
        let mut rest = body;
        while let Some(at) = rest.find("r.expect_") {
            rest = &rest[at + 9..];
            if let Some(r) = rest.strip_prefix("word(0x") {
                let hex = &r[..r.find(')').unwrap()];
                items.push(Item::Word(u32::from_str_radix(hex, 16).unwrap()));
            } else if let Some(r) = rest.strip_prefix("desc(") {
                let args: Vec<&str> = r[..r.find(")?").unwrap()].split(", ").collect();
                let number = args[4].strip_prefix("Some(").map(|n| n.trim_end_matches(')').parse().unwrap());
                items.push(Item::Desc {
                    long: args[0] == "true",
                    inline: args[1] == "true",
                    name: args[2].parse().unwrap(),
                    size: args[3].parse().unwrap(),
                    number,
                });
            } else if let Some(r) = rest.strip_prefix("desc_indefinite(") {
                let args: Vec<&str> = r[..r.find(")?").unwrap()].split(", ").collect();
                items.push(Item::Indefinite { name: args[0].parse().unwrap(), size: args[1].parse().unwrap() });
            } else if rest.starts_with("poly(") {
                items.push(Item::Poly);
            } else {
                panic!("unknown check in {name}: {}", &rest[..40.min(rest.len())]);
            }
        }
        out.push(Routine { id, name, items });
    }
    out
}

fn data_word(rng: &mut Rng) -> u32 {
    match rng.below(8) {
        0 => 0,
        1 => u32::MAX,
        2 => 0x8000_0000,
        3 => 0xC000_0000 + rng.below(0x1000) as u32,
        4 => rng.below(64) as u32,
        5 => 1 << rng.below(32),
        _ => rng.next() as u32,
    }
}

fn push(b: &mut Vec<u8>, w: u32) {
    b.extend_from_slice(&w.to_le_bytes());
}

/// Bytes of inline data for `number` elements of `size` bits, padded to 4.
fn inline_bytes(size: u32, number: u32) -> usize {
    ((size as usize * number as usize).div_ceil(8) + 3) & !3
}

/// A count for a variable descriptor: mostly small, sometimes huge.
fn count(rng: &mut Rng) -> u32 {
    match rng.below(10) {
        0 => rng.pick(&[0xfff, 0x1000, 0xffff, 0x10_0000, u32::MAX, 0x4000_0000]),
        1 => 0,
        _ => rng.below(40) as u32,
    }
}

/// The body of a request that follows `items`, with random data.
fn body(rng: &mut Rng, items: &[Item]) -> (Vec<u8>, bool) {
    let mut b = Vec::new();
    let mut complex = false;
    for &item in items {
        match item {
            Item::Word(w) => {
                push(&mut b, w);
                let long = w & (1 << 29) != 0;
                let inline = w & (1 << 28) != 0;
                let name = w & 0xff;
                complex |= !inline || (16..=21).contains(&name);
                let n = if long { 0 } else { inline_bytes((w >> 8) & 0xff, (w >> 16) & 0xfff) };
                let n = if inline { n } else { 4 };
                for _ in 0..n / 4 {
                    push(&mut b, data_word(rng));
                }
            }
            Item::Desc { long, inline, name, size, number } => {
                let num = number.unwrap_or_else(|| count(rng));
                let num = if long { num } else { num & 0xfff };
                complex |= !inline || (16..=21).contains(&name);
                let dealloc = (rng.below(2) as u32) << 30;
                if long {
                    push(&mut b, 1 << 29 | (inline as u32) << 28 | dealloc);
                    push(&mut b, name | size << 16);
                    push(&mut b, num);
                } else {
                    push(&mut b, (inline as u32) << 28 | dealloc | name | (size & 0xff) << 8 | num << 16);
                }
                let n = if inline { inline_bytes(size, num).min(4096) } else { 4 };
                for _ in 0..n / 4 {
                    push(&mut b, data_word(rng));
                }
            }
            Item::Indefinite { name, size } => {
                let inline = rng.below(2) == 0;
                let num = count(rng);
                complex |= !inline;
                push(&mut b, 1 << 29 | (inline as u32) << 28);
                push(&mut b, name | size << 16);
                push(&mut b, num);
                let n = if inline { inline_bytes(size, num).min(4096) } else { 4 };
                for _ in 0..n / 4 {
                    push(&mut b, data_word(rng));
                }
            }
            Item::Poly => {
                let name = rng.pick(&[16, 17, 18, 19, 20, 21, 2, 0]);
                push(&mut b, 1 << 28 | 32 << 8 | 1 << 16 | name);
                push(&mut b, data_word(rng));
                complex = true;
            }
        }
    }
    (b, complex)
}

/// Damage a body.
fn mutate(rng: &mut Rng, b: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(3) {
        let words = b.len() / 4;
        match rng.below(7) {
            0 if words > 0 => {
                let i = 4 * rng.below(words as u64) as usize;
                b[i..i + 4].copy_from_slice(&data_word(rng).to_le_bytes());
            }
            1 if !b.is_empty() => {
                let i = rng.below(b.len() as u64) as usize;
                b[i] ^= 1 << rng.below(8);
            }
            2 => b.truncate(rng.below(b.len() as u64 + 1) as usize),
            3 => {
                for _ in 0..rng.below(8) {
                    push(b, data_word(rng));
                }
            }
            4 if words > 0 => {
                // Swap long and short form, or inline and out of line.
                let i = 4 * rng.below(words as u64) as usize;
                let w = u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
                let bit = rng.pick(&[1u32 << 28, 1 << 29, 1 << 30, 1 << 31]);
                b[i..i + 4].copy_from_slice(&(w ^ bit).to_le_bytes());
            }
            5 if words > 0 => {
                // A count field (short-form bits 16..28) set to an edge value.
                let i = 4 * rng.below(words as u64) as usize;
                let w = u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
                let any = rng.below(0x1000) as u32;
                let n = rng.pick(&[0u32, 1, 0xfff, any]);
                b[i..i + 4].copy_from_slice(&((w & !(0xfff << 16)) | n << 16).to_le_bytes());
            }
            _ => b.extend_from_slice(&vec![0; 4 * rng.below(4) as usize]),
        }
    }
}

/// A request: header (remote = the kernel object, local = a reply port) + body.
fn request(rng: &mut Rng, id: u32, body: &[u8], complex: bool) -> Vec<u8> {
    let mut m = Vec::with_capacity(24 + body.len());
    let complex = if rng.below(10) == 0 { !complex } else { complex };
    let remote = rng.pick(&[17u32, 18, 19, 20, 21, 0, 0x1f]);
    let local = rng.pick(&[21u32, 17, 18, 0, 0x1f]);
    push(&mut m, remote | local << 8 | (complex as u32) << 31);
    let size = (24 + body.len()) as u32;
    let size = match rng.below(12) {
        0 => size.wrapping_add(4),
        1 => size.wrapping_sub(4),
        2 => data_word(rng),
        _ => size,
    };
    push(&mut m, size);
    push(&mut m, rng.pick(&[0x101, 0, u32::MAX]));
    push(&mut m, rng.pick(&[0x203, 0, u32::MAX]));
    push(&mut m, 0);
    push(&mut m, id);
    m.extend_from_slice(body);
    m
}

struct Nothing;
impl served::mach::MachServer for Nothing {}
impl served::mach_port::MachPortServer for Nothing {}
impl served::mach_host::MachHostServer for Nothing {}
impl served::gnumach::GnumachServer for Nothing {}
impl served::device::DeviceServer for Nothing {}
impl served::mach_i386::MachI386Server for Nothing {}

type Serve = fn(&[u8], &mut [u8]) -> rt::Outcome;

/// (name, generated text, dispatch, reply buffer size, routine count).
fn subsystems() -> Vec<(&'static str, &'static str, Serve, usize, usize)> {
    vec![
        (
            "mach",
            include_str!(concat!(env!("OUT_DIR"), "/mach_kernel_server.rs")),
            |q, r| served::mach::mach_server(&mut Nothing, q, r),
            served::mach::MAX_REPLY_SIZE,
            served::mach::ROUTINES.len(),
        ),
        (
            "mach_port",
            include_str!(concat!(env!("OUT_DIR"), "/mach_port_kernel_server.rs")),
            |q, r| served::mach_port::mach_port_server(&mut Nothing, q, r),
            served::mach_port::MAX_REPLY_SIZE,
            served::mach_port::ROUTINES.len(),
        ),
        (
            "mach_host",
            include_str!(concat!(env!("OUT_DIR"), "/mach_host_kernel_server.rs")),
            |q, r| served::mach_host::mach_host_server(&mut Nothing, q, r),
            served::mach_host::MAX_REPLY_SIZE,
            served::mach_host::ROUTINES.len(),
        ),
        (
            "gnumach",
            include_str!(concat!(env!("OUT_DIR"), "/gnumach_kernel_server.rs")),
            |q, r| served::gnumach::gnumach_server(&mut Nothing, q, r),
            served::gnumach::MAX_REPLY_SIZE,
            served::gnumach::ROUTINES.len(),
        ),
        (
            "device",
            include_str!(concat!(env!("OUT_DIR"), "/device_kernel_server.rs")),
            |q, r| served::device::device_server(&mut Nothing, q, r),
            served::device::MAX_REPLY_SIZE,
            served::device::ROUTINES.len(),
        ),
        (
            "mach_i386",
            include_str!(concat!(env!("OUT_DIR"), "/mach_i386_kernel_server.rs")),
            |q, r| served::mach_i386::mach_i386_server(&mut Nothing, q, r),
            served::mach_i386::MAX_REPLY_SIZE,
            served::mach_i386::ROUTINES.len(),
        ),
    ]
}

#[test]
fn hostile_requests_to_every_kernel_routine() {
    let mut rng = Rng(0x5eed_0016_0000_0031);
    let mut total = 0u64;
    let mut routines_done = 0;
    for (sub, src, serve, max_reply, count) in subsystems() {
        let rs = routines(src);
        assert_eq!(rs.len(), count, "{sub}: every routine read from the generated text");
        routines_done += count;
        let mut reply = vec![0u8; max_reply];
        for r in &rs {
            let mut decoded = 0u64;
            for case in 0..CASES_PER_ROUTINE {
                let (mut b, complex) = body(&mut rng, &r.items);
                // A third of the cases stay well-formed, so the decoder is passed.
                if case % 3 != 0 {
                    mutate(&mut rng, &mut b);
                }
                let msg = request(&mut rng, r.id, &b, complex);
                let cut = if rng.below(16) == 0 { rng.below(msg.len() as u64 + 1) as usize } else { msg.len() };
                let o = serve(&msg[..cut], &mut reply);
                assert!(o.reply_size <= reply.len(), "{sub}/{}: {o:?}", r.name);
                if cut >= 24 {
                    assert!(o.known, "{sub}/{}: id {} not known", r.name, r.id);
                }
                decoded += (o.ret_code == rt::MIG_BAD_ID) as u64;
                total += 1;
            }
            assert!(decoded > 0, "{sub}/{}: no case got past the decoder ({:?})", r.name, r.items);
        }
        // Unknown ids and random bytes too.
        for _ in 0..CASES_PER_ROUTINE {
            let n = rng.below(200) as usize;
            let mut m: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            if n >= 24 && rng.below(2) == 0 {
                let id = rs[rng.below(rs.len() as u64) as usize].id + rng.pick(&[0, 1, 50, 100]);
                m[20..24].copy_from_slice(&id.to_le_bytes());
            }
            let o = serve(&m, &mut reply);
            assert!(o.reply_size <= reply.len());
            total += 1;
        }
    }
    assert!(total >= 100_000 && routines_done > 100, "{total} {routines_done}");
}
