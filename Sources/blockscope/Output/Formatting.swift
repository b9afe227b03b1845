import WireFormat

/// Text formatting used by reports: times in UTC, sizes and rates. Only called when printing.
enum Format {
    /// `2026-11-24 23:45:01.123456789` (UTC), computed without a calendar library (days-from-civil inverse).
    static func dateTime(_ time: Timestamp, fractionDigits: Int = 9) -> String {
        var bytes: [UInt8] = []
        appendDateTime(time, fractionDigits: fractionDigits, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `dateTime`, appended as UTF-8.
    static func appendDateTime(_ time: Timestamp, fractionDigits: Int = 9, to bytes: inout [UInt8]) {
        let seconds = time.seconds
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        JSONLine.appendInteger(year, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        JSONLine.appendPadded(month, 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        JSONLine.appendPadded(day, 2, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        JSONLine.appendPadded(secondOfDay / 3600, 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        JSONLine.appendPadded(secondOfDay / 60 % 60, 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        JSONLine.appendPadded(secondOfDay % 60, 2, to: &bytes)
        guard fractionDigits > 0 else { return }
        bytes.append(UInt8(ascii: "."))
        let start = bytes.count
        JSONLine.appendPadded(time.subsecondNanoseconds, 9, to: &bytes)  // then its first `fractionDigits` digits
        if bytes.count - start > fractionDigits { bytes.removeLast(bytes.count - start - fractionDigits) }
    }

    /// Howard Hinnant's civil-from-days: days since 1970-01-01 to (year, month, day), proleptic Gregorian.
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `value` with zeros in front up to `width` characters (`JSONLine.appendPadded`).
    static func pad(_ value: Int64, _ width: Int) -> String {
        var bytes: [UInt8] = []
        JSONLine.appendPadded(value, width, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A duration in a unit that shows it: `15 µs`, `1.5 ms`, `2.31 s`.
    static func duration(_ nanoseconds: Int64) -> String {
        let value = Double(nanoseconds)
        if abs(value) < 1_000_000 { return decimal(value / 1e3, places: 0) + " µs" }
        if abs(value) < 1_000_000_000 { return decimal(value / 1e6, places: 1) + " ms" }
        return decimal(value / 1e9, places: 2) + " s"
    }

    /// Seconds with 3 decimals, e.g. `0.555`.
    static func seconds(_ nanoseconds: Int64) -> String { decimal(Double(nanoseconds) / 1e9, places: 3) }

    /// `value` rounded to `places` decimals (`JSONLine.appendDecimal`: the JSON output writes the same digits).
    static func decimal(_ value: Double, places: Int) -> String {
        var bytes: [UInt8] = []
        JSONLine.appendDecimal(value, places: places, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Bytes in SI units as tcpdump/Wireshark users read them: `5.2 kB`, `1.3 MB`.
    static func bytes(_ count: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : "\(decimal(value, places: 1)) \(units[unit])"
    }

    /// `address:port`, with IPv6 addresses in brackets.
    static func endpoint(_ address: IPAddress, _ port: UInt16?) -> String {
        var bytes: [UInt8] = []
        appendEndpoint(address, port, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `endpoint`, appended as UTF-8 (IPv4 digit by digit, as `JSONLine.add(_:address:)`; IPv6 as its description).
    static func appendEndpoint(_ address: IPAddress, _ port: UInt16?, to bytes: inout [UInt8]) {
        if address.isIPv6 {
            guard let port else { return bytes.append(contentsOf: address.description.utf8) }
            bytes.append(UInt8(ascii: "["))
            bytes.append(contentsOf: address.description.utf8)
            bytes.append(UInt8(ascii: "]"))
            bytes.append(UInt8(ascii: ":"))
            JSONLine.appendInteger(Int64(port), to: &bytes)
        } else {
            bytes.append(addingCapacity: 15) { JSONLine.write(ipv4: address.ipv4Value, to: &$0) }
            guard let port else { return }
            bytes.append(UInt8(ascii: ":"))
            JSONLine.appendInteger(Int64(port), to: &bytes)
        }
    }

    static func padded(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }

    /// Appends what `body` appends, with spaces after it (or before it, `right`) up to `width` characters, as
    /// `padded` does. Characters are counted as Unicode scalars (UTF-8 lead bytes): the same count for the ASCII
    /// text of a report row (times, addresses, numbers, names).
    static func appendPadded(_ width: Int, right: Bool = false, to bytes: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
        let start = bytes.count
        body(&bytes)
        var length = 0
        for index in start..<bytes.count where bytes[index] & 0xC0 != 0x80 { length += 1 }
        guard length < width else { return }
        if right {
            bytes.insert(contentsOf: repeatElement(UInt8(ascii: " "), count: width - length), at: start)
        } else {
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - length))
        }
    }
}
