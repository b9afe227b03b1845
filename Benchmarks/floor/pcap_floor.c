/* The floor: the least any libpcap-based reader of a capture file does. Reads every record with
 * pcap_next_ex and touches its first byte, so nothing is optimised away. Built by compare.sh. */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv) {
    char error[PCAP_ERRBUF_SIZE];
    pcap_t *pcap = argc == 2 ? pcap_open_offline(argv[1], error) : NULL;
    if (!pcap) { fprintf(stderr, "usage: pcap_floor FILE (%s)\n", argc == 2 ? error : "no file"); return 2; }
    struct pcap_pkthdr *header;
    const u_char *data;
    unsigned long long packets = 0, bytes = 0, sum = 0;
    int status;
    while ((status = pcap_next_ex(pcap, &header, &data)) == 1) {
        packets++;
        bytes += header->caplen;
        if (header->caplen) sum += data[0];
    }
    if (status != PCAP_ERROR_BREAK) { fprintf(stderr, "pcap_floor: %s\n", pcap_geterr(pcap)); return 1; }
    printf("%llu packets %llu bytes (%llu)\n", packets, bytes, sum);
    pcap_close(pcap);
    return 0;
}
