import WireFormat

/// Zeek's view of a connection: `conn_state` and the `history` string (placeholder: filled by the Zeek work).
public struct ZeekConnection: Sendable {
    public init() {}

    /// Records one packet of the flow, sent by the originator when `fromOriginator`.
    mutating func record(_ summary: PacketSummary, fromOriginator: Bool) {}

    /// Called when the flow's originator and responder turn out to be the other way round (a late SYN).
    mutating func swapDirections() {}

    /// Zeek's history letters so far.
    public var history: String { "" }

    /// Zeek's conn_state for the connection as seen so far.
    public var state: String { "OTH" }
}
