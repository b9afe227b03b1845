// QUIC Initial packet protection (RFC 9001 §5, RFC 9369 §3.3): see the files of this module.
import Crypto
import WireFormat
