/*
 * Resubmission: decide in pass 1 how to parse in pass 2.
 *
 * Some hosts (for example, appliances doing their own routing) must be
 * bridged without any L3 processing. The first pass parses IPv4 and looks
 * the source address up in a bypass table. A hit sets a flag kept in field
 * list 1 and resubmits the original packet; on the second pass the parser
 * reads the preserved flag and stops after the Ethernet header, and the
 * ingress only bridges. Every other packet is routed in the first pass.
 */
#include <core.p4>
#include <v1model.p4>

const bit<32> INSTANCE_TYPE_RESUBMIT = 6;
const bit<8>  FL_RESUBMIT = 1;

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
    ethernet_t ethernet;
    ipv4_t     ipv4;
}

struct metadata_t {
    @field_list(FL_RESUBMIT)
    bit<1> bypass;
    @field_list(FL_RESUBMIT)
    bit<8> reason;
}

parser BpParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        transition select(standard_metadata.instance_type) {
            INSTANCE_TYPE_RESUBMIT: parse_ethernet;
            default: fresh_packet;
        }
    }

    state fresh_packet {
        meta.bypass = 0;
        meta.reason = 0;
        transition parse_ethernet;
    }

    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(meta.bypass, hdr.ethernet.ether_type) {
            (0, 0x0800): parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition accept;
    }
}

control BpVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control BpIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action bypass(bit<8> reason) {
        meta.bypass = 1;
        meta.reason = reason;
        resubmit_preserving_field_list(FL_RESUBMIT);
    }

    table bypass_hosts {
        key = { hdr.ipv4.src_addr : exact; }
        actions = { bypass; NoAction; }
        default_action = NoAction();
    }

    action route(bit<48> smac, bit<48> dmac, PortId_t port) {
        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        standard_metadata.egress_spec = port;
    }

    table routes {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { route; drop; }
        default_action = drop();
    }

    action bridge(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    table bridging {
        key = { hdr.ethernet.dst_addr : exact; }
        actions = { bridge; drop; }
        default_action = drop();
    }

    apply {
        bool do_bridge = true;
        if (meta.bypass == 1) {
            log_msg("bypassed packet, reason {}", { meta.reason });
        } else if (hdr.ipv4.isValid()) {
            do_bridge = false;
            if (bypass_hosts.apply().miss) {
                routes.apply();
            }
        }
        if (do_bridge) {
            bridging.apply();
        }
    }
}

control BpEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control BpComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control BpDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(BpParser(), BpVerifyChecksum(), BpIngress(), BpEgress(),
         BpComputeChecksum(), BpDeparser()) main;
