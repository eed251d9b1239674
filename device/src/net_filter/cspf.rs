//! The CMU/Stanford stack language (`NETF_*`), GNU Mach's original filter language.
//!
//! Each word is an operator in its top 6 bits and an argument in its low 10 bits
//! (values from GNU Mach's `net_status.h`). The argument is evaluated first and
//! yields one value: [`NETF_NOPUSH`] pops the stack, [`NETF_PUSHLIT`] takes the next
//! word, [`NETF_PUSHZERO`] is 0, `NETF_PUSHWORD + n` is word `n` of the packet,
//! `NETF_PUSHHDR + n` word `n` of the link header, `NETF_PUSHSTK + n` the `n`-th
//! value from the stack top, [`NETF_PUSHIND`] / [`NETF_PUSHHDRIND`] pop an index and
//! read that packet / header word. Then the operator: [`NETF_NOP`] pushes the value;
//! the binary operators replace the stack top `t` with `t op value`; the conditional
//! operators pop `t` and compare it with the value: [`NETF_COR`] accepts at once if
//! equal, [`NETF_CAND`] rejects at once if not equal, [`NETF_CNOR`] rejects if equal,
//! [`NETF_CNAND`] accepts if not equal. The stack starts holding one TRUE (1); the
//! packet is accepted if the top is non-zero at the end.
//!
//! Words are read in host order (i386: little-endian), as GNU Mach reads them from
//! memory. Comparisons are unsigned (C's `int` against `unsigned`); `NETF_RSH` is an
//! arithmetic shift and shift counts are taken modulo 32, as on i386.
//!
//! # Validation
//! Stricter than GNU Mach's `parse_net_filter`, which lets a program pop below the
//! stack bottom and read past it: we track the exact depth and refuse any program
//! that pops an empty stack, indexes below the bottom with `NETF_PUSHSTK`, or ends
//! empty. We also refuse the unassigned argument codes 3..=13, which GNU Mach accepts
//! but which make its interpreter reject every packet. The push limit is GNU Mach's:
//! at most `NET_FILTER_STACK_DEPTH - 1` values, counting the operand being built.
//! Reads past the packet make the filter reject, as in GNU Mach; header words past
//! the real header read as 0 (GNU Mach reads stale buffer bytes).

use alloc::vec::Vec;

use super::{FilterError, FilterWord, NETF_NBPA, NET_FILTER_STACK_DEPTH, NET_HDW_HDR_MAX};

/// Operator: push the value.
pub const NETF_NOP: u16 = 0 << NETF_NBPA;
/// Operator: `t == v`.
pub const NETF_EQ: u16 = 1 << NETF_NBPA;
/// Operator: `t < v`.
pub const NETF_LT: u16 = 2 << NETF_NBPA;
/// Operator: `t <= v`.
pub const NETF_LE: u16 = 3 << NETF_NBPA;
/// Operator: `t > v`.
pub const NETF_GT: u16 = 4 << NETF_NBPA;
/// Operator: `t >= v`.
pub const NETF_GE: u16 = 5 << NETF_NBPA;
/// Operator: `t & v`.
pub const NETF_AND: u16 = 6 << NETF_NBPA;
/// Operator: `t | v`.
pub const NETF_OR: u16 = 7 << NETF_NBPA;
/// Operator: `t ^ v`.
pub const NETF_XOR: u16 = 8 << NETF_NBPA;
/// Operator: pop `t`; accept now if `t == v`.
pub const NETF_COR: u16 = 9 << NETF_NBPA;
/// Operator: pop `t`; reject now if `t != v`.
pub const NETF_CAND: u16 = 10 << NETF_NBPA;
/// Operator: pop `t`; reject now if `t == v`.
pub const NETF_CNOR: u16 = 11 << NETF_NBPA;
/// Operator: pop `t`; accept now if `t != v`.
pub const NETF_CNAND: u16 = 12 << NETF_NBPA;
/// Operator: `t != v`.
pub const NETF_NEQ: u16 = 13 << NETF_NBPA;
/// Operator: `t << v`.
pub const NETF_LSH: u16 = 14 << NETF_NBPA;
/// Operator: `t >> v` (arithmetic).
pub const NETF_RSH: u16 = 15 << NETF_NBPA;
/// Operator: `t + v`.
pub const NETF_ADD: u16 = 16 << NETF_NBPA;
/// Operator: `t - v`.
pub const NETF_SUB: u16 = 17 << NETF_NBPA;

/// Argument: pop the value from the stack.
pub const NETF_NOPUSH: u16 = 0;
/// Argument: the next filter word.
pub const NETF_PUSHLIT: u16 = 1;
/// Argument: zero.
pub const NETF_PUSHZERO: u16 = 2;
/// Argument: packet word indexed by the popped stack top.
pub const NETF_PUSHIND: u16 = 14;
/// Argument: header word indexed by the popped stack top.
pub const NETF_PUSHHDRIND: u16 = 15;
/// Argument base: `NETF_PUSHWORD + n` is packet word `n` (0..=943).
pub const NETF_PUSHWORD: u16 = 16;
/// Argument base: `NETF_PUSHHDR + n` is header word `n` (0..=31).
pub const NETF_PUSHHDR: u16 = 960;
/// Argument base: `NETF_PUSHSTK + n` is the `n`-th stack value from the top (0..=31).
pub const NETF_PUSHSTK: u16 = 992;

/// Most values on the stack at once, operand being built included (GNU Mach's
/// `parse_net_filter` refuses a program once its stack index drops below 2).
const MAX_DEPTH: usize = NET_FILTER_STACK_DEPTH - 1;
const HEADER_WORDS: u32 = (NET_HDW_HDR_MAX / 2) as u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arg {
    Pop,
    Lit(u16),
    Zero,
    Ind,
    HdrInd,
    Word(u16),
    Hdr(u16),
    Stk(u16),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Push,
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Xor,
    Cor,
    Cand,
    Cnor,
    Cnand,
    Neq,
    Lsh,
    Rsh,
    Add,
    Sub,
}

impl Op {
    fn decode(code: u16) -> Option<Op> {
        const OPS: [Op; 18] = [
            Op::Push,
            Op::Eq,
            Op::Lt,
            Op::Le,
            Op::Gt,
            Op::Ge,
            Op::And,
            Op::Or,
            Op::Xor,
            Op::Cor,
            Op::Cand,
            Op::Cnor,
            Op::Cnand,
            Op::Neq,
            Op::Lsh,
            Op::Rsh,
            Op::Add,
            Op::Sub,
        ];
        OPS.get(usize::from(code)).copied()
    }

    const fn pops(self) -> bool {
        matches!(self, Op::Cor | Op::Cand | Op::Cnor | Op::Cnand)
    }
}

/// A validated CSPF program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CspfProgram {
    insns: Vec<(Arg, Op)>,
}

impl CspfProgram {
    /// Validate a whole filter array (word 0 = flags, not inspected here).
    ///
    /// # Errors
    /// The `Cspf*` variants of [`FilterError`], with the index of the offending word.
    pub fn validate(words: &[FilterWord]) -> Result<CspfProgram, FilterError> {
        let mut insns = Vec::new();
        let mut depth = 1usize; // the initial TRUE
        let mut i = 1;
        while i < words.len() {
            let at = i;
            let w = words[i];
            i += 1;
            let op = Op::decode(w >> NETF_NBPA).ok_or(FilterError::CspfBadOperator(at))?;
            let pop = |depth: &mut usize| -> Result<(), FilterError> {
                *depth = depth
                    .checked_sub(1)
                    .ok_or(FilterError::CspfStackUnderflow(at))?;
                Ok(())
            };
            let arg = match w & ((1 << NETF_NBPA) - 1) {
                NETF_NOPUSH => {
                    pop(&mut depth)?;
                    Arg::Pop
                }
                NETF_PUSHLIT => {
                    let lit = *words.get(i).ok_or(FilterError::CspfMissingLiteral(at))?;
                    i += 1;
                    Arg::Lit(lit)
                }
                NETF_PUSHZERO => Arg::Zero,
                NETF_PUSHIND => {
                    pop(&mut depth)?;
                    Arg::Ind
                }
                NETF_PUSHHDRIND => {
                    pop(&mut depth)?;
                    Arg::HdrInd
                }
                a if a >= NETF_PUSHSTK => {
                    let n = a - NETF_PUSHSTK;
                    if usize::from(n) >= depth {
                        return Err(FilterError::CspfBadStackIndex(at));
                    }
                    Arg::Stk(n)
                }
                a if a >= NETF_PUSHHDR => Arg::Hdr(a - NETF_PUSHHDR),
                a if a >= NETF_PUSHWORD => Arg::Word(a - NETF_PUSHWORD),
                _ => return Err(FilterError::CspfBadArgument(at)),
            };
            // The operand is now held alongside the stack.
            if depth + 1 > MAX_DEPTH {
                return Err(FilterError::CspfStackOverflow(at));
            }
            match op {
                Op::Push => depth += 1,
                _ if depth == 0 => return Err(FilterError::CspfStackUnderflow(at)),
                _ if op.pops() => depth -= 1,
                _ => {}
            }
            insns.push((arg, op));
        }
        if depth == 0 {
            return Err(FilterError::CspfStackUnderflow(words.len()));
        }
        Ok(CspfProgram { insns })
    }

    /// Run over a link `header` and a `packet` (packet header + payload): true to
    /// accept.
    pub fn run(&self, header: &[u8], packet: &[u8]) -> bool {
        let data_words = (packet.len() / 2) as u32;
        let word = |buf: &[u8], n: u32| -> u32 {
            let at = n as usize * 2;
            buf.get(at..at + 2)
                .map_or(0, |b| u32::from(u16::from_le_bytes([b[0], b[1]])))
        };
        let mut stack = Stack::new();
        for &(arg, op) in &self.insns {
            let value = match arg {
                Arg::Pop => match stack.pop() {
                    Some(v) => v,
                    None => return false,
                },
                Arg::Lit(v) => u32::from(v),
                Arg::Zero => 0,
                Arg::Ind => match stack.pop() {
                    Some(n) if n < data_words => word(packet, n),
                    _ => return false,
                },
                Arg::HdrInd => match stack.pop() {
                    Some(n) if n < HEADER_WORDS => word(header, n),
                    _ => return false,
                },
                Arg::Word(n) if u32::from(n) < data_words => word(packet, u32::from(n)),
                Arg::Word(_) => return false,
                Arg::Hdr(n) => word(header, u32::from(n)),
                Arg::Stk(n) => match stack.peek(usize::from(n)) {
                    Some(v) => v,
                    None => return false,
                },
            };
            if op == Op::Push {
                if !stack.push(value) {
                    return false;
                }
                continue;
            }
            if op.pops() {
                let Some(t) = stack.pop() else { return false };
                match op {
                    Op::Cor if t == value => return true,
                    Op::Cand if t != value => return false,
                    Op::Cnor if t == value => return false,
                    Op::Cnand if t != value => return true,
                    _ => continue,
                }
            }
            let Some(t) = stack.top_mut() else {
                return false;
            };
            *t = match op {
                Op::Eq => u32::from(*t == value),
                Op::Neq => u32::from(*t != value),
                Op::Lt => u32::from(*t < value),
                Op::Le => u32::from(*t <= value),
                Op::Gt => u32::from(*t > value),
                Op::Ge => u32::from(*t >= value),
                Op::And => *t & value,
                Op::Or => *t | value,
                Op::Xor => *t ^ value,
                Op::Lsh => t.wrapping_shl(value),
                Op::Rsh => ((*t as i32) >> (value & 31)) as u32,
                Op::Add => t.wrapping_add(value),
                Op::Sub => t.wrapping_sub(value),
                _ => *t,
            };
        }
        stack.peek(0).is_some_and(|v| v != 0)
    }
}

/// Fixed-size evaluation stack; every access is checked even though validation
/// already proved it in bounds.
struct Stack {
    values: [u32; NET_FILTER_STACK_DEPTH],
    len: usize,
}

impl Stack {
    fn new() -> Stack {
        let mut s = Stack {
            values: [0; NET_FILTER_STACK_DEPTH],
            len: 0,
        };
        s.push(1);
        s
    }

    fn push(&mut self, v: u32) -> bool {
        match self.values.get_mut(self.len) {
            Some(slot) => {
                *slot = v;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn pop(&mut self) -> Option<u32> {
        self.len = self.len.checked_sub(1)?;
        Some(self.values[self.len])
    }

    fn peek(&self, n: usize) -> Option<u32> {
        let i = self.len.checked_sub(n + 1)?;
        Some(self.values[i])
    }

    fn top_mut(&mut self) -> Option<&mut u32> {
        let i = self.len.checked_sub(1)?;
        self.values.get_mut(i)
    }
}
