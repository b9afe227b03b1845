import Rules
import WireFormat

/// The assessment of one service (flows the catalogue named) or one destination address (flows without a
/// service, only where something failed): what the flows add up to, and how sure that is.
public struct AssessmentResult: Sendable {
    public enum Scope: String, Sendable {
        case service, destination
    }

    /// How well the rules of evidence are met (docs/OUTPUT.md):
    /// - `likely`: a blocking conclusion from enough distinct attempts, spread over enough time, with a control
    ///   that worked in the same capture; for `not-blocked`, at least `min_flows` flows worked and none failed;
    /// - `suspected`: a blocking conclusion from at least `min_flows` flows, without all of the above;
    /// - `low`: `inconclusive`, or `not-blocked` from a single flow.
    public enum Level: String, Sendable, CaseIterable {
        case likely, suspected, low
    }

    /// What worked alongside, in the same capture.
    public struct Control: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            /// The same address, with another protocol, port or server name (or another service).
            case sameDestination = "same-destination"
            /// The same service, at an address where it did not fail.
            case sameServiceElsewhere = "same-service-elsewhere"
            /// Another catalogue service.
            case otherService = "other-service"
            /// Traffic without a catalogue service, to other addresses.
            case otherDestination = "other-destination"
        }

        public var kind: Kind
        /// How many flows worked this way.
        public var flows: Int
        /// One of them, in words: `tcp/443 www.example.com at 198.51.100.2`.
        public var example: String
    }

    public var scope: Scope
    /// The service (scope `service`), else nil.
    public var service: String?
    /// The address (scope `destination`), else nil.
    public var destination: IPAddress?
    /// A blocking verdict id (`tls-hello-rst`, ..., `facetime-setup-blocked`), `not-blocked` or `inconclusive`.
    public var conclusion: String
    /// `blocked` or `throttled` for a blocking conclusion, `benign` for `not-blocked`, else `inconclusive`.
    public var conclusionClass: VerdictClass
    public var level: Level
    /// Flows by verdict id, sorted by id.
    public var flows: [(id: String, count: Int)]
    public var firstTimestamp: Timestamp
    public var lastTimestamp: Timestamp
    public var controls: [Control]
    /// Plain-words lines with the numbers behind the conclusion.
    public var evidence: [String]
    /// One sentence: `FaceTime: call setup blocked at the network level (likely) — ...`.
    public var summary: String

    /// The service's name or the address.
    public var label: String { service ?? destination?.description ?? "?" }

    /// Blocking or throttling concluded (at `suspected` or `likely`).
    public var isBlocking: Bool { conclusionClass == .blocked || conclusionClass == .throttled }

    public var flowCount: Int { flows.reduce(0) { $0 + $1.count } }
}
