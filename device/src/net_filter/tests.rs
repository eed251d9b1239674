use alloc::vec;
use alloc::vec::Vec;

use super::bpf::{op::*, to_filter_words, Insn};
use super::cspf::*;
use super::*;
use crate::codes::D_INVALID_OPERATION;

/// `htons` as an i386 client computes it.
fn htons(x: u16) -> u16 {
    x.swap_bytes()
}

const IP: u16 = 0x0800;
const ARP: u16 = 0x0806;

fn frame(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An IPv4/UDP datagram (20-byte IP header, 8-byte UDP header, `data`).
fn udp(dst_port: u16, data: &[u8]) -> Vec<u8> {
    let mut p = vec![
        0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ];
    p.extend_from_slice(&1234u16.to_be_bytes());
    p.extend_from_slice(&dst_port.to_be_bytes());
    p.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(data);
    p
}

fn rcv(f: &[u8]) -> NetRcv {
    NetRcv::from_ethernet(f).unwrap()
}

fn run(words: &[u16], f: &[u8]) -> Option<usize> {
    let filter = Filter::parse(words).unwrap();
    let r = rcv(f);
    filter.run(&r.as_packet())
}

#[test]
fn constants_match_gnumach() {
    assert_eq!(NETF_BPF, 0x400);
    assert_eq!(NETF_TYPE_MASK, 0xFC00);
    assert_eq!((NETF_IN, NETF_OUT), (1, 2));
    assert_eq!(NET_MAX_FILTER, 512);
    assert_eq!(NET_FILTER_STACK_DEPTH, 32);
    assert_eq!((NETF_PUSHWORD, NETF_PUSHHDR, NETF_PUSHSTK), (16, 960, 992));
    assert_eq!(
        (NETF_EQ, NETF_CAND, NETF_SUB),
        (1 << 10, 10 << 10, 17 << 10)
    );
    assert_eq!(NET_HI_PRI, 100);
}

#[test]
fn net_rcv_layout_follows_gnumach_glue() {
    let f = frame(IP, &[1, 2, 3]);
    let r = rcv(&f);
    assert_eq!(&r.header[..14], &f[..14]);
    assert_eq!(r.header_len, 14);
    // length = payload + 4 in host order, type as on the wire, then the payload.
    assert_eq!(r.packet, vec![7, 0, 0x08, 0x00, 1, 2, 3]);
    assert_eq!(r.as_packet().payload(), &[1, 2, 3]);
    assert!(NetRcv::from_ethernet(&f[..13]).is_none());
    assert!(NetRcv::from_ethernet(&vec![0; 14 + NET_RCV_MAX]).is_none());
}

#[test]
fn header_word_errors() {
    assert_eq!(Filter::parse(&[]), Err(FilterError::Empty));
    assert_eq!(Filter::parse(&[0]), Err(FilterError::NoDirection));
    assert_eq!(
        Filter::parse(&[NETF_IN | 0x800]),
        Err(FilterError::UnknownType)
    );
    assert_eq!(
        Filter::parse(&vec![NETF_IN; NET_MAX_FILTER + 1]),
        Err(FilterError::TooLong)
    );
    assert_eq!(FilterError::TooLong.code(), D_INVALID_OPERATION);
    assert_eq!(
        crate::codes::DeviceError::from(FilterError::Empty),
        crate::codes::DeviceError::InvalidOperation
    );
    let f = Filter::parse(&[NETF_IN | NETF_OUT]).unwrap();
    assert!(f.applies_to(Direction::In) && f.applies_to(Direction::Out));
    let f = Filter::parse(&[NETF_OUT]).unwrap();
    assert!(!f.applies_to(Direction::In) && f.applies_to(Direction::Out));
}

#[test]
fn cspf_empty_program_accepts_everything() {
    let f = frame(ARP, &[0; 28]);
    assert_eq!(run(&[NETF_IN], &f), Some(32));
}

#[test]
fn cspf_ethertype_from_packet_header_or_link_header() {
    let by_packet = [
        NETF_IN,
        NETF_PUSHWORD + 1,
        NETF_PUSHLIT | NETF_EQ,
        htons(IP),
    ];
    let by_header = [NETF_IN, NETF_PUSHHDR + 6, NETF_PUSHLIT | NETF_EQ, htons(IP)];
    let ip = frame(IP, &udp(53, b"q"));
    let arp = frame(ARP, &[0; 28]);
    for w in [&by_packet[..], &by_header[..]] {
        assert_eq!(run(w, &ip), Some(4 + ip.len() - 14));
        assert_eq!(run(w, &arp), None);
    }
}

#[test]
fn cspf_conditional_chain_for_udp_port() {
    // type == IP && proto == UDP && dst port == 53, with CAND short-circuits.
    let w = [
        NETF_IN,
        NETF_PUSHWORD + 1,
        NETF_PUSHLIT | NETF_CAND,
        htons(IP),
        NETF_PUSHWORD + 6, // payload bytes 8..10: ttl, proto
        NETF_PUSHLIT | NETF_AND,
        htons(0x00ff),
        NETF_PUSHLIT | NETF_CAND,
        htons(17),
        NETF_PUSHWORD + 13, // payload bytes 22..24: UDP destination port
        NETF_PUSHLIT | NETF_CAND,
        htons(53),
    ];
    assert!(run(&w, &frame(IP, &udp(53, b"abc"))).is_some());
    assert!(run(&w, &frame(IP, &udp(54, b"abc"))).is_none());
    let mut tcp = udp(53, b"abc");
    tcp[9] = 6;
    assert!(run(&w, &frame(IP, &tcp)).is_none());
    assert!(run(&w, &frame(ARP, &udp(53, b"abc"))).is_none());
}

#[test]
fn cspf_cor_accepts_early_and_cnand_cnor() {
    let ip_or_arp = [
        NETF_IN,
        NETF_PUSHWORD + 1,
        NETF_PUSHLIT | NETF_COR,
        htons(IP),
        NETF_PUSHWORD + 1,
        NETF_PUSHLIT | NETF_COR,
        htons(ARP),
        NETF_PUSHZERO | NETF_NOP, // neither: leave FALSE on top
    ];
    assert!(run(&ip_or_arp, &frame(IP, &[0; 20])).is_some());
    assert!(run(&ip_or_arp, &frame(ARP, &[0; 20])).is_some());
    assert!(run(&ip_or_arp, &frame(0x86DD, &[0; 20])).is_none());
    // CNOR rejects on equality, CNAND accepts on inequality.
    let not_ip = [
        NETF_IN,
        NETF_PUSHWORD + 1,
        NETF_PUSHLIT | NETF_CNOR,
        htons(IP),
    ];
    assert!(run(&not_ip, &frame(IP, &[0; 20])).is_none());
    assert!(run(&not_ip, &frame(ARP, &[0; 20])).is_some());
    let cnand = [
        NETF_IN,
        NETF_PUSHWORD + 1,
        NETF_PUSHLIT | NETF_CNAND,
        htons(IP),
        NETF_PUSHZERO | NETF_NOP,
    ];
    assert!(run(&cnand, &frame(ARP, &[0; 20])).is_some());
    assert!(run(&cnand, &frame(IP, &[0; 20])).is_none());
}

#[test]
fn cspf_arithmetic_is_unsigned_and_stack_ops_work() {
    let f = frame(IP, &[0; 20]);
    // 0xffff > 1 unsigned.
    assert!(run(
        &[
            NETF_IN,
            NETF_PUSHLIT | NETF_NOP,
            0xffff,
            NETF_PUSHLIT | NETF_GT,
            1
        ],
        &f
    )
    .is_some());
    // 0 - 1 wraps to 0xffffffff, which is > 5.
    let w = [
        NETF_IN,
        NETF_PUSHZERO | NETF_NOP,
        NETF_PUSHLIT | NETF_SUB,
        1,
        NETF_PUSHLIT | NETF_GT,
        5,
    ];
    assert!(run(&w, &f).is_some());
    // 3 << 2 == 12, 12 >> 1 == 6, 6 + 1 - 7 == 0 => reject.
    let w = [
        NETF_IN,
        NETF_PUSHLIT | NETF_NOP,
        3,
        NETF_PUSHLIT | NETF_LSH,
        2,
        NETF_PUSHLIT | NETF_RSH,
        1,
        NETF_PUSHLIT | NETF_ADD,
        1,
        NETF_PUSHLIT | NETF_SUB,
        7,
    ];
    assert!(run(&w, &f).is_none());
    // PUSHSTK duplicates the top; NOPUSH|EQ compares the two top values.
    let w = [
        NETF_IN,
        NETF_PUSHWORD + 1,
        NETF_PUSHSTK | NETF_NOP,
        NETF_NOPUSH | NETF_EQ,
    ];
    assert!(run(&w, &f).is_some());
    // XOR of a value with itself is 0; OR with 0 stays 0.
    let w = [
        NETF_IN,
        NETF_PUSHWORD + 1,
        NETF_PUSHSTK | NETF_XOR,
        NETF_PUSHZERO | NETF_OR,
    ];
    assert!(run(&w, &f).is_none());
    // NEQ, LE, GE, LT.
    let w = [
        NETF_IN,
        NETF_PUSHLIT | NETF_NOP,
        5,
        NETF_PUSHLIT | NETF_NEQ,
        4,
    ];
    assert!(run(&w, &f).is_some());
    for (op, expect) in [(NETF_LE, true), (NETF_GE, false), (NETF_LT, true)] {
        let w = [NETF_IN, NETF_PUSHLIT | NETF_NOP, 5, NETF_PUSHLIT | op, 6];
        assert_eq!(run(&w, &f).is_some(), expect);
    }
}

#[test]
fn cspf_reads_past_the_packet_reject() {
    let f = frame(IP, &[0xAB; 10]); // packet: 4 + 10 bytes = 7 words
    assert!(run(&[NETF_IN, NETF_PUSHWORD + 6, NETF_PUSHZERO | NETF_GE], &f).is_some());
    assert!(run(&[NETF_IN, NETF_PUSHWORD + 7, NETF_PUSHZERO | NETF_GE], &f).is_none());
    assert!(run(&[NETF_IN, NETF_PUSHWORD + 943, NETF_PUSHZERO | NETF_GE], &f).is_none());
    // PUSHIND: index from the stack.
    let w = |i: u16| {
        [
            NETF_IN,
            NETF_PUSHLIT | NETF_NOP,
            i,
            NETF_PUSHIND | NETF_NOP,
            NETF_PUSHLIT | NETF_EQ,
            0xABAB,
        ]
    };
    assert!(run(&w(6), &f).is_some());
    assert!(run(&w(7), &f).is_none());
    // PUSHHDRIND: header word 6 is the type; index 32 is past the header buffer.
    let w = |i: u16| {
        [
            NETF_IN,
            NETF_PUSHLIT | NETF_NOP,
            i,
            NETF_PUSHHDRIND | NETF_NOP,
            NETF_PUSHLIT | NETF_EQ,
            htons(IP),
        ]
    };
    assert!(run(&w(6), &f).is_some());
    assert!(run(&w(32), &f).is_none());
    // Header words past the real header read as zero.
    assert!(run(&[NETF_IN, NETF_PUSHHDR + 31, NETF_PUSHZERO | NETF_EQ], &f).is_some());
}

#[test]
fn cspf_validation_refuses_bad_programs() {
    use FilterError::*;
    let cases: &[(&[u16], FilterError)] = &[
        // Pops the initial TRUE, then AND has nothing to work on.
        (&[NETF_IN, NETF_NOPUSH | NETF_AND], CspfStackUnderflow(1)),
        // Pops the only value: nothing left at the end.
        (&[NETF_IN, NETF_PUSHZERO | NETF_CAND], CspfStackUnderflow(2)),
        (
            &[
                NETF_IN,
                NETF_NOPUSH | NETF_NOP,
                NETF_NOPUSH | NETF_NOP,
                NETF_NOPUSH | NETF_COR,
            ],
            CspfStackUnderflow(3),
        ),
        (&[NETF_IN, NETF_PUSHIND | NETF_CAND], CspfStackUnderflow(1)),
        (&[NETF_IN, NETF_PUSHLIT | NETF_EQ], CspfMissingLiteral(1)),
        (&[NETF_IN, (18 << 10) | NETF_PUSHZERO], CspfBadOperator(1)),
        (&[NETF_IN, (63 << 10) | NETF_PUSHZERO], CspfBadOperator(1)),
        (&[NETF_IN, 3 | NETF_EQ], CspfBadArgument(1)),
        (&[NETF_IN, 13 | NETF_NOP], CspfBadArgument(1)),
        (
            &[NETF_IN, (NETF_PUSHSTK + 1) | NETF_NOP],
            CspfBadStackIndex(1),
        ),
        (
            &[
                NETF_IN,
                NETF_PUSHZERO | NETF_NOP,
                (NETF_PUSHSTK + 2) | NETF_EQ,
            ],
            CspfBadStackIndex(2),
        ),
    ];
    for (w, e) in cases {
        assert_eq!(Filter::parse(w), Err(*e), "{:x?}", w);
    }
    // Pop-then-push is fine; so is consuming pushed values down to the initial TRUE.
    assert!(Filter::parse(&[NETF_IN, NETF_NOPUSH | NETF_NOP]).is_ok());
    assert!(Filter::parse(&[NETF_IN, NETF_PUSHZERO | NETF_NOP, NETF_PUSHZERO | NETF_CAND]).is_ok());
    // ... but not below it.
    assert_eq!(
        Filter::parse(&[
            NETF_IN,
            NETF_PUSHZERO | NETF_NOP,
            NETF_NOPUSH | NETF_AND,
            NETF_PUSHZERO | NETF_CAND
        ]),
        Err(FilterError::CspfStackUnderflow(4))
    );
}

#[test]
fn cspf_stack_depth_limit() {
    let pushes = |n: usize| {
        let mut w = vec![NETF_IN];
        w.extend(core::iter::repeat_n(NETF_PUSHZERO | NETF_NOP, n));
        w
    };
    assert!(Filter::parse(&pushes(30)).is_ok());
    assert_eq!(
        Filter::parse(&pushes(31)),
        Err(FilterError::CspfStackOverflow(31))
    );
    // A full stack still runs (the last push is the result: zero => reject).
    assert_eq!(run(&pushes(30), &frame(IP, &[0; 4])), None);
    // The operand of a binary op counts too: 30 pushes then a push-operand EQ is fine
    // (depth 31 transient), but only because it is not kept.
    let mut w = pushes(29);
    w.push(NETF_PUSHZERO | NETF_EQ);
    assert!(Filter::parse(&w).is_ok());
    let mut w = pushes(30);
    w.push(NETF_PUSHZERO | NETF_EQ);
    assert_eq!(Filter::parse(&w), Err(FilterError::CspfStackOverflow(31)));
}

fn bpf_words(prog: &[Insn]) -> Vec<u16> {
    to_filter_words(NETF_BPF | NETF_IN, prog)
}

/// `ip and udp dst port 53`, accepting `snap` bytes.
fn dns_filter(snap: u32) -> Vec<Insn> {
    vec![
        Insn::stmt(LD | H | ABS, 12),
        Insn::jump(JMP | JEQ | K, 0x0800, 0, 6),
        Insn::stmt(LD | B | ABS, 23),
        Insn::jump(JMP | JEQ | K, 17, 0, 4),
        Insn::stmt(LDX | B | MSH, 14),
        Insn::stmt(LD | H | IND, 16),
        Insn::jump(JMP | JEQ | K, 53, 0, 1),
        Insn::stmt(RET | K, snap),
        Insn::stmt(RET | K, 0),
    ]
}

#[test]
fn bpf_word_layout_is_i386_struct_bpf_insn() {
    let i = Insn::jump(0x15, 0x1234_5678, 1, 2);
    assert_eq!(i.to_words(), [0x15, 0x0201, 0x5678, 0x1234]);
    let w = bpf_words(&[Insn::stmt(RET | K, 0x0001_0000)]);
    assert_eq!(w, vec![NETF_BPF | NETF_IN, 0, 0, 0, 0x06, 0, 0, 1]);
    match Filter::parse(&w).unwrap().program() {
        Program::Bpf(p) => assert_eq!(p.insns(), &[Insn::stmt(RET | K, 0x10000)]),
        p => panic!("{:?}", p),
    }
}

#[test]
fn bpf_udp_port_filter() {
    let w = bpf_words(&dns_filter(0x40000));
    let dns = frame(IP, &udp(53, b"hello"));
    let payload_len = dns.len() - 14;
    assert_eq!(run(&w, &dns), Some(payload_len + 4));
    assert_eq!(run(&w, &frame(IP, &udp(80, b"hello"))), None);
    assert_eq!(run(&w, &frame(ARP, &udp(53, b"hello"))), None);
    // Snap length: return 20 => 20 payload bytes plus the packet header.
    let w = bpf_words(&dns_filter(20));
    assert_eq!(run(&w, &dns), Some(24));
    // A truncated frame makes the load fail: reject.
    let short = frame(IP, &udp(53, b"")[..21]);
    assert_eq!(run(&w, &short), None);
}

#[test]
fn bpf_len_alu_mem_and_straddling_loads() {
    let f = frame(IP, &[0x11, 0x22, 0x33, 0x44, 0x55]);
    // A = len (payload, 5); mem[3] = A; A = A * 10 + mem[3] => 55.
    let prog = [
        Insn::stmt(LD | W | LEN, 0),
        Insn::stmt(ST, 3),
        Insn::stmt(ALU | MUL | K, 10),
        Insn::stmt(LDX | MEM, 3),
        Insn::stmt(ALU | ADD | X, 0),
        Insn::jump(JMP | JEQ | K, 55, 0, 1),
        Insn::stmt(RET | A, 0),
        Insn::stmt(RET | K, 0),
    ];
    // RET A = 55, clipped to the 5-byte payload.
    assert_eq!(run(&bpf_words(&prog), &f), Some(5 + 4));
    // A word load across the header/payload boundary: type (0x0800) + 0x1122.
    let prog = [
        Insn::stmt(LD | W | ABS, 12),
        Insn::jump(JMP | JEQ | K, 0x0800_1122, 0, 1),
        Insn::stmt(RET | K, 1),
        Insn::stmt(RET | K, 0),
    ];
    assert_eq!(run(&bpf_words(&prog), &f), Some(5));
    // Loads at the last byte work; one past fails.
    let at = |k: u32| [Insn::stmt(LD | B | ABS, k), Insn::stmt(RET | K, 1)];
    assert_eq!(run(&bpf_words(&at(18)), &f), Some(5));
    assert_eq!(run(&bpf_words(&at(19)), &f), None);
    // Indirect load with a wrapping X + k: byte 1 of the header (0xff), as RET A,
    // clipped to the 5-byte payload.
    let prog = [
        Insn::stmt(LDX | IMM, u32::MAX),
        Insn::stmt(LD | B | IND, 2),
        Insn::stmt(RET | A, 0),
    ];
    assert_eq!(run(&bpf_words(&prog), &f), Some(4 + 5));
    let prog = [
        Insn::stmt(LDX | IMM, u32::MAX),
        Insn::stmt(LD | B | IND, 2),
        Insn::jump(JMP | JEQ | K, 0xff, 0, 1),
        Insn::stmt(RET | K, 1),
        Insn::stmt(RET | K, 0),
    ];
    assert_eq!(run(&bpf_words(&prog), &f), Some(4 + 1));
    // Division by X = 0 at run time rejects.
    let prog = [
        Insn::stmt(LD | IMM, 8),
        Insn::stmt(ALU | DIV | X, 0),
        Insn::stmt(RET | K, 1),
    ];
    assert_eq!(run(&bpf_words(&prog), &f), None);
    // Shifts by X >= 32 give 0, NEG, TAX/TXA, JSET, JGT/JGE with X, JA.
    let prog = [
        Insn::stmt(LD | IMM, 1),
        Insn::stmt(LDX | IMM, 40),
        Insn::stmt(ALU | LSH | X, 0), // A = 0
        Insn::stmt(ALU | NEG, 0),     // A = 0
        Insn::stmt(ALU | OR | K, 6),  // A = 6
        Insn::stmt(MISC | TAX, 0),    // X = 6
        Insn::stmt(ALU | XOR | K, 3), // A = 5
        Insn::jump(JMP | JGT | X, 0, 5, 0),
        Insn::jump(JMP | JGE | X, 0, 4, 0),
        Insn::jump(JMP | JSET | K, 2, 0, 3),
        Insn::stmt(MISC | TXA, 0), // A = 6
        Insn::stmt(JMP | JA, 1),
        Insn::stmt(RET | K, 0),
        Insn::stmt(RET | A, 0),
        Insn::stmt(RET | K, 0),
    ];
    // 5 > 6 no; 5 >= 6 no; 5 & 2 == 0 => jf 3 -> index 13: RET A = 5.
    assert_eq!(run(&bpf_words(&prog), &f), Some(5 + 4));
}

#[test]
fn bpf_validation_refuses_bad_programs() {
    use FilterError::*;
    let ret = Insn::stmt(RET | K, 1);
    let cases: &[(Vec<Insn>, FilterError)] = &[
        (vec![], BpfTooShort),
        (
            vec![Insn::jump(JMP | JEQ | K, 0, 1, 0), ret],
            BpfJumpOutOfRange(1),
        ),
        (
            vec![Insn::jump(JMP | JEQ | K, 0, 0, 5), ret],
            BpfJumpOutOfRange(1),
        ),
        (vec![Insn::stmt(JMP | JA, 1), ret], BpfJumpOutOfRange(1)),
        (
            vec![Insn::stmt(JMP | JA, u32::MAX), ret],
            BpfJumpOutOfRange(1),
        ),
        (vec![Insn::stmt(LD | IMM, 0)], BpfNoFinalRet),
        (vec![ret, Insn::stmt(LD | IMM, 0)], BpfNoFinalRet),
        (vec![Insn::stmt(0xff, 0), ret], BpfBadOpcode(1)),
        (vec![Insn::stmt(RET | X, 0)], BpfBadOpcode(1)),
        (vec![Insn::stmt(LD | W | MSH, 0), ret], BpfBadOpcode(1)),
        (vec![Insn::stmt(ALU | NEG | X, 0), ret], BpfBadOpcode(1)),
        (vec![Insn::stmt(JMP | JA | X, 0), ret], BpfBadOpcode(1)),
        (vec![Insn::stmt(0x100 | RET, 0)], BpfBadOpcode(1)),
        (vec![Insn::stmt(ST, 16), ret], BpfBadMemIndex(1)),
        (vec![Insn::stmt(STX, 99), ret], BpfBadMemIndex(1)),
        (vec![Insn::stmt(LD | MEM, 16), ret], BpfBadMemIndex(1)),
        (vec![Insn::stmt(LDX | MEM, 16), ret], BpfBadMemIndex(1)),
        (vec![Insn::stmt(ALU | DIV | K, 0), ret], BpfDivByZero(1)),
        (vec![Insn::stmt(ALU | MOD | K, 0), ret], BpfDivByZero(1)),
        (
            vec![Insn::stmt(ALU | LSH | K, 32), ret],
            BpfShiftTooLarge(1),
        ),
        (
            vec![Insn::stmt(RET | MATCH_IMM, 1), Insn::stmt(MISC | KEY, 0)],
            BpfMatchUnsupported(1),
        ),
    ];
    for (prog, e) in cases {
        assert_eq!(Filter::parse(&bpf_words(prog)), Err(*e), "{:?}", prog);
    }
    // A jump to the last instruction is fine; RSH by 32 is allowed (gives 0).
    assert!(Filter::parse(&bpf_words(&[Insn::jump(JMP | JEQ | K, 0, 0, 0), ret])).is_ok());
    assert!(Filter::parse(&bpf_words(&[Insn::stmt(ALU | RSH | K, 40), ret])).is_ok());
    // Trailing words that do not fill an instruction are ignored (GNU Mach does too).
    let mut w = bpf_words(&[ret]);
    w.extend([0xdead, 0xbeef]);
    assert!(Filter::parse(&w).is_ok());
    // The longest program that fits NET_MAX_FILTER words.
    let mut prog = vec![Insn::stmt(LD | IMM, 0); NET_MAX_FILTER / 4 - 2];
    prog.push(ret);
    assert!(Filter::parse(&bpf_words(&prog)).is_ok());
    prog.insert(0, Insn::stmt(LD | IMM, 0));
    assert_eq!(Filter::parse(&bpf_words(&prog)), Err(FilterError::TooLong));
}

#[test]
fn bpf_needs_a_packet_header_and_payload() {
    let f = Filter::parse(&bpf_words(&[Insn::stmt(RET | K, u32::MAX)])).unwrap();
    let hdr = [0u8; 14];
    assert_eq!(
        f.run(&Packet {
            header: &hdr,
            packet: &[1, 0, 0]
        }),
        None
    );
    // Empty payload: the return value clips to 0, so nothing is delivered.
    assert_eq!(
        f.run(&Packet {
            header: &hdr,
            packet: &[4, 0, 8, 0]
        }),
        None
    );
    assert_eq!(
        f.run(&Packet {
            header: &hdr,
            packet: &[5, 0, 8, 0, 9]
        }),
        Some(5)
    );
}

fn accept_all() -> Vec<u16> {
    vec![NETF_IN]
}

fn ip_only() -> Vec<u16> {
    vec![
        NETF_IN,
        NETF_PUSHWORD + 1,
        NETF_PUSHLIT | NETF_EQ,
        htons(IP),
    ]
}

#[test]
fn filter_set_priority_order_and_high_priority_stop() {
    let mut s: FilterSet<&str, u32> = FilterSet::new(InsertOrder::Priority);
    s.set_filter("low", 0, &accept_all(), 10).unwrap();
    s.set_filter("hi-ip", NET_HI_PRI, &ip_only(), 10).unwrap();
    s.set_filter("mid", 50, &accept_all(), 10).unwrap();
    s.set_filter("mid2", 50, &accept_all(), 10).unwrap();
    assert_eq!(
        s.ids().copied().collect::<Vec<_>>(),
        vec!["hi-ip", "mid", "mid2", "low"]
    );
    let ip = rcv(&frame(IP, &[0; 20]));
    let ids = |v: Vec<(&'static str, usize)>| v.into_iter().map(|(i, _)| i).collect::<Vec<_>>();
    // The high-priority filter takes IP packets for itself.
    assert_eq!(
        ids(s.matches(&ip.as_packet(), Direction::In)),
        vec!["hi-ip"]
    );
    // Everything else goes to every accepting filter.
    let arp = rcv(&frame(ARP, &[0; 28]));
    assert_eq!(
        ids(s.matches(&arp.as_packet(), Direction::In)),
        vec!["mid", "mid2", "low"]
    );
    // No filter is for outgoing packets.
    assert!(s.matches(&arp.as_packet(), Direction::Out).is_empty());
}

#[test]
fn filter_set_gnumach_tail_order() {
    let mut s: FilterSet<u32, ()> = FilterSet::new(InsertOrder::GnuMachTail);
    s.set_filter(1, 0, &accept_all(), 10).unwrap();
    s.set_filter(2, NET_HI_PRI, &ip_only(), 10).unwrap();
    s.set_filter(3, 50, &accept_all(), 10).unwrap();
    assert_eq!(s.ids().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
    let ip = rcv(&frame(IP, &[0; 20]));
    let got: Vec<u32> = s
        .matches(&ip.as_packet(), Direction::In)
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    assert_eq!(got, vec![1, 2]);
}

#[test]
fn filter_set_queues_drop_when_full() {
    let mut s: FilterSet<u8, usize> = FilterSet::new(InsertOrder::Priority);
    s.set_filter(1, 0, &accept_all(), 2).unwrap();
    s.set_filter(2, 0, &ip_only(), 5).unwrap();
    let mut n = 0;
    for _ in 0..3 {
        let ip = rcv(&frame(IP, &[0; 20]));
        let d = s.deliver(&ip.as_packet(), Direction::In, |_, bytes| {
            n += 1;
            n * 1000 + bytes
        });
        assert_eq!(d.len(), 2);
    }
    assert_eq!(s.queued(&1), 2);
    assert_eq!(s.dropped(&1), 1);
    assert_eq!(s.accepted(&1), 3);
    assert_eq!(s.queued(&2), 3);
    assert_eq!(s.dropped(&2), 0);
    // FIFO: the first item queued for filter 1 came first.
    assert_eq!(s.pop(&1), Some(1024));
    assert_eq!(s.pop(&1), Some(3024));
    assert_eq!(s.pop(&1), None);
    // The third delivery to 1 was reported as not queued.
    let ip = rcv(&frame(IP, &[0; 20]));
    s.deliver(&ip.as_packet(), Direction::In, |_, b| b);
    s.deliver(&ip.as_packet(), Direction::In, |_, b| b);
    let d = s.deliver(&ip.as_packet(), Direction::In, |_, b| b);
    assert_eq!(
        d[0],
        Delivery {
            id: 1,
            bytes: 24,
            queued: false
        }
    );
    assert_eq!(s.dropped(&1), 2);
    // Queue limit 0: every copy is dropped, but the filter still accepted it.
    s.set_filter(3, 0, &accept_all(), 0).unwrap();
    let d = s.deliver(&ip.as_packet(), Direction::In, |_, b| b);
    assert_eq!(
        d.last().unwrap(),
        &Delivery {
            id: 3,
            bytes: 24,
            queued: false
        }
    );
}

#[test]
fn high_priority_stop_happens_even_when_its_queue_is_full() {
    let mut s: FilterSet<u8, ()> = FilterSet::new(InsertOrder::Priority);
    s.set_filter(1, NET_HI_PRI, &accept_all(), 0).unwrap();
    s.set_filter(2, 0, &accept_all(), 10).unwrap();
    let ip = rcv(&frame(IP, &[0; 20]));
    let d = s.deliver(&ip.as_packet(), Direction::In, |_, _| ());
    assert_eq!(
        d,
        vec![Delivery {
            id: 1,
            bytes: 24,
            queued: false
        }]
    );
    assert_eq!(s.queued(&2), 0);
}

#[test]
fn filter_set_tells_which_directions_are_watched() {
    let mut s: FilterSet<u8, u8> = FilterSet::new(InsertOrder::Priority);
    assert!(!s.wants(Direction::In) && !s.wants(Direction::Out));
    s.set_filter(1, 0, &[NETF_IN], 4).unwrap();
    assert!(s.wants(Direction::In) && !s.wants(Direction::Out));
    s.set_filter(2, 0, &[NETF_OUT], 4).unwrap();
    assert!(s.wants(Direction::Out));
    s.remove(&2);
    assert!(!s.wants(Direction::Out));
}

#[test]
fn filter_set_replace_remove_and_refuse() {
    let mut s: FilterSet<u8, u8> = FilterSet::new(InsertOrder::Priority);
    s.set_filter(1, 0, &accept_all(), 4).unwrap();
    s.set_filter(2, 10, &[NETF_OUT], 4).unwrap();
    let arp = rcv(&frame(ARP, &[0; 28]));
    s.deliver(&arp.as_packet(), Direction::In, |_, _| 7);
    // Direction: only filter 2 sees outgoing packets.
    let d = s.deliver(&arp.as_packet(), Direction::Out, |_, _| 9);
    assert_eq!(d.iter().map(|d| d.id).collect::<Vec<_>>(), vec![2]);
    // Replacing filter 1 (now IP-only, higher priority) keeps its queue.
    s.set_filter(1, 20, &ip_only(), 4).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s.ids().copied().collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(s.queued(&1), 1);
    assert!(s
        .deliver(&arp.as_packet(), Direction::In, |_, _| 0)
        .is_empty());
    // An invalid program is refused and changes nothing.
    assert_eq!(
        s.set_filter(1, 0, &[NETF_IN, NETF_NOPUSH | NETF_AND], 4),
        Err(FilterError::CspfStackUnderflow(1))
    );
    assert_eq!(s.queued(&1), 1);
    assert_eq!(s.remove(&1).map(|q| q.len()), Some(1));
    assert_eq!(s.remove(&1), None);
    assert_eq!(s.len(), 1);
    assert!(!s.is_empty());
    assert_eq!(
        (s.queued(&9), s.dropped(&9), s.accepted(&9), s.pop(&9)),
        (0, 0, 0, None)
    );
}

/// xorshift64*: a small deterministic generator for the robustness tests.
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
}

fn random_frame(rng: &mut Rng) -> Vec<u8> {
    let len = 14 + rng.below(120) as usize;
    (0..len).map(|_| rng.next() as u8).collect()
}

#[test]
fn random_cspf_programs_validate_or_refuse_and_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let args = [
        NETF_NOPUSH,
        NETF_PUSHLIT,
        NETF_PUSHZERO,
        NETF_PUSHIND,
        NETF_PUSHHDRIND,
        5,
    ];
    let mut valid = 0;
    for _ in 0..20_000 {
        let mut w = vec![NETF_IN];
        for _ in 0..rng.below(12) {
            let op = (rng.below(19) as u16) << NETF_NBPA;
            let arg = match rng.below(4) {
                0 => NETF_PUSHWORD + rng.below(40) as u16,
                1 => NETF_PUSHHDR + rng.below(32) as u16,
                2 => NETF_PUSHSTK + rng.below(4) as u16,
                _ => args[rng.below(args.len() as u64) as usize],
            };
            w.push(op | arg);
            if arg == NETF_PUSHLIT && rng.below(8) != 0 {
                w.push(rng.next() as u16);
            }
        }
        if let Ok(f) = Filter::parse(&w) {
            valid += 1;
            for _ in 0..4 {
                let r = rcv(&random_frame(&mut rng));
                if let Some(n) = f.run(&r.as_packet()) {
                    assert_eq!(n, r.packet.len());
                }
            }
        }
    }
    assert!(valid > 2_000, "only {} valid programs", valid);
}

#[test]
fn random_bpf_programs_validate_or_refuse_and_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let codes: &[u16] = &[
        LD | W | ABS,
        LD | H | ABS,
        LD | B | ABS,
        LD | W | IND,
        LD | H | IND,
        LD | B | IND,
        LD | IMM,
        LD | MEM,
        LD | W | LEN,
        LDX | IMM,
        LDX | MEM,
        LDX | W | LEN,
        LDX | B | MSH,
        ST,
        STX,
        ALU | ADD | K,
        ALU | SUB | X,
        ALU | MUL | K,
        ALU | DIV | X,
        ALU | DIV | K,
        ALU | MOD | X,
        ALU | LSH | K,
        ALU | RSH | X,
        ALU | NEG,
        JMP | JA,
        JMP | JEQ | K,
        JMP | JGT | X,
        JMP | JSET | K,
        RET | K,
        RET | A,
        MISC | TAX,
        MISC | TXA,
        0x77,
    ];
    let mut valid = 0;
    for _ in 0..20_000 {
        let n = 1 + rng.below(16) as usize;
        let prog: Vec<Insn> = (0..n)
            .map(|_| Insn {
                code: codes[rng.below(codes.len() as u64) as usize],
                jt: rng.below(6) as u8,
                jf: rng.below(6) as u8,
                k: match rng.below(3) {
                    0 => rng.below(24) as u32,
                    1 => rng.below(100) as u32,
                    _ => rng.next() as u32,
                },
            })
            .collect();
        let mut prog = prog;
        if rng.below(4) != 0 {
            prog.push(Insn::stmt(RET | K, rng.below(200) as u32));
        }
        if let Ok(f) = Filter::parse(&bpf_words(&prog)) {
            valid += 1;
            for _ in 0..4 {
                let r = rcv(&random_frame(&mut rng));
                if let Some(bytes) = f.run(&r.as_packet()) {
                    assert!(bytes > PACKET_HEADER_SIZE && bytes <= r.packet.len());
                }
            }
        }
    }
    assert!(valid > 1_000, "only {} valid programs", valid);
}
