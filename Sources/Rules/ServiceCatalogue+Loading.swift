import WireFormat
import Yams

extension ServiceCatalogue {
    static let serviceKeys = ["name", "description", "match"]
    static let matcherKeys = ["role", "sni", "addresses", "tcp", "udp", "stun"]
    static let stunKeys = ["software", "realm", "attributes", "message_types"]

    /// Loads a services file (docs/SERVICES.md): a list of services, or a mapping `{services: [...]}`. Every problem
    /// is a `RuleError` with the file, line and column; nothing in a services file can crash.
    public static func load(yaml: String, file: String) throws(RuleError) -> ServiceCatalogue {
        let list = try YAMLDiagnostics.topLevelList(yaml, file: file, key: "services", noun: "services")
        var services: [Service] = []
        var seen: [String: Int] = [:]
        for item in list {
            let service = try loadService(item, file: file)
            if let first = seen[service.name] {
                throw YAMLDiagnostics.error(
                    file, item.mapping?["name"] ?? item,
                    "duplicate service '\(service.name)' (first defined at line \(first)); give one service all its matchers")
            }
            seen[service.name] = service.line
            services.append(service)
        }
        return ServiceCatalogue(services: services)
    }

    private static func loadService(_ node: Node, file: String) throws(RuleError) -> Service {
        guard case .mapping(let m) = node else {
            throw YAMLDiagnostics.error(file, node, "expected a service (a mapping with name, description, match)")
        }
        try checkKeys(m, serviceKeys, file: file, context: " in a service")
        guard let nameNode = m["name"] else { throw YAMLDiagnostics.error(file, node, "service is missing 'name'") }
        let name = try scalar(nameNode, "name", file: file)
        guard !name.isEmpty, name.count <= 64, !name.contains(where: { $0.isNewline }) else {
            throw YAMLDiagnostics.error(file, nameNode, "service name must be 1 to 64 characters on one line")
        }
        let description = try m["description"].map { (n) throws(RuleError) in try scalar(n, "description", file: file) } ?? ""
        guard let matchNode = m["match"] else {
            throw YAMLDiagnostics.error(file, node, "service '\(name)' is missing 'match' (a list of matchers)")
        }
        guard case .sequence(let items) = matchNode, !items.isEmpty else {
            throw YAMLDiagnostics.error(file, matchNode, "'match' must be a non-empty list of matchers")
        }
        var matchers: [Matcher] = []
        for item in items { matchers.append(try loadMatcher(item, file: file)) }
        return Service(name: name, description: description, matchers: matchers, file: file, line: node.mark?.line ?? 1)
    }

    private static func loadMatcher(_ node: Node, file: String) throws(RuleError) -> Matcher {
        guard case .mapping(let m) = node else {
            throw YAMLDiagnostics.error(file, node, "expected a matcher (a mapping with sni, addresses, tcp, udp, stun, role)")
        }
        try checkKeys(m, matcherKeys, file: file, context: " in a matcher")
        var matcher = Matcher()
        if let value = m["role"] {
            let role = try scalar(value, "role", file: file)
            guard isKebabCase(role) else {
                throw YAMLDiagnostics.error(file, value, "role '\(role)' is not kebab-case (lower-case letters and digits joined by '-')")
            }
            matcher.role = role
        }
        if let value = m["sni"] {
            for (text, element) in try strings(value, "sni", file: file) {
                guard !text.isEmpty, text.utf8.count <= 255, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
                    throw YAMLDiagnostics.error(file, element, "server name pattern '\(text)' must be 1 to 255 printable ASCII characters")
                }
                matcher.names.append(Glob(text))
                matcher.nameTexts.append(text)
            }
        }
        if let value = m["addresses"] {
            for (text, element) in try strings(value, "addresses", file: file) {
                guard let block = CIDRBlock(text) else {
                    throw YAMLDiagnostics.error(file, element, "'\(text)' is not an address block (like 17.0.0.0/8 or 2001:db8::/32)")
                }
                matcher.blocks.append(block)
                matcher.blockTexts.append(text)
            }
        }
        if let value = m["tcp"] { matcher.tcpPorts = try ranges(value, "tcp", file: file, limit: 0xFFFF) }
        if let value = m["udp"] { matcher.udpPorts = try ranges(value, "udp", file: file, limit: 0xFFFF) }
        if let value = m["stun"] { matcher.stun = try loadSTUN(value, file: file) }
        guard !matcher.names.isEmpty || !matcher.blocks.isEmpty || matcher.tcpPorts != nil || matcher.udpPorts != nil
            || matcher.stun != nil
        else {
            throw YAMLDiagnostics.error(file, node, "a matcher needs at least one of sni, addresses, tcp, udp, stun")
        }
        if matcher.names.isEmpty, matcher.blocks.isEmpty, matcher.stun == nil {
            throw YAMLDiagnostics.error(
                file, node, "ports alone would claim every flow on them: give 'addresses', 'sni' or 'stun' with 'tcp'/'udp'")
        }
        return matcher
    }

    private static func loadSTUN(_ node: Node, file: String) throws(RuleError) -> STUNCriteria {
        guard case .mapping(let m) = node else {
            throw YAMLDiagnostics.error(file, node, "'stun' must be a mapping with software, realm, attributes, message_types")
        }
        try checkKeys(m, stunKeys, file: file, context: " in 'stun'")
        var criteria = STUNCriteria()
        if let value = m["software"] { criteria.software = try strings(value, "software", file: file).map { $0.0.lowercased() } }
        if let value = m["realm"] { criteria.realm = try strings(value, "realm", file: file).map { $0.0.lowercased() } }
        if let value = m["attributes"] { criteria.attributes = try ranges(value, "attributes", file: file, limit: 0xFFFF) }
        if let value = m["message_types"] {
            criteria.messageTypes = try ranges(value, "message_types", file: file, limit: 0x3FFF)
        }
        guard !(criteria.software + criteria.realm).isEmpty || !(criteria.attributes + criteria.messageTypes).isEmpty else {
            throw YAMLDiagnostics.error(file, node, "'stun' needs at least one of software, realm, attributes, message_types")
        }
        guard !(criteria.software + criteria.realm).contains("") else {
            throw YAMLDiagnostics.error(file, node, "an empty STUN software or realm text would match every STUN flow")
        }
        return criteria
    }

    // MARK: - Values

    private static func checkKeys(_ m: Node.Mapping, _ known: [String], file: String, context: String) throws(RuleError) {
        for (key, _) in m {
            guard let name = key.string, known.contains(name) else {
                throw YAMLDiagnostics.unknownKey(file, key, known: known, context: context)
            }
        }
    }

    private static func scalar(_ node: Node, _ key: String, file: String) throws(RuleError) -> String {
        guard case .scalar(let s) = node else { throw YAMLDiagnostics.error(file, node, "'\(key)' must be a single value") }
        return s.string
    }

    /// A list of scalars (a single scalar is a list of one), each with its node for error positions.
    private static func strings(_ node: Node, _ key: String, file: String) throws(RuleError) -> [(String, Node)] {
        switch node {
        case .scalar(let s):
            return [(s.string, node)]
        case .sequence(let items):
            var result: [(String, Node)] = []
            for item in items {
                guard case .scalar(let s) = item else {
                    throw YAMLDiagnostics.error(file, item, "'\(key)' must be a list of single values")
                }
                result.append((s.string, item))
            }
            return result
        default:
            throw YAMLDiagnostics.error(file, node, "'\(key)' must be a list")
        }
    }

    /// Numbers and ranges `low-high`, decimal or `0x` hexadecimal, each within `0...limit`.
    private static func ranges(_ node: Node, _ key: String, file: String, limit: Int) throws(RuleError)
        -> [ClosedRange<UInt16>]
    {
        var result: [ClosedRange<UInt16>] = []
        for (text, element) in try strings(node, key, file: file) {
            let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingSpaces }
            let bounds = parts.map(number)
            guard bounds.allSatisfy({ $0 != nil }), let low = bounds.first ?? nil, let high = bounds.last ?? nil else {
                throw YAMLDiagnostics.error(file, element, "'\(text)' in '\(key)' is not a number or a range like 3478-3497")
            }
            guard low <= high else {
                throw YAMLDiagnostics.error(file, element, "range '\(text)' in '\(key)' runs backwards")
            }
            guard high <= limit else {
                throw YAMLDiagnostics.error(file, element, "'\(text)' in '\(key)' is above \(limit)")
            }
            result.append(UInt16(low)...UInt16(high))
        }
        guard !result.isEmpty else { throw YAMLDiagnostics.error(file, node, "'\(key)' is empty") }
        return result
    }

    private static func number(_ text: Substring) -> Int? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return text.count <= 6 ? Int(text.dropFirst(2), radix: 16) : nil }
        guard !text.isEmpty, text.count <= 6, text.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return Int(text)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
