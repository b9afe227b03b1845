/// Linux "cooked" capture headers, as written by `tcpdump -i any`.
///
/// SLL (LINKTYPE_LINUX_SLL, 16 bytes):
/// ```
/// | packet type (2) | ARPHRD type (2) | addr length (2) | address (8) | protocol (2) |
/// ```
/// SLL2 (LINKTYPE_LINUX_SLL2, 20 bytes):
/// ```
/// | protocol (2) | reserved (2) | interface index (4) | ARPHRD type (2) | packet type (1) | addr length (1) | address (8) |
/// ```
/// The protocol is an EtherType for Ethernet-like devices; ARPHRD_NETLINK frames carry netlink, not IP.
public struct LinuxCookedHeader: ~Escapable {
    private enum Field {
        static let sllPacketType = 0
        static let sllHardwareType = 2
        static let sllProtocol = 14
        static let sllLength = 16
        static let sll2Protocol = 0
        static let sll2InterfaceIndex = 4
        static let sll2HardwareType = 8
        static let sll2PacketType = 10
        static let sll2Length = 20
    }

    /// ARPHRD_NETLINK: the payload is a netlink message, not a network-layer packet.
    static let hardwareTypeNetlink: UInt16 = 824

    public let bytes: Span<UInt8>
    public let isVersion2: Bool

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, version2: Bool) throws(WireError) {
        let length = version2 ? Field.sll2Length : Field.sllLength
        guard bytes.count >= length else { throw WireError(version2 ? .sll2 : .sll, .truncated, at: 0) }
        self.bytes = bytes
        isVersion2 = version2
    }

    public var headerLength: Int { isVersion2 ? Field.sll2Length : Field.sllLength }
    public var protocolType: EtherType {
        EtherType(rawValue: bytes.uint16(at: isVersion2 ? Field.sll2Protocol : Field.sllProtocol))
    }
    public var hardwareType: UInt16 {
        bytes.uint16(at: isVersion2 ? Field.sll2HardwareType : Field.sllHardwareType)
    }
    /// 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us.
    public var packetType: UInt16 {
        isVersion2 ? UInt16(bytes.uint8(at: Field.sll2PacketType)) : bytes.uint16(at: Field.sllPacketType)
    }
}
