import Blockscope
import Rules
import WireFormat

/// The assessments in the report: JSON `assessment` objects, or the text report's first section.
extension Report {
    /// Writes the assessments; in the text report from files, the kept flow blocks follow them.
    func writeAssessments(_ results: [AssessmentResult], flows: Int, untracked: Int) {
        if json {
            for result in results { Self.jsonLine(result).write(to: output) }
            return
        }
        if streaming { output.write("\n") }
        output.write(palette.bold("Assessment (per service, and per address where something failed):") + "\n")
        if results.isEmpty {
            output.write("  nothing failed in \(FlowStory.plural(flows, "flow")), and no catalogue service was seen\n")
        }
        for result in results {
            let head = result.summary.split(separator: " — ", maxSplits: 1)
            let colored = palette.verdictClass(String(head.first ?? ""), result.conclusionClass)
            output.write("  " + colored + (head.count > 1 ? " — " + head[1] : "") + "\n")
            output.write(
                "      conclusion \(result.conclusion) (\(result.level.rawValue)), \(FlowStory.plural(result.flowCount, "flow")), "
                    + "\(Format.dateTime(result.firstTimestamp, fractionDigits: 0)) → \(Format.dateTime(result.lastTimestamp, fractionDigits: 0)) UTC\n")
            for line in result.evidence { output.write("      - \(line)\n") }
        }
        if untracked > 0 {
            output.write("  \(FlowStory.plural(untracked, "flow")) to addresses beyond max_destinations were counted but not assessed\n")
        }
        output.write("\n")
        writeListedFlows(total: flows)
    }

    static func jsonLine(_ result: AssessmentResult) -> JSONLine {
        var line = JSONLine()
        line.add("type", "assessment")
        line.add("schema", schema)
        line.add("scope", result.scope.rawValue)
        line.add("service", result.service)
        line.add("destination", result.destination?.description)
        line.add("conclusion", result.conclusion)
        line.add("class", result.conclusionClass.rawValue)
        line.add("confidence", result.level.rawValue)
        line.add("flows", counts: result.flows.map { ($0.id, $0.count) })
        line.add("first_ts", epoch: result.firstTimestamp.seconds, subsecond: result.firstTimestamp.subsecondNanoseconds)
        line.add("last_ts", epoch: result.lastTimestamp.seconds, subsecond: result.lastTimestamp.subsecondNanoseconds)
        line.add("controls", objects: result.controls.map { control in
            var object = JSONLine()
            object.add("kind", control.kind.rawValue)
            object.add("flows", control.flows)
            object.add("example", control.example)
            return object
        })
        line.add("evidence", strings: result.evidence)
        line.add("summary", result.summary)
        return line
    }
}
