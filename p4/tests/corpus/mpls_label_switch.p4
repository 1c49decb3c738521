/*
 * MPLS label edge and label switching router.
 *
 * Labels are parsed into a header stack of up to four entries. A packet
 * with labels is switched on its top label: the label is swapped, popped,
 * or popped with the inner IPv4 packet routed (penultimate hop popping).
 * An unlabelled IPv4 packet may be classified into a forwarding equivalence
 * class that pushes a label (or two, for a transport plus service label).
 */
#include <core.p4>
#include <v1model.p4>

#define MPLS_DEPTH 4

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<16> ETHERTYPE_MPLS = 0x8847;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header mpls_t {
    bit<20> label;
    bit<3>  tc;
    bit<1>  bos;
    bit<8>  ttl;
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
    ethernet_t         ethernet;
    mpls_t[MPLS_DEPTH] mpls;
    ipv4_t             ipv4;
}

struct metadata_t {
    bit<8> label_count;
}

parser MplsParser(packet_in packet,
                  out headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {
    state start {
        meta.label_count = 0;
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_MPLS: parse_mpls;
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_mpls {
        packet.extract(hdr.mpls.next);
        meta.label_count = meta.label_count + 1;
        transition select(hdr.mpls.last.bos) {
            1w0: parse_mpls;
            1w1: parse_mpls_payload;
        }
    }

    state parse_mpls_payload {
        transition select(packet.lookahead<bit<4>>()) {
            4w4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition accept;
    }
}

control MplsVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control MplsIngress(inout headers_t hdr,
                    inout metadata_t meta,
                    inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action set_l2(bit<48> smac, bit<48> dmac, PortId_t port) {
        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        standard_metadata.egress_spec = port;
    }

    action swap(bit<20> out_label, bit<48> smac, bit<48> dmac, PortId_t port) {
        hdr.mpls[0].label = out_label;
        hdr.mpls[0].ttl = hdr.mpls[0].ttl - 1;
        set_l2(smac, dmac, port);
    }

    action pop(bit<48> smac, bit<48> dmac, PortId_t port) {
        bit<8> ttl = hdr.mpls[0].ttl - 1;
        hdr.mpls.pop_front(1);
        hdr.mpls[0].ttl = ttl;
        set_l2(smac, dmac, port);
    }

    action pop_to_ip(bit<48> smac, bit<48> dmac, PortId_t port) {
        /* Uniform TTL model: the label TTL is copied into IPv4. */
        hdr.ipv4.ttl = hdr.mpls[0].ttl - 1;
        hdr.mpls.pop_front(1);
        hdr.ethernet.ether_type = ETHERTYPE_IPV4;
        set_l2(smac, dmac, port);
    }

    table lfib {
        key = {
            hdr.mpls[0].label : exact;
        }
        actions = { swap; pop; pop_to_ip; drop; }
        default_action = drop();
        size = 16384;
    }

    action push_one(bit<20> label, bit<48> smac, bit<48> dmac, PortId_t port) {
        hdr.mpls.push_front(1);
        hdr.mpls[0].setValid();
        hdr.mpls[0].label = label;
        hdr.mpls[0].tc = hdr.ipv4.tos[7:5];
        hdr.mpls[0].bos = 1;
        hdr.mpls[0].ttl = hdr.ipv4.ttl - 1;
        hdr.ethernet.ether_type = ETHERTYPE_MPLS;
        set_l2(smac, dmac, port);
    }

    action push_two(bit<20> transport_label, bit<20> service_label,
                    bit<48> smac, bit<48> dmac, PortId_t port) {
        hdr.mpls.push_front(2);
        hdr.mpls[1].setValid();
        hdr.mpls[1] = { service_label, hdr.ipv4.tos[7:5], 1w1, hdr.ipv4.ttl - 1 };
        hdr.mpls[0].setValid();
        hdr.mpls[0] = { transport_label, hdr.ipv4.tos[7:5], 1w0, hdr.ipv4.ttl - 1 };
        hdr.ethernet.ether_type = ETHERTYPE_MPLS;
        set_l2(smac, dmac, port);
    }

    table fec {
        key = {
            hdr.ipv4.dst_addr : lpm;
        }
        actions = { push_one; push_two; set_l2; drop; }
        default_action = drop();
        size = 8192;
    }

    apply {
        if (hdr.mpls[0].isValid()) {
            if (hdr.mpls[0].ttl <= 1) {
                drop();
                exit;
            }
            lfib.apply();
        } else if (hdr.ipv4.isValid()) {
            if (hdr.ipv4.ttl <= 1) {
                drop();
                exit;
            }
            fec.apply();
        } else {
            drop();
        }
    }
}

control MplsEgress(inout headers_t hdr,
                   inout metadata_t meta,
                   inout standard_metadata_t standard_metadata) {
    apply { }
}

control MplsComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control MplsDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.mpls);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(MplsParser(), MplsVerifyChecksum(), MplsIngress(), MplsEgress(),
         MplsComputeChecksum(), MplsDeparser()) main;
