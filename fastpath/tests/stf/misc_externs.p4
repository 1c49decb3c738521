// digest, log_msg, assert and assume: none of them changes the packet; digests go to a
// queue the control plane drains and log messages to a trace (checked by stf_suite.rs).
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dst;
    bit<48> src;
    bit<16> etype;
}

struct headers_t {
    ethernet_t eth;
}

struct learn_t {
    bit<48> src;
    bit<9>  port;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.eth);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action learn() {
        digest<learn_t>(1, { hdr.eth.src, sm.ingress_port });
    }
    table seen {
        key = { hdr.eth.src : exact; }
        actions = { learn; NoAction; }
        default_action = learn();
    }
    apply {
        assume(hdr.eth.isValid());
        assert(hdr.eth.isValid());
        log_msg("packet from port {} type {}", { sm.ingress_port, hdr.eth.etype });
        log_msg("plain message");
        seen.apply();
        sm.egress_spec = 2;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        assert(sm.egress_port == 2);
    }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.eth);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
