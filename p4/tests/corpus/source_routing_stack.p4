/*
 * Strict source routing with a header stack.
 *
 * The sender lists the output port of every hop in a stack of one-byte
 * hop records after the Ethernet header (EtherType 0x88b9). Each switch
 * forwards on the first record and pops it; the hop that pops the record
 * marked `last` restores the payload EtherType carried in the trailer.
 * Packets with an empty or over-long route are dropped, and the switch
 * refuses to send a packet back out of its ingress port.
 */
#include <core.p4>
#include <v1model.p4>

#define MAX_HOPS 8

const bit<16> ETHERTYPE_SRCROUTE = 0x88b9;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header hop_t {
    bit<1> last;
    bit<7> port;
}

header route_trailer_t {
    bit<16> payload_ether_type;
}

struct headers_t {
    ethernet_t      ethernet;
    hop_t[MAX_HOPS] hops;
    route_trailer_t trailer;
}

struct metadata_t {
    bit<32> hops_parsed;
}

parser SrcParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    state start {
        meta.hops_parsed = 0;
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_SRCROUTE: parse_hop;
            default: accept;
        }
    }

    state parse_hop {
        packet.extract(hdr.hops.next);
        transition select(hdr.hops.last.last) {
            1: parse_trailer;
            default: parse_hop;
        }
    }

    state parse_trailer {
        meta.hops_parsed = hdr.hops.lastIndex + 1;
        packet.extract(hdr.trailer);
        transition accept;
    }
}

control SrcVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control SrcIngress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t sm) {

    counter(32w1, CounterType.packets) bad_routes;

    action drop() {
        mark_to_drop(sm);
    }

    action next_hop() {
        sm.egress_spec = (PortId_t) hdr.hops[0].port;
        hdr.hops.pop_front(1);
    }

    action end_of_route() {
        hdr.ethernet.ether_type = hdr.trailer.payload_ether_type;
        hdr.trailer.setInvalid();
    }

    action l2_forward(PortId_t port) {
        sm.egress_spec = port;
    }

    table l2 {
        key = { hdr.ethernet.dst_addr : exact; }
        actions = { l2_forward; drop; }
        default_action = drop();
    }

    apply {
        if (sm.parser_error == error.StackOutOfBounds) {
            bad_routes.count(32w0);
            drop();
            return;
        }
        if (hdr.hops[0].isValid()) {
            bool was_last = hdr.hops[0].last == 1;
            next_hop();
            if (was_last) {
                end_of_route();
            }
            if (sm.egress_spec == sm.ingress_port) {
                drop();
            }
        } else if (hdr.ethernet.ether_type == ETHERTYPE_SRCROUTE) {
            bad_routes.count(32w0);
            drop();
        } else {
            l2.apply();
        }
    }
}

control SrcEgress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {
    apply { }
}

control SrcComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control SrcDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.hops);
        packet.emit(hdr.trailer);
    }
}

V1Switch(SrcParser(), SrcVerifyChecksum(), SrcIngress(), SrcEgress(),
         SrcComputeChecksum(), SrcDeparser()) main;
