import ArgumentParser

/// A BPF filter (tcpdump syntax), compiled by libpcap.
struct FilterOption: ParsableArguments {
    @Option(name: [.customShort("f"), .long], help: "BPF filter expression, e.g. 'tcp port 443' (tcpdump syntax).")
    var filter: String?
}
