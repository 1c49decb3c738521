/*
 * Packet I/O with a P4Runtime controller.
 *
 * The controller injects packets on the CPU port preceded by a
 * packet-out header naming the output port; they bypass the pipeline's
 * forwarding logic. Packets matching a punt rule (LLDP, ARP, traffic to
 * the router's own addresses) are sent to the CPU port, and egress puts a
 * packet-in header in front of them with the port they arrived on. The
 * @controller_header annotations tell P4Runtime which headers these are.
 */
#include <core.p4>
#include <v1model.p4>

const PortId_t CPU_PORT = 255;

@controller_header("packet_in")
header packet_in_header_t {
    PortId_t ingress_port;
    bit<7>   _pad;
}

@controller_header("packet_out")
header packet_out_header_t {
    PortId_t egress_port;
    bit<7>   _pad;
}

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
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

struct headers_t {
    packet_out_header_t packet_out;
    packet_in_header_t  packet_in;
    ethernet_t          ethernet;
    ipv4_t              ipv4;
}

struct metadata_t { }

parser IoParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        transition select(standard_metadata.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }

    state parse_packet_out {
        packet.extract(hdr.packet_out);
        transition parse_ethernet;
    }

    state parse_ethernet {
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

control IoVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control IoIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    direct_counter(CounterType.packets) punt_hits;

    action send_to_cpu() {
        standard_metadata.egress_spec = CPU_PORT;
    }

    action copy_to_cpu() {
        /* Session 1 is configured by the controller to point at CPU_PORT. */
        clone(CloneType.I2E, 32w1);
    }

    table punt {
        key = {
            standard_metadata.ingress_port : ternary;
            hdr.ethernet.dst_addr          : ternary;
            hdr.ethernet.ether_type        : ternary;
            hdr.ipv4.dst_addr              : ternary;
            hdr.ipv4.protocol              : ternary;
        }
        actions = {
            send_to_cpu;
            copy_to_cpu;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        counters = punt_hits;
    }

    action forward(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table l2 {
        key = { hdr.ethernet.dst_addr : exact; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (hdr.packet_out.isValid()) {
            standard_metadata.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
            exit;
        }
        l2.apply();
        punt.apply();
    }
}

control IoEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    apply {
        if (standard_metadata.egress_port == CPU_PORT) {
            hdr.packet_in.setValid();
            hdr.packet_in.ingress_port = standard_metadata.ingress_port;
            hdr.packet_in._pad = 0;
        }
    }
}

control IoComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control IoDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.packet_in);
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(IoParser(), IoVerifyChecksum(), IoIngress(), IoEgress(),
         IoComputeChecksum(), IoDeparser()) main;
