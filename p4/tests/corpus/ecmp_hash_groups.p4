/*
 * ECMP with explicit hashing and an action profile.
 *
 * A route either names a single next hop or an ECMP group. For a group,
 * the ingress computes a CRC32 of the 5-tuple modulo the group size and
 * looks up (group, member) to find the next hop. Next-hop rewrites live in
 * an action profile so that many routes can share the same member entries.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_t;
typedef bit<32> ip4_t;
typedef bit<16> nhop_id_t;

header ethernet_t {
    mac_t   dst;
    mac_t   src;
    bit<16> type;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  tos;
    bit<16> len;
    bit<16> id;
    bit<3>  flags;
    bit<13> frag;
    bit<8>  ttl;
    bit<8>  proto;
    bit<16> csum;
    ip4_t   src;
    ip4_t   dst;
}

header tcp_t {
    bit<16> sport;
    bit<16> dport;
    bit<32> seq;
    bit<32> ack;
    bit<4>  doff;
    bit<4>  rsvd;
    bit<8>  flags;
    bit<16> window;
    bit<16> csum;
    bit<16> urg;
}

header udp_t {
    bit<16> sport;
    bit<16> dport;
    bit<16> len;
    bit<16> csum;
}

struct headers_t {
    ethernet_t eth;
    ipv4_t     ipv4;
    tcp_t      tcp;
    udp_t      udp;
}

struct meta_t {
    bit<16>   sport;
    bit<16>   dport;
    bit<12>   group;
    bit<16>   member;
    nhop_id_t nhop;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta,
         inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.eth);
        transition select(hdr.eth.type) {
            0x0800: ipv4;
            default: accept;
        }
    }
    state ipv4 {
        pkt.extract(hdr.ipv4);
        transition select(hdr.ipv4.proto) {
            6: tcp;
            17: udp;
            default: accept;
        }
    }
    state tcp {
        pkt.extract(hdr.tcp);
        meta.sport = hdr.tcp.sport;
        meta.dport = hdr.tcp.dport;
        transition accept;
    }
    state udp {
        pkt.extract(hdr.udp);
        meta.sport = hdr.udp.sport;
        meta.dport = hdr.udp.dport;
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) {
    apply { }
}

control Ing(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {

    action_profile(32w512) nhop_profile;

    action drop() {
        mark_to_drop(sm);
    }

    action use_nhop(nhop_id_t nhop) {
        meta.nhop = nhop;
    }

    action use_group(bit<12> group, bit<16> num_members) {
        meta.group = group;
        hash(meta.member,
             HashAlgorithm.crc32,
             16w0,
             { hdr.ipv4.src, hdr.ipv4.dst, hdr.ipv4.proto, meta.sport, meta.dport },
             num_members);
    }

    table routes {
        key = { hdr.ipv4.dst : lpm; }
        actions = { use_nhop; use_group; drop; }
        default_action = drop();
    }

    table group_members {
        key = {
            meta.group  : exact;
            meta.member : exact;
        }
        actions = { use_nhop; drop; }
        default_action = drop();
    }

    action rewrite(mac_t smac, mac_t dmac, PortId_t port) {
        hdr.eth.src = smac;
        hdr.eth.dst = dmac;
        sm.egress_spec = port;
    }

    table nexthops {
        key = { meta.nhop : exact; }
        actions = { rewrite; drop; }
        implementation = nhop_profile;
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        switch (routes.apply().action_run) {
            use_group: {
                group_members.apply();
            }
            drop: {
                return;
            }
        }
        nexthops.apply();
        hdr.ipv4.ttl = hdr.ipv4.ttl |-| 8w1;
        if (hdr.ipv4.ttl == 0) {
            drop();
        }
    }
}

control Egr(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply { }
}

control CC(inout headers_t hdr, inout meta_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
                        { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos,
                          hdr.ipv4.len, hdr.ipv4.id, hdr.ipv4.flags,
                          hdr.ipv4.frag, hdr.ipv4.ttl, hdr.ipv4.proto,
                          hdr.ipv4.src, hdr.ipv4.dst },
                        hdr.ipv4.csum,
                        HashAlgorithm.csum16);
    }
}

control D(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.eth);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.tcp);
        pkt.emit(hdr.udp);
    }
}

V1Switch(P(), VC(), Ing(), Egr(), CC(), D()) main;
