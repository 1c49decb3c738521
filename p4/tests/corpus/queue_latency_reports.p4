/*
 * Queue latency reports with egress-to-egress clones.
 *
 * After a packet has been through the traffic manager, egress knows how
 * long it waited (deq_timedelta) and how deep the queue was. When the wait
 * exceeds a per-port threshold, the packet is cloned egress-to-egress to
 * the collector session. The clone re-enters egress, where the original
 * frame is cut down to its headers and a latency report is prepended.
 * A plain clone() copy also goes to a debug session for ports that have
 * debugging enabled.
 */
#include <core.p4>
#include <v1model.p4>

const bit<32> INSTANCE_TYPE_EGRESS_CLONE = 2;
const bit<32> COLLECTOR_SESSION = 100;
const bit<32> DEBUG_SESSION     = 101;
const bit<8>  REPORT_FIELDS     = 2;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header latency_report_t {
    bit<16> switch_id;
    bit<16> egress_port;
    bit<32> queue_delay_us;
    bit<32> queue_depth;
    bit<48> timestamp;
    bit<16> orig_ether_type;
}

struct headers_t {
    ethernet_t       ethernet;
    latency_report_t report;
}

struct metadata_t {
    @field_list(REPORT_FIELDS)
    bit<32> delay;
    @field_list(REPORT_FIELDS)
    bit<19> depth;
    @field_list(REPORT_FIELDS)
    bit<9>  port;
    bit<32> threshold;
}

parser LatParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition accept;
    }
}

control LatVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control LatIngress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t sm) {
    action forward(PortId_t port) {
        sm.egress_spec = port;
    }
    action drop() {
        mark_to_drop(sm);
    }
    table mac_table {
        key = { hdr.ethernet.dst_addr : exact; }
        actions = { forward; drop; }
        default_action = drop();
    }
    apply {
        mac_table.apply();
    }
}

control LatEgress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    action set_threshold(bit<32> threshold_us) {
        meta.threshold = threshold_us;
    }

    action set_threshold_and_debug(bit<32> threshold_us) {
        meta.threshold = threshold_us;
        clone(CloneType.E2E, DEBUG_SESSION);
    }

    table port_thresholds {
        key = { sm.egress_port : exact; }
        actions = { set_threshold; set_threshold_and_debug; }
        default_action = set_threshold(32w0xffffffff);
    }

    action build_report(bit<16> switch_id, bit<48> collector_mac) {
        hdr.report.setValid();
        hdr.report.switch_id = switch_id;
        hdr.report.egress_port = (bit<16>) meta.port;
        hdr.report.queue_delay_us = meta.delay;
        hdr.report.queue_depth = (bit<32>) meta.depth;
        hdr.report.timestamp = sm.egress_global_timestamp;
        hdr.report.orig_ether_type = hdr.ethernet.ether_type;
        hdr.ethernet.dst_addr = collector_mac;
        hdr.ethernet.ether_type = 0x0901;
        /* Ethernet (14) + report (22) + the first 64 bytes of the frame. */
        truncate(32w100);
    }

    table report_config {
        actions = { build_report; }
        default_action = build_report(16w1, 48w0x020000000001);
    }

    apply {
        if (sm.instance_type == INSTANCE_TYPE_EGRESS_CLONE) {
            if (meta.delay != 0) {
                report_config.apply();
            }
            return;
        }
        meta.delay = 0;
        port_thresholds.apply();
        if (sm.deq_timedelta > meta.threshold) {
            meta.delay = sm.deq_timedelta;
            meta.depth = sm.deq_qdepth;
            meta.port = sm.egress_port;
            clone_preserving_field_list(CloneType.E2E, COLLECTOR_SESSION,
                                        REPORT_FIELDS);
        }
    }
}

control LatComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control LatDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.report);
    }
}

V1Switch(LatParser(), LatVerifyChecksum(), LatIngress(), LatEgress(),
         LatComputeChecksum(), LatDeparser()) main;
