//! Small Ethernet helpers for programs on `eth` devices: an ARP request
//! frame, a BPF program for ARP replies in GNU Mach's `filter_t` layout, and
//! the fields of a received `net_rcv_msg`.

/// `filter[0]` bit: the filter sees incoming frames.
pub const NETF_IN: u16 = 1;
/// `filter[0]` bit: the program is BPF.
pub const NETF_BPF: u16 = 1 << 10;
/// Message id of a received frame.
pub const NET_RCV_MSG_ID: u32 = 2999;

/// One BPF instruction as `filter_t` words (i386 memory order).
pub fn insn(code: u16, jt: u8, jf: u8, k: u32) -> [u16; 4] {
    [code, u16::from(jt) | u16::from(jf) << 8, k as u16, (k >> 16) as u16]
}

/// BPF: accept ARP (type 0x0806) frames whose opcode is 2 (reply).
pub fn arp_reply_filter() -> [u16; 28] {
    const LDH_ABS: u16 = 0x28;
    const JEQ_K: u16 = 0x15;
    const RET_K: u16 = 0x06;
    let prog = [
        insn(NETF_IN | NETF_BPF, 0, 0, 0), // header
        insn(LDH_ABS, 0, 0, 12),           // ethernet type
        insn(JEQ_K, 0, 3, 0x0806),
        insn(LDH_ABS, 0, 0, 20), // ARP opcode (14 + 6)
        insn(JEQ_K, 0, 1, 2),
        insn(RET_K, 0, 0, 0xffff),
        insn(RET_K, 0, 0, 0),
    ];
    let mut w = [0u16; 28];
    for (i, ins) in prog.iter().enumerate() {
        w[i * 4..i * 4 + 4].copy_from_slice(ins);
    }
    w
}

/// A broadcast ARP request "who has `target`, tell `ip`" from `mac`.
pub fn arp_request(mac: [u8; 6], ip: [u8; 4], target: [u8; 4]) -> [u8; 42] {
    let mut f = [0u8; 42];
    f[0..6].copy_from_slice(&[0xff; 6]);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&[0x08, 0x06]);
    f[14..22].copy_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 1]); // Ethernet, IPv4, request
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&ip);
    f[38..42].copy_from_slice(&target);
    f
}

/// The MAC of `NET_ADDRESS` status words (bytes in network order per word).
pub fn mac_of_status(words: &[u32]) -> [u8; 6] {
    let a = words.first().copied().unwrap_or(0).to_be_bytes();
    let b = words.get(1).copied().unwrap_or(0).to_be_bytes();
    [a[0], a[1], a[2], a[3], b[0], b[1]]
}
