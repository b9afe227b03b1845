import Rules
import WireFormat

/// The assessment across flows: fed every finished flow with its verdict and service, it keeps one tally per
/// service and one per destination address where something failed, and at the end concludes for each.
///
/// Rules of evidence (research §3.3; numbers in `AssessmentParameters`, docs/OUTPUT.md):
/// - one blocked flow never concludes blocking: the conclusion is `inconclusive`, saying what the flow looked like;
/// - a blocking conclusion needs `min_flows` blocked or throttled flows (`suspected`), and for `likely`
///   `likely_attempts` distinct attempts covering `likely_span`, plus a control that worked in the same capture;
/// - a mix of blocked and working flows with the same trigger is consistent with blocking: the ratio is reported;
/// - flows the capture cut (`capture-truncated`) or no rule judged (`unclassified`) never count as evidence;
/// - FaceTime: `facetime-setup-blocked` when the push/TLS connection is alive and the UDP toward the relay and media
///   ports gets nothing back (`stun-unanswered`, `udp-unanswered`, `quic-initial-timeout`).
///
/// Memory is bounded by the number of groups (services, and at most `max_destinations` addresses), not flows.
public struct Assessment: Sendable {
    /// The catalogue's name of the service `facetime-setup-blocked` is about.
    public static let faceTimeService = "FaceTime"

    public let parameters: AssessmentParameters
    private var services: [String: AssessmentGroup] = [:]
    private var serviceOrder: [String] = []
    private var destinations: [IPAddress: AssessmentGroup] = [:]
    private var destinationOrder: [IPAddress] = []
    /// What worked where, for controls.
    private var work: [IPAddress: DestinationWork] = [:]
    private var workedByService: [String: Int] = [:]
    private var workedTotal = 0
    private var workedWithoutService = 0
    private var workExamples: [(destination: IPAddress, trigger: Trigger)] = []
    /// Flows to destinations beyond `max_destinations` (counted, not grouped).
    public private(set) var untrackedFlows = 0
    public private(set) var flowCount = 0

    /// Working and uninformative flows at one address: counts by verdict (flows without a service) and the
    /// triggers that worked there (all flows).
    struct DestinationWork: Sendable {
        var worked = 0
        var workedWithoutService = 0
        var neutral = 0
        var counts: [String: Int] = [:]
        var titles: [String: String] = [:]
        var span = TimeSpan()
        var triggers: [Trigger: Int] = [:]
        static let triggerLimit = 8
    }

    public init(parameters: AssessmentParameters = AssessmentParameters()) {
        self.parameters = parameters
    }

    // MARK: - Feeding

    public mutating func add(_ flow: AssessedFlow) {
        flowCount += 1
        if flow.worked { recordWork(flow) }
        if let service = flow.service {
            if services[service] == nil {
                services[service] = AssessmentGroup(key: .service(service), parameters: parameters)
                serviceOrder.append(service)
            }
            services[service]?.add(flow, isFaceTime: service == Self.faceTimeService)
            return
        }
        let failing = flow.isBlocking || flow.isFailingInconclusive || flow.looksMuted
        if destinations[flow.destination] == nil {
            guard failing else {
                if !flow.worked { recordUninformative(flow) }
                return
            }
            guard destinations.count < parameters.maximumDestinations else {
                untrackedFlows += 1
                return
            }
            destinations[flow.destination] = AssessmentGroup(key: .destination(flow.destination), parameters: parameters)
            destinationOrder.append(flow.destination)
        }
        // A destination group tallies its failures (and uninformative flows); the working flows are in `work`.
        if failing || !flow.worked { destinations[flow.destination]?.add(flow, isFaceTime: false) }
    }

    private mutating func recordWork(_ flow: AssessedFlow) {
        workedTotal += 1
        if let service = flow.service { workedByService[service, default: 0] += 1 } else { workedWithoutService += 1 }
        if workExamples.count < 8, !workExamples.contains(where: { $0.destination == flow.destination }) {
            workExamples.append((flow.destination, flow.trigger))
        }
        guard work[flow.destination] != nil || work.count < parameters.maximumDestinations else { return }
        var entry = work[flow.destination] ?? DestinationWork()
        entry.worked += 1
        let trigger = flow.trigger
        if entry.triggers[trigger] != nil || entry.triggers.count < DestinationWork.triggerLimit {
            entry.triggers[trigger, default: 0] += 1
        }
        if flow.service == nil {
            entry.workedWithoutService += 1
            entry.counts[flow.verdictID, default: 0] += 1
            if entry.titles[flow.verdictID] == nil { entry.titles[flow.verdictID] = flow.verdictTitle }
            entry.span.add(start: flow.start, end: flow.end)
        }
        work[flow.destination] = entry
    }

    /// A neutral, truncated or unjudged flow without a service to an address with no failure (yet): counted there.
    private mutating func recordUninformative(_ flow: AssessedFlow) {
        guard work[flow.destination] != nil || work.count < parameters.maximumDestinations else { return }
        var entry = work[flow.destination] ?? DestinationWork()
        entry.counts[flow.verdictID, default: 0] += 1
        if flow.isNeutral { entry.neutral += 1 }
        if entry.titles[flow.verdictID] == nil { entry.titles[flow.verdictID] = flow.verdictTitle }
        entry.span.add(start: flow.start, end: flow.end)
        work[flow.destination] = entry
    }

    // MARK: - Concluding

    /// One result per service (in order of first flow), then per destination with a failure (same order).
    public func results() -> [AssessmentResult] {
        serviceOrder.compactMap { services[$0].map(conclude) } + destinationOrder.compactMap { destinations[$0].map(conclude) }
    }

    /// The blocking conclusions only (for the exit status).
    public var concludesBlocking: Bool { results().contains { $0.isBlocking } }

    private func conclude(_ group: AssessmentGroup) -> AssessmentResult {
        var group = group
        var workedSameTrigger = 0
        if case .destination(let address) = group.key, let entry = work[address] {
            // Fold in the address's working flows: they are counted here, and those with a failing trigger make
            // the mixed ratio.
            for (id, count) in entry.counts {
                group.counts[id, default: 0] += count
                group.flows += count
                if AssessedFlow.uninformative.contains(id) { group.uninformative += count }
                if group.titles[id] == nil { group.titles[id] = entry.titles[id] }
            }
            group.worked += entry.workedWithoutService
            if let first = entry.span.first, let last = entry.span.last { group.span.add(start: first, end: last) }
            for (trigger, count) in entry.triggers where trigger.service == nil && group.failingTriggers.contains(trigger) {
                workedSameTrigger += count
            }
        }
        var writer = AssessmentWriter(group: group, parameters: parameters, controls: controls(for: group, excludingOwnService: false))
        if case .service(Self.faceTimeService) = group.key {
            writer.patternControls = controls(for: group, excludingOwnService: true)
        }
        writer.workedSameTrigger = workedSameTrigger
        return writer.result()
    }

    /// What worked alongside the group's failures. `excludingOwnService`: the service's own flows never count (for
    /// `facetime-setup-blocked`, whose push connection is part of the pattern, not a control).
    private func controls(for group: AssessmentGroup, excludingOwnService: Bool) -> [AssessmentResult.Control] {
        var controls: [AssessmentResult.Control] = []
        // Controls are what worked alongside failures: a group where nothing failed has none.
        guard group.blocking + group.failingInconclusive + group.muted > 0 else { return controls }
        let ownService: String?
        if case .service(let name) = group.key { ownService = name } else { ownService = nil }
        let isFaceTime = excludingOwnService
        // Same address, another trigger.
        var sameDestination = 0
        var sameExample: String?
        for address in group.failingDestinations.elements {
            guard let entry = work[address] else { continue }
            for (trigger, count) in entry.triggers.sorted(by: { $0.key.description < $1.key.description })
            where !group.failingTriggers.contains(trigger) && !(isFaceTime && trigger.service == ownService) {
                sameDestination += count
                if sameExample == nil { sameExample = "\(trigger.description) at \(address)" }
            }
        }
        if let sameExample { controls.append(.init(kind: .sameDestination, flows: sameDestination, example: sameExample)) }
        if let ownService {
            if !isFaceTime {
                let elsewhere = group.workingDestinations.elements.filter { !group.failingDestinations.contains($0) }
                if let first = elsewhere.first {
                    controls.append(.init(kind: .sameServiceElsewhere, flows: elsewhere.count, example: "\(ownService) at \(first)"))
                }
            }
            let others = workedByService.filter { $0.key != ownService }.sorted { $0.key < $1.key }
            if let first = others.first {
                controls.append(.init(kind: .otherService, flows: others.reduce(0) { $0 + $1.value }, example: first.key))
            }
            var elsewhere = workedWithoutService
            for address in group.failingDestinations.elements { elsewhere -= work[address]?.workedWithoutService ?? 0 }
            if elsewhere > 0 {
                let example = workExamples.first { $0.trigger.service == nil && !group.failingDestinations.contains($0.destination) }
                controls.append(.init(
                    kind: .otherDestination, flows: elsewhere,
                    example: example.map { "\($0.trigger.description) at \($0.destination)" } ?? "\(elsewhere) flows"))
            }
        } else if case .destination(let address) = group.key {
            let elsewhere = workedTotal - (work[address]?.worked ?? 0)
            if elsewhere > 0 {
                let example = workExamples.first { $0.destination != address }
                controls.append(.init(
                    kind: .otherDestination, flows: elsewhere,
                    example: example.map { "\($0.trigger.description) at \($0.destination)" } ?? "\(elsewhere) flows"))
            }
        }
        return controls
    }
}
