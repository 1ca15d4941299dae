//! A hash of bytes for the files a build reads or writes whole: the fingerprints of
//! the output's files as they are (static files, attachments, the search index's
//! files) and the checksums of the build cache's files.

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;

/// A 64-bit hash of bytes made for speed over many megabytes (the search index's
/// files and the build cache's are hashed at every build): the rounds of xxHash64 in
/// four lanes of 8-byte words, the tail padded into a last word with the length, and
/// xxHash64's final mixing. Not xxHash64's values. A round is a bijection of its
/// lane for a given word, so two inputs of the same length that differ in one word
/// never hash alike. Not for untrusted inputs an attacker chooses.
pub fn bytes(data: &[u8]) -> u64 {
    let round = |acc: u64, w: u64| {
        acc.wrapping_add(w.wrapping_mul(P2))
            .rotate_left(31)
            .wrapping_mul(P1)
    };
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
    let mut lanes = [P1.wrapping_add(P2), P2, 0, P1.wrapping_neg()];
    let mut blocks = data.chunks_exact(32);
    for block in &mut blocks {
        for (lane, w) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = round(*lane, word(w));
        }
    }
    let mut h = lanes[0].rotate_left(1)
        ^ lanes[1].rotate_left(7)
        ^ lanes[2].rotate_left(12)
        ^ lanes[3].rotate_left(18);
    for w in blocks.remainder().chunks(8) {
        let mut padded = [0u8; 8];
        padded[..w.len()].copy_from_slice(w);
        h = round(h, u64::from_le_bytes(padded)).wrapping_add(P3);
    }
    h = round(h, data.len() as u64);
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn a_byte_changed_anywhere_or_a_zero_added_changes_the_hash() {
        let data: Vec<u8> = (0..200u32).map(|i| (i * 37 + 11) as u8).collect();
        for len in 0..data.len() {
            let original = bytes(&data[..len]);
            for at in 0..len {
                for flip in [1u8, 0x80, 0xff] {
                    let mut changed = data[..len].to_vec();
                    changed[at] ^= flip;
                    assert_ne!(bytes(&changed), original, "length {len}, byte {at}");
                }
            }
            let mut longer = data[..len].to_vec();
            longer.push(0);
            assert_ne!(bytes(&longer), original, "a zero after {len} bytes");
        }
        assert_eq!(bytes(b"accord"), bytes(b"accord"));
    }
}
