/*
 * Sanity checks in the parser, with per-error accounting in ingress.
 *
 * The parser rejects malformed IPv4 and UDP headers with verify() and
 * program-defined error codes, and runs into the core errors on its own:
 * PacketTooShort for truncated frames, and NoMatch for IP protocols other
 * than ICMP, TCP and UDP (that select has no default case on purpose).
 * Ingress never forwards a packet with a parser error: it counts the error
 * by kind, clones the packet to the CPU session (egress cuts the copy to
 * its first 64 bytes) and drops the original.
 */
#include <core.p4>
#include <v1model.p4>

error {
    IPv4BadVersion,
    IPv4BadHeaderLength,
    IPv4BadTotalLength,
    UdpBadLength
}

const bit<32>  CPU_SESSION = 64;

const bit<32> ERR_IDX_NONE        = 0;
const bit<32> ERR_IDX_TOO_SHORT   = 1;
const bit<32> ERR_IDX_NO_MATCH    = 2;
const bit<32> ERR_IDX_IPV4        = 3;
const bit<32> ERR_IDX_UDP         = 4;
const bit<32> ERR_IDX_OTHER       = 5;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  tos;
    bit<16> total_len;
    bit<16> identification;
    bit<3>  flags;
    bit<13> frag_offset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdr_checksum;
    bit<32> src_addr;
    bit<32> dst_addr;
}

header udp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    udp_t      udp;
}

struct metadata_t {
    bit<32> error_index;
}

parser CheckedParser(packet_in packet, out headers_t hdr,
                     inout metadata_t meta, inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        verify(hdr.ipv4.version == 4, error.IPv4BadVersion);
        verify(hdr.ipv4.ihl == 5, error.IPv4BadHeaderLength);
        verify(hdr.ipv4.total_len >= 20, error.IPv4BadTotalLength);
        transition select(hdr.ipv4.frag_offset) {
            0: dispatch_l4;
            default: accept;    /* non-first fragments carry no L4 header */
        }
    }

    state dispatch_l4 {
        transition select(hdr.ipv4.protocol) {
            1: accept;
            6: accept;
            17: parse_udp;
        }
    }

    state parse_udp {
        packet.extract(hdr.udp);
        verify(hdr.udp.length >= 8, error.UdpBadLength);
        verify(hdr.udp.length <= hdr.ipv4.total_len - 20, error.UdpBadLength);
        transition accept;
    }
}

control CheckedVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control CheckedIngress(inout headers_t hdr, inout metadata_t meta,
                       inout standard_metadata_t sm) {

    counter(32w6, CounterType.packets_and_bytes) parse_errors;

    action classify_error() {
        meta.error_index = ERR_IDX_OTHER;
    }

    action forward(PortId_t port) {
        sm.egress_spec = port;
    }

    table l2 {
        key = { hdr.ethernet.dst_addr : exact; }
        actions = { forward; NoAction; }
        default_action = NoAction();
    }

    apply {
        error e = sm.parser_error;
        if (e == error.NoError) {
            l2.apply();
            return;
        }
        if (e == error.PacketTooShort) {
            meta.error_index = ERR_IDX_TOO_SHORT;
        } else if (e == error.NoMatch) {
            meta.error_index = ERR_IDX_NO_MATCH;
        } else if (e == error.IPv4BadVersion || e == error.IPv4BadHeaderLength ||
                   e == error.IPv4BadTotalLength) {
            meta.error_index = ERR_IDX_IPV4;
        } else if (e == error.UdpBadLength) {
            meta.error_index = ERR_IDX_UDP;
        } else {
            classify_error();
        }
        parse_errors.count(meta.error_index);
        clone(CloneType.I2E, CPU_SESSION);
        mark_to_drop(sm);
    }
}

control CheckedEgress(inout headers_t hdr, inout metadata_t meta,
                      inout standard_metadata_t sm) {
    apply {
        if (sm.instance_type == 1) {
            truncate(32w64);
        }
    }
}

control CheckedComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control CheckedDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.udp);
    }
}

V1Switch(CheckedParser(), CheckedVerifyChecksum(), CheckedIngress(),
         CheckedEgress(), CheckedComputeChecksum(), CheckedDeparser()) main;
