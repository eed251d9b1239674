//! Property tests of the packet filters on hostile programs and packets (issue 16).
//!
//! Programs come from three generators: random words, programs assembled from the
//! real opcodes with plausible operands (mostly valid), and those same programs with
//! a word or two mutated. Each program goes through [`Filter::parse`]; each one the
//! validator accepts runs over several random packets (empty, short, odd-sized, up
//! to [`NET_RCV_MAX`], with link headers of 0 to [`NET_HDW_HDR_MAX`] bytes). No case
//! may panic (a read out of bounds is a panic in this code); an accepted BPF program
//! only jumps forward and inside the program, so its run ends within one step per
//! instruction; a result never exceeds the packet.

use alloc::vec;
use alloc::vec::Vec;

use super::bpf::{op::*, BpfProgram};
use super::cspf::*;
use super::*;

/// Programs per property.
const CASES: u64 = 100_000;

use crate::testrng::Rng;

/// A random packet in `net_rcv_msg` form: link header and packet (packet header
/// included, but its length field is random: filters must not trust it).
fn random_packet(rng: &mut Rng) -> (Vec<u8>, Vec<u8>) {
    let hlen = rng.pick(&[0, 1, 13, 14, 14, 14, 63, NET_HDW_HDR_MAX]);
    let plen = match rng.below(8) {
        0 => rng.below(5) as usize,
        1 => NET_RCV_MAX,
        2 => rng.below(NET_RCV_MAX as u64 + 1) as usize,
        _ => 4 + rng.below(80) as usize,
    };
    let mut header = vec![0u8; hlen];
    let mut packet = vec![0u8; plen];
    for b in header.iter_mut().chain(packet.iter_mut()) {
        *b = match rng.below(4) {
            0 => 0,
            1 => 0xff,
            _ => rng.next() as u8,
        };
    }
    (header, packet)
}

fn run_on_packets(rng: &mut Rng, f: &Filter, n: u64) -> u64 {
    let mut accepted = 0;
    for _ in 0..n {
        let (header, packet) = random_packet(rng);
        let pkt = Packet {
            header: &header,
            packet: &packet,
        };
        if let Some(len) = f.run(&pkt) {
            accepted += 1;
            assert!(len <= packet.len(), "{} > {}", len, packet.len());
        }
    }
    accepted
}

fn flags(rng: &mut Rng) -> u16 {
    match rng.below(16) {
        0 => rng.next() as u16,
        1 => 0,
        _ => rng.pick(&[NETF_IN, NETF_OUT, NETF_IN | NETF_OUT]),
    }
}

fn bpf_k(rng: &mut Rng) -> u32 {
    match rng.below(6) {
        0 => rng.next() as u32,
        1 => u32::MAX - rng.below(8) as u32,
        2 => rng.below(32) as u32,
        _ => rng.below(160) as u32,
    }
}

/// A BPF program from real opcodes: mostly valid, sometimes not.
fn random_bpf(rng: &mut Rng) -> Vec<FilterWord> {
    const CODES: [u16; 44] = [
        LD | W | ABS,
        LD | H | ABS,
        LD | B | ABS,
        LD | W | IND,
        LD | H | IND,
        LD | B | IND,
        LD | W | MEM,
        LD | W | LEN,
        LD | IMM,
        LDX | IMM,
        LDX | MEM,
        LDX | LEN,
        LDX | B | MSH,
        ST,
        STX,
        ALU | ADD | K,
        ALU | SUB | X,
        ALU | MUL | K,
        ALU | DIV | K,
        ALU | DIV | X,
        ALU | MOD | K,
        ALU | MOD | X,
        ALU | AND | K,
        ALU | OR | X,
        ALU | XOR | K,
        ALU | LSH | K,
        ALU | LSH | X,
        ALU | RSH | K,
        ALU | RSH | X,
        ALU | NEG,
        JMP | JA,
        JMP | JEQ | K,
        JMP | JEQ | X,
        JMP | JGT | K,
        JMP | JGE | X,
        JMP | JSET | K,
        RET | K,
        RET | A,
        MISC | TAX,
        MISC | TXA,
        RET | MATCH_IMM,
        MISC | KEY,
        0xffff,
        0x0007 | 0x40,
    ];
    let n = 1 + rng.below(40) as usize;
    let mut program = Vec::with_capacity(n + 1);
    for i in 0..n {
        let upto = if rng.below(20) == 0 { 44 } else { 40 };
        let code = rng.pick(&CODES[..upto]);
        let left = (n - i - 1) as u64;
        let off = |rng: &mut Rng| {
            if rng.below(30) == 0 {
                rng.next() as u8
            } else {
                rng.below(left + 1) as u8
            }
        };
        let (jt, jf) = (off(rng), off(rng));
        let k = if code == JMP | JA && rng.below(10) != 0 {
            rng.below(left + 1) as u32
        } else if matches!(code, ST | STX) || code & 0xe0 == MEM {
            rng.below(20) as u32
        } else {
            bpf_k(rng)
        };
        program.push(bpf::Insn { code, jt, jf, k });
    }
    if rng.below(4) != 0 {
        program.push(bpf::Insn::stmt(
            rng.pick(&[RET | K, RET | A]),
            rng.pick(&[0, u32::MAX, 14, 60]),
        ));
    }
    bpf::to_filter_words(NETF_BPF | flags(rng), &program)
}

/// A CSPF program from real operators and arguments: mostly valid, sometimes not.
fn random_cspf(rng: &mut Rng) -> Vec<FilterWord> {
    let mut words = vec![flags(rng)];
    let n = if rng.below(4) == 0 { 40 } else { 10 };
    for _ in 0..rng.below(n) {
        let op = if rng.below(40) == 0 {
            rng.below(64) as u16
        } else {
            rng.pick(&[
                0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
            ])
        };
        let arg = match rng.below(12) {
            0 => NETF_NOPUSH,
            1 | 2 => NETF_PUSHLIT,
            3 => NETF_PUSHZERO,
            4 => NETF_PUSHIND,
            5 => NETF_PUSHHDRIND,
            6 | 7 => {
                let most = if rng.below(4) == 0 { 944 } else { 50 };
                NETF_PUSHWORD + rng.below(most) as u16
            }
            8 => NETF_PUSHHDR + rng.below(32) as u16,
            9 => {
                let most = if rng.below(4) == 0 { 32 } else { 4 };
                NETF_PUSHSTK + rng.below(most) as u16
            }
            10 => rng.below(16) as u16,
            _ => NETF_PUSHWORD + 6,
        };
        words.push(op << NETF_NBPA | arg);
        if arg == NETF_PUSHLIT && rng.below(30) != 0 {
            words.push(match rng.below(3) {
                0 => rng.below(64) as u16,
                _ => rng.next() as u16,
            });
        }
    }
    words
}

/// Change a word or two: a random value, a bit flip, a truncation or a duplication.
fn mutate(rng: &mut Rng, words: &mut Vec<FilterWord>) {
    for _ in 0..1 + rng.below(2) {
        if words.is_empty() {
            return;
        }
        let i = rng.below(words.len() as u64) as usize;
        match rng.below(5) {
            0 => words[i] = rng.next() as u16,
            1 => words[i] ^= 1 << rng.below(16),
            2 => words.truncate(i),
            3 => {
                let w = words[i];
                words.insert(i, w);
            }
            _ => words[i] = words[i].wrapping_add(rng.pick(&[1, 0xffff])),
        }
    }
}

/// An accepted BPF program only jumps forward to an instruction of the program, and
/// ends with a return: so it runs at most one step per instruction.
fn assert_terminates(p: &BpfProgram) {
    let insns = p.insns();
    let len = insns.len() as u64;
    assert!(len > 0 && insns[insns.len() - 1].code & 7 == RET);
    for (i, insn) in insns.iter().enumerate() {
        let next = i as u64 + 1;
        if insn.code & 7 == JMP {
            if insn.code == JMP | JA {
                assert!(next + u64::from(insn.k) < len, "{:?}", insns);
            } else {
                assert!(next + u64::from(insn.jt) < len, "{:?}", insns);
                assert!(next + u64::from(insn.jf) < len, "{:?}", insns);
            }
        }
    }
}

fn check_filter(rng: &mut Rng, words: &[FilterWord]) -> Option<u64> {
    let f = Filter::parse(words).ok()?;
    if let Program::Bpf(p) = f.program() {
        assert_terminates(p);
    }
    Some(run_on_packets(rng, &f, 4))
}

#[test]
fn random_bpf_programs_on_random_packets() {
    let mut rng = Rng(0x5eed_0016_0000_0011);
    let (mut valid, mut accepted) = (0, 0);
    for _ in 0..CASES {
        let mut words = random_bpf(&mut rng);
        if rng.below(3) == 0 {
            mutate(&mut rng, &mut words);
        }
        if let Some(n) = check_filter(&mut rng, &words) {
            valid += 1;
            accepted += n;
        }
    }
    // The generator reaches the interpreter, and its programs accept some packets.
    assert!(
        valid > CASES / 10 && accepted > CASES / 20,
        "{} {}",
        valid,
        accepted
    );
}

#[test]
fn random_cspf_programs_on_random_packets() {
    let mut rng = Rng(0x5eed_0016_0000_0012);
    let (mut valid, mut accepted) = (0, 0);
    for _ in 0..CASES {
        let mut words = random_cspf(&mut rng);
        if rng.below(3) == 0 {
            mutate(&mut rng, &mut words);
        }
        if let Some(n) = check_filter(&mut rng, &words) {
            valid += 1;
            accepted += n;
        }
    }
    assert!(
        valid > CASES / 10 && accepted > CASES / 20,
        "{} {}",
        valid,
        accepted
    );
}

#[test]
fn random_words_as_filters() {
    // Raw noise of every length up to and past NET_MAX_FILTER, in both languages.
    let mut rng = Rng(0x5eed_0016_0000_0013);
    for _ in 0..CASES {
        let len = match rng.below(10) {
            0 => rng.below(NET_MAX_FILTER as u64 + 8) as usize,
            _ => rng.below(24) as usize,
        };
        let mut words: Vec<FilterWord> = (0..len).map(|_| rng.next() as u16).collect();
        if let Some(w) = words.first_mut() {
            *w = match rng.below(3) {
                0 => *w,
                1 => NETF_BPF | NETF_IN,
                _ => NETF_IN | NETF_OUT,
            };
        }
        let r = Filter::parse(&words);
        if len > NET_MAX_FILTER || len == 0 {
            assert!(r.is_err());
        }
        check_filter(&mut rng, &words);
    }
}
