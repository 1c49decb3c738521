// P4-16 1.2.5 `for` loops: the three-part form with break and continue, loops over a range
// (one that ends at the type's largest value too) and over a header stack, nested loops,
// loops in an action, a function and the apply block, and loops that never end, which the
// engine stops: in a control the packet is dropped, in the parser it is a parser error.
#include <core.p4>
#include <v1model.p4>

header in_t {
    bit<8> op;
    bit<8> n;
}

header item_t {
    bit<8> v;
}

header out_t {
    bit<16> a;
    bit<16> b;
    bit<16> c;
}

struct headers_t {
    in_t      i;
    item_t[4] items;
    out_t     o;
}

struct meta_t { }

bit<8> endless(in bit<8> n) {
    bit<8> k = n;
    for (; k == n; ) {
        k = n;
    }
    return k;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.i);
        transition select(hdr.i.op, hdr.i.n) {
            (2, 0): accept;
            (2, _): items;
            (6, _): spin;
            default: accept;
        }
    }
    // A loop that never ends in a parser is a parser error (ParserTimeout).
    state spin {
        hdr.i.n = endless(hdr.i.n);
        transition accept;
    }
    state items {
        pkt.extract(hdr.items.next);
        transition select(hdr.items.lastIndex + 1 == (bit<32>)hdr.i.n) {
            true: accept;
            default: items;
        }
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

// Sum of 1..n, skipping multiples of 4, stopping after the first value above 10.
bit<16> partial_sum(in bit<8> n) {
    bit<16> s = 0;
    for (bit<8> k = 1; k <= n; k = k + 1) {
        if ((k & 3) == 0) {
            continue;
        }
        s = s + (bit<16>)k;
        if (k > 10) {
            break;
        }
    }
    return s;
}

// A sub-control whose loop never ends: the packet is dropped even though the sub-control's
// copy of standard_metadata goes back to the caller.
control Spin(inout out_t o, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 2;
        bit<8> k = 0;
        for (; k < 10; ) {
            o.a = o.a + 1;
        }
    }
}

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    Spin() spin;

    // n * n by nested loops, with two loop variables in the header.
    action square() {
        hdr.o.a = 0;
        for (bit<8> x = 0, bit<8> y = 0; x < hdr.i.n; x = x + 1, y = y + 2) {
            for (bit<8> z = 0; z < hdr.i.n; z = z + 1) {
                hdr.o.a = hdr.o.a + 1;
            }
        }
    }

    apply {
        sm.egress_spec = 1;
        hdr.o.setValid();
        hdr.o.a = 0;
        hdr.o.b = 0;
        hdr.o.c = 0;
        if (hdr.i.op == 0) {
            square();
            hdr.o.b = partial_sum(hdr.i.n);
        } else if (hdr.i.op == 1) {
            // A range whose end is the largest bit<8>: 250 .. 255 runs 6 times.
            for (bit<8> v in 250 .. 255) {
                hdr.o.a = hdr.o.a + 1;
                hdr.o.b = hdr.o.b + (bit<16>)v;
            }
            // An empty range (lo > hi) runs no iteration.
            for (bit<8> v in hdr.i.n .. 2) {
                hdr.o.c = hdr.o.c + 1;
            }
        } else if (hdr.i.op == 2) {
            // Every element of the stack, valid or not; the loop variable is a copy.
            for (item_t it in hdr.items) {
                if (it.isValid()) {
                    hdr.o.a = hdr.o.a + 1;
                    hdr.o.b = hdr.o.b + (bit<16>)it.v;
                    it.v = 0;
                } else {
                    hdr.o.c = hdr.o.c + 1;
                }
            }
        } else if (hdr.i.op == 6) {
            if (sm.parser_error == error.ParserTimeout) {
                hdr.o.c = 1;
            }
        } else if (hdr.i.op == 5) {
            spin.apply(hdr.o, sm);
        } else if (hdr.i.op == 3) {
            // Never ends: the engine stops it and drops the packet.
            for (bit<8> k = 0; k < 10; k = k) {
                hdr.o.a = hdr.o.a + 1;
            }
            hdr.o.c = 0xFFFF;
        } else {
            // No condition: runs until break.
            bit<16> k = 0;
            for (; ; k = k + 1) {
                if (k == (bit<16>)hdr.i.n) {
                    break;
                }
                hdr.o.a = hdr.o.a + 2;
            }
            hdr.o.b = k;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.i);
        pkt.emit(hdr.items);
        pkt.emit(hdr.o);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
