// Benchmark program: a stateful NAT-like program: an exact 5-tuple table of translations
// and a per-entry packet counter.
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dst;
    bit<48> src;
    bit<16> ether_type;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  diffserv;
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

header ports_t {
    bit<16> src_port;
    bit<16> dst_port;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    ports_t    l4;
}

struct meta_t { }

parser NatParser(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        transition select(hdr.ipv4.protocol) {
            6: parse_l4;
            17: parse_l4;
            default: accept;
        }
    }
    state parse_l4 {
        pkt.extract(hdr.l4);
        transition accept;
    }
}

control NatVerify(inout headers_t hdr, inout meta_t meta) { apply { } }

control NatIngress(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    counter(1048576, CounterType.packets) translated;

    action translate(bit<32> new_src, bit<16> new_port, bit<20> index) {
        hdr.ipv4.src_addr = new_src;
        hdr.l4.src_port = new_port;
        translated.count((bit<32>)index);
        sm.egress_spec = 1;
    }
    action to_slow_path() {
        sm.egress_spec = 0;
    }
    table flows {
        key = {
            hdr.ipv4.src_addr: exact;
            hdr.ipv4.dst_addr: exact;
            hdr.ipv4.protocol: exact;
            hdr.l4.src_port: exact;
            hdr.l4.dst_port: exact;
        }
        actions = { translate; to_slow_path; }
        default_action = to_slow_path();
        size = 1048576;
    }
    apply {
        if (hdr.l4.isValid()) {
            flows.apply();
        }
    }
}

control NatEgress(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control NatCompute(inout headers_t hdr, inout meta_t meta) { apply { } }

control NatDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.l4);
    }
}

V1Switch(NatParser(), NatVerify(), NatIngress(), NatEgress(), NatCompute(), NatDeparser()) main;
