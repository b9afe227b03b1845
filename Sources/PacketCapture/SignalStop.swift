import CPcap
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT/SIGTERM → stop the capture loop. The C handler may only touch async-signal-safe state: an atomic flag
/// and `pcap_breakloop` on the registered handle.
enum SignalStop {
    /// Set once a signal arrived; every loop checks it.
    static let flag = Atomic<Bool>(false)
    /// The handle to wake, read by the signal handler. Written only from the capture thread.
    nonisolated(unsafe) static var target: OpaquePointer?

    static var received: Bool { flag.load(ordering: .relaxed) }

    static func install(target pcap: OpaquePointer?) {
        _ = flag.load(ordering: .relaxed)  // initialise the global before a handler could touch it
        target = pcap
        for signalNumber in [SIGINT, SIGTERM] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { _ in
                SignalStop.flag.store(true, ordering: .relaxed)
                if let pcap = SignalStop.target { pcap_breakloop(pcap) }
            }
            #else
            action.__sigaction_u.__sa_handler = { _ in
                SignalStop.flag.store(true, ordering: .relaxed)
                if let pcap = SignalStop.target { pcap_breakloop(pcap) }
            }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signalNumber, &action, nil)
        }
        // A parent may have started us with these signals blocked (test runners and some supervisors leave
        // their thread's mask to children): a handler that never runs would make the capture unstoppable.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Called before a handle is closed so that the handler never touches a closed `pcap_t`.
    static func forget(_ pcap: OpaquePointer) {
        if target == pcap { target = nil }
    }
}
