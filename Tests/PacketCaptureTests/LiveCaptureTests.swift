import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

#if canImport(Glibc)
import Glibc
#endif

/// Live capture on the loopback interface only; datagrams go to 127.0.0.1 and nowhere else.
/// `PcapHandle.dropPrivileges` is deliberately not tested here: it would drop the test runner's root for good.
/// It belongs in a CLI-level test that runs the binary as root and checks its ids afterwards.
@Suite("Live capture on lo", .serialized, .enabled(if: Lab.rootEnabled, Lab.rootComment))
struct LiveCaptureTests {
    static func requireRoot() -> Bool {
        guard Lab.isRoot else {
            Issue.record("live capture tests are required (BLOCKSCOPE_REQUIRE_LAB/BLOCKSCOPE_CI) but not running as root")
            return false
        }
        return true
    }

    static func randomPort() -> UInt16 { UInt16.random(in: 40_000...60_000) }

    /// Sends UDP datagrams to 127.0.0.1:port from a plain socket.
    static func sendLoopback(port: UInt16, payloads: [[UInt8]]) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian  // 127.0.0.1, loopback only
        for payload in payloads {
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, payload, payload.count, 0, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            #expect(sent == payload.count)
        }
    }

    @Test("UDP datagrams to 127.0.0.1 are captured through a BPF filter, with stats")
    func captureLoopback() throws {
        guard Self.requireRoot() else { return }
        let port = Self.randomPort()
        let handle = try PcapHandle.openLive(LiveOptions(
            interface: "lo", timeoutMilliseconds: 100, filter: "udp port \(port) and host 127.0.0.1"))
        #expect(handle.linkType == .ethernet)
        let payloads = (0..<3).map { index in Array("blockscope-\(port)-\(index)".utf8) }
        try Self.sendLoopback(port: port, payloads: payloads)

        var received: [[UInt8]] = []
        var numbers: [Int] = []
        var ticks = 0
        let summary = try handle.forEachFrame(tick: {
            ticks += 1
            if ticks >= 30 { handle.breakLoop() }  // 3 s without the datagrams: give up
        }) { info, span in
            numbers.append(info.number)
            #expect(info.linkType == .ethernet && info.interfaceIndex == 0)
            #expect(info.capturedLength == span.count && info.originalLength >= span.count)
            #expect(info.timestamp.nanoseconds > 1_600_000_000 * 1_000_000_000)
            var bytes: [UInt8] = []
            for index in span.indices { bytes.append(span[index]) }
            received.append(bytes)
            if received.count == payloads.count { handle.breakLoop() }
        }
        #expect(summary.stoppedByRequest)
        #expect(received.count == payloads.count)
        for (bytes, payload) in zip(received, payloads) {
            #expect(bytes.suffix(payload.count).elementsEqual(payload))  // Ethernet + IPv4 + UDP, then payload
        }
        #expect(numbers == Array(1...received.count))
        let statistics = try #require(summary.statistics)
        #expect(statistics.received >= UInt64(payloads.count))
        #expect(statistics.droppedByKernel == 0)
        #expect(try handle.stats().received >= UInt64(payloads.count))
    }

    @Test("an unknown interface is reported as such")
    func unknownInterface() throws {
        guard Self.requireRoot() else { return }
        #expect(throws: CaptureError.unknownInterface("blockscope-no-such0")) {
            _ = try PcapHandle.openLive(LiveOptions(interface: "blockscope-no-such0"))
        }
    }

    @Test("an invalid BPF filter carries libpcap's message and the filter")
    func invalidFilter() throws {
        guard Self.requireRoot() else { return }
        #expect {
            _ = try PcapHandle.openLive(LiveOptions(interface: "lo", filter: "udp port 99999999"))
        } throws: { error in
            guard case .badFilter(let filter, let message) = error as? CaptureError else { return false }
            return filter == "udp port 99999999" && message.contains("port") && "\(error)".contains(filter)
        }
    }

    @Test("breakLoop from another thread ends a loop that sees no packets")
    func breakFromAnotherThread() throws {
        guard Self.requireRoot() else { return }
        let handle = try PcapHandle.openLive(LiveOptions(
            interface: "lo", timeoutMilliseconds: 1000, filter: "udp port \(Self.randomPort()) and host 127.0.0.2"))
        let breaker = handle.loopBreaker
        let started = Date()
        let thread = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            breaker.breakLoop()
        }
        thread.start()
        var frames = 0
        let summary = try handle.forEachFrame { _, _ in frames += 1 }
        let elapsed = Date().timeIntervalSince(started)
        #expect(summary.stoppedByRequest)
        #expect(frames == 0)
        #expect(elapsed < 5, "loop took \(elapsed) s to stop")
    }
}

/// Runs only for normal users: opening an interface without privileges must say what is missing.
@Suite("Live capture without privileges", .enabled(if: !Lab.isRoot, "running as root"))
struct UnprivilegedLiveTests {
    @Test("opening lo without root says it needs root or CAP_NET_RAW")
    func permissionDenied() throws {
        #expect {
            _ = try PcapHandle.openLive(LiveOptions(interface: "lo"))
        } throws: { error in
            guard case .permissionDenied(let interface, _) = error as? CaptureError else { return false }
            return interface == "lo" && "\(error)".contains("live capture needs root or CAP_NET_RAW")
        }
    }
}
