import Crypto
@testable import QUICInitial
import Testing

/// The prepared-key HMAC against swift-crypto's own HMAC, for keys shorter than, equal to and longer than a
/// SHA-256 block (a long key is hashed first, RFC 2104 §2), and messages around the one-block boundary.
@Suite("HMAC-SHA256 with a prepared key")
struct HMACSHA256KeyTests {
    @Test(arguments: [0, 1, 20, 32, 63, 64, 65, 100, 200])
    func equalsSwiftCrypto(keyLength: Int) {
        let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let prepared = HMACSHA256Key(key)
        for messageLength in [0, 1, 55, 56, 64, 119, 300] {
            let message = (0..<messageLength).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
            let reference = Array(HMAC<Crypto.SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
            #expect(prepared.authenticationCode(for: message, length: 32) == reference, "key \(keyLength), message \(messageLength)")
            #expect(prepared.authenticationCode(for: message, length: 16) == Array(reference.prefix(16)))
        }
    }
}
