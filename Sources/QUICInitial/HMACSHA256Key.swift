import Crypto

/// HMAC-SHA256 (RFC 2104 §2) under one key, over swift-crypto's SHA-256, with the key's two padded blocks
/// (K XOR ipad, K XOR opad) hashed once when the key is made: each message then costs two SHA-256 blocks (for
/// messages under 56 bytes) instead of four, and no `SymmetricKey` or `Data`. HKDF (RFC 5869) is two uses of it:
/// Extract is HMAC(salt, IKM), Expand's single block T(1) is HMAC(PRK, info | 0x01).
///
/// swift-crypto's hashers are copy-on-write: a message copies the keyed state once per hasher.
struct HMACSHA256Key: Sendable {
    private static let blockLength = 64
    private var inner = Crypto.SHA256()
    private var outer = Crypto.SHA256()

    /// Any key: one longer than a block (64 bytes) is replaced by its SHA-256 digest (RFC 2104 §2). QUIC's salts
    /// (20 bytes) and secrets (32) never are.
    init(_ key: [UInt8]) {
        let key = key.count > Self.blockLength ? Array(Crypto.SHA256.hash(data: key)) : key
        var block = [UInt8](repeating: 0x36, count: Self.blockLength)
        for index in key.indices { block[index] ^= key[index] }
        inner.update(data: block)
        for index in block.indices { block[index] ^= 0x36 ^ 0x5c }
        outer.update(data: block)
    }

    /// The first `length` (≤ 32) bytes of HMAC(key, message).
    func authenticationCode(for message: [UInt8], length: Int) -> [UInt8] {
        var inner = inner
        inner.update(data: message)
        let innerDigest = inner.finalize()
        var outer = outer
        innerDigest.withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { Array($0.prefix(length)) }
    }

    /// HKDF-Expand (RFC 5869 §2.3) for outputs of at most one block: `info` must already end with the counter 0x01.
    func expand(_ infoAndCounter: [UInt8], length: Int) -> [UInt8] {
        authenticationCode(for: infoAndCounter, length: length)
    }
}
