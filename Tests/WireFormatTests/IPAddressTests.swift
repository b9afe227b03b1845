import Testing
@testable import WireFormat

@Suite("IP addresses")
struct IPAddressTests {
    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // RFC 5952 §4.2.3: first of equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // §4.2.2: a single zero group stays
        ("::", "::"),
        ("::1", "::1"),
        ("fe80::", "fe80::"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"),
    ])
    func textRoundTrip(_ input: String, _ canonical: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1:2:3:4:5:6:7:8:9", ":::", "1::2::3", "g::1", "12345::"])
    func invalidTextIsRejected(_ input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func bytesAreNetworkOrder() throws {
        #expect(try #require(IPAddress("192.0.2.1")).bytes == [192, 0, 2, 1])
        #expect(try #require(IPAddress("2001:db8::2")).bytes == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [2])
    }
}
