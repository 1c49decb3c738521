// Indexed counters (packets, bytes, both) and a direct counter attached to a table.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> k;
    bit<8> out;
}

struct headers_t {
    h_t h;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    counter<bit<9>>(16, CounterType.packets_and_bytes) by_port;
    counter<bit<8>>(256, CounterType.packets) by_key;
    counter<bit<32>>(4, CounterType.bytes) total_bytes;
    direct_counter(CounterType.packets_and_bytes) per_entry;

    action fwd(bit<9> p) {
        // An explicit count() of the attached direct counter does not count twice.
        per_entry.count();
        sm.egress_spec = p;
        hdr.h.out = (bit<8>)p;
    }
    action miss() {
        sm.egress_spec = 9;
        hdr.h.out = 0xFF;
    }
    table t {
        key = { hdr.h.k : exact; }
        actions = { fwd; miss; }
        default_action = miss();
        counters = per_entry;
    }

    apply {
        by_port.count(sm.ingress_port);
        by_key.count(hdr.h.k);
        total_bytes.count(0);
        t.apply();
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.h);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
