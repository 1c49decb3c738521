// Two-argument extract with the varbit length in bits taken from the packet as it is: a
// length that is not whole bytes is error.ParserInvalidArgument (as in BMv2), and nothing
// of the varbit is consumed.
#include <core.p4>
#include <v1model.p4>

header len_t {
    bit<8> len;       // length of the options, in bits
}

header opts_t {
    varbit<64> data;
}

header tail_t {
    bit<16> t;
}

header res_t {
    bit<8> code;
}

struct headers_t {
    res_t  res;
    len_t  l;
    opts_t opts;
    tail_t tail;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.l);
        pkt.extract(hdr.opts, (bit<32>)hdr.l.len);
        pkt.extract(hdr.tail);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        hdr.res.setValid();
        if (sm.parser_error == error.NoError) {
            hdr.res.code = 0;
        } else if (sm.parser_error == error.PacketTooShort) {
            hdr.res.code = 1;
        } else if (sm.parser_error == error.HeaderTooShort) {
            hdr.res.code = 2;
        } else if (sm.parser_error == error.ParserInvalidArgument) {
            hdr.res.code = 3;
        } else {
            hdr.res.code = 0xFF;
        }
        if (hdr.tail.isValid()) {
            hdr.tail.t = hdr.tail.t + 1;
        }
        if (hdr.opts.isValid()) {
            hdr.res.code = hdr.res.code | 0x80;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.res);
        pkt.emit(hdr.l);
        pkt.emit(hdr.opts);
        pkt.emit(hdr.tail);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
