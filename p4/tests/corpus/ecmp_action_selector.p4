/*
 * ECMP with an action selector.
 *
 * The routing table is implemented by an action selector: a route points at
 * a group of next-hop members, and the member used for a packet is picked
 * by hashing the table's `selector` key fields (the 5-tuple), so all
 * packets of one flow take the same path.
 */
#include <core.p4>
#include <v1model.p4>

const bit<16> TYPE_IPV4 = 0x800;
const bit<8>  PROTO_TCP = 6;
const bit<8>  PROTO_UDP = 17;

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

/* Source and destination ports sit at the same offset in TCP and UDP. */
header l4_ports_t {
    bit<16> srcPort;
    bit<16> dstPort;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    l4_ports_t ports;
}

struct metadata {
    bit<16> l4_src;
    bit<16> l4_dst;
}

parser EcmpParser(packet_in packet,
                  out headers hdr,
                  inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            TYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (13w0, PROTO_TCP): parse_ports;
            (13w0, PROTO_UDP): parse_ports;
            default: accept;
        }
    }

    state parse_ports {
        packet.extract(hdr.ports);
        meta.l4_src = hdr.ports.srcPort;
        meta.l4_dst = hdr.ports.dstPort;
        transition accept;
    }
}

control EcmpVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control EcmpIngress(inout headers hdr,
                    inout metadata meta,
                    inout standard_metadata_t standard_metadata) {

    action_selector(HashAlgorithm.crc16, 32w1024, 32w14) ecmp_selector;

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action set_nhop(bit<48> nhop_dmac, bit<48> router_smac, bit<9> port) {
        hdr.ethernet.dstAddr = nhop_dmac;
        hdr.ethernet.srcAddr = router_smac;
        standard_metadata.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table ecmp_routes {
        key = {
            hdr.ipv4.dstAddr  : lpm;
            hdr.ipv4.srcAddr  : selector;
            hdr.ipv4.protocol : selector;
            meta.l4_src       : selector;
            meta.l4_dst       : selector;
        }
        actions = {
            set_nhop;
            drop;
        }
        implementation = ecmp_selector;
        default_action = drop();
        size = 2048;
    }

    apply {
        if (hdr.ipv4.isValid() && hdr.ipv4.ttl > 1) {
            ecmp_routes.apply();
        } else {
            drop();
        }
    }
}

control EcmpEgress(inout headers hdr,
                   inout metadata meta,
                   inout standard_metadata_t standard_metadata) {
    apply { }
}

control EcmpComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(
            hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum,
            HashAlgorithm.csum16);
    }
}

control EcmpDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ports);
    }
}

V1Switch(EcmpParser(),
         EcmpVerifyChecksum(),
         EcmpIngress(),
         EcmpEgress(),
         EcmpComputeChecksum(),
         EcmpDeparser()) main;
