/// Big-endian reads at a fixed offset. Every caller has checked the length first (in its view's
/// `init(validating:)`); the Span subscript still checks bounds, so a wrong check traps in tests and fuzzing
/// instead of reading out of bounds.
extension Span where Element == UInt8 {
    @inline(__always)
    func uint8(at offset: Int) -> UInt8 { self[offset] }

    @inline(__always)
    func uint16(at offset: Int) -> UInt16 { UInt16(self[offset]) << 8 | UInt16(self[offset + 1]) }

    @inline(__always)
    func uint32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8
            | UInt32(self[offset + 3])
    }

    @inline(__always)
    func uint64(at offset: Int) -> UInt64 { UInt64(uint32(at: offset)) << 32 | UInt64(uint32(at: offset + 4)) }

    /// Little-endian 32-bit read (BSD loopback headers written on little-endian hosts).
    @inline(__always)
    func uint32LittleEndian(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
            | UInt32(self[offset + 3]) << 24
    }
}
