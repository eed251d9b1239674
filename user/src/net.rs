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

/// A filter program as `filter_t` words: the instructions one after the
/// other, zeros after them.
pub fn pack<const N: usize>(prog: &[[u16; 4]]) -> [u16; N] {
    let mut w = [0u16; N];
    for (i, ins) in prog.iter().enumerate() {
        w[i * 4..i * 4 + 4].copy_from_slice(ins);
    }
    w
}

/// BPF: accept whole frames of Ethernet type `ethertype`.
pub fn ethertype_filter(ethertype: u16) -> [u16; 20] {
    pack(&[
        insn(NETF_IN | NETF_BPF, 0, 0, 0),
        insn(0x28, 0, 0, 12), // ldh [12]: the Ethernet type
        insn(0x15, 0, 1, u32::from(ethertype)),
        insn(0x06, 0, 0, 0xffff), // accept
        insn(0x06, 0, 0, 0),      // reject
    ])
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
    pack(&prog)
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

/// The Internet checksum (RFC 1071) of `b`: zero over a block that holds
/// its own correct checksum.
pub fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = b.chunks(2).map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))).sum();
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Length of [`icmp_echo_request`]'s frame: Ethernet, IPv4, ICMP header
/// and 32 bytes of data.
pub const ECHO_FRAME_LEN: usize = 14 + 20 + 8 + 32;

/// An ICMP echo request from `mac`/`ip` to `dst_mac`/`dst_ip` with the
/// given identifier and sequence number and 32 bytes of data ("abc...").
pub fn icmp_echo_request(mac: [u8; 6], ip: [u8; 4], dst_mac: [u8; 6], dst_ip: [u8; 4], id: u16, seq: u16) -> [u8; ECHO_FRAME_LEN] {
    let mut f = [0u8; ECHO_FRAME_LEN];
    f[..6].copy_from_slice(&dst_mac);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    let iph = &mut f[14..34];
    iph[0] = 0x45; // version 4, 5 words
    iph[2..4].copy_from_slice(&((ECHO_FRAME_LEN - 14) as u16).to_be_bytes());
    iph[4..6].copy_from_slice(&id.to_be_bytes());
    iph[8] = 64; // TTL
    iph[9] = 1; // ICMP
    iph[12..16].copy_from_slice(&ip);
    iph[16..20].copy_from_slice(&dst_ip);
    let c = checksum(iph);
    iph[10..12].copy_from_slice(&c.to_be_bytes());
    let icmp = &mut f[34..];
    icmp[0] = 8; // echo request
    icmp[4..6].copy_from_slice(&id.to_be_bytes());
    icmp[6..8].copy_from_slice(&seq.to_be_bytes());
    for (k, b) in icmp[8..].iter_mut().enumerate() {
        *b = b'a' + k as u8;
    }
    let c = checksum(icmp);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    f
}

/// BPF: accept IPv4 ICMP echo replies (type 0).
pub fn icmp_echo_reply_filter() -> [u16; 36] {
    let prog = [
        insn(NETF_IN | NETF_BPF, 0, 0, 0),
        insn(0x28, 0, 0, 12), // ldh [12]: IPv4?
        insn(0x15, 0, 5, 0x0800),
        insn(0x30, 0, 0, 23), // ldb [23]: ICMP?
        insn(0x15, 0, 3, 1),
        insn(0x30, 0, 0, 34), // ldb [34]: echo reply?
        insn(0x15, 0, 1, 0),
        insn(0x06, 0, 0, 0xffff),
        insn(0x06, 0, 0, 0),
    ];
    pack(&prog)
}

/// Checks that the `net_rcv_msg` in `msg` is the echo reply to `request`
/// (an [`icmp_echo_request`] frame): addresses swapped, identifier,
/// sequence and data the same, checksum right.
pub fn check_icmp_echo_reply(msg: &[u8], request: &[u8; ECHO_FRAME_LEN]) -> Result<(), &'static str> {
    let rd32 = |off: usize| u32::from_le_bytes([msg[off], msg[off + 1], msg[off + 2], msg[off + 3]]);
    if msg.len() < 96 || rd32(20) != NET_RCV_MSG_ID {
        return Err("not a net_rcv_msg");
    }
    let count = ((rd32(92) >> 16) & 0xfff) as usize;
    if count < 4 + 20 + 8 + 32 || 96 + count > msg.len() {
        return Err("echo reply too short");
    }
    // The packet follows its 4-byte packet header at offset 96.
    let (iph, icmp) = (&msg[100..120], &msg[120..96 + count]);
    if iph[12..16] != request[30..34] || iph[16..20] != request[26..30] {
        return Err("echo reply addresses");
    }
    if icmp[0] != 0 || icmp[4..8] != request[38..42] || icmp[8..40] != request[42..74] {
        return Err("echo reply identifier, sequence or data");
    }
    if checksum(&icmp[..40]) != 0 {
        return Err("echo reply checksum");
    }
    Ok(())
}

/// Waits up to `ms` milliseconds for interface `dev`'s link (this kernel's
/// `NET_LINK` flavor): some NICs bring it up a while after they are opened
/// (QEMU's e1000 negotiates for about half a second) and keep received
/// frames until then. Returns true once the link is up or the driver cannot
/// tell, false if it stayed down.
pub fn wait_for_link(m: &mut crate::mig::Mach, dev: u32, ms: u32) -> bool {
    use crate::abi::NET_LINK;
    let mut waited = 0;
    loop {
        match crate::mig::device::device_get_status(m, dev, NET_LINK, 1) {
            Ok(s) if s.status[0] != 0 => return true,
            Err(_) => return true,
            Ok(_) if waited >= ms => return false,
            Ok(_) => {}
        }
        // SAFETY: SWITCH_OPTION_WAIT for 20 ms; no other arguments.
        unsafe { crate::trap::thread_switch(0, crate::trap::SWITCH_OPTION_WAIT, 20) };
        waited += 20;
    }
}
