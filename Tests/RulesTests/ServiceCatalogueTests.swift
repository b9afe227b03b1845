import Rules
import Testing
import WireFormat

/// The service catalogue: loading (every error message, with line and column), matching order and conditions.
@Suite("Service catalogue")
struct ServiceCatalogueTests {
    static let facetimeLike = """
        services:
          - name: Phone
            description: test
            match:
              - role: signalling
                sni: ["*.ess.example", call.example]
              - role: push
                addresses: [198.51.100.0/24, 2001:db8::/32]
                tcp: [5223]
              - role: relay
                addresses: [198.51.100.0/24]
                udp: [3478-3497, 16384]
          - name: Chat
            match:
              - role: relay
                stun:
                  realm: [ChatRealm]
                  message_types: [0x0800-0x0802]
              - sni: [chat.example]
          - name: Hosting
            match:
              - role: hosting
                addresses: [203.0.113.0/24]
        """

    static func query(
        sni: String? = nil, _ transport: IPProtocol = .tcp, to responder: String, _ port: UInt16, from originator: String = "192.0.2.2",
        _ originatorPort: UInt16 = 40000, stun: Int = 0, realm: String? = nil, types: [UInt16] = []
    ) -> ServiceQuery {
        ServiceQuery(
            sni: sni, transport: transport, originator: IPAddress(originator)!, originatorPort: originatorPort,
            responder: IPAddress(responder)!, responderPort: port, stunMessages: stun, stunRealm: realm, stunMessageTypes: types)
    }

    @Test func matchesByNameAddressPortAndSTUN() throws {
        let catalogue = try ServiceCatalogue.load(yaml: Self.facetimeLike, file: "s.yaml")
        let signalling = catalogue.service(for: Self.query(sni: "init.ESS.example", to: "203.0.113.9", 443))
        #expect(signalling == ServiceMatch(name: "Phone", role: "signalling", reason: "sni *.ess.example"))
        // `*.` needs at least one label before the suffix.
        #expect(catalogue.service(for: Self.query(sni: "ess.example", to: "192.0.2.9", 443)) == nil)
        let push = catalogue.service(for: Self.query(to: "198.51.100.7", 5223))
        #expect(push == ServiceMatch(name: "Phone", role: "push", reason: "address 198.51.100.0/24 tcp 5223"))
        let push6 = catalogue.service(for: Self.query(to: "2001:db8::5", 5223, from: "2001:db8:1::2"))
        #expect(push6?.role == "push")
        // The port list is per transport: UDP 5223 is not push, TCP 3478 is not relay.
        #expect(catalogue.service(for: Self.query(.udp, to: "198.51.100.7", 5223)) == nil)
        #expect(catalogue.service(for: Self.query(.tcp, to: "198.51.100.7", 3478)) == nil)
        let relay = catalogue.service(for: Self.query(.udp, to: "198.51.100.7", 3490))
        #expect(relay == ServiceMatch(name: "Phone", role: "relay", reason: "address 198.51.100.0/24 udp 3478-3497"))
        // The relay may be the side that sent first (an incoming call): the originator's endpoint counts too.
        let incoming = catalogue.service(for: Self.query(.udp, to: "192.0.2.2", 50000, from: "198.51.100.8", 16384))
        #expect(incoming?.reason == "address 198.51.100.0/24 udp 16384")
        let realm = catalogue.service(for: Self.query(.udp, to: "192.0.2.50", 3478, stun: 2, realm: "x.chatrealm.example"))
        #expect(realm == ServiceMatch(name: "Chat", role: "relay", reason: "stun realm \"chatrealm\""))
        let type = catalogue.service(for: Self.query(.udp, to: "192.0.2.50", 3478, stun: 1, types: [0x0001, 0x0801]))
        #expect(type?.reason == "stun message type 0x0801")
        // STUN criteria need STUN messages.
        #expect(catalogue.service(for: Self.query(.udp, to: "192.0.2.50", 3478, realm: "chatrealm")) == nil)
        #expect(catalogue.service(for: Self.query(to: "203.0.113.4", 443))?.name == "Hosting")
    }

    @Test func serverNamesWinOverAddresses() throws {
        let catalogue = try ServiceCatalogue.load(yaml: Self.facetimeLike, file: "s.yaml")
        // chat.example on a hosting address: the name says more than the address, though Hosting comes later in
        // file order only by its address matcher.
        let onHosting = catalogue.service(for: Self.query(sni: "chat.example", to: "203.0.113.4", 443))
        #expect(onHosting?.name == "Chat")
        // An unknown name on a hosting address is still hosting.
        #expect(catalogue.service(for: Self.query(sni: "other.example", to: "203.0.113.4", 443))?.name == "Hosting")
    }

    @Test func userFileComesFirstAndMayReuseABuiltInName() throws {
        let builtIn = try ServiceCatalogue.load(yaml: Self.facetimeLike, file: "s.yaml")
        let user = try ServiceCatalogue.load(
            yaml: "- name: Phone\n  match:\n    - role: media\n      addresses: [203.0.113.8]\n      udp: [16393]\n", file: "u.yaml")
        let combined = builtIn.prepending(user)
        #expect(combined.service(for: Self.query(.udp, to: "203.0.113.8", 16393)) == ServiceMatch(name: "Phone", role: "media", reason: "address 203.0.113.8 udp 16393"))
        // The built-in matchers still apply.
        #expect(combined.service(for: Self.query(sni: "call.example", to: "192.0.2.1", 443))?.role == "signalling")
        #expect(combined.names == ["Phone", "Chat", "Hosting"])
    }

    @Test(
        "Every error message, with its place",
        arguments: [
            ("", "s.yaml:1:1: empty services file (expected a list of services)"),
            ("42", "s.yaml:1:1: expected a list of services or a 'services' key"),
            ("servics: []", "s.yaml:1:1: unknown key 'servics' at the top level (did you mean 'services'?); expected one of services"),
            ("services: 3", "s.yaml:1:11: 'services' must be a list of services"),
            ("- 3", "s.yaml:1:3: expected a service (a mapping with name, description, match)"),
            ("- match: []", "s.yaml:1:3: service is missing 'name'"),
            ("- name: A", "s.yaml:1:3: service 'A' is missing 'match' (a list of matchers)"),
            ("- name: A\n  match: []", "s.yaml:2:10: 'match' must be a non-empty list of matchers"),
            ("- name: [A]\n  match: []", "s.yaml:1:9: 'name' must be a single value"),
            ("- name: A\n  mach: []", "s.yaml:2:3: unknown key 'mach' in a service (did you mean 'match'?); expected one of name, description, match"),
            ("- name: A\n  match: [3]", "s.yaml:2:11: expected a matcher (a mapping with sni, addresses, tcp, udp, stun, role)"),
            ("- name: A\n  match:\n    - role: relay", "s.yaml:3:7: a matcher needs at least one of sni, addresses, tcp, udp, stun"),
            ("- name: A\n  match:\n    - udp: [3478]",
             "s.yaml:3:7: ports alone would claim every flow on them: give 'addresses', 'sni' or 'stun' with 'tcp'/'udp'"),
            ("- name: A\n  match:\n    - adresses: [192.0.2.1]",
             "s.yaml:3:7: unknown key 'adresses' in a matcher (did you mean 'addresses'?); expected one of role, sni, addresses, tcp, udp, stun"),
            ("- name: A\n  match:\n    - addresses: [192.0.2.1/33]",
             "s.yaml:3:19: '192.0.2.1/33' is not an address block (like 17.0.0.0/8 or 2001:db8::/32)"),
            ("- name: A\n  match:\n    - addresses: [192.0.2.1]\n      udp: [3497-3478]", "s.yaml:4:13: range '3497-3478' in 'udp' runs backwards"),
            ("- name: A\n  match:\n    - addresses: [192.0.2.1]\n      tcp: [70000]", "s.yaml:4:13: '70000' in 'tcp' is above 65535"),
            ("- name: A\n  match:\n    - addresses: [192.0.2.1]\n      tcp: [http]",
             "s.yaml:4:13: 'http' in 'tcp' is not a number or a range like 3478-3497"),
            ("- name: A\n  match:\n    - addresses: [192.0.2.1]\n      tcp: []", "s.yaml:4:12: 'tcp' is empty"),
            ("- name: A\n  match:\n    - sni: [\"\"]", "s.yaml:3:13: server name pattern '' must be 1 to 255 printable ASCII characters"),
            ("- name: A\n  match:\n    - sni: a.example\n      role: Relay",
             "s.yaml:4:13: role 'Relay' is not kebab-case (lower-case letters and digits joined by '-')"),
            ("- name: A\n  match:\n    - stun: {}", "s.yaml:3:13: 'stun' needs at least one of software, realm, attributes, message_types"),
            ("- name: A\n  match:\n    - stun: {relm: [x]}",
             "s.yaml:3:14: unknown key 'relm' in 'stun' (did you mean 'realm'?); expected one of software, realm, attributes, message_types"),
            ("- name: A\n  match:\n    - stun: {realm: [\"\"]}", "s.yaml:3:13: an empty STUN software or realm text would match every STUN flow"),
            ("- name: A\n  match:\n    - stun: {message_types: [0x4000]}", "s.yaml:3:30: '0x4000' in 'message_types' is above 16383"),
            ("- name: A\n  match:\n    - sni: a.example\n- name: A\n  match:\n    - sni: b.example",
             "s.yaml:4:9: duplicate service 'A' (first defined at line 1); give one service all its matchers"),
            ("- name: A\n  match:\n    - sni: [a.example\n", "s.yaml:4:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at 3:12)"),
        ])
    func errors(yaml: String, message: String) {
        #expect(throws: RuleError.self) { try ServiceCatalogue.load(yaml: yaml, file: "s.yaml") }
        do {
            _ = try ServiceCatalogue.load(yaml: yaml, file: "s.yaml")
        } catch {
            #expect(error.description == message)
        }
    }
}
