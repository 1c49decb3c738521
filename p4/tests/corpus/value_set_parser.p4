/*
 * Run-time configurable parsing with parser value sets.
 *
 * Which EtherTypes count as VLAN tag protocol identifiers (0x8100, 0x88a8,
 * 0x9100, ...) and which UDP ports carry the in-house "probe" protocol are
 * not compiled in: the control plane fills the two value sets. Up to two
 * VLAN tags are parsed into a header stack. Probes are answered by
 * reflecting them to the ingress port with the probe's hop count bumped.
 */
#include <core.p4>
#include <v1model.p4>

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  PROTO_UDP      = 17;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header vlan_tag_t {
    bit<3>  pcp;
    bit<1>  dei;
    bit<12> vid;
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

header probe_t {
    bit<32> probe_id;
    bit<8>  hop_count;
    bit<8>  max_hops;
    bit<16> reserved;
}

struct headers_t {
    ethernet_t    ethernet;
    vlan_tag_t[2] vlan;
    ipv4_t        ipv4;
    udp_t         udp;
    probe_t       probe;
}

struct metadata_t {
    bit<12> outer_vid;
}

parser VsParser(packet_in packet,
                out headers_t hdr,
                inout metadata_t meta,
                inout standard_metadata_t standard_metadata) {

    value_set<bit<16>>(4) tpids;
    value_set<bit<16>>(8) probe_ports;

    state start {
        meta.outer_vid = 0;
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            tpids: parse_vlan;
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_vlan {
        packet.extract(hdr.vlan.next);
        transition select(hdr.vlan.last.ether_type) {
            tpids: parse_vlan;
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.protocol) {
            PROTO_UDP: parse_udp;
            default: accept;
        }
    }

    state parse_udp {
        packet.extract(hdr.udp);
        transition select(hdr.udp.dst_port) {
            probe_ports: parse_probe;
            default: accept;
        }
    }

    state parse_probe {
        packet.extract(hdr.probe);
        transition accept;
    }
}

control VsVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control VsIngress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action l2_forward(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    table vlan_mac {
        key = {
            meta.outer_vid        : exact;
            hdr.ethernet.dst_addr : exact;
        }
        actions = { l2_forward; drop; }
        default_action = drop();
    }

    action reflect_probe() {
        bit<48> mac = hdr.ethernet.dst_addr;
        hdr.ethernet.dst_addr = hdr.ethernet.src_addr;
        hdr.ethernet.src_addr = mac;
        bit<32> ip = hdr.ipv4.dst_addr;
        hdr.ipv4.dst_addr = hdr.ipv4.src_addr;
        hdr.ipv4.src_addr = ip;
        bit<16> port = hdr.udp.dst_port;
        hdr.udp.dst_port = hdr.udp.src_port;
        hdr.udp.src_port = port;
        hdr.udp.checksum = 0;
        hdr.probe.hop_count = hdr.probe.hop_count + 1;
        standard_metadata.egress_spec = standard_metadata.ingress_port;
    }

    apply {
        if (hdr.vlan[0].isValid()) {
            meta.outer_vid = hdr.vlan[0].vid;
        }
        if (hdr.probe.isValid() && hdr.probe.hop_count < hdr.probe.max_hops) {
            reflect_probe();
        } else {
            vlan_mac.apply();
        }
    }
}

control VsEgress(inout headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control VsComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control VsDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.vlan);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.udp);
        packet.emit(hdr.probe);
    }
}

V1Switch(VsParser(), VsVerifyChecksum(), VsIngress(), VsEgress(),
         VsComputeChecksum(), VsDeparser()) main;
