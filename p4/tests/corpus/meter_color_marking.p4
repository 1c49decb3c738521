/*
 * Two-rate three-colour marker (RFC 2698) for customer traffic.
 *
 * A classification table maps the ingress port and source prefix to a
 * meter index (one per customer contract). The indexed meter returns a
 * colour; green traffic keeps its AF class with low drop precedence,
 * yellow gets medium drop precedence and red gets high drop precedence,
 * or is dropped outright for contracts that say so.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<2> color_t;

const color_t COLOR_GREEN  = V1MODEL_METER_COLOR_GREEN;
const color_t COLOR_YELLOW = V1MODEL_METER_COLOR_YELLOW;
const color_t COLOR_RED    = V1MODEL_METER_COLOR_RED;

const bit<32> NUM_CONTRACTS = 1024;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<6>  dscp;
    bit<2>  ecn;
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
    bit<32> contract;
    bit<3>  af_class;     /* AF1x .. AF4x */
    bit<1>  drop_red;
    color_t color;
}

parser TrtcmParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
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

control TrtcmVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control TrtcmIngress(inout headers_t hdr, inout metadata_t meta,
                     inout standard_metadata_t standard_metadata) {

    meter(NUM_CONTRACTS, MeterType.bytes) contract_meter;

    action set_contract(bit<32> contract, bit<3> af_class, bit<1> drop_red) {
        meta.contract = contract;
        meta.af_class = af_class;
        meta.drop_red = drop_red;
    }

    action best_effort() {
        meta.af_class = 0;
    }

    table contracts {
        key = {
            standard_metadata.ingress_port : exact;
            hdr.ipv4.src_addr              : lpm;
        }
        actions = { set_contract; best_effort; }
        default_action = best_effort();
        size = NUM_CONTRACTS;
    }

    action forward(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table routes {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    /* AF class c with drop precedence p is DSCP 8c + 2p. */
    action mark(bit<2> drop_precedence) {
        hdr.ipv4.dscp = ((bit<6>) meta.af_class << 3) | ((bit<6>) drop_precedence << 1);
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        contracts.apply();
        if (meta.af_class != 0) {
            contract_meter.execute_meter(meta.contract, meta.color);
            if (meta.color == COLOR_GREEN) {
                mark(1);
            } else if (meta.color == COLOR_YELLOW) {
                mark(2);
            } else {
                mark(3);
                if (meta.drop_red == 1) {
                    drop();
                    return;
                }
            }
        } else {
            hdr.ipv4.dscp = 0;
        }
        routes.apply();
    }
}

control TrtcmEgress(inout headers_t hdr, inout metadata_t meta,
                    inout standard_metadata_t standard_metadata) {
    apply { }
}

control TrtcmComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.dscp, hdr.ipv4.ecn,
              hdr.ipv4.total_len, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.frag_offset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control TrtcmDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(TrtcmParser(), TrtcmVerifyChecksum(), TrtcmIngress(), TrtcmEgress(),
         TrtcmComputeChecksum(), TrtcmDeparser()) main;
