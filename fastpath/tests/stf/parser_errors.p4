// Parser errors (PacketTooShort, NoMatch, a user error from verify) are recorded in
// standard_metadata.parser_error; as in BMv2 simple_switch the packet is not dropped:
// it continues into ingress with what was extracted before the error.
#include <core.p4>
#include <v1model.p4>

error {
    BadVersion,
    Reserved
}

header h_t {
    bit<8>  version;
    bit<8>  kind;
    bit<16> data;
}

header x_t {
    bit<32> x;
}

header res_t {
    bit<8> code;
}

struct headers_t {
    res_t res;
    h_t   h;
    x_t   x;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        verify(hdr.h.version == 4, error.BadVersion);
        transition select(hdr.h.kind) {
            1: parse_x;
            2: accept;
            3: reserved;
        }
    }
    state parse_x {
        pkt.extract(hdr.x);
        transition accept;
    }
    state reserved {
        verify(false, error.Reserved);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 4;
        hdr.res.setValid();
        if (sm.parser_error == error.NoError) {
            hdr.res.code = 0;
        } else if (sm.parser_error == error.PacketTooShort) {
            hdr.res.code = 1;
        } else if (sm.parser_error == error.NoMatch) {
            hdr.res.code = 2;
        } else if (sm.parser_error == error.BadVersion) {
            hdr.res.code = 3;
        } else if (sm.parser_error == error.Reserved) {
            hdr.res.code = 4;
        } else {
            hdr.res.code = 0xFF;
        }
        if (hdr.x.isValid()) {
            hdr.res.code = hdr.res.code | 0x10;
        }
        if (hdr.h.isValid()) {
            hdr.res.code = hdr.res.code | 0x20;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.res);
        pkt.emit(hdr.h);
        pkt.emit(hdr.x);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
