/*
 * Parser tricks: lookahead and advance.
 *
 * Some edge devices insert a variable-length metadata shim after the
 * Ethernet header (local experimental EtherType 0x88b5). This program
 * strips it without ever extracting it: it peeks at the shim's length and
 * next-protocol fields with lookahead, advances the cursor past it, and
 * patches the EtherType so that the re-emitted frame is well formed.
 * Further in, it peeks at the first byte of UDP/443 payloads to tell QUIC
 * long-header packets (handshakes) from short-header ones and counts both.
 */
#include <core.p4>
#include <v1model.p4>

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<16> ETHERTYPE_SHIM = 0x88b5;
const bit<16> QUIC_PORT      = 443;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

/* Never extracted, only looked at. */
header shim_t {
    bit<8>  len_words;   /* shim length in 32-bit words, this word included */
    bit<8>  flags;
    bit<16> next_type;
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
    bool   shim_stripped;
    bit<1> quic_long_header;
    bool   is_quic;
}

parser ShimParser(packet_in packet,
                  out headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {
    state start {
        meta.shim_stripped = false;
        meta.is_quic = false;
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_SHIM: strip_shim;
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state strip_shim {
        shim_t shim = packet.lookahead<shim_t>();
        verify(shim.len_words != 0, error.ParserInvalidArgument);
        packet.advance((bit<32>) shim.len_words << 5);
        hdr.ethernet.ether_type = shim.next_type;
        meta.shim_stripped = true;
        transition select(shim.next_type) {
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        /* Packets with IPv4 options are not inspected any further. */
        transition select(hdr.ipv4.ihl, hdr.ipv4.protocol) {
            (5, 17): parse_udp;
            default: accept;
        }
    }

    state parse_udp {
        packet.extract(hdr.udp);
        transition select(hdr.udp.dst_port) {
            QUIC_PORT: peek_quic;
            default: accept;
        }
    }

    state peek_quic {
        meta.is_quic = true;
        meta.quic_long_header = packet.lookahead<bit<1>>();
        transition accept;
    }
}

control ShimVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control ShimIngress(inout headers_t hdr,
                    inout metadata_t meta,
                    inout standard_metadata_t standard_metadata) {

    counter(32w2, CounterType.packets_and_bytes) quic_kinds;
    counter(32w1, CounterType.packets) shims_removed;

    action forward(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table port_map {
        key = { standard_metadata.ingress_port : exact; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (standard_metadata.parser_error == error.ParserInvalidArgument) {
            drop();
            return;
        }
        if (meta.shim_stripped) {
            shims_removed.count(32w0);
        }
        if (meta.is_quic) {
            quic_kinds.count((bit<32>) meta.quic_long_header);
        }
        port_map.apply();
    }
}

control ShimEgress(inout headers_t hdr,
                   inout metadata_t meta,
                   inout standard_metadata_t standard_metadata) {
    apply { }
}

control ShimComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control ShimDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.udp);
    }
}

V1Switch(ShimParser(), ShimVerifyChecksum(), ShimIngress(), ShimEgress(),
         ShimComputeChecksum(), ShimDeparser()) main;
