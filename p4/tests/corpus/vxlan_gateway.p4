/*
 * VXLAN tunnel endpoint (VTEP).
 *
 * Frames from access ports are mapped to a VNI; if the destination MAC is
 * behind a remote VTEP the frame is wrapped in Ethernet/IPv4/UDP/VXLAN and
 * sent towards the underlay. Packets arriving on the underlay addressed to
 * one of our VTEP addresses are stripped of the outer headers and bridged
 * on (VNI, inner destination MAC). The outer UDP source port carries a hash
 * of the inner addresses for ECMP entropy in the underlay.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;
typedef bit<24> vni_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  IP_PROTO_UDP   = 17;
const bit<16> UDP_PORT_VXLAN = 4789;

/* Ports 32..63 face the IP underlay; the others are access ports. */
const PortId_t UPLINK_FIRST = 32;
const PortId_t UPLINK_LAST  = 63;

header ethernet_h {
    mac_addr_t dst_addr;
    mac_addr_t src_addr;
    bit<16>    ether_type;
}

header ipv4_h {
    bit<4>      version;
    bit<4>      ihl;
    bit<8>      tos;
    bit<16>     total_len;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     frag_offset;
    bit<8>      ttl;
    bit<8>      protocol;
    bit<16>     hdr_checksum;
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
}

header udp_h {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

header vxlan_h {
    bit<8>  flags;
    bit<24> reserved;
    vni_t   vni;
    bit<8>  reserved2;
}

struct headers_t {
    ethernet_h ethernet;
    ipv4_h     ipv4;
    udp_h      udp;
    vxlan_h    vxlan;
    ethernet_h inner_ethernet;
}

struct metadata_t {
    vni_t vni;
}

parser VtepParser(packet_in pkt,
                  out headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t std_meta) {
    /* Only underlay ports carry tunnelled traffic. On access ports the
     * whole frame after the Ethernet header is opaque payload, so that it
     * can be carried through the tunnel untouched. */
    state start {
        pkt.extract(hdr.ethernet);
        transition select(std_meta.ingress_port, hdr.ethernet.ether_type) {
            (UPLINK_FIRST .. UPLINK_LAST, ETHERTYPE_IPV4): parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        transition select(hdr.ipv4.protocol) {
            IP_PROTO_UDP: parse_udp;
            default: accept;
        }
    }

    state parse_udp {
        pkt.extract(hdr.udp);
        transition select(hdr.udp.dst_port) {
            UDP_PORT_VXLAN: parse_vxlan;
            default: accept;
        }
    }

    state parse_vxlan {
        pkt.extract(hdr.vxlan);
        pkt.extract(hdr.inner_ethernet);
        transition accept;
    }
}

control VtepVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control VtepIngress(inout headers_t hdr,
                    inout metadata_t meta,
                    inout standard_metadata_t std_meta) {

    action drop() {
        mark_to_drop(std_meta);
    }

    /* ---- underlay to overlay ---- */

    action decap() {
        meta.vni = hdr.vxlan.vni;
        hdr.ethernet.setInvalid();
        hdr.ipv4.setInvalid();
        hdr.udp.setInvalid();
        hdr.vxlan.setInvalid();
    }

    table local_vtep {
        key = {
            hdr.ipv4.dst_addr : exact;
            hdr.vxlan.vni     : exact;
        }
        actions = { decap; drop; }
        default_action = drop();
    }

    action bridge(PortId_t port) {
        std_meta.egress_spec = port;
    }

    table overlay_l2 {
        key = {
            meta.vni                    : exact;
            hdr.inner_ethernet.dst_addr : exact;
        }
        actions = { bridge; drop; }
        default_action = drop();
    }

    /* ---- overlay to underlay ---- */

    action set_vni(vni_t vni) {
        meta.vni = vni;
    }

    table access_port_vni {
        key = { std_meta.ingress_port : exact; }
        actions = { set_vni; drop; }
        default_action = drop();
    }

    action encap(ipv4_addr_t local_ip, ipv4_addr_t remote_ip,
                 mac_addr_t underlay_smac, mac_addr_t underlay_dmac,
                 PortId_t port) {
        hdr.inner_ethernet = hdr.ethernet;

        hdr.ethernet.src_addr = underlay_smac;
        hdr.ethernet.dst_addr = underlay_dmac;
        hdr.ethernet.ether_type = ETHERTYPE_IPV4;

        hdr.ipv4.setValid();
        hdr.ipv4.version = 4;
        hdr.ipv4.ihl = 5;
        hdr.ipv4.tos = 0;
        /* 20 (IPv4) + 8 (UDP) + 8 (VXLAN) + the original frame. */
        hdr.ipv4.total_len = (bit<16>) std_meta.packet_length + 16w36;
        hdr.ipv4.identification = 0;
        hdr.ipv4.flags = 3w0b010;
        hdr.ipv4.frag_offset = 0;
        hdr.ipv4.ttl = 64;
        hdr.ipv4.protocol = IP_PROTO_UDP;
        hdr.ipv4.src_addr = local_ip;
        hdr.ipv4.dst_addr = remote_ip;

        hdr.udp.setValid();
        hash(hdr.udp.src_port, HashAlgorithm.crc16, 16w49152,
             { hdr.inner_ethernet.src_addr, hdr.inner_ethernet.dst_addr,
               hdr.inner_ethernet.ether_type },
             16w16384);
        hdr.udp.dst_port = UDP_PORT_VXLAN;
        hdr.udp.length = (bit<16>) std_meta.packet_length + 16w16;
        hdr.udp.checksum = 0;

        hdr.vxlan.setValid();
        hdr.vxlan.flags = 8w0x08;
        hdr.vxlan.reserved = 0;
        hdr.vxlan.vni = meta.vni;
        hdr.vxlan.reserved2 = 0;

        std_meta.egress_spec = port;
    }

    table remote_vtep {
        key = {
            meta.vni              : exact;
            hdr.ethernet.dst_addr : exact;
        }
        actions = { encap; drop; }
        default_action = drop();
    }

    apply {
        if (hdr.vxlan.isValid()) {
            if (local_vtep.apply().hit) {
                overlay_l2.apply();
            }
        } else if (hdr.ethernet.isValid()) {
            access_port_vni.apply();
            remote_vtep.apply();
        }
    }
}

control VtepEgress(inout headers_t hdr,
                   inout metadata_t meta,
                   inout standard_metadata_t std_meta) {
    apply { }
}

control VtepComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos,
              hdr.ipv4.total_len, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.frag_offset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control VtepDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.udp);
        pkt.emit(hdr.vxlan);
        pkt.emit(hdr.inner_ethernet);
    }
}

V1Switch(VtepParser(), VtepVerifyChecksum(), VtepIngress(), VtepEgress(),
         VtepComputeChecksum(), VtepDeparser()) main;
