/*
 * IPv4 multicast routing with packet replication.
 *
 * Ingress looks up (source, group) first and falls back to (*, group); a
 * hit selects a multicast group of the packet replication engine, which
 * makes one copy per (port, replication id) in the group. In egress, each
 * copy is rewritten according to its replication id: the outgoing router
 * MAC and VLAN come from a per-rid table, the destination MAC is derived
 * from the group address (01:00:5e + low 23 bits), and copies going back
 * out of the arrival port or with an exhausted TTL are dropped.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<16> mcast_group_t;

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
    bit<8> ttl_threshold;
}

parser McParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition accept;
    }
}

control McVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control McIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action replicate(mcast_group_t group) {
        standard_metadata.mcast_grp = group;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table source_group {
        key = {
            hdr.ipv4.src_addr : exact;
            hdr.ipv4.dst_addr : exact;
        }
        actions = { replicate; drop; NoAction; }
        default_action = NoAction();
    }

    table any_source_group {
        key = { hdr.ipv4.dst_addr : exact; }
        actions = { replicate; drop; }
        default_action = drop();
    }

    apply {
        bool is_multicast = hdr.ipv4.isValid() &&
                            hdr.ipv4.dst_addr[31:28] == 4w0xe;
        if (!is_multicast || standard_metadata.checksum_error == 1 ||
            hdr.ipv4.ttl <= 1) {
            drop();
            exit;
        }
        if (source_group.apply().miss) {
            any_source_group.apply();
        }
    }
}

control McEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {

    action rewrite(bit<48> router_mac, bit<8> ttl_threshold) {
        hdr.ethernet.src_addr = router_mac;
        hdr.ethernet.dst_addr = 24w0x01005e ++ 1w0 ++ hdr.ipv4.dst_addr[22:0];
        meta.ttl_threshold = ttl_threshold;
    }

    action prune() {
        mark_to_drop(standard_metadata);
    }

    table replica_rewrite {
        key = {
            standard_metadata.egress_rid  : exact;
            standard_metadata.egress_port : exact;
        }
        actions = { rewrite; prune; }
        default_action = prune();
    }

    apply {
        if (standard_metadata.egress_port == standard_metadata.ingress_port) {
            prune();
            return;
        }
        replica_rewrite.apply();
        if (hdr.ipv4.ttl < meta.ttl_threshold) {
            prune();
        }
    }
}

control McComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control McDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(McParser(), McVerifyChecksum(), McIngress(), McEgress(),
         McComputeChecksum(), McDeparser()) main;
