/// A packet's capture time: nanoseconds since the Unix epoch. Packet time is the only clock Blockscope uses.
///
/// 64 bits of nanoseconds reach the year 2262; pcap's microsecond files are scaled up exactly.
public struct Timestamp: Hashable, Comparable, Sendable {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public init(seconds: Int64, nanoseconds: Int64) {
        self.nanoseconds = seconds &* 1_000_000_000 &+ nanoseconds
    }

    public static let zero = Timestamp(nanoseconds: 0)

    /// Whole seconds since the epoch (floor).
    public var seconds: Int64 { nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000 }
    /// The nanoseconds within the second, 0...999_999_999.
    public var subsecondNanoseconds: Int64 { nanoseconds - seconds * 1_000_000_000 }
    /// Seconds since the epoch as a floating-point value (for JSON `ts`).
    public var secondsValue: Double { Double(nanoseconds) / 1e9 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The time from `earlier` to `self`, in nanoseconds.
    public func nanoseconds(since earlier: Timestamp) -> Int64 { nanoseconds &- earlier.nanoseconds }
}

extension Timestamp: CustomStringConvertible {
    /// `seconds.nnnnnnnnn`, as tshark's `frame.time_epoch` prints it.
    public var description: String {
        let frac = String(subsecondNanoseconds)
        return "\(seconds).\(String(repeating: "0", count: 9 - frac.count))\(frac)"
    }
}
