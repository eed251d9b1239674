//! BPF programs in GNU Mach's form.
//!
//! The `filter_t` array is read as `struct bpf_insn {u16 code; u8 jt; u8 jf; i32 k}`
//! in i386 memory order: instruction `i` is words `4i..4i+4`, `code` = word 0, `jt` /
//! `jf` = low / high byte of word 1, `k` = word 2 | word 3 << 16. Instruction 0 is
//! the header (`NETF_BPF | flags`); the program is instructions 1.. .
//!
//! # Validation
//! As GNU Mach's `bpf_validate`: every jump is forward (offsets are unsigned) and
//! lands inside the program, scratch-memory indices are below [`BPF_MEMWORDS`],
//! division and modulo by a constant 0 and left shifts by a constant of 32 or more
//! are refused, and the last instruction is a return. Stricter: every opcode must be
//! one GNU Mach's interpreter executes (GNU Mach rejects the packet at run time when
//! it meets an unknown one), `LDX|MEM` and `STX` indices are checked too, and GNU
//! Mach's hashed-session extension (`BPF_RET|BPF_MATCH_IMM` with `BPF_MISC|BPF_KEY`
//! key instructions) is refused as unsupported.
//!
//! # Execution
//! Offsets address the link header followed by the payload, as one buffer; loads are
//! big-endian; a load past the end rejects the packet (GNU Mach bounds loads by
//! `NET_RCV_MAX` and may read stale bytes). `BPF_LEN` is the payload length, and a
//! return value is clipped to it (GNU Mach's `wirelen`). Since jumps only go forward,
//! a run takes at most one step per instruction.

use alloc::vec::Vec;

use super::{FilterError, FilterWord};

/// Scratch memory words (`BPF_MEMWORDS`).
pub const BPF_MEMWORDS: usize = 16;

/// Instruction classes and fields (values from GNU Mach's `bpf.h`, the classic BPF
/// encoding).
pub mod op {
    #![allow(missing_docs)]
    pub const LD: u16 = 0x00;
    pub const LDX: u16 = 0x01;
    pub const ST: u16 = 0x02;
    pub const STX: u16 = 0x03;
    pub const ALU: u16 = 0x04;
    pub const JMP: u16 = 0x05;
    pub const RET: u16 = 0x06;
    pub const MISC: u16 = 0x07;
    pub const W: u16 = 0x00;
    pub const H: u16 = 0x08;
    pub const B: u16 = 0x10;
    pub const IMM: u16 = 0x00;
    pub const ABS: u16 = 0x20;
    pub const IND: u16 = 0x40;
    pub const MEM: u16 = 0x60;
    pub const LEN: u16 = 0x80;
    pub const MSH: u16 = 0xa0;
    pub const ADD: u16 = 0x00;
    pub const SUB: u16 = 0x10;
    pub const MUL: u16 = 0x20;
    pub const DIV: u16 = 0x30;
    pub const OR: u16 = 0x40;
    pub const AND: u16 = 0x50;
    pub const LSH: u16 = 0x60;
    pub const RSH: u16 = 0x70;
    pub const NEG: u16 = 0x80;
    pub const MOD: u16 = 0x90;
    pub const XOR: u16 = 0xa0;
    pub const JA: u16 = 0x00;
    pub const JEQ: u16 = 0x10;
    pub const JGT: u16 = 0x20;
    pub const JGE: u16 = 0x30;
    pub const JSET: u16 = 0x40;
    pub const K: u16 = 0x00;
    pub const X: u16 = 0x08;
    pub const A: u16 = 0x10;
    /// GNU Mach extension: return if the scratch keys match a session.
    pub const MATCH_IMM: u16 = 0x18;
    pub const TAX: u16 = 0x00;
    pub const TXA: u16 = 0x80;
    /// GNU Mach extension: a session key following `RET|MATCH_IMM`.
    pub const KEY: u16 = 0x10;
}

use op::*;

/// One instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    /// Opcode.
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// Constant.
    pub k: u32,
}

impl Insn {
    /// A non-jump instruction.
    pub const fn stmt(code: u16, k: u32) -> Insn {
        Insn {
            code,
            jt: 0,
            jf: 0,
            k,
        }
    }

    /// A conditional jump.
    pub const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn { code, jt, jf, k }
    }

    fn decode(w: &[FilterWord]) -> Insn {
        Insn {
            code: w[0],
            jt: w[1] as u8,
            jf: (w[1] >> 8) as u8,
            k: u32::from(w[2]) | u32::from(w[3]) << 16,
        }
    }

    /// The four `filter_t` words of this instruction in i386 memory order.
    pub const fn to_words(self) -> [FilterWord; 4] {
        [
            self.code,
            self.jt as u16 | (self.jf as u16) << 8,
            self.k as u16,
            (self.k >> 16) as u16,
        ]
    }
}

/// Build a `device_set_filter` word array from a header word and a program.
pub fn to_filter_words(flags: FilterWord, program: &[Insn]) -> Vec<FilterWord> {
    let mut words = Vec::with_capacity(4 * (program.len() + 1));
    words.extend_from_slice(&Insn::stmt(flags, 0).to_words());
    for i in program {
        words.extend_from_slice(&i.to_words());
    }
    words
}

const fn class(code: u16) -> u16 {
    code & 0x07
}

/// Whether GNU Mach's interpreter executes `code`.
fn known(code: u16) -> bool {
    match class(code) {
        LD => matches!(
            code,
            0x00 | 0x20 | 0x28 | 0x30 | 0x40 | 0x48 | 0x50 | 0x60 | 0x80
        ),
        LDX => matches!(code, 0x01 | 0x61 | 0x81 | 0xb1),
        ST | STX => code == ST || code == STX,
        ALU => {
            code == ALU | NEG
                || (code & !(0xf0 | X) == ALU
                    && matches!(
                        code & 0xf0,
                        ADD | SUB | MUL | DIV | MOD | AND | OR | XOR | LSH | RSH
                    ))
        }
        JMP => {
            code == JMP | JA
                || (code & !(0xf0 | X) == JMP && matches!(code & 0xf0, JEQ | JGT | JGE | JSET))
        }
        RET => code == RET | K || code == RET | A,
        _ => code == MISC | TAX || code == MISC | TXA,
    }
}

/// A validated BPF program (header instruction removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BpfProgram {
    insns: Vec<Insn>,
}

impl BpfProgram {
    /// Validate a whole filter array (instruction 0 = header, not inspected here).
    ///
    /// # Errors
    /// The `Bpf*` variants of [`FilterError`], with the index of the offending
    /// instruction (the header is index 0).
    pub fn validate(words: &[FilterWord]) -> Result<BpfProgram, FilterError> {
        let all: Vec<Insn> = words.chunks_exact(4).map(Insn::decode).collect();
        let len = all.len();
        if len < 2 {
            return Err(FilterError::BpfTooShort);
        }
        for (i, p) in all.iter().enumerate().skip(1) {
            let code = p.code;
            if code == RET | MATCH_IMM || code == MISC | KEY {
                return Err(FilterError::BpfMatchUnsupported(i));
            }
            if !known(code) {
                return Err(FilterError::BpfBadOpcode(i));
            }
            let from = i as u64 + 1;
            let in_range = |off: u64| from + off < len as u64;
            if class(code) == JMP {
                let ok = if code == JMP | JA {
                    in_range(u64::from(p.k))
                } else {
                    in_range(u64::from(p.jt)) && in_range(u64::from(p.jf))
                };
                if !ok {
                    return Err(FilterError::BpfJumpOutOfRange(i));
                }
            }
            let uses_mem = matches!(code, ST | STX) || code == LD | MEM || code == LDX | MEM;
            if uses_mem && p.k as usize >= BPF_MEMWORDS {
                return Err(FilterError::BpfBadMemIndex(i));
            }
            if (code == ALU | DIV | K || code == ALU | MOD | K) && p.k == 0 {
                return Err(FilterError::BpfDivByZero(i));
            }
            if code == ALU | LSH | K && p.k >= 32 {
                return Err(FilterError::BpfShiftTooLarge(i));
            }
        }
        if class(all[len - 1].code) != RET {
            return Err(FilterError::BpfNoFinalRet);
        }
        Ok(BpfProgram {
            insns: all[1..].to_vec(),
        })
    }

    /// The program, header excluded.
    pub fn insns(&self) -> &[Insn] {
        &self.insns
    }

    /// Run over a link `header` and a `payload`: the number of payload bytes to
    /// accept (0 = reject), clipped to the payload length.
    pub fn run(&self, header: &[u8], payload: &[u8]) -> u32 {
        let wirelen = payload.len() as u32;
        let total = header.len() as u64 + payload.len() as u64;
        let byte = |o: u64| -> u32 {
            let o = o as usize;
            u32::from(if o < header.len() {
                header[o]
            } else {
                payload[o - header.len()]
            })
        };
        let load = |k: u32, size: u64| -> Option<u32> {
            let k = u64::from(k);
            if k + size > total {
                return None;
            }
            Some((0..size).fold(0u32, |v, j| v << 8 | byte(k + j)))
        };
        let (mut a, mut x) = (0u32, 0u32);
        let mut mem = [0u32; BPF_MEMWORDS];
        let mut pc = 0usize;
        while let Some(&p) = self.insns.get(pc) {
            pc += 1;
            let k = p.k;
            let src = if p.code & X != 0 { x } else { k };
            macro_rules! ld {
                ($off:expr, $size:expr) => {
                    match load($off, $size) {
                        Some(v) => v,
                        None => return 0,
                    }
                };
            }
            match class(p.code) {
                LD => {
                    a = match p.code {
                        0x20 => ld!(k, 4),
                        0x28 => ld!(k, 2),
                        0x30 => ld!(k, 1),
                        0x40 => ld!(x.wrapping_add(k), 4),
                        0x48 => ld!(x.wrapping_add(k), 2),
                        0x50 => ld!(x.wrapping_add(k), 1),
                        0x60 => mem[k as usize % BPF_MEMWORDS],
                        0x80 => wirelen,
                        _ => k,
                    }
                }
                LDX => {
                    x = match p.code {
                        0x61 => mem[k as usize % BPF_MEMWORDS],
                        0x81 => wirelen,
                        0xb1 => (ld!(k, 1) & 0xf) << 2,
                        _ => k,
                    }
                }
                ST => mem[k as usize % BPF_MEMWORDS] = a,
                STX => mem[k as usize % BPF_MEMWORDS] = x,
                ALU => {
                    a = match p.code & 0xf0 {
                        ADD => a.wrapping_add(src),
                        SUB => a.wrapping_sub(src),
                        MUL => a.wrapping_mul(src),
                        DIV | MOD if src == 0 => return 0,
                        DIV => a / src,
                        MOD => a % src,
                        AND => a & src,
                        OR => a | src,
                        XOR => a ^ src,
                        LSH => a.checked_shl(src).unwrap_or(0),
                        RSH => a.checked_shr(src).unwrap_or(0),
                        _ => a.wrapping_neg(),
                    }
                }
                JMP => {
                    let taken = match p.code & 0xf0 {
                        JA => {
                            pc = pc.saturating_add(k as usize);
                            continue;
                        }
                        JEQ => a == src,
                        JGT => a > src,
                        JGE => a >= src,
                        _ => a & src != 0,
                    };
                    pc += usize::from(if taken { p.jt } else { p.jf });
                }
                RET => {
                    let v = if p.code == RET | A { a } else { k };
                    return v.min(wirelen);
                }
                _ => {
                    if p.code == MISC | TAX {
                        x = a;
                    } else {
                        a = x;
                    }
                }
            }
        }
        0
    }
}
