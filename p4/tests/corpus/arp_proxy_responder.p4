/*
 * Proxy ARP responder.
 *
 * ARP requests for addresses the control plane has registered (gateway
 * addresses and known hosts) are answered directly by the switch: the
 * request is turned into a reply in place and sent back out of the port it
 * came in on. Other ARP traffic and gratuitous ARP are flooded; everything
 * else is bridged normally.
 */
#include <core.p4>
#include <v1model.p4>

const bit<16> ETHERTYPE_ARP  = 0x0806;
const bit<16> ARP_HTYPE_ETH  = 1;
const bit<16> ARP_PTYPE_IPV4 = 0x0800;
const bit<16> ARP_REQUEST    = 1;
const bit<16> ARP_REPLY      = 2;
const bit<16> FLOOD_GROUP    = 1;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header arp_t {
    bit<16> htype;
    bit<16> ptype;
    bit<8>  hlen;
    bit<8>  plen;
    bit<16> oper;
    bit<48> sender_hw;
    bit<32> sender_ip;
    bit<48> target_hw;
    bit<32> target_ip;
}

struct headers_t {
    ethernet_t ethernet;
    arp_t      arp;
}

struct metadata_t { }

parser ArpParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_ARP: parse_arp;
            default: accept;
        }
    }
    state parse_arp {
        packet.extract(hdr.arp);
        transition select(hdr.arp.htype, hdr.arp.ptype, hdr.arp.hlen,
                          hdr.arp.plen) {
            (ARP_HTYPE_ETH, ARP_PTYPE_IPV4, 6, 4): accept;
            default: reject;
        }
    }
}

control ArpVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control ArpIngress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t sm) {

    action arp_reply(bit<48> target_mac) {
        hdr.arp.oper = ARP_REPLY;
        /* The requester becomes the target ... */
        hdr.arp.target_hw = hdr.arp.sender_hw;
        bit<32> requested_ip = hdr.arp.target_ip;
        hdr.arp.target_ip = hdr.arp.sender_ip;
        /* ... and we answer for the requested address. */
        hdr.arp.sender_hw = target_mac;
        hdr.arp.sender_ip = requested_ip;

        hdr.ethernet.dst_addr = hdr.ethernet.src_addr;
        hdr.ethernet.src_addr = target_mac;
        sm.egress_spec = sm.ingress_port;
    }

    action flood() {
        sm.mcast_grp = FLOOD_GROUP;
    }

    table arp_proxy {
        key = {
            hdr.arp.target_ip : exact;
        }
        actions = { arp_reply; flood; }
        default_action = flood();
        size = 4096;
    }

    action forward(PortId_t port) {
        sm.egress_spec = port;
    }

    table l2 {
        key = { hdr.ethernet.dst_addr : exact; }
        actions = { forward; flood; }
        default_action = flood();
    }

    apply {
        if (sm.parser_error != error.NoError) {
            mark_to_drop(sm);
            return;
        }
        if (hdr.arp.isValid() && hdr.arp.oper == ARP_REQUEST &&
            hdr.arp.sender_ip != hdr.arp.target_ip) {
            arp_proxy.apply();
        } else {
            l2.apply();
        }
    }
}

control ArpEgress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {
    apply {
        if (sm.mcast_grp != 0 && sm.egress_port == sm.ingress_port) {
            mark_to_drop(sm);
        }
    }
}

control ArpComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control ArpDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.arp);
    }
}

V1Switch(ArpParser(), ArpVerifyChecksum(), ArpIngress(), ArpEgress(),
         ArpComputeChecksum(), ArpDeparser()) main;
