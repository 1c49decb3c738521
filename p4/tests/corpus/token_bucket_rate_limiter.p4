/*
 * Per-subscriber token-bucket rate limiter built from registers.
 *
 * Each subscriber (looked up by source address) owns a bucket slot. The
 * bucket holds bytes; it is refilled by rate * elapsed microseconds (scaled
 * down by 2^10) up to the burst size, and every packet takes its length
 * out. Arithmetic is saturating so that long idle periods or large packets
 * cannot wrap the counters. Packets that find too few tokens are dropped
 * and counted.
 */
#include <core.p4>
#include <v1model.p4>

#define NUM_BUCKETS 4096

typedef bit<12> bucket_t;
typedef bit<48> timestamp_t;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  diffserv;
    bit<16> totalLen;
    bit<16> identification;
    bit<3>  flags;
    bit<13> fragOffset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdrChecksum;
    bit<32> srcAddr;
    bit<32> dstAddr;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
}

struct metadata {
    bucket_t bucket;
    bit<32>  rate;     /* bytes per microsecond, times 1024 */
    bit<32>  burst;    /* bytes */
    bool     limited;
}

parser TbParser(packet_in packet, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition accept;
    }
}

control TbVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control TbIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {

    register<timestamp_t>(NUM_BUCKETS) last_refill;
    register<bit<32>>(NUM_BUCKETS) tokens;
    counter(NUM_BUCKETS, CounterType.packets_and_bytes) over_limit;

    action set_bucket(bucket_t bucket, bit<32> rate, bit<32> burst) {
        meta.bucket = bucket;
        meta.rate = rate;
        meta.burst = burst;
        meta.limited = true;
    }

    action unlimited() {
        meta.limited = false;
    }

    table subscribers {
        key = { hdr.ipv4.srcAddr : lpm; }
        actions = { set_bucket; unlimited; }
        default_action = unlimited();
        size = NUM_BUCKETS;
    }

    action forward(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table routes {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        subscribers.apply();
        if (meta.limited) {
            bit<32> index = (bit<32>) meta.bucket;
            timestamp_t now = standard_metadata.ingress_global_timestamp;
            timestamp_t then;
            bit<32> available;
            bool conforming;
            @atomic {
                last_refill.read(then, index);
                tokens.read(available, index);
                /* Elapsed time, capped at about 4295 s. */
                bit<32> elapsed = (now - then > 48w0xffffffff)
                                  ? 32w0xffffffff
                                  : (bit<32>) (now - then);
                bit<32> refill = (elapsed * meta.rate) >> 10;
                available = available |+| refill;
                if (available > meta.burst) {
                    available = meta.burst;
                }
                conforming = available >= standard_metadata.packet_length;
                if (conforming) {
                    available = available |-| standard_metadata.packet_length;
                }
                tokens.write(index, available);
                last_refill.write(index, now);
            }
            if (!conforming) {
                over_limit.count(index);
                drop();
                return;
            }
        }
        routes.apply();
    }
}

control TbEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control TbComputeChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control TbDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(TbParser(), TbVerifyChecksum(), TbIngress(), TbEgress(),
         TbComputeChecksum(), TbDeparser()) main;
