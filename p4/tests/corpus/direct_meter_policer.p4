/*
 * Per-flow policer with direct meters.
 *
 * The control plane installs one entry per policed flow (IPv4 source,
 * destination and DSCP). Each entry owns a packet-rate meter and a byte
 * counter, both attached to the table directly. The action reads the
 * meter colour of the matching entry; red packets are dropped and yellow
 * ones lose their priority. Flows without an entry are not policed.
 */
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<6>  dscp;
    bit<2>  ecn;
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

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
}

struct metadata {
    bit<8> color;
}

parser PolicerParser(packet_in packet, out headers hdr, inout metadata meta,
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
        transition accept;
    }
}

control PolicerVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control PolicerIngress(inout headers hdr, inout metadata meta,
                       inout standard_metadata_t standard_metadata) {

    direct_meter<bit<8>>(MeterType.packets) flow_meter;
    direct_counter(CounterType.bytes) flow_bytes;

    action police() {
        flow_meter.read(meta.color);
    }

    action unpoliced() {
        meta.color = V1MODEL_METER_COLOR_GREEN;
    }

    table policer {
        key = {
            hdr.ipv4.srcAddr : exact;
            hdr.ipv4.dstAddr : exact;
            hdr.ipv4.dscp    : exact;
        }
        actions = {
            police;
            @defaultonly unpoliced;
        }
        meters = flow_meter;
        counters = flow_bytes;
        default_action = unpoliced();
        size = 8192;
    }

    action forward(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table forwarding {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            exit;
        }
        policer.apply();
        if (meta.color == V1MODEL_METER_COLOR_RED) {
            drop();
            exit;
        }
        if (meta.color == V1MODEL_METER_COLOR_YELLOW) {
            hdr.ipv4.dscp = 0;
            standard_metadata.priority = 0;
        }
        forwarding.apply();
    }
}

control PolicerEgress(inout headers hdr, inout metadata meta,
                      inout standard_metadata_t standard_metadata) {
    apply { }
}

control PolicerComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.dscp, hdr.ipv4.ecn,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control PolicerDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(PolicerParser(), PolicerVerifyChecksum(), PolicerIngress(),
         PolicerEgress(), PolicerComputeChecksum(), PolicerDeparser()) main;
