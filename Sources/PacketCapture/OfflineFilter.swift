import CPcap
import WireFormat

/// A BPF filter applied in user space to file records (`pcap_offline_filter`), compiled once per link type because
/// a pcapng file may mix them.
final class OfflineFilter {
    let expression: String
    private var programs: [LinkType: bpf_program] = [:]

    init(expression: String) { self.expression = expression }

    deinit {
        for key in programs.keys {
            programs[key].map { program in
                var program = program
                pcap_freecode(&program)
            }
        }
    }

    func program(for linkType: LinkType) throws(CaptureError) -> bpf_program {
        if let program = programs[linkType] { return program }
        guard let dead = pcap_open_dead(Int32(bitPattern: linkType.rawValue), 262_144) else {
            throw .libpcap(operation: "pcap_open_dead", message: "cannot create a handle for \(linkType)")
        }
        defer { pcap_close(dead) }
        let program = try PcapHandle.compile(expression, on: dead)
        programs[linkType] = program
        return program
    }

    func accepts(_ bytes: UnsafeBufferPointer<UInt8>, originalLength: Int, linkType: LinkType) throws(CaptureError) -> Bool {
        var program = try program(for: linkType)
        var header = pcap_pkthdr()
        header.caplen = UInt32(clamping: bytes.count)
        header.len = UInt32(clamping: originalLength)
        guard let start = bytes.baseAddress else { return false }
        return pcap_offline_filter(&program, &header, start) != 0
    }
}
