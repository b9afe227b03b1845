// The C surface PacketCapture uses: libpcap (>= 1.10: nanosecond precision, pcap_open_offline_with_tstamp_precision,
// pcap_set_immediate_mode). POSIX calls (mmap, signals, privileges) come from Glibc on the Swift side.
#ifndef BLOCKSCOPE_CPCAP_SHIM_H
#define BLOCKSCOPE_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
