import WireFormat

/// The facts of how a flow lived and died that blocking detection needs (placeholder: filled by the teardown work).
public struct TeardownFacts: Sendable {
    public init() {}

    /// Records one packet of the flow, sent by the originator when `fromOriginator`.
    mutating func record(_ summary: PacketSummary, fromOriginator: Bool) {}

    /// Called when the flow's originator and responder turn out to be the other way round (a late SYN).
    mutating func swapDirections() {}
}
