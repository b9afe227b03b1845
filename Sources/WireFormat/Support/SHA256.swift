/// SHA-256 (FIPS 180-4 §6.2), in pure Swift so that `WireFormat` keeps no dependencies. Used for fingerprints
/// (JA4), not for security: it is a plain implementation, checked against the NIST vectors, that allocates nothing
/// until `finalize()` returns its array (the block, state and message schedule are inline, on the stack).
public struct SHA256: Sendable {
    /// Digest length in bytes.
    public static let digestLength = 32
    private static let blockLength = 64

    /// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    private static let roundConstants: InlineArray<64, UInt32> = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// FIPS 180-4 §5.3.3: the initial hash value.
    private var state: InlineArray<8, UInt32> = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    /// The message block being filled, as 16 big-endian words (§5.2.1): a byte goes straight into its word.
    private var words = InlineArray<16, UInt32>(repeating: 0)
    /// Bytes in `words` (0–63).
    private var blockFill = 0
    /// Blocks compressed so far: with `blockFill`, the message length (the padding writes it in bits, modulo 2^64
    /// as §5.1.1 allows).
    private var compressedBlocks: UInt64 = 0

    public init() {}

    /// Adds bytes to the message.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { update(byte: byte) }
    }

    /// Adds one byte to the message.
    @inline(__always)
    mutating func update(byte: UInt8) {
        // `blockFill` is 0–63 here (a full block is compressed at once), so the shift is 0–24.
        let shift = UInt32(truncatingIfNeeded: 24 &- 8 &* (blockFill & 3))
        words[blockFill &>> 2] |= UInt32(byte) &<< shift
        blockFill &+= 1
        if blockFill == Self.blockLength { compress() }
    }

    /// Pads the message (§5.1.1) and returns the 32-byte digest. The hasher is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        let digest = finalizeWords()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.digestLength)
        for index in digest.indices {
            let word = digest[index]
            bytes.append(UInt8(truncatingIfNeeded: word >> 24))
            bytes.append(UInt8(truncatingIfNeeded: word >> 16))
            bytes.append(UInt8(truncatingIfNeeded: word >> 8))
            bytes.append(UInt8(truncatingIfNeeded: word))
        }
        return bytes
    }

    /// Pads the message (§5.1.1) and returns the digest as eight big-endian words. The hasher is spent afterwards.
    mutating func finalizeWords() -> InlineArray<8, UInt32> {
        let bitLength = (compressedBlocks &* UInt64(Self.blockLength) &+ UInt64(blockFill)) &* 8
        update(byte: 0x80)
        // Zeros up to the last 8 bytes of a block: the words are zero past `blockFill` already.
        if blockFill > Self.blockLength - 8 { compress() }
        words[14] = UInt32(truncatingIfNeeded: bitLength >> 32)
        words[15] = UInt32(truncatingIfNeeded: bitLength)
        compress()
        return state
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of `bytes` as lower-case hex.
    public static func hexDigest(_ bytes: some Sequence<UInt8>) -> String {
        Hex.string(hash(bytes))
    }

    // MARK: - Compression function (§6.2.2)

    /// Compresses the full block in `words` and empties it.
    private mutating func compress() {
        var schedule = InlineArray<64, UInt32>(repeating: 0)
        for t in 0..<16 { schedule[t] = words[t] }
        for t in 16..<64 {
            let s0 = Self.rotr(schedule[t - 15], 7) ^ Self.rotr(schedule[t - 15], 18) ^ (schedule[t - 15] >> 3)
            let s1 = Self.rotr(schedule[t - 2], 17) ^ Self.rotr(schedule[t - 2], 19) ^ (schedule[t - 2] >> 10)
            schedule[t] = schedule[t - 16] &+ s0 &+ schedule[t - 7] &+ s1
        }
        var (a, b, c, d) = (state[0], state[1], state[2], state[3])
        var (e, f, g, h) = (state[4], state[5], state[6], state[7])
        // Eight rounds per pass with the variables' roles rotated instead of shifted (each round updates only the
        // new `e` and the new `a`), as FIPS 180-4 §6.2.2 step 3 after renaming.
        for t in stride(from: 0, to: 64, by: 8) {
            Self.round(a, b, c, &d, e, f, g, &h, Self.roundConstants[t] &+ schedule[t])
            Self.round(h, a, b, &c, d, e, f, &g, Self.roundConstants[t + 1] &+ schedule[t + 1])
            Self.round(g, h, a, &b, c, d, e, &f, Self.roundConstants[t + 2] &+ schedule[t + 2])
            Self.round(f, g, h, &a, b, c, d, &e, Self.roundConstants[t + 3] &+ schedule[t + 3])
            Self.round(e, f, g, &h, a, b, c, &d, Self.roundConstants[t + 4] &+ schedule[t + 4])
            Self.round(d, e, f, &g, h, a, b, &c, Self.roundConstants[t + 5] &+ schedule[t + 5])
            Self.round(c, d, e, &f, g, h, a, &b, Self.roundConstants[t + 6] &+ schedule[t + 6])
            Self.round(b, c, d, &e, f, g, h, &a, Self.roundConstants[t + 7] &+ schedule[t + 7])
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
        state[5] &+= f
        state[6] &+= g
        state[7] &+= h
        words = InlineArray(repeating: 0)
        blockFill = 0
        compressedBlocks &+= 1
    }

    /// One round: T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]; T2 = Σ0(a) + Maj(a, b, c); then `d` becomes the
    /// next round's `e` (d + T1) and `h` its `a` (T1 + T2).
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32,
        _ h: inout UInt32, _ constantAndWord: UInt32
    ) {
        let sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        let choice = (e & f) ^ (~e & g)
        let temp1 = h &+ sum1 &+ choice &+ constantAndWord
        let sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        let majority = (a & b) ^ (a & c) ^ (b & c)
        d &+= temp1
        h = temp1 &+ sum0 &+ majority
    }

    @inline(__always)
    private static func rotr(_ value: UInt32, _ count: UInt32) -> UInt32 { value >> count | value << (32 - count) }
}

/// Lower-case hex, for fingerprints and test messages.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func string(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `value` as exactly four lower-case hex digits (JA4's cipher and extension lists).
    static func word(_ value: UInt16) -> String {
        string([UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }

    /// Appends `values` as four-digit lower-case hex words joined by commas (JA4's lists), as ASCII bytes.
    static func appendWords(_ values: some Sequence<UInt16>, to text: inout some ASCIISink) {
        var first = true
        for value in values {
            if !first { text.append(UInt8(ascii: ",")) }
            first = false
            text.append(digits[Int(value >> 12)])
            text.append(digits[Int(value >> 8 & 0x0f)])
            text.append(digits[Int(value >> 4 & 0x0f)])
            text.append(digits[Int(value & 0x0f)])
        }
    }

    /// Appends the first 12 hex digits (6 bytes) of a digest given as big-endian words (JA4's hashes).
    static func appendFirst12Digits(of digest: InlineArray<8, UInt32>, to text: inout [UInt8]) {
        let first = UInt64(digest[0]) << 16 | UInt64(digest[1] >> 16)
        for shift in stride(from: 44, through: 0, by: -4) {
            text.append(digits[Int(first >> UInt64(shift) & 0x0f)])
        }
    }

    /// The hex digit of a nibble (0–15), as ASCII.
    static func digitByte(_ nibble: UInt8) -> UInt8 { digits[Int(nibble & 0x0f)] }

    /// The hex digit of a nibble (0–15).
    static func digit(_ nibble: UInt8) -> Character { Character(Unicode.Scalar(digits[Int(nibble & 0x0f)])) }
}

/// Where ASCII is written a byte at a time: a buffer, or a hasher that takes the bytes as they come (JA4 hashes its
/// lists without building them).
protocol ASCIISink {
    mutating func append(_ byte: UInt8)
}

extension Array: ASCIISink where Element == UInt8 {}

extension SHA256: ASCIISink {
    @inline(__always)
    mutating func append(_ byte: UInt8) { update(byte: byte) }
}
