/// Replaces the server name of a TLS ClientHello record and fixes every length that contains it: the
/// server_name entry and list, the extension, the extensions block, the handshake message and the record.
struct ClientHelloRewriter {
    enum RewriteError: Error { case malformed(String) }

    /// The record split around the host name bytes, with the offsets of the lengths to fix.
    private let record: [UInt8]
    private let nameStart: Int
    private let nameEnd: Int
    private let extensionsLengthOffset: Int
    private let sniExtensionLengthOffset: Int

    init(record: [UInt8]) throws {
        func u16(_ offset: Int) throws -> Int {
            guard offset + 2 <= record.count else { throw RewriteError.malformed("truncated at \(offset)") }
            return Int(record[offset]) << 8 | Int(record[offset + 1])
        }
        guard record.count > 43, record[0] == 0x16, record[5] == 0x01 else {
            throw RewriteError.malformed("not a ClientHello record")
        }
        var offset = 5 + 4 + 2 + 32  // record header, handshake header, legacy_version, random
        offset += 1 + Int(record[offset])  // session id
        offset += 2 + (try u16(offset))  // cipher suites
        guard offset < record.count else { throw RewriteError.malformed("truncated") }
        offset += 1 + Int(record[offset])  // compression methods
        extensionsLengthOffset = offset
        let end = offset + 2 + (try u16(offset))
        offset += 2
        var found: (Int, Int, Int)?
        while offset + 4 <= end {
            let type = try u16(offset)
            let length = try u16(offset + 2)
            if type == 0 {
                // server_name_list length, name_type, host_name length, host_name.
                let nameLength = try u16(offset + 4 + 3)
                found = (offset + 2, offset + 4 + 5, offset + 4 + 5 + nameLength)
                break
            }
            offset += 4 + length
        }
        guard let (sniLength, start, stop) = found, stop <= record.count else {
            throw RewriteError.malformed("no server_name extension")
        }
        self.record = record
        sniExtensionLengthOffset = sniLength
        nameStart = start
        nameEnd = stop
    }

    /// The record with `name` as its server name.
    func record(serverName name: String) -> [UInt8] {
        let bytes = Array(name.utf8)
        let delta = bytes.count - (nameEnd - nameStart)
        var result = Array(record[..<nameStart]) + bytes + record[nameEnd...]
        func adjust(_ offset: Int, width: Int) {
            var value = 0
            for index in 0..<width { value = value << 8 | Int(result[offset + index]) }
            value += delta
            for index in 0..<width { result[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - index))) }
        }
        adjust(3, width: 2)  // record length
        adjust(6, width: 3)  // handshake length
        adjust(extensionsLengthOffset, width: 2)
        adjust(sniExtensionLengthOffset, width: 2)  // extension length
        adjust(sniExtensionLengthOffset + 2, width: 2)  // server_name_list length
        adjust(nameStart - 2, width: 2)  // host_name length
        return result
    }
}
