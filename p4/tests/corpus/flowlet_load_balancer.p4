/*
 * Flowlet-based load balancing.
 *
 * A flow is split into flowlets at gaps longer than the flowlet timeout;
 * each flowlet may take a different ECMP path without reordering packets
 * inside the flow (the gap is longer than the path delay difference). Per
 * flow-hash slot, registers hold the last time a packet was seen and the
 * current flowlet id; a new flowlet draws a fresh random id. The ECMP
 * member is a hash of the 5-tuple and the flowlet id.
 */
#include <core.p4>
#include <v1model.p4>

#define FLOWLET_SLOTS 8192
const bit<48> FLOWLET_TIMEOUT_US = 48w50000;

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

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    tcp_t      tcp;
}

struct metadata {
    bit<13> flowlet_slot;
    bit<16> flowlet_id;
    bit<14> ecmp_group;
    bit<8>  ecmp_member;
}

parser FlParser(packet_in packet, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.protocol) {
            6: parse_tcp;
            default: accept;
        }
    }
    state parse_tcp {
        packet.extract(hdr.tcp);
        transition accept;
    }
}

control FlVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control FlIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {

    register<bit<48>>(FLOWLET_SLOTS) last_seen;
    register<bit<16>>(FLOWLET_SLOTS) flowlet_ids;

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action update_flowlet() {
        hash(meta.flowlet_slot, HashAlgorithm.crc16, 13w0,
             { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, hdr.ipv4.protocol,
               hdr.tcp.srcPort, hdr.tcp.dstPort },
             32w8192);
        bit<48> previous;
        bit<32> slot = (bit<32>) meta.flowlet_slot;
        last_seen.read(previous, slot);
        flowlet_ids.read(meta.flowlet_id, slot);
        bit<48> now = standard_metadata.ingress_global_timestamp;
        last_seen.write(slot, now);
        bit<16> fresh_id;
        random(fresh_id, 16w0, 16w0xffff);
        meta.flowlet_id = (now - previous > FLOWLET_TIMEOUT_US) ? fresh_id
                                                                 : meta.flowlet_id;
        flowlet_ids.write(slot, meta.flowlet_id);
    }

    action set_ecmp_group(bit<14> group, bit<8> members) {
        meta.ecmp_group = group;
        hash(meta.ecmp_member, HashAlgorithm.crc16, 8w0,
             { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, hdr.ipv4.protocol,
               hdr.tcp.srcPort, hdr.tcp.dstPort, meta.flowlet_id },
             members);
    }

    table ecmp_groups {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { set_ecmp_group; drop; }
        default_action = drop();
        size = 1024;
    }

    action set_nhop(bit<48> nhop_dmac, bit<32> nhop_ipv4, bit<9> port) {
        hdr.ethernet.dstAddr = nhop_dmac;
        standard_metadata.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        log_msg("flowlet {} of {} via next hop {}",
                { meta.flowlet_id, hdr.ipv4.srcAddr, nhop_ipv4 });
    }

    table ecmp_members {
        key = {
            meta.ecmp_group  : exact;
            meta.ecmp_member : exact;
        }
        actions = { set_nhop; drop; }
        default_action = drop();
        size = 4096;
    }

    apply {
        if (!hdr.ipv4.isValid() || !hdr.tcp.isValid() || hdr.ipv4.ttl <= 1) {
            drop();
            return;
        }
        @atomic {
            update_flowlet();
        }
        if (ecmp_groups.apply().hit) {
            ecmp_members.apply();
        }
    }
}

control FlEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    action rewrite_smac(bit<48> smac) {
        hdr.ethernet.srcAddr = smac;
    }

    action drop_frame() {
        mark_to_drop(standard_metadata);
    }

    table send_frame {
        key = { standard_metadata.egress_port : exact; }
        actions = { rewrite_smac; drop_frame; }
        default_action = drop_frame();
        size = 256;
    }

    apply {
        send_frame.apply();
    }
}

control FlComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control FlDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.tcp);
    }
}

V1Switch(FlParser(), FlVerifyChecksum(), FlIngress(), FlEgress(),
         FlComputeChecksum(), FlDeparser()) main;
