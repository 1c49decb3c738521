/*
 * Stateful layer-4 load balancer (VIP to DIP) with connection affinity.
 *
 * Clients connect to a virtual IP and port. A new connection picks a
 * backend (DIP) from the VIP's bucket table by hashing its 5-tuple; the
 * choice is remembered in a register-based connection table so that the
 * connection keeps its backend when the bucket table changes. Replies
 * from backends are rewritten back to the VIP. TCP checksums are
 * recomputed over the pseudo-header and the payload.
 */
#include <core.p4>
#include <v1model.p4>

const bit<32> CONN_SLOTS = 65536;

typedef bit<16> dip_index_t;

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

header tcp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<32> seq_no;
    bit<32> ack_no;
    bit<4>  data_offset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgent_ptr;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    tcp_t      tcp;
}

struct metadata_t {
    bit<16>     vip_id;
    bit<8>      bucket;
    bit<8>      num_buckets;
    bit<16>     conn_slot;
    dip_index_t dip;
    bit<16>     tcp_len;
}

parser LbParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        meta.tcp_len = hdr.ipv4.total_len - ((bit<16>) hdr.ipv4.ihl << 2);
        transition select(hdr.ipv4.protocol) {
            6: parse_tcp;
            default: accept;
        }
    }
    state parse_tcp {
        packet.extract(hdr.tcp);
        transition accept;
    }
}

control LbVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control LbIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    /* 0 means "no connection"; otherwise DIP index + 1. */
    register<bit<16>>(CONN_SLOTS) connections;

    action drop() {
        mark_to_drop(sm);
    }

    action set_vip(bit<16> vip_id, bit<8> num_buckets) {
        meta.vip_id = vip_id;
        meta.num_buckets = num_buckets;
    }

    table vips {
        key = {
            hdr.ipv4.dst_addr : exact;
            hdr.tcp.dst_port  : exact;
        }
        actions = { set_vip; NoAction; }
        default_action = NoAction();
    }

    action pick_dip(dip_index_t dip) {
        meta.dip = dip;
    }

    table vip_buckets {
        key = {
            meta.vip_id : exact;
            meta.bucket : exact;
        }
        actions = { pick_dip; drop; }
        default_action = drop();
    }

    action to_backend(bit<32> dip_addr, bit<16> dip_port, bit<48> dmac,
                      PortId_t port) {
        hdr.ipv4.dst_addr = dip_addr;
        hdr.tcp.dst_port = dip_port;
        hdr.ethernet.dst_addr = dmac;
        sm.egress_spec = port;
    }

    table backends {
        key = { meta.dip : exact; }
        actions = { to_backend; drop; }
        default_action = drop();
    }

    action from_backend(bit<32> vip_addr, bit<16> vip_port) {
        hdr.ipv4.src_addr = vip_addr;
        hdr.tcp.src_port = vip_port;
    }

    table reverse_nat {
        key = {
            hdr.ipv4.src_addr : exact;
            hdr.tcp.src_port  : exact;
        }
        actions = { from_backend; NoAction; }
        default_action = NoAction();
    }

    action route(bit<48> dmac, PortId_t port) {
        hdr.ethernet.dst_addr = dmac;
        sm.egress_spec = port;
    }

    table client_routes {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { route; drop; }
        default_action = drop();
    }

    apply {
        if (!hdr.tcp.isValid()) {
            drop();
            return;
        }
        if (vips.apply().hit) {
            hash(meta.conn_slot, HashAlgorithm.crc32, 16w0,
                 { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.tcp.src_port,
                   hdr.tcp.dst_port },
                 CONN_SLOTS);
            bit<16> stored;
            @atomic {
                connections.read(stored, (bit<32>) meta.conn_slot);
                if (stored == 0) {
                    hash(meta.bucket, HashAlgorithm.crc16, 8w0,
                         { hdr.ipv4.src_addr, hdr.tcp.src_port },
                         meta.num_buckets);
                    vip_buckets.apply();
                    connections.write((bit<32>) meta.conn_slot, meta.dip + 1);
                } else {
                    meta.dip = stored - 1;
                }
            }
            /* A FIN or RST ends the connection's affinity. */
            if ((hdr.tcp.flags & 8w0x05) != 0) {
                connections.write((bit<32>) meta.conn_slot, 0);
            }
            backends.apply();
        } else {
            reverse_nat.apply();
            client_routes.apply();
        }
    }
}

control LbEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    apply { }
}

control LbComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
        update_checksum_with_payload(hdr.tcp.isValid(),
            { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, 8w0, hdr.ipv4.protocol,
              meta.tcp_len, hdr.tcp.src_port, hdr.tcp.dst_port,
              hdr.tcp.seq_no, hdr.tcp.ack_no, hdr.tcp.data_offset,
              hdr.tcp.res, hdr.tcp.flags, hdr.tcp.window,
              hdr.tcp.urgent_ptr },
            hdr.tcp.checksum, HashAlgorithm.csum16);
    }
}

control LbDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.tcp);
    }
}

V1Switch(LbParser(), LbVerifyChecksum(), LbIngress(), LbEgress(),
         LbComputeChecksum(), LbDeparser()) main;
