import Testing
@testable import WireFormat

@Suite("CRC-32")
struct CRC32Tests {
    /// The catalogue check value of CRC-32/ISO-HDLC (zlib's crc32).
    @Test func checkValue() {
        let bytes = Array("123456789".utf8)
        #expect(CRC32.checksum(bytes.span) == 0xcbf4_3926)
    }

    @Test func knownValues() {
        let empty: [UInt8] = []
        let fox = Array("The quick brown fox jumps over the lazy dog".utf8)
        let zeros = [UInt8](repeating: 0, count: 32)
        #expect(CRC32.checksum(empty.span) == 0)
        #expect(CRC32.checksum(fox.span) == 0x414f_a339)
        #expect(CRC32.checksum(zeros.span) == 0x190a_55ad)
    }

    /// Continuing over two pieces gives the one-shot value, at every split point.
    @Test func incrementalEqualsOneShot() {
        let bytes = STUNFixture.rfc5769Request
        let whole = CRC32.checksum(bytes.span)
        for split in 0...bytes.count {
            let head = Array(bytes[..<split])
            let tail = Array(bytes[split...])
            #expect(CRC32.update(CRC32.checksum(head.span), with: tail.span) == whole, "split at \(split)")
        }
    }

    /// RFC 5769 §2.1: the FINGERPRINT value is the CRC-32 of everything before it, XOR 0x5354554e.
    @Test func rfc5769Fingerprint() {
        let bytes = STUNFixture.rfc5769Request
        let before = Array(bytes[..<(bytes.count - 8)])
        #expect(CRC32.checksum(before.span) ^ 0x5354_554e == 0xe57a_3bcf)
    }
}
