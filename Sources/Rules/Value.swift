import WireFormat

/// The static type of a field or an expression, checked when a rule is compiled.
///
/// Durations and sizes are numbers at run time (seconds and bytes); their types keep `3s + 16KiB` from compiling.
/// Rates (`128kbit/s`, `size / duration`) are plain numbers in bits per second.
public enum ValueType: Hashable, Sendable {
    case number, duration, size, boolean, string, address, stringList
}

/// A value of a record field or of an expression at run time.
///
/// `null` is a fact that was not seen (no ClientHello, no RTT): every comparison with it is false, arithmetic on
/// it gives `null`, and in a condition it counts as false; only `is null` / `is not null` (or `== null` /
/// `!= null`) test for it.
public enum Value: Hashable, Sendable {
    case number(Double)
    case boolean(Bool)
    case string(String)
    case address(IPAddress)
    case stringList([String])
    case null
}

extension ValueType: CustomStringConvertible {
    public var description: String {
        switch self {
        case .number: "number"
        case .duration: "duration"
        case .size: "size"
        case .boolean: "boolean"
        case .string: "string"
        case .address: "address"
        case .stringList: "string list"
        }
    }
}

extension Value: CustomStringConvertible {
    public var description: String {
        switch self {
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .boolean(let b): String(b)
        case .string(let s): "\"\(s)\""
        case .address(let a): a.description
        case .stringList(let l): "[" + l.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        case .null: "null"
        }
    }
}
