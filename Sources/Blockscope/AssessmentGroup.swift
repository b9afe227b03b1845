import Rules
import WireFormat

/// A few distinct values, at most `limit`; more are counted, not kept (memory per group stays fixed).
struct SmallSet<Element: Hashable & Sendable>: Sendable {
    private(set) var elements: [Element] = []
    private(set) var overflowed = false
    let limit: Int

    init(limit: Int) { self.limit = limit }

    mutating func insert(_ element: Element) {
        guard !elements.contains(element) else { return }
        if elements.count < limit { elements.append(element) } else { overflowed = true }
    }

    func contains(_ element: Element) -> Bool { elements.contains(element) }
}

/// Distinct attempts: the `gap`-long windows of the clock (aligned to the epoch, so that the count does not depend
/// on the order flows end in) in which at least one matching flow started. Flows of one burst fall in one window, or
/// two when the burst straddles a boundary. At most `limit` windows are kept; the count is then "at least".
struct AttemptClock: Sendable {
    private(set) var windows: Set<Int64> = []
    let gap: Int64
    let limit = 64

    init(gap: Double) { self.gap = max(1, Int64(gap * 1e9)) }

    mutating func add(_ start: Timestamp) {
        guard windows.count < limit else { return }
        let time = start.nanoseconds
        windows.insert(time >= 0 ? time / gap : (time - gap + 1) / gap)
    }

    var count: Int { windows.count }
}

/// A time span, first start → last end.
struct TimeSpan: Sendable {
    private(set) var first: Timestamp?
    private(set) var last: Timestamp?

    mutating func add(start: Timestamp, end: Timestamp) {
        if first.map({ start < $0 }) ?? true { first = start }
        if last.map({ $0 < end }) ?? true { last = end }
    }

    var seconds: Double {
        guard let first, let last else { return 0 }
        return Double(last.nanoseconds(since: first)) / 1e9
    }
}

/// An example flow kept for the evidence lines.
struct FlowExample: Sendable {
    var start: Timestamp
    var transport: String
    var destination: IPAddress
    var port: UInt16
    var name: String?
    var verdictID: String
}

/// The running tally of one service or destination: counts, spans, a few names and examples — never the flows.
struct AssessmentGroup: Sendable {
    enum Key: Hashable, Sendable {
        case service(String)
        case destination(IPAddress)
    }

    let key: Key
    var counts: [String: Int] = [:]
    var titles: [String: String] = [:]
    var classes: [String: VerdictClass] = [:]
    var flows = 0
    var span = TimeSpan()
    /// Blocked or throttled flows (not truncated) and their spread.
    var blocking = 0
    var blockingSpan = TimeSpan()
    var blockingAttempts: AttemptClock
    var failingInconclusive = 0
    var worked = 0
    var neutral = 0
    /// `server-silent` flows (also counted as neutral) and their spread: `tls-hello-muted` with a same-address control.
    var muted = 0
    var mutedSpan = TimeSpan()
    var mutedAttempts: AttemptClock
    var uninformative = 0
    /// Where and how the failures happened (for controls).
    var failingDestinations = SmallSet<IPAddress>(limit: 16)
    var failingTriggers = SmallSet<Trigger>(limit: 8)
    /// Where the group's flows worked (service groups: the same service elsewhere is a control).
    var workingDestinations = SmallSet<IPAddress>(limit: 16)
    var examples: [FlowExample] = []
    var exampleLimit: Int
    /// The first blocking or failing flow, described for a one-flow conclusion.
    var firstFailure: FlowExample?
    var firstFailureTitle: String?
    // FaceTime: the push/TLS side and the UDP relay/media side.
    var pushAlive = 0
    var pushFailed = 0
    var relayUnanswered = 0
    var relayWorked = 0
    var relayOther = 0
    var relayAttempts: AttemptClock
    var relaySpan = TimeSpan()
    var relayPorts = SmallSet<UInt16>(limit: 8)
    var relayDestinations = SmallSet<IPAddress>(limit: 8)
    var pushExample: FlowExample?

    init(key: Key, parameters: AssessmentParameters) {
        self.key = key
        blockingAttempts = AttemptClock(gap: parameters.attemptGap)
        mutedAttempts = AttemptClock(gap: parameters.attemptGap)
        relayAttempts = AttemptClock(gap: parameters.attemptGap)
        exampleLimit = parameters.examples
    }

    /// Verdict ids a FaceTime relay/media flow shows when its UDP gets nothing back (blocked, or inconclusive when
    /// the host was not seen answering elsewhere: the push connection is then the context the flow lacked).
    static let unansweredUDP: Set<String> = ["stun-unanswered", "udp-unanswered", "quic-initial-timeout"]

    mutating func add(_ flow: AssessedFlow, isFaceTime: Bool) {
        flows += 1
        counts[flow.verdictID, default: 0] += 1
        if titles[flow.verdictID] == nil {
            titles[flow.verdictID] = flow.verdictTitle
            classes[flow.verdictID] = flow.verdictClass
        }
        span.add(start: flow.start, end: flow.end)
        let example = FlowExample(
            start: flow.start, transport: flow.transport, destination: flow.destination, port: flow.destinationPort,
            name: flow.name, verdictID: flow.verdictID)
        if flow.isBlocking {
            blocking += 1
            blockingSpan.add(start: flow.start, end: flow.end)
            blockingAttempts.add(flow.start)
        } else if flow.isFailingInconclusive {
            failingInconclusive += 1
        } else if flow.worked {
            worked += 1
            workingDestinations.insert(flow.destination)
        } else if flow.isNeutral {
            neutral += 1
            if flow.looksMuted {
                muted += 1
                mutedSpan.add(start: flow.start, end: flow.end)
                mutedAttempts.add(flow.start)
            }
        } else {
            uninformative += 1
        }
        if flow.isBlocking || flow.isFailingInconclusive || flow.looksMuted {
            failingDestinations.insert(flow.destination)
            failingTriggers.insert(flow.trigger)
            if firstFailure.map({ flow.start < $0.start }) ?? true {
                firstFailure = example
                firstFailureTitle = flow.verdictTitle
            }
            if examples.count < exampleLimit { examples.append(example) }
        }
        if isFaceTime { addFaceTime(flow, example: example) }
    }

    private mutating func addFaceTime(_ flow: AssessedFlow, example: FlowExample) {
        if flow.transport == "tcp" {
            // Alive: data came back and nothing went wrong. A push connection older than the capture is alive too
            // when data flowed both ways (it is the usual case: the phone keeps it open).
            let alive = flow.responderPayloadBytes > 0 && flow.originatorPackets > 0
                && (flow.worked || flow.verdictID == "capture-truncated")
            if alive {
                pushAlive += 1
                if pushExample == nil { pushExample = example }
            } else if flow.isBlocking || flow.isFailingInconclusive {
                pushFailed += 1
            }
        } else if flow.transport == "udp" {
            if Self.unansweredUDP.contains(flow.verdictID) {
                relayUnanswered += 1
                relayAttempts.add(flow.start)
                relaySpan.add(start: flow.start, end: flow.end)
                relayPorts.insert(flow.destinationPort)
                relayDestinations.insert(flow.destination)
            } else if flow.worked {
                relayWorked += 1
            } else if !AssessedFlow.uninformative.contains(flow.verdictID) {
                relayOther += 1
            }
        }
    }
}
