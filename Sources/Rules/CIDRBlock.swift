import WireFormat

/// An address block (RFC 4632 for IPv4, RFC 4291 §2.3 for IPv6): an address and a prefix length.
/// A bare address is a /32 or /128. IPv4 blocks never contain IPv6 addresses, nor the reverse.
struct CIDRBlock: Hashable, Sendable {
    let network: IPAddress
    let prefix: Int

    init(_ address: IPAddress, prefix: Int?) {
        let limit = address.isIPv6 ? 128 : 32
        let p = Swift.min(Swift.max(prefix ?? limit, 0), limit)
        self.prefix = p
        var masked = address
        (masked.high, masked.low) = Self.mask(address, p)
        network = masked
    }

    /// Parses `"17.0.0.0/8"`, `"2001:db8::/32"` or a bare address.
    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        var prefix: Int?
        if parts.count == 2 {
            guard parts[1].allSatisfy(\.isASCII), let p = Int(parts[1]), p >= 0, p <= (address.isIPv6 ? 128 : 32) else { return nil }
            prefix = p
        }
        self.init(address, prefix: prefix)
    }

    func contains(_ address: IPAddress) -> Bool {
        guard address.isIPv6 == network.isIPv6 else { return false }
        let (high, low) = Self.mask(address, prefix)
        return high == network.high && low == network.low
    }

    /// The address's bits with everything after the first `prefix` bits cleared (IPv4 lives in the low 32 bits).
    private static func mask(_ a: IPAddress, _ prefix: Int) -> (UInt64, UInt64) {
        if !a.isIPv6 {
            let keep: UInt64 = prefix == 0 ? 0 : (UInt64(0xFFFF_FFFF) << (32 - prefix)) & 0xFFFF_FFFF
            return (0, a.low & keep)
        }
        let highBits = Swift.min(prefix, 64)
        let lowBits = Swift.max(prefix - 64, 0)
        let highMask: UInt64 = highBits == 0 ? 0 : ~0 << (64 - highBits)
        let lowMask: UInt64 = lowBits == 0 ? 0 : ~0 << (64 - lowBits)
        return (a.high & highMask, a.low & lowMask)
    }
}
