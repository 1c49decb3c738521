/*
 * Port statistics for a simple L2 forwarder.
 *
 * Shows the three counter types and both counter flavours:
 *  - indexed counters per port for received and transmitted traffic,
 *    including one whose index type is given explicitly as PortId_t;
 *  - a byte-only indexed counter for drops per reason;
 *  - a direct counter attached to the forwarding table, one per entry.
 */
#include <core.p4>
#include <v1model.p4>

#define NUM_PORTS 512

const bit<32> DROP_REASON_NO_ROUTE = 0;
const bit<32> DROP_REASON_RUNT     = 1;
const bit<32> DROP_REASON_BAD_PORT = 2;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct headers {
    ethernet_t ethernet;
}

struct metadata { }

parser StatsParser(packet_in packet, out headers hdr, inout metadata meta,
                   inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition accept;
    }
}

control StatsVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control StatsIngress(inout headers hdr, inout metadata meta,
                     inout standard_metadata_t standard_metadata) {

    counter(NUM_PORTS, CounterType.packets_and_bytes) rx_port;
    counter<PortId_t>(NUM_PORTS, CounterType.packets) rx_multicast;
    counter(32w4, CounterType.bytes) dropped_bytes;
    direct_counter(CounterType.bytes) fwd_bytes;

    action drop_with_reason(bit<32> reason) {
        dropped_bytes.count(reason);
        mark_to_drop(standard_metadata);
    }

    action forward(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    action no_route() {
        drop_with_reason(DROP_REASON_NO_ROUTE);
    }

    table l2_fwd {
        key = {
            hdr.ethernet.dstAddr : exact;
        }
        actions = {
            forward;
            no_route;
        }
        default_action = no_route();
        counters = fwd_bytes;
        size = 2048;
    }

    apply {
        rx_port.count((bit<32>) standard_metadata.ingress_port);
        if (standard_metadata.packet_length < 60) {
            drop_with_reason(DROP_REASON_RUNT);
            return;
        }
        if (hdr.ethernet.dstAddr[40:40] == 1) {
            rx_multicast.count(standard_metadata.ingress_port);
        }
        l2_fwd.apply();
        if (standard_metadata.egress_spec == standard_metadata.ingress_port) {
            drop_with_reason(DROP_REASON_BAD_PORT);
        }
    }
}

control StatsEgress(inout headers hdr, inout metadata meta,
                    inout standard_metadata_t standard_metadata) {

    counter(NUM_PORTS, CounterType.packets_and_bytes) tx_port;

    apply {
        tx_port.count((bit<32>) standard_metadata.egress_port);
    }
}

control StatsComputeChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control StatsDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
    }
}

V1Switch(StatsParser(), StatsVerifyChecksum(), StatsIngress(), StatsEgress(),
         StatsComputeChecksum(), StatsDeparser()) main;
