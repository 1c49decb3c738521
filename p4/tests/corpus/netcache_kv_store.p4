/*
 * In-network key-value cache (NetCache style).
 *
 * Clients talk to a storage server over UDP port 8888 with a small request
 * header (opcode, key, value). Hot keys are installed by the control plane
 * in a cache table that maps the key to a register slot. A GET for a
 * cached key whose slot is valid is answered by the switch; a PUT for a
 * cached key invalidates the slot and goes on to the server, whose reply
 * (opcode UPDATE) refills the slot. Misses are counted per key hash so the
 * control plane can spot new hot keys.
 */
#include <core.p4>
#include <v1model.p4>

enum bit<8> KvOp {
    GET       = 1,
    PUT       = 2,
    GET_REPLY = 3,
    PUT_REPLY = 4,
    UPDATE    = 5
}

const bit<16> KV_PORT = 8888;
const bit<32> CACHE_SLOTS = 1024;
const bit<32> MISS_BUCKETS = 4096;

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

header udp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

header kv_t {
    KvOp     op;
    bit<8>   flags;
    bit<16>  seq;
    bit<64>  key;
    bit<128> value;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    udp_t      udp;
    kv_t       kv;
}

struct metadata_t {
    bit<32> slot;
    bit<12> miss_bucket;
}

parser KvParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
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
        transition select(hdr.ipv4.protocol) {
            17: parse_udp;
            default: accept;
        }
    }
    state parse_udp {
        packet.extract(hdr.udp);
        transition select(hdr.udp.dst_port, hdr.udp.src_port) {
            (KV_PORT, _): parse_kv;
            (_, KV_PORT): parse_kv;
            default: accept;
        }
    }
    state parse_kv {
        packet.extract(hdr.kv);
        transition accept;
    }
}

control KvVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control KvIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    register<bit<128>>(CACHE_SLOTS) values;
    register<bit<1>>(CACHE_SLOTS) slot_valid;
    counter(MISS_BUCKETS, CounterType.packets) misses;

    action drop() {
        mark_to_drop(sm);
    }

    action forward(bit<48> dmac, PortId_t port) {
        hdr.ethernet.dst_addr = dmac;
        sm.egress_spec = port;
    }

    table routes {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    action cached(bit<32> slot) {
        meta.slot = slot;
    }

    table cache_lookup {
        key = { hdr.kv.key : exact; }
        actions = { cached; NoAction; }
        default_action = NoAction();
        size = CACHE_SLOTS;
    }

    action reply_from_cache(bit<128> value) {
        hdr.kv.op = KvOp.GET_REPLY;
        hdr.kv.value = value;

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

        sm.egress_spec = sm.ingress_port;
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        if (hdr.kv.isValid()) {
            if (cache_lookup.apply().hit) {
                bit<1> valid;
                slot_valid.read(valid, meta.slot);
                if (hdr.kv.op == KvOp.GET && valid == 1) {
                    bit<128> value;
                    values.read(value, meta.slot);
                    reply_from_cache(value);
                    return;
                } else if (hdr.kv.op == KvOp.PUT) {
                    slot_valid.write(meta.slot, 0);
                } else if (hdr.kv.op == KvOp.UPDATE) {
                    values.write(meta.slot, hdr.kv.value);
                    slot_valid.write(meta.slot, 1);
                    drop();
                    return;
                }
            } else if (hdr.kv.op == KvOp.GET) {
                hash(meta.miss_bucket, HashAlgorithm.crc32, 12w0,
                     { hdr.kv.key }, MISS_BUCKETS);
                misses.count((bit<32>) meta.miss_bucket);
            }
        }
        routes.apply();
    }
}

control KvEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    apply { }
}

control KvComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control KvDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.udp);
        packet.emit(hdr.kv);
    }
}

V1Switch(KvParser(), KvVerifyChecksum(), KvIngress(), KvEgress(),
         KvComputeChecksum(), KvDeparser()) main;
