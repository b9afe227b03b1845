import Crypto
import Foundation
import WireFormat

/// Community ID v1 (https://github.com/corelight/community-id-spec): a flow hash shared by Zeek, Suricata and
/// others, so that Blockscope's records join with their logs.
///
/// `1:` + base64(SHA-1(seed ‖ source address ‖ destination address ‖ protocol ‖ 0 ‖ source port ‖ destination
/// port)), with the endpoints ordered (smaller address first, then smaller port) unless the flow is a one-way ICMP
/// message. ICMP types and codes stand in for ports as `ICMPPorts` maps them. Ports are left out for protocols
/// without them.
public enum CommunityID {
    public static func v1(
        proto: IPProtocol, source: Endpoint, destination: Endpoint, oneWay: Bool = false, seed: UInt16 = 0
    ) -> String {
        var (a, b) = (source, destination)
        let addressA = a.address.bytes
        let addressB = b.address.bytes
        let ordered = oneWay || addressA.lexicographicallyPrecedes(addressB)
            || (addressA == addressB && a.port < b.port)
        if !ordered { swap(&a, &b) }
        var input: [UInt8] = [UInt8(seed >> 8), UInt8(seed & 0xff)]
        input += a.address.bytes + b.address.bytes
        input += [proto.rawValue, 0]
        if hasPorts(proto) {
            input += [UInt8(a.port >> 8), UInt8(a.port & 0xff), UInt8(b.port >> 8), UInt8(b.port & 0xff)]
        }
        let digest = Insecure.SHA1.hash(data: input)
        return "1:" + Data(digest).base64EncodedString()
    }

    /// The Community ID of a flow (its originator as the source).
    public static func v1(_ flow: Flow, seed: UInt16 = 0) -> String {
        v1(proto: flow.key.transportProtocol, source: flow.originator, destination: flow.responder,
           oneWay: flow.isOneWayICMP, seed: seed)
    }

    static func hasPorts(_ proto: IPProtocol) -> Bool {
        proto == .tcp || proto == .udp || proto == .sctp || proto == .icmp || proto == .icmpv6
    }
}

/// ICMP "ports", as Zeek and the Community ID spec map them: the type stands for the source port; for a message
/// that has a counterpart (echo and echo reply, router solicitation and advertisement, ...) the counterpart's type
/// stands for the destination port, so both directions are one flow; otherwise the code does, and the message is
/// one-way.
public enum ICMPPorts {
    public static func ports(type: UInt8, code: UInt8, version: UInt8) -> (source: UInt16, destination: UInt16, oneWay: Bool) {
        if let counterpart = counterpart(of: type, version: version) {
            return (UInt16(type), UInt16(counterpart), false)
        }
        return (UInt16(type), UInt16(code), true)
    }

    static func counterpart(of type: UInt8, version: UInt8) -> UInt8? {
        let pairs: [(UInt8, UInt8)] = version == 4
            // Echo, timestamp, information, router solicitation/advertisement, address mask (RFC 792, 1256, 950).
            ? [(8, 0), (13, 14), (15, 16), (10, 9), (17, 18)]
            // Echo, MLD query/report, router/neighbor discovery, who-are-you, home agent discovery (RFC 4443, 2710, 4861, 6275).
            : [(128, 129), (130, 131), (133, 134), (135, 136), (139, 140), (144, 145)]
        for (request, reply) in pairs {
            if type == request { return reply }
            if type == reply { return request }
        }
        return nil
    }
}
