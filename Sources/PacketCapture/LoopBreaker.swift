import CPcap
import Synchronization

/// Stops a running `forEachFrame` from any thread. Obtain it from `PcapHandle.loopBreaker`; it stays safe to use
/// after the handle is closed (it then does nothing).
public final class LoopBreaker: Sendable {
    private let requested = Atomic<Bool>(false)
    /// The libpcap handle to wake, while it is open. Locked so that `breakLoop` never races `pcap_close`.
    private let live = Mutex<UnsafeSendablePcap?>(nil)

    init() {}

    /// Asks the loop to return after the frame in progress (`pcap_breakloop` for libpcap handles).
    public func breakLoop() {
        requested.store(true, ordering: .sequentiallyConsistent)
        live.withLock { handle in
            if let handle { pcap_breakloop(handle.pointer) }
        }
    }

    var isRequested: Bool { requested.load(ordering: .sequentiallyConsistent) }

    func clearRequest() { requested.store(false, ordering: .sequentiallyConsistent) }

    func attach(_ pointer: OpaquePointer) { live.withLock { $0 = UnsafeSendablePcap(pointer: pointer) } }

    /// Called before `pcap_close`.
    func detach() { live.withLock { $0 = nil } }
}

/// A `pcap_t *` moved into the lock; only `pcap_breakloop` is called through it, which libpcap documents as
/// safe from other threads and signal handlers.
struct UnsafeSendablePcap: @unchecked Sendable {
    let pointer: OpaquePointer
}
