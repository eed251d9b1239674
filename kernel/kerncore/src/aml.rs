//! The one piece of AML the kernel reads itself: the `\_S5_` package of the
//! DSDT, whose first two elements are the SLP_TYP values for soft-off.
//!
//! The object is encoded `NameOp(0x08) "_S5_" PackageOp(0x12) PkgLength
//! NumElements element...`, an element being `ZeroOp` (0x00), `OneOp` (0x01),
//! `OnesOp` (0xFF), `BytePrefix` (0x0A) byte, or `WordPrefix` (0x0B) word.

/// `(SLP_TYPa, SLP_TYPb)` from the `\_S5_` object of an AML stream, if present and well formed.
pub fn s5_sleep_types(aml: &[u8]) -> Option<(u16, u16)> {
    let mut from = 0;
    while let Some(pos) = aml[from..].windows(4).position(|w| w == b"_S5_") {
        let at = from + pos;
        from = at + 1;
        // Must be the name of a Name() definition: NameOp, possibly with a root prefix.
        let named = match at {
            0 => false,
            1 => aml[0] == 0x08,
            _ => aml[at - 1] == 0x08 || (aml[at - 1] == b'\\' && aml[at - 2] == 0x08),
        };
        if !named {
            continue;
        }
        if let Some(v) = package_pair(&aml[at + 4..]) {
            return Some(v);
        }
    }
    None
}

fn package_pair(p: &[u8]) -> Option<(u16, u16)> {
    if *p.first()? != 0x12 {
        return None;
    }
    let lead = *p.get(1)?;
    let follow = usize::from(lead >> 6);
    let mut i = 2 + follow; // skip PkgLength
    let count = *p.get(i)?;
    i += 1;
    if count < 2 {
        return None;
    }
    let mut vals = [0u16; 2];
    for v in &mut vals {
        let (val, used) = element(p.get(i..)?)?;
        *v = val;
        i += used;
    }
    Some((vals[0], vals[1]))
}

fn element(p: &[u8]) -> Option<(u16, usize)> {
    match *p.first()? {
        0x00 => Some((0, 1)),
        0x01 => Some((1, 1)),
        0xFF => Some((0xFFFF, 1)),
        0x0A => Some((u16::from(*p.get(1)?), 2)),
        0x0B => Some((u16::from_le_bytes([*p.get(1)?, *p.get(2)?]), 3)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::s5_sleep_types;

    #[test]
    fn byte_prefixed_values() {
        let aml = [0x10, 0x08, b'_', b'S', b'5', b'_', 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x07, 0x00, 0x00];
        assert_eq!(s5_sleep_types(&aml), Some((5, 7)));
    }

    #[test]
    fn zero_ops_with_root_prefix() {
        let aml = [0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00];
        assert_eq!(s5_sleep_types(&aml), Some((0, 0)));
    }

    #[test]
    fn method_named_s5_or_garbage_is_not_taken() {
        // A reference to _S5_ that is not a Name() definition, then the real one.
        let aml = [0x70, b'_', b'S', b'5', b'_', 0x60, 0x08, b'_', b'S', b'5', b'_', 0x12, 0x05, 0x02, 0x01, 0x0A, 0x03];
        assert_eq!(s5_sleep_types(&aml), Some((1, 3)));
        assert_eq!(s5_sleep_types(&[0x08, b'_', b'S', b'5', b'_', 0x12]), None);
        assert_eq!(s5_sleep_types(b"nothing here"), None);
        // Unknown element encoding.
        assert_eq!(s5_sleep_types(&[0x08, b'_', b'S', b'5', b'_', 0x12, 0x05, 0x02, 0x5B, 0x01]), None);
    }
}
