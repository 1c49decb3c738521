/*
 * Exact-match flow cache with idle timeout.
 *
 * Popular flows are installed by the control plane in an exact-match table
 * keyed on the 5-tuple; the table supports idle timeouts, so entries of
 * flows that stop sending are reported to the control plane and removed.
 * On a miss, the packet is sent to one of several servers chosen by a hash
 * of the 5-tuple (so every packet of a flow goes to the same server), and
 * the first packets of new flows are reported with a digest.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<32> ipv4_addr_t;

const bit<32> FLOW_DIGEST = 1;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv4_t {
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

header l4_t {
    bit<16> sport;
    bit<16> dport;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    l4_t       l4;
}

struct flow_digest_t {
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
    bit<8>      protocol;
    bit<16>     sport;
    bit<16>     dport;
    bit<8>      server;
}

struct metadata_t {
    bit<8> server;
    bit<8> num_servers;
}

parser FcParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
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
        transition select(hdr.ipv4.protocol) {
            6: parse_l4;
            17: parse_l4;
            default: accept;
        }
    }
    state parse_l4 {
        packet.extract(hdr.l4);
        transition accept;
    }
}

control FcVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control FcIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    direct_counter(CounterType.packets_and_bytes) flow_stats;

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action cached_forward(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    action cache_miss() { }

    table flow_cache {
        key = {
            hdr.ipv4.src_addr : exact;
            hdr.ipv4.dst_addr : exact;
            hdr.ipv4.protocol : exact;
            hdr.l4.sport      : exact;
            hdr.l4.dport      : exact;
        }
        actions = {
            cached_forward;
            drop;
            @defaultonly cache_miss;
        }
        const default_action = cache_miss();
        counters = flow_stats;
        support_timeout = true;
        size = 65536;
    }

    action set_server_count(bit<8> n) {
        meta.num_servers = n;
    }

    table server_pool {
        actions = { set_server_count; }
        default_action = set_server_count(8w4);
    }

    action to_server(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    table servers {
        key = { meta.server : exact; }
        actions = { to_server; drop; }
        default_action = drop();
        size = 256;
    }

    apply {
        if (!hdr.l4.isValid()) {
            drop();
            return;
        }
        if (flow_cache.apply().hit) {
            return;
        }
        server_pool.apply();
        hash(meta.server, HashAlgorithm.crc32, 8w0,
             { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.ipv4.protocol,
               hdr.l4.sport, hdr.l4.dport },
             meta.num_servers);
        servers.apply();
        digest<flow_digest_t>(FLOW_DIGEST,
            { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.ipv4.protocol,
              hdr.l4.sport, hdr.l4.dport, meta.server });
    }
}

control FcEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control FcComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control FcDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.l4);
    }
}

V1Switch(FcParser(), FcVerifyChecksum(), FcIngress(), FcEgress(),
         FcComputeChecksum(), FcDeparser()) main;
