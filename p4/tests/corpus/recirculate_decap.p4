/*
 * Two-pass tunnel termination with recirculation.
 *
 * Pass 1: an IP-in-IP packet addressed to a local tunnel endpoint is
 * marked for termination and sent to egress, where the outer IPv4 header
 * is removed and the packet is recirculated. Pass 2: the parser sees a
 * plain IPv4 packet, and the ingress routes it normally. The pass number
 * and the tunnel it arrived on survive recirculation in field list 1.
 * A packet that would need a third pass is dropped.
 */
#include <core.p4>
#include <v1model.p4>

const bit<32> INSTANCE_TYPE_RECIRC = 4;
const bit<8>  FL_RECIRC = 1;
const bit<8>  MAX_PASSES = 2;
/* Any port works for a packet that egress will recirculate. */
const PortId_t RECIRC_PORT = 9w68;

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

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
}

struct metadata {
    @field_list(FL_RECIRC)
    bit<8>  pass;
    @field_list(FL_RECIRC)
    bit<16> tunnel_id;
    bool    terminate;
}

parser RcParser(packet_in packet, out headers hdr, inout metadata meta,
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

control RcVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control RcIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action terminate_tunnel(bit<16> tunnel_id) {
        meta.terminate = true;
        meta.tunnel_id = tunnel_id;
        standard_metadata.egress_spec = RECIRC_PORT;
    }

    table tunnel_endpoints {
        key = {
            hdr.ipv4.dstAddr  : exact;
            hdr.ipv4.protocol : exact;
        }
        actions = { terminate_tunnel; NoAction; }
        default_action = NoAction();
    }

    action route(bit<48> dmac, PortId_t port) {
        hdr.ethernet.dstAddr = dmac;
        standard_metadata.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table routes {
        key = {
            meta.tunnel_id   : exact;   /* 0 for untunnelled traffic */
            hdr.ipv4.dstAddr : lpm;
        }
        actions = { route; drop; }
        default_action = drop();
    }

    apply {
        if (standard_metadata.instance_type != INSTANCE_TYPE_RECIRC) {
            meta.pass = 0;
            meta.tunnel_id = 0;
        }
        meta.terminate = false;
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        if (meta.pass == 0) {
            tunnel_endpoints.apply();
            if (meta.terminate) {
                return;
            }
        }
        routes.apply();
    }
}

control RcEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    apply {
        if (meta.terminate) {
            if (meta.pass + 1 >= MAX_PASSES) {
                mark_to_drop(standard_metadata);
                return;
            }
            /* The inner IPv4 header follows in the payload; dropping the
             * outer one makes it the first header seen on the next pass. */
            hdr.ipv4.setInvalid();
            meta.pass = meta.pass + 1;
            recirculate_preserving_field_list(FL_RECIRC);
        }
    }
}

control RcComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control RcDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(RcParser(), RcVerifyChecksum(), RcIngress(), RcEgress(),
         RcComputeChecksum(), RcDeparser()) main;
