/*
 * Heavy-hitter detection with a keyed flow table in registers.
 *
 * Each slot of the table holds a flow signature (a 32-bit hash of the
 * source/destination pair) and a byte count. A packet whose signature
 * owns its slot adds its length; a packet that finds a different owner
 * takes the slot over with probability 1/16 (so that big flows eventually
 * displace small ones), otherwise it is counted only in an overflow
 * counter. When a flow's count first crosses the reporting threshold the
 * control plane is told with a digest.
 */
#include <core.p4>
#include <v1model.p4>

const bit<32> TABLE_SLOTS     = 16384;
const bit<32> HH_DIGEST       = 7;
const bit<32> THRESHOLD_BYTES = 1000000;

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

struct heavy_hitter_report_t {
    bit<32> src_addr;
    bit<32> dst_addr;
    bit<32> bytes;
}

struct metadata_t {
    bit<14> slot;
    bit<32> signature;
}

parser HhParser(packet_in pkt, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t sm) {
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

control HhVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control HhIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    register<bit<32>>(TABLE_SLOTS) slot_owner;
    register<bit<32>>(TABLE_SLOTS) slot_bytes;
    counter(32w1, CounterType.packets_and_bytes) overflow;

    action forward(PortId_t port) {
        sm.egress_spec = port;
    }

    action drop() {
        mark_to_drop(sm);
    }

    table fwd {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    action hash_flow() {
        hash(meta.slot, HashAlgorithm.crc16, 14w0,
             { hdr.ipv4.src_addr, hdr.ipv4.dst_addr }, TABLE_SLOTS);
        hash(meta.signature, HashAlgorithm.crc32, 32w0,
             { hdr.ipv4.src_addr, hdr.ipv4.dst_addr }, 64w0x100000000);
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        hash_flow();
        bit<32> index = (bit<32>) meta.slot;
        bit<32> owner;
        bit<32> bytes;
        bit<32> before = 0;
        bool owned = false;
        slot_owner.read(owner, index);
        slot_bytes.read(bytes, index);
        if (owner == meta.signature) {
            owned = true;
            before = bytes;
        } else if (owner == 0 || bytes == 0) {
            owned = true;
        } else {
            bit<4> dice;
            random(dice, 4w0, 4w15);
            if (dice == 0) {
                owned = true;
            }
        }
        if (owned) {
            bit<32> after = before |+| sm.packet_length;
            slot_owner.write(index, meta.signature);
            slot_bytes.write(index, after);
            if (before < THRESHOLD_BYTES && after >= THRESHOLD_BYTES) {
                digest<heavy_hitter_report_t>(HH_DIGEST,
                    { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, after });
            }
        } else {
            overflow.count(32w0);
        }
        fwd.apply();
    }
}

control HhEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    apply { }
}

control HhComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control HhDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
    }
}

V1Switch(HhParser(), HhVerifyChecksum(), HhIngress(), HhEgress(),
         HhComputeChecksum(), HhDeparser()) main;
