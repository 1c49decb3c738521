/*
 * Stateful firewall for a site with inside and outside ports.
 *
 * Connections may only be opened from the inside. A TCP SYN leaving the
 * site sets two bits in a Bloom filter indexed by hashes of the connection
 * 4-tuple (written in inside-then-outside order). Packets arriving from
 * outside are admitted only if both bits for their connection are set,
 * using the same hashes with the tuple mirrored. UDP is handled the same
 * way except that any outgoing datagram opens the pinhole.
 */
#include <core.p4>
#include <v1model.p4>

#define FILTER_SIZE 8192

typedef bit<13> filter_idx_t;

const bit<8> TCP_FLAG_SYN = 0x02;
const bit<8> TCP_FLAG_ACK = 0x10;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  diffserv;
    bit<16> totalLen;
    bit<16> identification;
    bit<3>  flags;
    bit<13> fragOffset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdrChecksum;
    bit<32> srcAddr;
    bit<32> dstAddr;
}

header tcp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<32> seqNo;
    bit<32> ackNo;
    bit<4>  dataOffset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgentPtr;
}

header udp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<16> len;
    bit<16> checksum;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    tcp_t      tcp;
    udp_t      udp;
}

struct metadata {
    bit<16>      sport;
    bit<16>      dport;
    filter_idx_t idx1;
    filter_idx_t idx2;
    bit<1>       direction;   /* 0: outbound, 1: inbound */
}

/* Does this TCP segment open a connection (SYN without ACK)? */
bool opens_connection(in bit<8> tcp_flags) {
    return (tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

parser FwParser(packet_in packet, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.protocol) {
            6: parse_tcp;
            17: parse_udp;
            default: accept;
        }
    }
    state parse_tcp {
        packet.extract(hdr.tcp);
        meta.sport = hdr.tcp.srcPort;
        meta.dport = hdr.tcp.dstPort;
        transition accept;
    }
    state parse_udp {
        packet.extract(hdr.udp);
        meta.sport = hdr.udp.srcPort;
        meta.dport = hdr.udp.dstPort;
        transition accept;
    }
}

control FwVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control FwIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {

    register<bit<1>>(FILTER_SIZE) pinholes_a;
    register<bit<1>>(FILTER_SIZE) pinholes_b;

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action forward(bit<48> dmac, bit<9> port) {
        hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
        hdr.ethernet.dstAddr = dmac;
        standard_metadata.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table ipv4_lpm {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    action set_direction(bit<1> dir) {
        meta.direction = dir;
    }

    /* (ingress port, egress port) -> direction; no entry means the
     * packet does not cross the site boundary and is not filtered. */
    table check_ports {
        key = {
            standard_metadata.ingress_port : exact;
            standard_metadata.egress_spec  : exact;
        }
        actions = { set_direction; NoAction; }
        default_action = NoAction();
    }

    action hash_inside_first(bit<32> inside, bit<32> outside,
                             bit<16> inside_port, bit<16> outside_port) {
        hash(meta.idx1, HashAlgorithm.crc16, (filter_idx_t) 0,
             { inside, outside, inside_port, outside_port, hdr.ipv4.protocol },
             (bit<32>) FILTER_SIZE);
        hash(meta.idx2, HashAlgorithm.crc32, (filter_idx_t) 0,
             { inside, outside, inside_port, outside_port, hdr.ipv4.protocol },
             (bit<32>) FILTER_SIZE);
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            return;
        }
        if (!ipv4_lpm.apply().hit) {
            return;
        }
        if (!hdr.tcp.isValid() && !hdr.udp.isValid()) {
            return;
        }
        if (!check_ports.apply().hit) {
            return;
        }
        if (meta.direction == 0) {
            hash_inside_first(hdr.ipv4.srcAddr, hdr.ipv4.dstAddr,
                              meta.sport, meta.dport);
            if (hdr.udp.isValid() || opens_connection(hdr.tcp.flags)) {
                pinholes_a.write((bit<32>) meta.idx1, 1);
                pinholes_b.write((bit<32>) meta.idx2, 1);
            }
        } else {
            hash_inside_first(hdr.ipv4.dstAddr, hdr.ipv4.srcAddr,
                              meta.dport, meta.sport);
            bit<1> a;
            bit<1> b;
            pinholes_a.read(a, (bit<32>) meta.idx1);
            pinholes_b.read(b, (bit<32>) meta.idx2);
            if (a == 0 || b == 0) {
                drop();
            }
        }
    }
}

control FwEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control FwComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control FwDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.tcp);
        packet.emit(hdr.udp);
    }
}

V1Switch(FwParser(), FwVerifyChecksum(), FwIngress(), FwEgress(),
         FwComputeChecksum(), FwDeparser()) main;
