import WireFormat

/// What the catalogue looks at to name a flow's service: the server name, the endpoints and the STUN details.
public struct ServiceQuery: Sendable {
    /// The server name of the flow's first ClientHello (TLS, QUIC or DTLS).
    public var sni: String?
    public var transport: IPProtocol
    public var originator: IPAddress
    public var originatorPort: UInt16
    public var responder: IPAddress
    public var responderPort: UInt16
    /// Whether the flow carried STUN/TURN messages, and what they said.
    public var stunMessages: Int
    public var stunSoftware: String?
    public var stunRealm: String?
    public var stunAttributeTypes: [UInt16]
    public var stunMessageTypes: [UInt16]

    public init(
        sni: String?, transport: IPProtocol, originator: IPAddress, originatorPort: UInt16, responder: IPAddress,
        responderPort: UInt16, stunMessages: Int = 0, stunSoftware: String? = nil, stunRealm: String? = nil,
        stunAttributeTypes: [UInt16] = [], stunMessageTypes: [UInt16] = []
    ) {
        self.sni = sni
        self.transport = transport
        self.originator = originator
        self.originatorPort = originatorPort
        self.responder = responder
        self.responderPort = responderPort
        self.stunMessages = stunMessages
        self.stunSoftware = stunSoftware
        self.stunRealm = stunRealm
        self.stunAttributeTypes = stunAttributeTypes
        self.stunMessageTypes = stunMessageTypes
    }
}

/// The service a flow belongs to, the part of the service it plays (`push`, `relay`, `media`, ...) and why.
public struct ServiceMatch: Hashable, Sendable {
    public var name: String
    /// The matcher's role, when it names one.
    public var role: String?
    /// What matched, in words: `sni *.ess.apple.com`, `address 17.0.0.0/8 udp 3478-3497`, `stun realm "telegram"`.
    public var reason: String

    public init(name: String, role: String?, reason: String) {
        self.name = name
        self.role = role
        self.reason = reason
    }
}

/// Services by server names, address blocks and ports, and STUN details (docs/SERVICES.md).
///
/// A service has one or more matchers; a matcher matches a flow when every condition it states holds. Matchers
/// that name server names (`sni`) are tried first, in file order, because a name says more than an address; then
/// the others, in file order. The first matcher that matches names the flow's service.
public struct ServiceCatalogue: Sendable {
    public struct Service: Sendable {
        public var name: String
        public var description: String
        public var matchers: [Matcher]
        public var file: String
        public var line: Int
    }

    /// One way to recognise a service. Absent conditions do not constrain.
    public struct Matcher: Sendable {
        public var role: String?
        var names: [Glob] = []
        var nameTexts: [String] = []
        var blocks: [CIDRBlock] = []
        var blockTexts: [String] = []
        /// Ports per transport; a transport absent from both lists is not constrained unless the other is given.
        var tcpPorts: [ClosedRange<UInt16>]?
        var udpPorts: [ClosedRange<UInt16>]?
        var stun: STUNCriteria?

        var namesServer: Bool { !names.isEmpty }

        /// Whether the matcher matches, and the reason in words. Every flow is tried against most matchers, and
        /// most fail: the conditions are checked first without building anything, the words only for a match.
        func match(_ query: ServiceQuery) -> String? {
            var nameIndex: Int?
            if !names.isEmpty {
                guard let sni = query.sni, let index = names.firstIndex(where: { $0.matches(sni) }) else { return nil }
                nameIndex = index
            }
            // The endpoint the address and port conditions hold for: the responder, else the originator (a call
            // relay may be the side that sent first).
            guard let endpoint = endpointMatch(query.responder, query.responderPort, query.transport)
                ?? endpointMatch(query.originator, query.originatorPort, query.transport)
            else { return nil }
            var stunReason: String?
            if let stun {
                guard let reason = stun.match(query) else { return nil }
                stunReason = reason
            }
            var reasons: [String] = []
            if let nameIndex { reasons.append("sni \(nameTexts[nameIndex])") }
            if let block = endpoint.block { reasons.append("address \(blockTexts[block])") }
            if let range = endpoint.ports { reasons.append("\(query.transport.name) \(Self.describe(range))") }
            if let stunReason { reasons.append(stunReason) }
            return reasons.joined(separator: " ")
        }

        /// Whether `address` and `port` meet the address and port conditions (nil: they do not), with the block
        /// and port range that did (nil where the matcher has no such condition).
        private func endpointMatch(_ address: IPAddress, _ port: UInt16, _ transport: IPProtocol)
            -> (block: Int?, ports: ClosedRange<UInt16>?)?
        {
            var block: Int?
            if !blocks.isEmpty {
                guard let index = blocks.firstIndex(where: { $0.contains(address) }) else { return nil }
                block = index
            }
            var ports: ClosedRange<UInt16>?
            if tcpPorts != nil || udpPorts != nil {
                let ranges: [ClosedRange<UInt16>]?
                switch transport {
                case .tcp: ranges = tcpPorts
                case .udp: ranges = udpPorts
                default: ranges = nil
                }
                guard let ranges, let range = ranges.first(where: { $0.contains(port) }) else { return nil }
                ports = range
            }
            return (block, ports)
        }

        static func describe(_ range: ClosedRange<UInt16>) -> String {
            range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
        }
    }

    /// STUN details that name a service: any one of them suffices.
    struct STUNCriteria: Sendable {
        var software: [String] = []
        var realm: [String] = []
        var attributes: [ClosedRange<UInt16>] = []
        var messageTypes: [ClosedRange<UInt16>] = []

        func match(_ query: ServiceQuery) -> String? {
            guard query.stunMessages > 0 else { return nil }
            if let software = query.stunSoftware?.lowercased(), let hit = self.software.first(where: { software.contains($0) }) {
                return "stun software \"\(hit)\""
            }
            if let realm = query.stunRealm?.lowercased(), let hit = self.realm.first(where: { realm.contains($0) }) {
                return "stun realm \"\(hit)\""
            }
            for type in query.stunAttributeTypes {
                if attributes.contains(where: { $0.contains(type) }) { return "stun attribute " + hex(type) }
            }
            for type in query.stunMessageTypes {
                if messageTypes.contains(where: { $0.contains(type) }) { return "stun message type " + hex(type) }
            }
            return nil
        }

        private func hex(_ value: UInt16) -> String {
            let digits = String(value, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }
    }

    public private(set) var services: [Service]

    public init(services: [Service] = []) { self.services = services }

    /// The flow's service: server-name matchers first, then the others, each group in file order.
    public func service(for query: ServiceQuery) -> ServiceMatch? {
        // Borrowed through buffers: `for service in services` copied every service and matcher (retaining their
        // strings and arrays) for every flow.
        services.withUnsafeBufferPointer { services in
            for pass in [true, false] {
                for service in services.indices {
                    let found = services[service].matchers.withUnsafeBufferPointer { matchers -> ServiceMatch? in
                        for matcher in matchers.indices where matchers[matcher].namesServer == pass {
                            if let reason = matchers[matcher].match(query) {
                                return ServiceMatch(name: services[service].name, role: matchers[matcher].role, reason: reason)
                            }
                        }
                        return nil
                    }
                    if let found { return found }
                }
            }
            return nil
        }
    }

    /// This catalogue with `other` (a user's file) tried first: its services may reuse a built-in name to add
    /// ways of recognising that service (the built-in matchers still apply after them).
    public func prepending(_ other: ServiceCatalogue) -> ServiceCatalogue {
        ServiceCatalogue(services: other.services + services)
    }

    /// The distinct service names, in order.
    public var names: [String] {
        var seen: Set<String> = []
        return services.map(\.name).filter { seen.insert($0).inserted }
    }
}
