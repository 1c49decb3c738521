/*
 * DiffServ classification and ECN marking.
 *
 * Ingress: on trusted ports the DSCP selects the egress queue priority;
 * on untrusted ports the DSCP is first rewritten from a per-port default.
 * Egress: when the queue the packet went through was deeper than the
 * class's marking threshold, ECN-capable packets are marked Congestion
 * Experienced (RFC 3168); above the class's hard limit packets are
 * dropped. Both events are counted per priority.
 */
#include <core.p4>
#include <v1model.p4>

const bit<2> ECN_NOT_ECT = 0b00;
const bit<2> ECN_ECT1    = 0b01;
const bit<2> ECN_ECT0    = 0b10;
const bit<2> ECN_CE      = 0b11;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<6>  dscp;
    bit<2>  ecn;
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

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
}

struct metadata_t {
    bit<19> mark_threshold;
    bit<19> drop_threshold;
}

parser QosParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition accept;
    }
}

control QosVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control QosIngress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t sm) {

    action trust() { }

    action rewrite_dscp(bit<6> dscp) {
        hdr.ipv4.dscp = dscp;
    }

    table port_trust {
        key = { sm.ingress_port : exact; }
        actions = { trust; rewrite_dscp; }
        default_action = rewrite_dscp(0);
    }

    action set_priority(bit<3> prio) {
        sm.priority = prio;
    }

    table dscp_to_priority {
        key = { hdr.ipv4.dscp : ternary; }
        actions = { set_priority; }
        default_action = set_priority(0);
        const entries = {
            46               : set_priority(7);   /* EF */
            48 &&& 0x38      : set_priority(6);   /* CS6, network control */
            0b100000 &&& 0x38: set_priority(5);   /* CS4 and AF4x */
            0b011000 &&& 0x38: set_priority(4);   /* CS3 and AF3x */
            0b010000 &&& 0x38: set_priority(3);   /* CS2 and AF2x */
            0b001000 &&& 0x38: set_priority(1);   /* CS1 and AF1x */
        }
    }

    action forward(PortId_t port) {
        sm.egress_spec = port;
    }

    action drop() {
        mark_to_drop(sm);
    }

    table routes {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        switch (port_trust.apply().action_run) {
            rewrite_dscp: {
                log_msg("DSCP rewritten on untrusted port {}", { sm.ingress_port });
            }
            trust: { }
        }
        dscp_to_priority.apply();
        routes.apply();
    }
}

control QosEgress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    counter(32w8, CounterType.packets) ce_marked;
    counter(32w8, CounterType.packets) congestion_drops;

    action set_thresholds(bit<19> mark_at, bit<19> drop_at) {
        meta.mark_threshold = mark_at;
        meta.drop_threshold = drop_at;
    }

    table queue_thresholds {
        key = { sm.priority : exact; }
        actions = { set_thresholds; }
        default_action = set_thresholds(19w64, 19w1024);
        size = 8;
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            return;
        }
        queue_thresholds.apply();
        bit<32> prio = (bit<32>) sm.priority;
        if (sm.enq_qdepth >= meta.drop_threshold) {
            congestion_drops.count(prio);
            mark_to_drop(sm);
        } else if (sm.enq_qdepth >= meta.mark_threshold) {
            if (hdr.ipv4.ecn == ECN_ECT0 || hdr.ipv4.ecn == ECN_ECT1) {
                hdr.ipv4.ecn = ECN_CE;
                ce_marked.count(prio);
            }
        }
    }
}

control QosComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.dscp, hdr.ipv4.ecn,
              hdr.ipv4.total_len, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.frag_offset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control QosDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(QosParser(), QosVerifyChecksum(), QosIngress(), QosEgress(),
         QosComputeChecksum(), QosDeparser()) main;
