/// An IPv4 or IPv6 address as a plain value (no heap): IPv4 lives in the low 32 bits.
public struct IPAddress: Hashable, Sendable, Comparable {
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

    public init(ipv4 value: UInt32) {
        high = 0
        low = UInt64(value)
        isIPv6 = false
    }

    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        isIPv6 = true
    }

    public static let unspecifiedIPv4 = IPAddress(ipv4: 0)

    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.isIPv6 ? 1 : 0, lhs.high, lhs.low) < (rhs.isIPv6 ? 1 : 0, rhs.high, rhs.low)
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6 (for hashing such as Community ID).
    public var bytes: [UInt8] {
        if !isIPv6 { return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) } }
        return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 textual IPv6 (with `::` and an embedded dotted quad).
    public init?(_ text: some StringProtocol) {
        if !text.contains(":") {
            guard let v4 = Self.parseIPv4(Substring(text)) else { return nil }
            self.init(ipv4: v4)
            return
        }
        var groups: [UInt16] = []
        var tailGroups: [UInt16] = []
        let parts = text.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false)
        guard text.ranges(of: "::").count <= 1 else { return nil }
        func parseGroups(_ s: Substring, into out: inout [UInt16]) -> Bool {
            if s.isEmpty { return true }
            let fields = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if i == fields.count - 1, f.contains(".") {
                    guard let v4 = Self.parseIPv4(f) else { return false }
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xffff))
                } else {
                    guard (1...4).contains(f.count), let v = UInt16(f, radix: 16) else { return false }
                    out.append(v)
                }
            }
            return true
        }
        guard parseGroups(Substring(parts[0]), into: &groups) else { return nil }
        if parts.count == 2 {
            guard parseGroups(Substring(parts[1]), into: &tailGroups) else { return nil }
            guard groups.count + tailGroups.count <= 7 else { return nil }
            groups += Array(repeating: 0, count: 8 - groups.count - tailGroups.count) + tailGroups
        }
        guard groups.count == 8 else { return nil }
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        self.init(ipv6High: h, low: l)
    }

    private static func parseIPv4(_ s: Substring) -> UInt32? {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var v: UInt32 = 0
        for o in octets {
            guard (1...3).contains(o.count), o.allSatisfy(\.isASCII), let b = UInt8(o) else { return nil }
            v = v << 8 | UInt32(b)
        }
        return v
    }
}

extension IPAddress: CustomStringConvertible {
    /// Dotted quad, or RFC 5952 text for IPv6 (lower case, longest zero run as `::`, mapped IPv4 dotted).
    public var description: String {
        if !isIPv6 {
            let v = ipv4Value
            return "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff)"
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            groups[i] = UInt16(truncatingIfNeeded: high >> (48 - 16 * i))
            groups[4 + i] = UInt16(truncatingIfNeeded: low >> (48 - 16 * i))
        }
        // ::ffff:a.b.c.d (IPv4-mapped)
        if high == 0, low >> 32 == 0xffff {
            return "::ffff:" + IPAddress(ipv4: UInt32(truncatingIfNeeded: low)).description
        }
        var bestStart = -1
        var bestLength = 0
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8, groups[j] == 0 { j += 1 }
                if j - i > bestLength {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var text = ""
        i = 0
        while i < 8 {
            if i == bestStart {
                text += "::"
                i += bestLength
                continue
            }
            if !text.isEmpty, !text.hasSuffix(":") { text += ":" }
            text += String(groups[i], radix: 16)
            i += 1
        }
        return text
    }
}
