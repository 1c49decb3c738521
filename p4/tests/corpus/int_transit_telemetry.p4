/*
 * In-band network telemetry: source and transit hops.
 *
 * Telemetry rides in UDP datagrams to a well-known port, between the UDP
 * header and the payload: a shim with the hop count and a stack of per-hop
 * records. A source switch (chosen by a watch-list table) inserts an empty
 * shim; every hop, including the source, pushes a record with its switch
 * id, ports, queue occupancy and hop latency at the front of the stack, as
 * long as there is room. IPv4 and UDP lengths grow accordingly and the
 * UDP checksum is cleared. Sinks are out of scope.
 */
#include <core.p4>
#include <v1model.p4>

#define MAX_HOPS 6

const bit<16> INT_UDP_PORT = 5000;
const bit<16> HOP_RECORD_BYTES = 16;
const bit<16> SHIM_BYTES = 4;

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

header udp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

header int_shim_t {
    bit<8>  hop_count;
    bit<8>  max_hops;
    bit<16> orig_dst_port;
}

header int_hop_t {
    bit<32> switch_id;
    bit<16> ingress_port;
    bit<16> egress_port;
    bit<32> hop_latency;
    bit<13> reserved;
    bit<19> queue_depth;
}

struct headers_t {
    ethernet_t          ethernet;
    ipv4_t              ipv4;
    udp_t               udp;
    int_shim_t          int_shim;
    int_hop_t[MAX_HOPS] int_hops;
}

struct metadata_t {
    bit<8> hops_left_to_parse;
    bool   int_source;
}

parser IntParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
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
        transition select(hdr.ipv4.ihl, hdr.ipv4.protocol) {
            (5, 17): parse_udp;
            default: accept;
        }
    }

    state parse_udp {
        packet.extract(hdr.udp);
        transition select(hdr.udp.dst_port) {
            INT_UDP_PORT: parse_int_shim;
            default: accept;
        }
    }

    state parse_int_shim {
        packet.extract(hdr.int_shim);
        meta.hops_left_to_parse = hdr.int_shim.hop_count;
        transition select(hdr.int_shim.hop_count) {
            0: accept;
            1 .. MAX_HOPS: parse_int_hop;
            default: reject;
        }
    }

    state parse_int_hop {
        packet.extract(hdr.int_hops.next);
        meta.hops_left_to_parse = meta.hops_left_to_parse - 1;
        transition select(meta.hops_left_to_parse) {
            0: accept;
            default: parse_int_hop;
        }
    }
}

control IntVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control IntIngress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t sm) {

    action forward(bit<48> dmac, PortId_t port) {
        hdr.ethernet.dst_addr = dmac;
        sm.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    action drop() {
        mark_to_drop(sm);
    }

    table routes {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    action start_telemetry(bit<8> max_hops) {
        meta.int_source = true;
        hdr.int_shim.setValid();
        hdr.int_shim.hop_count = 0;
        hdr.int_shim.max_hops = max_hops;
        hdr.int_shim.orig_dst_port = hdr.udp.dst_port;
        hdr.udp.dst_port = INT_UDP_PORT;
        hdr.ipv4.total_len = hdr.ipv4.total_len + SHIM_BYTES;
        hdr.udp.length = hdr.udp.length + SHIM_BYTES;
    }

    table watch_list {
        key = {
            hdr.ipv4.src_addr : ternary;
            hdr.ipv4.dst_addr : ternary;
            hdr.udp.dst_port  : range;
        }
        actions = { start_telemetry; NoAction; }
        default_action = NoAction();
    }

    apply {
        meta.int_source = false;
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        if (hdr.udp.isValid() && !hdr.int_shim.isValid()) {
            watch_list.apply();
        }
        routes.apply();
    }
}

control IntEgress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    action push_hop_record(bit<32> switch_id) {
        hdr.int_hops.push_front(1);
        hdr.int_hops[0].setValid();
        hdr.int_hops[0].switch_id = switch_id;
        hdr.int_hops[0].ingress_port = (bit<16>) sm.ingress_port;
        hdr.int_hops[0].egress_port = (bit<16>) sm.egress_port;
        hdr.int_hops[0].hop_latency =
            (bit<32>) (sm.egress_global_timestamp - sm.ingress_global_timestamp);
        hdr.int_hops[0].reserved = 0;
        hdr.int_hops[0].queue_depth = sm.enq_qdepth;
        hdr.int_shim.hop_count = hdr.int_shim.hop_count + 1;
        hdr.ipv4.total_len = hdr.ipv4.total_len + HOP_RECORD_BYTES;
        hdr.udp.length = hdr.udp.length + HOP_RECORD_BYTES;
        hdr.udp.checksum = 0;
    }

    table switch_identity {
        actions = { push_hop_record; }
        default_action = push_hop_record(32w0);
    }

    apply {
        if (hdr.int_shim.isValid() &&
            hdr.int_shim.hop_count < hdr.int_shim.max_hops &&
            hdr.int_shim.hop_count < MAX_HOPS) {
            switch_identity.apply();
        }
    }
}

control IntComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control IntDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.udp);
        packet.emit(hdr.int_shim);
        packet.emit(hdr.int_hops);
    }
}

V1Switch(IntParser(), IntVerifyChecksum(), IntIngress(), IntEgress(),
         IntComputeChecksum(), IntDeparser()) main;
