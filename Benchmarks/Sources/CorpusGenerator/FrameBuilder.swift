/// Builds Ethernet frames with IPv4/IPv6 and TCP/UDP headers whose lengths and checksums are right.
struct FrameBuilder {
    static let clientMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01]
    static let serverMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02]

    /// One side of a flow: an IPv4 (4 bytes) or IPv6 (16 bytes) address and a port.
    struct Endpoint {
        var address: [UInt8]
        var port: UInt16
    }

    struct TCPFlags: OptionSet {
        let rawValue: UInt8
        static let fin = TCPFlags(rawValue: 0x01)
        static let syn = TCPFlags(rawValue: 0x02)
        static let rst = TCPFlags(rawValue: 0x04)
        static let psh = TCPFlags(rawValue: 0x08)
        static let ack = TCPFlags(rawValue: 0x10)
    }

    /// A TCP segment. SYNs carry MSS, SACK-permitted, timestamps and window scale, as Linux sends them.
    static func tcp(
        from source: Endpoint, to destination: Endpoint, sequence: UInt32, acknowledgment: UInt32, flags: TCPFlags,
        window: UInt16 = 502, ttl: UInt8 = 64, payload: ArraySlice<UInt8> = []
    ) -> [UInt8] {
        var options: [UInt8] = []
        if flags.contains(.syn) {
            options = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 10]
        }
        let headerLength = 20 + options.count
        var segment = [UInt8](repeating: 0, count: headerLength)
        put16(&segment, 0, source.port)
        put16(&segment, 2, destination.port)
        put32(&segment, 4, sequence)
        put32(&segment, 8, flags.contains(.ack) ? acknowledgment : 0)
        segment[12] = UInt8(headerLength / 4) << 4
        segment[13] = flags.rawValue
        put16(&segment, 14, window)
        segment.replaceSubrange(20..<headerLength, with: options)
        segment.append(contentsOf: payload)
        return ip(from: source.address, to: destination.address, protocolNumber: 6, ttl: ttl, transport: segment, checksumAt: 16)
    }

    /// A UDP datagram.
    static func udp(from source: Endpoint, to destination: Endpoint, ttl: UInt8 = 64, payload: ArraySlice<UInt8>) -> [UInt8] {
        var datagram = [UInt8](repeating: 0, count: 8)
        put16(&datagram, 0, source.port)
        put16(&datagram, 2, destination.port)
        put16(&datagram, 4, UInt16(8 + payload.count))
        datagram.append(contentsOf: payload)
        return ip(from: source.address, to: destination.address, protocolNumber: 17, ttl: ttl, transport: datagram, checksumAt: 6)
    }

    /// Wraps a transport segment in IP and Ethernet, filling the transport checksum (pseudo-header included).
    private static func ip(
        from source: [UInt8], to destination: [UInt8], protocolNumber: UInt8, ttl: UInt8, transport: [UInt8],
        checksumAt checksumOffset: Int
    ) -> [UInt8] {
        // Servers are 203.0.113.0/24 and 2001:db8:2::/48; the destination MAC comes first.
        let fromServer = source.count == 4 ? source[0] == 203 : source[5] == 2
        var frame = fromServer ? clientMAC + serverMAC : serverMAC + clientMAC
        var pseudo = UInt32(protocolNumber) + UInt32(transport.count)
        pseudo = sum(source[...], pseudo)
        pseudo = sum(destination[...], pseudo)
        var segment = transport
        var check = ~fold(sum(segment[...], pseudo))
        if protocolNumber == 17, check == 0 { check = 0xffff }
        put16(&segment, checksumOffset, check)
        if source.count == 4 {
            frame += [0x08, 0x00]
            var header: [UInt8] = [0x45, 0, 0, 0, 0, 0, 0x40, 0, ttl, protocolNumber, 0, 0]
            put16(&header, 2, UInt16(20 + segment.count))
            header += source + destination
            put16(&header, 10, ~fold(sum(header[...], 0)))
            frame += header
        } else {
            frame += [0x86, 0xdd]
            var header: [UInt8] = [0x60, 0, 0, 0, 0, 0, protocolNumber, ttl]
            put16(&header, 4, UInt16(segment.count))
            frame += header + source + destination
        }
        frame += segment
        return frame
    }

    static func sum(_ bytes: ArraySlice<UInt8>, _ initial: UInt32) -> UInt32 {
        var total = initial
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            total &+= UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.endIndex { total &+= UInt32(bytes[index]) << 8 }
        return total
    }

    static func fold(_ value: UInt32) -> UInt16 {
        var total = value
        while total >> 16 != 0 { total = (total & 0xffff) + (total >> 16) }
        return UInt16(total)
    }

    static func put16(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt16) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xff)
    }

    static func put32(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
        put16(&bytes, offset, UInt16(value >> 16))
        put16(&bytes, offset + 2, UInt16(value & 0xffff))
    }
}
