/// A STUN method (RFC 8489 §5, §18.2; IANA "STUN Methods"): the 12 bits spread over the message type around the
/// two class bits. An open set: unknown methods keep their value and print as hex.
public struct STUNMethod: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let binding = STUNMethod(rawValue: 0x001)
    /// RFC 3489 §8.2 only; reserved since RFC 5389.
    public static let sharedSecret = STUNMethod(rawValue: 0x002)
    /// TURN (RFC 8656 §17).
    public static let allocate = STUNMethod(rawValue: 0x003)
    public static let refresh = STUNMethod(rawValue: 0x004)
    public static let send = STUNMethod(rawValue: 0x006)
    public static let data = STUNMethod(rawValue: 0x007)
    public static let createPermission = STUNMethod(rawValue: 0x008)
    public static let channelBind = STUNMethod(rawValue: 0x009)
    /// TURN TCP allocations (RFC 6062 §6.1).
    public static let connect = STUNMethod(rawValue: 0x00a)
    public static let connectionBind = STUNMethod(rawValue: 0x00b)
    public static let connectionAttempt = STUNMethod(rawValue: 0x00c)
    /// WebRTC's GOOG-PING (IANA, expert review).
    public static let googPing = STUNMethod(rawValue: 0x080)

    static let names: [UInt16: String] = [
        0x001: "binding", 0x002: "shared-secret", 0x003: "allocate", 0x004: "refresh", 0x006: "send",
        0x007: "data", 0x008: "create-permission", 0x009: "channel-bind", 0x00a: "connect",
        0x00b: "connection-bind", 0x00c: "connection-attempt", 0x080: "goog-ping",
    ]

    /// The method and class of a message type field (RFC 8489 §5, Figure 3):
    /// ```
    ///   0                 1
    ///   2  3  4 5 6 7 8 9 0 1 2 3 4 5
    ///  +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
    ///  |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
    ///  |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
    ///  +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
    /// ```
    public static func split(messageType type: UInt16) -> (method: STUNMethod, messageClass: STUNMessageClass) {
        let method = type & 0x000f | (type & 0x00e0) >> 1 | (type & 0x3e00) >> 2
        let bits = UInt8(truncatingIfNeeded: (type & 0x0010) >> 4 | (type & 0x0100) >> 7)
        return (STUNMethod(rawValue: method), STUNMessageClass(bits: bits))
    }
}

extension STUNMethod: CustomStringConvertible {
    public var description: String {
        Self.names[rawValue] ?? "0x" + String(rawValue, radix: 16)
    }
}

/// The class of a STUN message (RFC 8489 §5): the two C bits of the message type.
public enum STUNMessageClass: UInt8, Hashable, Sendable, CaseIterable {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11

    init(bits: UInt8) {
        switch bits & 0b11 {
        case 0b00: self = .request
        case 0b01: self = .indication
        case 0b10: self = .successResponse
        default: self = .errorResponse
        }
    }

    /// Requests expect an answer; so do Shared Secret requests of RFC 3489.
    public var isResponse: Bool { self == .successResponse || self == .errorResponse }
}
