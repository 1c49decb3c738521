// Header stacks: a label stack parsed with .next until bottom-of-stack (tested with .last),
// push_front / pop_front in ingress, constant indexes, StackOutOfBounds.
#include <core.p4>
#include <v1model.p4>

header label_t {
    bit<20> label;
    bit<3>  tc;
    bit<1>  bos;
    bit<8>  ttl;
}

header op_t {
    bit<8> op;
    bit<8> status;
}

struct headers_t {
    op_t       op;
    label_t[4] labels;
}

struct meta_t {
    bit<8> depth;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.op);
        transition parse_label;
    }
    state parse_label {
        pkt.extract(hdr.labels.next);
        meta.depth = meta.depth + 1;
        transition select(hdr.labels.last.bos) {
            1: accept;
            default: parse_label;
        }
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 2;
        if (sm.parser_error == error.StackOutOfBounds) {
            hdr.op.status = 0xEE;
            return;
        }
        hdr.op.status = meta.depth;
        if (hdr.op.op == 1) {
            hdr.labels.pop_front(1);
        } else if (hdr.op.op == 2) {
            hdr.labels.push_front(1);
            hdr.labels[0].setValid();
            hdr.labels[0].label = 0xABCDE;
            hdr.labels[0].tc = 5;
            hdr.labels[0].bos = 0;
            hdr.labels[0].ttl = 64;
        } else if (hdr.op.op == 3) {
            hdr.labels[1].ttl = hdr.labels[1].ttl - 1;
            hdr.labels[0].setInvalid();
        } else if (hdr.op.op == 4) {
            hdr.labels.pop_front(2);
        } else if (hdr.op.op == 5) {
            hdr.labels.push_front(2);
        }
        if (hdr.labels[3].isValid()) {
            hdr.op.status = hdr.op.status | 0x80;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.op);
        pkt.emit(hdr.labels);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
