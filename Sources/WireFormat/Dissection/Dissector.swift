/// Dissects frames into `PacketSummary` values: link layer, IP (with fragment reassembly), TCP/UDP/ICMP.
///
/// One dissector per stream of packets (it owns the fragment reassembler). It never traps on packet bytes,
/// never reads out of bounds (every view validates its lengths once) and allocates nothing per packet: only a
/// fragmented datagram allocates, in the reassembler.
public final class Dissector {
    public let reassembler: FragmentReassembler

    public init(reassemblyLimits: FragmentReassembler.Limits = .init()) {
        reassembler = FragmentReassembler(limits: reassemblyLimits)
    }

    /// The layer after the link header. Adding a protocol adds a case; the compiler finds every switch.
    enum NextLayer {
        case ipv4
        case ipv6
        /// Raw IP: version nibble decides.
        case ip
        case notIP(EtherType)
        case unknownLinkProtocol(UInt32)
    }

    /// Dissects one frame. `summary` is overwritten entirely.
    public func dissect(
        _ frame: Span<UInt8>, linkType: LinkType, timestamp: Timestamp, wireLength: Int,
        into summary: inout PacketSummary
    ) {
        summary = PacketSummary()
        summary.timestamp = timestamp
        summary.linkType = linkType
        summary.wireLength = wireLength
        summary.capturedLength = frame.count
        if frame.count < wireLength { summary.anomalies.insert(.snaplenTruncated) }
        do throws(WireError) {
            guard let (next, offset) = try decodeLink(frame, linkType: linkType, summary: &summary) else { return }
            let rest = frame.extracting(offset...)
            switch next {
            case .ipv4: try decodeIPv4(rest, base: offset, summary: &summary)
            case .ipv6: try decodeIPv6(rest, base: offset, summary: &summary)
            case .ip:
                guard rest.count >= 1 else { throw WireError(.ipv4, .truncated, at: offset) }
                if rest.uint8(at: 0) >> 4 == 6 {
                    try decodeIPv6(rest, base: offset, summary: &summary)
                } else {
                    try decodeIPv4(rest, base: offset, summary: &summary)
                }
            case .notIP(let type): summary.outcome = .skipped(.notIP(type))
            case .unknownLinkProtocol(let value): summary.outcome = .skipped(.unknownLinkProtocol(value))
            }
        } catch {
            summary.outcome = .malformed(error)
        }
    }

    /// Calls `body` with the transport payload of `summary` (from `frame`, or from the reassembled datagram).
    /// Only the bytes present are passed (`payload.capturedLength`). Valid until the next `dissect`.
    public func withPayload<R>(of summary: PacketSummary, in frame: Span<UInt8>, _ body: (Span<UInt8>) -> R) -> R {
        let location = summary.payload
        if location.inReassembledDatagram {
            return reassembler.withCompleted { span in
                let end = min(span.count, location.offset + location.capturedLength)
                return body(span.extracting(min(location.offset, end)..<end))
            }
        }
        let end = min(frame.count, location.offset + location.capturedLength)
        return body(frame.extracting(min(location.offset, end)..<end))
    }

    // MARK: - Link layer

    private func decodeLink(
        _ frame: Span<UInt8>, linkType: LinkType, summary: inout PacketSummary
    ) throws(WireError) -> (NextLayer, Int)? {
        switch linkType {
        case .ethernet:
            let ethernet = try EthernetFrame(validating: frame)
            return try nextLayer(etherType: ethernet.etherType, in: frame, at: EthernetFrame.headerLength, summary: &summary)
        case .linuxSLL, .linuxSLL2:
            let header = try LinuxCookedHeader(validating: frame, version2: linkType == .linuxSLL2)
            if header.hardwareType == LinuxCookedHeader.hardwareTypeNetlink {
                summary.outcome = .skipped(.unknownLinkProtocol(UInt32(header.hardwareType)))
                return nil
            }
            return try nextLayer(etherType: header.protocolType, in: frame, at: header.headerLength, summary: &summary)
        case .null, .loop:
            guard frame.count >= 4 else { throw WireError(.loopback, .truncated, at: 0) }
            // DLT_NULL is in the capturing host's byte order: a family fits in the low byte, so pick the order
            // whose value is small. DLT_LOOP is always network order.
            let bigEndian = frame.uint32(at: 0)
            let family = linkType == .loop || bigEndian < 0x100 ? bigEndian : frame.uint32LittleEndian(at: 0)
            switch family {
            case 2: return (.ipv4, 4)
            // AF_INET6: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30.
            case 10, 24, 28, 30: return (.ipv6, 4)
            default: return (.unknownLinkProtocol(family), 4)
            }
        case .raw, .dltRaw, .dltRawOpenBSD:
            return (.ip, 0)
        case .ipv4:
            return (.ipv4, 0)
        case .ipv6:
            return (.ipv6, 0)
        case .ppp, .pppHDLC:
            // RFC 1661 / RFC 1662: optional address 0xff and control 0x03, then a 2-byte protocol.
            var offset = 0
            if frame.count >= 2, frame.uint8(at: 0) == 0xff, frame.uint8(at: 1) == 0x03 { offset = 2 }
            guard frame.count >= offset + 2 else { throw WireError(.ppp, .truncated, at: offset) }
            return pppNextLayer(frame.uint16(at: offset), at: offset + 2)
        default:
            summary.outcome = .skipped(.unsupportedLinkType(linkType))
            return nil
        }
    }

    private func pppNextLayer(_ protocolNumber: UInt16, at offset: Int) -> (NextLayer, Int) {
        switch protocolNumber {
        case 0x0021: (.ipv4, offset)
        case 0x0057: (.ipv6, offset)
        default: (.unknownLinkProtocol(UInt32(protocolNumber)), offset)
        }
    }

    /// Follows an EtherType, through VLAN tags, PPPoE sessions and MPLS label stacks.
    private func nextLayer(
        etherType first: EtherType, in frame: Span<UInt8>, at start: Int, summary: inout PacketSummary
    ) throws(WireError) -> (NextLayer, Int) {
        var etherType = first
        var offset = start
        while VLANTag.isTagProtocol(etherType) {
            guard summary.vlanCount < VLANTag.maximumTags else { throw WireError(.vlan, .tooManyHeaders, at: offset - 2) }
            let tag: VLANTag
            do throws(WireError) {
                tag = try VLANTag(validating: frame.extracting(offset...))
            } catch {
                throw WireError(.vlan, .truncated, at: offset)
            }
            if summary.vlanCount == 0 { summary.outerVLAN = tag.identifier } else { summary.innerVLAN = tag.identifier }
            summary.vlanCount += 1
            etherType = tag.nextType
            offset += VLANTag.length
        }
        summary.etherType = etherType
        switch etherType {
        case .ipv4: return (.ipv4, offset)
        case .ipv6: return (.ipv6, offset)
        case .pppoeSession:
            // RFC 2516 §4: ver/type, code, session id, length, then the PPP protocol.
            guard frame.count >= offset + 8 else { throw WireError(.pppoe, .truncated, at: offset) }
            return pppNextLayer(frame.uint16(at: offset + 6), at: offset + 8)
        case .mpls, .mplsMulticast:
            // RFC 3032: 4-byte entries until the bottom-of-stack bit; the payload's first nibble tells IPv4/IPv6.
            var position = offset
            for _ in 0..<8 {
                guard frame.count >= position + 4 else { throw WireError(.mpls, .truncated, at: position) }
                let bottom = frame.uint8(at: position + 2) & 1 != 0
                position += 4
                if bottom {
                    guard frame.count > position else { throw WireError(.mpls, .truncated, at: position) }
                    switch frame.uint8(at: position) >> 4 {
                    case 4: return (.ipv4, position)
                    case 6: return (.ipv6, position)
                    default: return (.notIP(etherType), position)
                    }
                }
            }
            throw WireError(.mpls, .tooManyHeaders, at: position)
        default:
            return (.notIP(etherType), offset)
        }
    }

    // MARK: - Network layer

    private func decodeIPv4(_ bytes: Span<UInt8>, base: Int, summary: inout PacketSummary) throws(WireError) {
        func rebase(_ error: WireError) -> WireError { WireError(error.layer, error.reason, at: base + error.offset) }
        let packet: IPv4Packet
        do throws(WireError) { packet = try IPv4Packet(validating: bytes) } catch { throw rebase(error) }
        summary.anomalies.formUnion(packet.anomalies)
        if !packet.headerChecksumIsValid { summary.anomalies.insert(.ipv4BadChecksum) }
        let total = effectiveLength(declared: packet.totalLength, header: packet.headerLength, base: base, summary: &summary)
        var header = packet.header
        header.totalLength = total
        summary.network = header
        do throws(WireError) { try packet.validateOptions() } catch { throw rebase(error) }
        let payload = bytes.extracting(packet.headerLength..<max(packet.headerLength, min(total, bytes.count)))
        try decodeAfterIP(
            header, payload: payload, payloadBase: base + packet.headerLength, declaredLength: total - packet.headerLength,
            summary: &summary)
    }

    private func decodeIPv6(_ bytes: Span<UInt8>, base: Int, summary: inout PacketSummary) throws(WireError) {
        func rebase(_ error: WireError) -> WireError { WireError(error.layer, error.reason, at: base + error.offset) }
        let packet: IPv6Packet
        do throws(WireError) { packet = try IPv6Packet(validating: bytes) } catch { throw rebase(error) }
        summary.anomalies.formUnion(packet.anomalies)
        let total = effectiveLength(
            declared: packet.totalLength, header: IPv6Packet.fixedHeaderLength, base: base, summary: &summary)
        // The fixed header's fields are reported even when the extension chain turns out to be bad.
        summary.network = packet.header(chain: nil, totalLength: total)
        let chain: IPv6ExtensionChain
        do throws(WireError) { chain = try packet.extensionChain(limit: total) } catch { throw rebase(error) }
        let header = packet.header(chain: chain, totalLength: total)
        summary.network = header
        let payload = bytes.extracting(chain.headerLength..<max(chain.headerLength, min(total, bytes.count)))
        try decodeAfterIP(
            header, payload: payload, payloadBase: base + chain.headerLength, declaredLength: total - chain.headerLength,
            summary: &summary)
    }

    /// Bytes of payload in the shortest Ethernet frame (60 bytes without FCS, less the 14-byte header).
    static let minimumEthernetPayload = 46

    /// The datagram length to use: the IP length field, unless it claims more than the frame had on the wire
    /// (a lying or offload-mangled field: the frame wins, as in tshark). A datagram longer than the *captured*
    /// bytes but within the wire length was merely cut by snaplen. Bytes after the datagram are noted unless
    /// they are Ethernet's minimum-frame padding.
    private func effectiveLength(declared: Int, header: Int, base: Int, summary: inout PacketSummary) -> Int {
        let onWire = max(summary.wireLength, summary.capturedLength) - base
        if declared > onWire {
            summary.anomalies.insert(.ipLengthExceedsFrame)
            return max(header, onWire)
        }
        // Padding: Ethernet carries at least 46 bytes of payload (also when captured through a Linux cooked
        // header); a datagram shorter than that is padded up to it.
        let mayBePadded = summary.linkType == .ethernet || summary.linkType == .linuxSLL || summary.linkType == .linuxSLL2
        if declared < onWire, !mayBePadded || onWire > Self.minimumEthernetPayload {
            summary.anomalies.insert(.trailingBytes)
        }
        return declared
    }

    /// Fragments go through the reassembler; whole datagrams (or completed ones) to the transport decoders.
    private func decodeAfterIP(
        _ header: NetworkHeader, payload: Span<UInt8>, payloadBase: Int, declaredLength: Int,
        summary: inout PacketSummary
    ) throws(WireError) {
        guard let fragment = header.fragment else {
            try decodeTransport(
                header.transportProtocol, version: header.version, payload, base: payloadBase,
                declaredLength: declaredLength, inReassembled: false, summary: &summary)
            return
        }
        let key = FragmentReassembler.Key(
            source: header.source, destination: header.destination, identification: header.identification,
            protocolNumber: header.transportProtocol.rawValue)
        let outcome = reassembler.add(
            key, offset: fragment.offset, moreFragments: fragment.moreFragments, declaredLength: declaredLength,
            data: payload, at: summary.timestamp, anomalies: &summary.anomalies)
        switch outcome {
        case .complete(let length):
            summary.anomalies.insert(.reassembled)
            try reassembler.withCompleted { (datagram) throws(WireError) in
                try decodeTransport(
                    header.transportProtocol, version: header.version, datagram, base: 0, declaredLength: length,
                    inReassembled: true, summary: &summary)
            }
        case .pending where fragment.isFirst:
            // The first fragment exposes the transport header; its payload is only this fragment's part.
            try decodeTransport(
                header.transportProtocol, version: header.version, payload, base: payloadBase,
                declaredLength: declaredLength, inReassembled: false, summary: &summary)
        case .pending:
            summary.transport = .fragment
        }
    }

    // MARK: - Transport layer

    private func decodeTransport(
        _ proto: IPProtocol, version: UInt8, _ bytes: Span<UInt8>, base: Int, declaredLength: Int,
        inReassembled: Bool, summary: inout PacketSummary
    ) throws(WireError) {
        func rebase(_ error: WireError) -> WireError { WireError(error.layer, error.reason, at: base + error.offset) }
        summary.payload.inReassembledDatagram = inReassembled
        switch proto {
        case .tcp:
            let segment: TCPSegment
            // Options cut by snaplen are tolerated; a header longer than a complete frame is not.
            let mayBeCut = summary.anomalies.contains(.snaplenTruncated) && !inReassembled
            do throws(WireError) {
                segment = try TCPSegment(validating: bytes, optionsMayBeCut: mayBeCut)
            } catch { throw rebase(error) }
            let (options, valid) = segment.parseOptions()
            if !valid { summary.anomalies.insert(.tcpBadOption) }
            let flags = segment.flags
            // Plain masks: SetAlgebra over array literals would allocate in unoptimised builds.
            let bits = flags.rawValue
            let syn = TCPFlags.syn.rawValue
            if bits & 0x1ff == 0 || bits & (syn | TCPFlags.fin.rawValue) == syn | TCPFlags.fin.rawValue
                || bits & (syn | TCPFlags.rst.rawValue) == syn | TCPFlags.rst.rawValue
            {
                summary.anomalies.insert(.tcpImpossibleFlags)
            }
            summary.transport = .tcp(
                TCPHeader(
                    sourcePort: segment.sourcePort, destinationPort: segment.destinationPort,
                    sequenceNumber: segment.sequenceNumber, acknowledgmentNumber: segment.acknowledgmentNumber,
                    flags: flags, window: segment.window, urgentPointer: segment.urgentPointer,
                    headerLength: segment.headerLength, options: options))
            setPayload(base: base, header: segment.headerLength, declared: declaredLength, present: bytes.count, &summary)
        case .udp:
            let datagram: UDPDatagram
            do throws(WireError) {
                datagram = try UDPDatagram(
                    validating: bytes, inJumbogram: summary.anomalies.contains(.ipv6PayloadLengthZero))
            } catch { throw rebase(error) }
            let header = datagram.header
            // A first fragment carries the whole datagram's UDP length; only compare when the datagram is whole.
            let whole = summary.network?.fragment == nil || inReassembled
            if whole, Int(header.length) != declaredLength { summary.anomalies.insert(.udpLengthMismatch) }
            summary.transport = .udp(header)
            summary.tunnel = Self.udpTunnel(header)
            setPayload(base: base, header: UDPDatagram.headerLength, declared: declaredLength, present: bytes.count, &summary)
        case .icmp where version == 4, .icmpv6 where version == 6:
            let message: ICMPMessage
            do throws(WireError) {
                message = try ICMPMessage(validating: bytes, version: version)
            } catch { throw rebase(error) }
            let (info, quoteTruncated) = message.info()
            if quoteTruncated { summary.anomalies.insert(.icmpQuoteTruncated) }
            summary.transport = .icmp(info)
            setPayload(base: base, header: 8, declared: declaredLength, present: bytes.count, &summary)
        default:
            summary.transport = .other(proto)
            switch proto {
            case .ipInIP: summary.tunnel = .ipInIP
            case .ipv6InIP: summary.tunnel = .ipv6InIP
            case .gre: summary.tunnel = .gre
            default: break
            }
            setPayload(base: base, header: 0, declared: declaredLength, present: bytes.count, &summary)
        }
    }

    private func setPayload(base: Int, header: Int, declared: Int, present: Int, _ summary: inout PacketSummary) {
        summary.payload.offset = base + header
        summary.payload.length = max(0, declared - header)
        summary.payload.capturedLength = max(0, min(declared, present) - header)
    }

    /// Well-known UDP encapsulations, recognised by port (and counted as tunnels, not decapsulated yet).
    static func udpTunnel(_ header: UDPHeader) -> PacketSummary.Tunnel? {
        func either(_ port: UInt16) -> Bool { header.sourcePort == port || header.destinationPort == port }
        if header.destinationPort == 4789 { return .vxlan }
        if header.destinationPort == 6081 { return .geneve }
        if either(2152) { return .gtpU }
        if either(3544) { return .teredo }
        return nil
    }
}
