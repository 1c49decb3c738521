/*
 * Duplicate packet suppression with a Bloom filter.
 *
 * Networks with redundant paths (e.g. dual-homed sensors sending every
 * datagram twice) deliver duplicates. A packet's identity is its IPv4
 * source, destination, protocol and identification field; two hashes of it
 * select two bits in two register arrays. If both bits are already set the
 * packet is (probably) a duplicate and is dropped; otherwise both bits are
 * set and the packet is forwarded. The control plane wipes the filter
 * periodically; false positives are counted by the collector, not here.
 */
#include <core.p4>
#include <v1model.p4>

const bit<32> BLOOM_CELLS = 32w65536;

typedef bit<16> bloom_idx_t;

header ethernet_h {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv4_h {
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
    ethernet_h ethernet;
    ipv4_h     ipv4;
}

struct metadata_t {
    bloom_idx_t h1;
    bloom_idx_t h2;
    bit<1>      seen1;
    bit<1>      seen2;
}

parser DedupParser(packet_in pkt, out headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t std_meta) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        transition accept;
    }
}

control DedupVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control DedupIngress(inout headers_t hdr, inout metadata_t meta,
                     inout standard_metadata_t std_meta) {

    register<bit<1>>(BLOOM_CELLS) bloom1;
    register<bit<1>>(BLOOM_CELLS) bloom2;
    counter(32w2, CounterType.packets) verdicts;   /* 0: passed, 1: dropped */

    action hash_packet_id() {
        hash(meta.h1, HashAlgorithm.crc16, 16w0,
             { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.ipv4.protocol,
               hdr.ipv4.identification },
             32w65536);
        hash(meta.h2, HashAlgorithm.crc32, 16w0,
             { hdr.ipv4.identification, hdr.ipv4.protocol,
               hdr.ipv4.dst_addr, hdr.ipv4.src_addr },
             32w65536);
    }

    action test_and_set() {
        bloom1.read(meta.seen1, (bit<32>) meta.h1);
        bloom2.read(meta.seen2, (bit<32>) meta.h2);
        bloom1.write((bit<32>) meta.h1, 1w1);
        bloom2.write((bit<32>) meta.h2, 1w1);
    }

    action drop() {
        mark_to_drop(std_meta);
    }

    action forward(PortId_t port) {
        std_meta.egress_spec = port;
    }

    table dedup_scope {
        key = {
            std_meta.ingress_port : ternary;
            hdr.ipv4.dst_addr     : lpm;
        }
        actions = { NoAction; }
        default_action = NoAction();
    }

    table out_port {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        if (dedup_scope.apply().hit) {
            hash_packet_id();
            test_and_set();
            if (meta.seen1 == 1 && meta.seen2 == 1) {
                verdicts.count(32w1);
                drop();
                return;
            }
            verdicts.count(32w0);
        }
        out_port.apply();
    }
}

control DedupEgress(inout headers_t hdr, inout metadata_t meta,
                    inout standard_metadata_t std_meta) {
    apply { }
}

control DedupComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control DedupDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
    }
}

V1Switch(DedupParser(), DedupVerifyChecksum(), DedupIngress(), DedupEgress(),
         DedupComputeChecksum(), DedupDeparser()) main;
