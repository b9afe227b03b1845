import Testing
@testable import WireFormat

/// FIPS 180-4 SHA-256 against the NIST examples (FIPS 180-2 Appendix B / CSRC "SHA256.pdf" example values).
@Suite("SHA-256")
struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func nistVectors(_ message: String, _ digest: String) {
        #expect(SHA256.hexDigest(message.utf8) == digest)
    }

    @Test func oneMillionA() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(Hex.string(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every length around the block and padding boundaries, fed whole and in pieces, gives the same digest.
    @Test func incrementalEqualsWhole() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 128, 200] {
            let whole = SHA256.hash(message[0..<length])
            var hasher = SHA256()
            hasher.update(message[0..<(length / 3)])
            hasher.update(message[(length / 3)..<length])
            #expect(hasher.finalize() == whole, "length \(length)")
        }
    }

    /// The digest as words (what JA4 reads its 12 digits from) equals the byte digest, around every boundary.
    @Test func digestWordsEqualDigestBytes() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 200] {
            var bytes = SHA256()
            bytes.update(message[0..<length])
            var words = SHA256()
            for byte in message[0..<length] { words.update(byte: byte) }
            var text: [UInt8] = []
            Hex.appendFirst12Digits(of: words.finalizeWords(), to: &text)
            #expect(String(decoding: text, as: UTF8.self) == String(Hex.string(bytes.finalize()).prefix(12)), "length \(length)")
        }
    }

    /// JA4's published example (technical details, "Cipher hash").
    @Test func ja4CipherExample() {
        let list = "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9"
        #expect(SHA256.hexDigest(list.utf8).hasPrefix("8daaf6152771"))
    }
}
