/*
 * Learning Ethernet bridge.
 *
 * Frames are forwarded on (bridge domain, destination MAC). Unknown and
 * broadcast destinations are flooded through the multicast group that has
 * the same number as the bridge domain; egress prunes the copy that would
 * go back out of the arrival port. Unknown source addresses are reported to
 * the control plane with a digest; the control plane installs them in both
 * MAC tables, and entries of `smac` age out through the idle timeout.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;

const bit<32>    MAC_LEARN_RECEIVER = 1;
const mac_addr_t BROADCAST_MAC = 48w0xffffffffffff;

header ethernet_t {
    mac_addr_t dst_addr;
    mac_addr_t src_addr;
    bit<16>    ether_type;
}

struct headers_t {
    ethernet_t ethernet;
}

/* What the control plane receives for every unknown source address. */
struct mac_learn_digest_t {
    mac_addr_t src_addr;
    PortId_t   ingress_port;
    bit<16>    bd;
}

struct metadata_t {
    bit<16> bd;
    bool    unknown_source;
}

parser BridgeParser(packet_in packet,
                    out headers_t hdr,
                    inout metadata_t meta,
                    inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition accept;
    }
}

control BridgeVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control BridgeIngress(inout headers_t hdr,
                      inout metadata_t meta,
                      inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action set_bd(bit<16> bd) {
        meta.bd = bd;
    }

    /* Access ports are mapped to a bridge domain; unmapped ports use 1. */
    table port_to_bd {
        key = {
            standard_metadata.ingress_port : exact;
        }
        actions = {
            set_bd;
            drop;
        }
        default_action = set_bd(16w1);
        size = 512;
    }

    action learn() {
        meta.unknown_source = true;
    }

    action source_known() {
        meta.unknown_source = false;
    }

    table smac {
        key = {
            meta.bd               : exact;
            hdr.ethernet.src_addr : exact;
        }
        actions = {
            learn;
            source_known;
        }
        default_action = learn();
        size = 4096;
        support_timeout = true;
    }

    action forward(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    action flood() {
        standard_metadata.mcast_grp = meta.bd;
    }

    table dmac {
        key = {
            meta.bd               : exact;
            hdr.ethernet.dst_addr : exact;
        }
        actions = {
            forward;
            flood;
            drop;
        }
        default_action = flood();
        size = 4096;
    }

    apply {
        if (!hdr.ethernet.isValid()) {
            drop();
            return;
        }
        port_to_bd.apply();
        smac.apply();
        if (meta.unknown_source) {
            digest<mac_learn_digest_t>(MAC_LEARN_RECEIVER,
                { hdr.ethernet.src_addr, standard_metadata.ingress_port, meta.bd });
        }
        if (hdr.ethernet.dst_addr == BROADCAST_MAC) {
            flood();
        } else {
            dmac.apply();
        }
    }
}

control BridgeEgress(inout headers_t hdr,
                     inout metadata_t meta,
                     inout standard_metadata_t standard_metadata) {
    apply {
        /* Split horizon: never flood a frame back where it came from. */
        if (standard_metadata.mcast_grp != 0 &&
            standard_metadata.egress_port == standard_metadata.ingress_port) {
            mark_to_drop(standard_metadata);
        }
    }
}

control BridgeComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control BridgeDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
    }
}

V1Switch(BridgeParser(),
         BridgeVerifyChecksum(),
         BridgeIngress(),
         BridgeEgress(),
         BridgeComputeChecksum(),
         BridgeDeparser()) main;
