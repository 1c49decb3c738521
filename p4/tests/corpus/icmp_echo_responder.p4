/*
 * ICMP echo responder for router interface addresses.
 *
 * Echo requests addressed to one of the router's own IPv4 addresses are
 * answered in the data plane: addresses and MACs are swapped, the ICMP
 * type becomes echo reply, and both the IPv4 header checksum and the ICMP
 * checksum (which covers the whole ICMP message, payload included) are
 * recomputed. Echo requests are rate-limited per ingress port with an
 * indexed meter; everything else is routed.
 */
#include <core.p4>
#include <v1model.p4>

const bit<8> ICMP_ECHO_REPLY   = 0;
const bit<8> ICMP_ECHO_REQUEST = 8;
const bit<8> IPPROTO_ICMP      = 1;

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

header icmp_t {
    bit<8>  type;
    bit<8>  code;
    bit<16> checksum;
    bit<16> identifier;
    bit<16> sequence;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    icmp_t     icmp;
}

struct metadata {
    bit<2> color;
}

parser PingParser(packet_in packet, out headers hdr, inout metadata meta,
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
        transition select(hdr.ipv4.ihl, hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (5, 0, IPPROTO_ICMP): parse_icmp;
            default: accept;
        }
    }
    state parse_icmp {
        packet.extract(hdr.icmp);
        transition accept;
    }
}

control PingVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control PingIngress(inout headers hdr, inout metadata meta,
                    inout standard_metadata_t standard_metadata) {

    meter(32w512, MeterType.packets) echo_rate;

    action drop() {
        mark_to_drop(standard_metadata);
    }

    @hidden
    action swap_addresses() {
        bit<48> mac = hdr.ethernet.srcAddr;
        hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
        hdr.ethernet.dstAddr = mac;
        bit<32> ip = hdr.ipv4.srcAddr;
        hdr.ipv4.srcAddr = hdr.ipv4.dstAddr;
        hdr.ipv4.dstAddr = ip;
    }

    action echo_reply() {
        swap_addresses();
        hdr.ipv4.ttl = 64;
        hdr.icmp.type = ICMP_ECHO_REPLY;
        standard_metadata.egress_spec = standard_metadata.ingress_port;
    }

    table my_addresses {
        key = { hdr.ipv4.dstAddr : exact; }
        actions = { echo_reply; NoAction; }
        default_action = NoAction();
    }

    action forward(bit<48> dmac, bit<48> smac, bit<9> port) {
        hdr.ethernet.dstAddr = dmac;
        hdr.ethernet.srcAddr = smac;
        standard_metadata.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table routes {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid() || standard_metadata.checksum_error == 1) {
            drop();
            return;
        }
        if (hdr.icmp.isValid() && hdr.icmp.type == ICMP_ECHO_REQUEST) {
            echo_rate.execute_meter((bit<32>) standard_metadata.ingress_port,
                                    meta.color);
            if (meta.color == V1MODEL_METER_COLOR_RED) {
                drop();
                return;
            }
            if (my_addresses.apply().hit) {
                return;
            }
        }
        if (hdr.ipv4.ttl > 1) {
            routes.apply();
        } else {
            drop();
        }
    }
}

control PingEgress(inout headers hdr, inout metadata meta,
                   inout standard_metadata_t standard_metadata) {
    apply { }
}

control PingComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
        update_checksum_with_payload(hdr.icmp.isValid(),
            { hdr.icmp.type, hdr.icmp.code, hdr.icmp.identifier,
              hdr.icmp.sequence },
            hdr.icmp.checksum, HashAlgorithm.csum16);
    }
}

control PingDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.icmp);
    }
}

V1Switch(PingParser(), PingVerifyChecksum(), PingIngress(), PingEgress(),
         PingComputeChecksum(), PingDeparser()) main;
