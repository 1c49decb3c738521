/*
 * 802.1Q VLAN bridge with access and trunk ports.
 *
 * Untagged frames take the port's native VLAN; tagged frames are admitted
 * only if the port is a member of the VLAN (membership is given as VLAN
 * ranges per port). Forwarding is on (VLAN, destination MAC); unknown
 * destinations are flooded to the multicast group numbered after the
 * VLAN. In egress the tag is pushed or popped depending on whether the
 * VLAN is tagged on the outgoing port.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<12> vlan_id_t;

const bit<16> ETHERTYPE_VLAN = 0x8100;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header vlan_tag_t {
    bit<3>    pcp;
    bit<1>    dei;
    vlan_id_t vid;
    bit<16>   ether_type;
}

struct headers_t {
    ethernet_t ethernet;
    vlan_tag_t vlan;
}

struct metadata_t {
    vlan_id_t vid;
    bit<3>    pcp;
}

parser VlanParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_VLAN: parse_vlan;
            default: accept;
        }
    }
    state parse_vlan {
        packet.extract(hdr.vlan);
        transition accept;
    }
}

control VlanVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control VlanIngress(inout headers_t hdr, inout metadata_t meta,
                    inout standard_metadata_t sm) {

    action drop() {
        mark_to_drop(sm);
    }

    action set_native_vlan(vlan_id_t vid, bit<3> pcp) {
        meta.vid = vid;
        meta.pcp = pcp;
    }

    table native_vlan {
        key = { sm.ingress_port : exact; }
        actions = { set_native_vlan; drop; }
        default_action = drop();
    }

    action admit() { }

    table vlan_membership {
        key = {
            sm.ingress_port : exact;
            meta.vid        : range;
        }
        actions = { admit; drop; }
        default_action = drop();
    }

    action forward(PortId_t port) {
        sm.egress_spec = port;
    }

    action flood() {
        sm.mcast_grp = (bit<16>) meta.vid;
    }

    table mac_table {
        key = {
            meta.vid              : exact;
            hdr.ethernet.dst_addr : exact;
        }
        actions = { forward; flood; }
        default_action = flood();
        size = 32768;
    }

    apply {
        if (hdr.vlan.isValid() && hdr.vlan.vid != 0) {
            meta.vid = hdr.vlan.vid;
            meta.pcp = hdr.vlan.pcp;
        } else {
            /* Untagged or priority-tagged: use the port's VLAN. */
            native_vlan.apply();
        }
        switch (vlan_membership.apply().action_run) {
            admit: {
                mac_table.apply();
            }
        }
    }
}

control VlanEgress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t sm) {

    action tagged() { }

    action untagged() { }

    table egress_vlan {
        key = {
            sm.egress_port : exact;
            meta.vid       : exact;
        }
        actions = { tagged; untagged; }
        default_action = untagged();
    }

    apply {
        if (sm.egress_port == sm.ingress_port) {
            mark_to_drop(sm);
            return;
        }
        switch (egress_vlan.apply().action_run) {
            tagged: {
                if (!hdr.vlan.isValid()) {
                    hdr.vlan.setValid();
                    hdr.vlan.ether_type = hdr.ethernet.ether_type;
                    hdr.ethernet.ether_type = ETHERTYPE_VLAN;
                }
                hdr.vlan.vid = meta.vid;
                hdr.vlan.pcp = meta.pcp;
                hdr.vlan.dei = 0;
            }
            untagged: {
                if (hdr.vlan.isValid()) {
                    hdr.ethernet.ether_type = hdr.vlan.ether_type;
                    hdr.vlan.setInvalid();
                }
            }
        }
    }
}

control VlanComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control VlanDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.vlan);
    }
}

V1Switch(VlanParser(), VlanVerifyChecksum(), VlanIngress(), VlanEgress(),
         VlanComputeChecksum(), VlanDeparser()) main;
