import Blockscope
import FlowTracking
import Foundation
import WireFormat

/// A flow that ended, on its way from the thread that reads packets to the thread that judges and writes flows,
/// with what the flow table knew of its responder when it ended (the same-host control the rules read).
struct FinishedFlow: Sendable {
    var flow: Flow
    var responderLastAnswered: Timestamp?
}

/// Moves finished flows from the reading thread (capture, dissection, flow table: one owner, no locks on the
/// per-packet path) to one writing thread (service lookup, rules, the report, the assessment), in the order they
/// ended, so the output is the same as on one thread. The queue holds at most `capacity` batches: when the writer
/// falls behind, the reader waits, so memory stays bounded.
///
/// The reader calls `push` and, once, `finish`; everything the consumer touches belongs to the writing thread
/// until `finish` returns (which waits for it to drain the queue).
final class FlowHandoff: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[FinishedFlow]] = []
    private var head = 0
    private var closed = false
    private var done = false
    private let capacity: Int
    private let consume: ([FinishedFlow]) -> Void

    /// Starts the writing thread; `consume` runs on it, once per batch, in order.
    init(capacity: Int = 32, consume: @escaping ([FinishedFlow]) -> Void) {
        self.capacity = capacity
        self.consume = consume
        let thread = Thread { [self] in run() }
        thread.name = "blockscope-writer"
        thread.start()
    }

    /// Queues a batch; waits while `capacity` batches are already waiting.
    func push(_ batch: [FinishedFlow]) {
        guard !batch.isEmpty else { return }
        condition.lock()
        while queue.count - head >= capacity { condition.wait() }
        queue.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// No more batches: waits until the writer has consumed every one queued.
    func finish() {
        condition.lock()
        closed = true
        condition.broadcast()
        while !done { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while head == queue.count && !closed { condition.wait() }
            if head == queue.count {
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue[head]
            queue[head] = []
            head += 1
            if head >= 64, head * 2 >= queue.count {
                queue.removeFirst(head)
                head = 0
            }
            condition.broadcast()
            condition.unlock()
            consume(batch)
        }
    }
}
