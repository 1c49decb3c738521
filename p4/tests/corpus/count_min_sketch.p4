/*
 * Count-min sketch of per-flow packet counts.
 *
 * Three register rows are indexed by three different hashes of the IPv4
 * 5-tuple. Every packet increments its cell in each row; the flow's
 * estimate is the minimum of the three. Flows whose estimate exceeds a
 * threshold configured by the control plane are re-marked to a scavenger
 * DSCP. The control plane clears the registers at the end of each epoch.
 */
#include <core.p4>
#include <v1model.p4>

#define SKETCH_WIDTH 4096
#define SKETCH_INDEX_BITS 12

typedef bit<32> count_t;

const bit<6> DSCP_SCAVENGER = 8;

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

header ports_t {
    bit<16> srcPort;
    bit<16> dstPort;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    ports_t    ports;
}

struct metadata {
    bit<SKETCH_INDEX_BITS> idx0;
    bit<SKETCH_INDEX_BITS> idx1;
    bit<SKETCH_INDEX_BITS> idx2;
    count_t                estimate;
    count_t                threshold;
}

parser CmsParser(packet_in packet, out headers hdr, inout metadata meta,
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
            6: parse_ports;
            17: parse_ports;
            default: accept;
        }
    }
    state parse_ports {
        packet.extract(hdr.ports);
        transition accept;
    }
}

control CmsVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control CmsIngress(inout headers hdr, inout metadata meta,
                   inout standard_metadata_t standard_metadata) {

    register<count_t>(SKETCH_WIDTH) row0;
    register<count_t>(SKETCH_WIDTH) row1;
    register<count_t>(SKETCH_WIDTH) row2;

    action compute_indices() {
        hash(meta.idx0, HashAlgorithm.crc16, (bit<SKETCH_INDEX_BITS>) 0,
             { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, hdr.ipv4.protocol,
               hdr.ports.srcPort, hdr.ports.dstPort },
             (bit<32>) SKETCH_WIDTH);
        hash(meta.idx1, HashAlgorithm.crc32, (bit<SKETCH_INDEX_BITS>) 0,
             { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, hdr.ipv4.protocol,
               hdr.ports.srcPort, hdr.ports.dstPort },
             (bit<32>) SKETCH_WIDTH);
        /* A salted CRC32 gives a third, independent hash. */
        hash(meta.idx2, HashAlgorithm.crc32, (bit<SKETCH_INDEX_BITS>) 0,
             { 32w0x9e3779b9, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr,
               hdr.ipv4.protocol, hdr.ports.srcPort, hdr.ports.dstPort },
             (bit<32>) SKETCH_WIDTH);
    }

    action update_sketch() {
        count_t c0;
        count_t c1;
        count_t c2;
        row0.read(c0, (bit<32>) meta.idx0);
        row1.read(c1, (bit<32>) meta.idx1);
        row2.read(c2, (bit<32>) meta.idx2);
        c0 = c0 |+| 1;
        c1 = c1 |+| 1;
        c2 = c2 |+| 1;
        row0.write((bit<32>) meta.idx0, c0);
        row1.write((bit<32>) meta.idx1, c1);
        row2.write((bit<32>) meta.idx2, c2);
        meta.estimate = c0 < c1 ? c0 : c1;
        meta.estimate = meta.estimate < c2 ? meta.estimate : c2;
    }

    action set_threshold(count_t threshold) {
        meta.threshold = threshold;
    }

    table heavy_threshold {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { set_threshold; }
        default_action = set_threshold(32w1000);
    }

    action forward(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table ipv4_fwd {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        if (hdr.ports.isValid()) {
            compute_indices();
            @atomic {
                update_sketch();
            }
            heavy_threshold.apply();
            if (meta.estimate > meta.threshold) {
                hdr.ipv4.dscp = DSCP_SCAVENGER;
            }
        }
        ipv4_fwd.apply();
    }
}

control CmsEgress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply { }
}

control CmsComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.dscp, hdr.ipv4.ecn,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control CmsDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ports);
    }
}

V1Switch(CmsParser(), CmsVerifyChecksum(), CmsIngress(), CmsEgress(),
         CmsComputeChecksum(), CmsDeparser()) main;
