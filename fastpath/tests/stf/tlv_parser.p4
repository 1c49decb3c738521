// A parser loop driven by a counter in metadata (TLV options), a sub-parser instance,
// parser-local variables, and hs.lastIndex.
#include <core.p4>
#include <v1model.p4>

header count_t {
    bit<8> n;          // number of options
}

header opt_t {
    bit<8>  kind;
    bit<8>  value;
}

header trailer_t {
    bit<16> t;
}

header res_t {
    bit<8> sum;
    bit<8> last;
    bit<8> trailer_seen;
}

struct headers_t {
    res_t     res;
    count_t   cnt;
    opt_t[6]  opts;
    trailer_t trailer;
}

struct meta_t {
    bit<8> remaining;
    bit<8> sum;
    bit<8> last;
}

parser TrailerParser(packet_in pkt, out trailer_t tr) {
    state start {
        pkt.extract(tr);
        transition accept;
    }
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    TrailerParser() trailer_parser;

    state start {
        pkt.extract(hdr.cnt);
        meta.remaining = hdr.cnt.n;
        transition select(meta.remaining) {
            0: parse_trailer;
            default: parse_opt;
        }
    }
    state parse_opt {
        pkt.extract(hdr.opts.next);
        bit<8> v = hdr.opts.last.value;
        meta.sum = meta.sum + v;
        meta.last = (bit<8>)hdr.opts.lastIndex;
        meta.remaining = meta.remaining - 1;
        transition select(meta.remaining) {
            0: parse_trailer;
            default: parse_opt;
        }
    }
    state parse_trailer {
        trailer_parser.apply(pkt, hdr.trailer);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.res.setValid();
        hdr.res.sum = meta.sum;
        hdr.res.last = meta.last;
        hdr.res.trailer_seen = hdr.trailer.isValid() ? 8w1 : 8w0;
        if (sm.parser_error == error.StackOutOfBounds) {
            hdr.res.trailer_seen = 0xEE;
        }
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.res);
        pkt.emit(hdr.cnt);
        pkt.emit(hdr.opts);
        pkt.emit(hdr.trailer);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
