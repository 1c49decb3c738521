/*
 * SRv6 segment endpoint (the "End" behaviour of RFC 8986) with transit
 * IPv6 routing.
 *
 * The segment routing header (SRH) and its segment list are parsed into a
 * header stack; the parser loops once per segment, using the SRH's
 * last_entry field as the trip count. At a local SID the next segment is
 * copied into the IPv6 destination; when no segment is left the SRH is
 * removed (penultimate segment popping) before the IPv6 route lookup.
 */
#include <core.p4>
#include <v1model.p4>

#define MAX_SEGMENTS 4

typedef bit<128> ipv6_addr_t;

const bit<16> ETHERTYPE_IPV6 = 0x86dd;
const bit<8>  IPV6_ROUTING   = 43;
const bit<8>  SRH_TYPE       = 4;

error {
    TooManySegments
}

header ethernet_h {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv6_h {
    bit<4>      version;
    bit<8>      traffic_class;
    bit<20>     flow_label;
    bit<16>     payload_len;
    bit<8>      next_hdr;
    bit<8>      hop_limit;
    ipv6_addr_t src_addr;
    ipv6_addr_t dst_addr;
}

header srh_h {
    bit<8>  next_hdr;
    bit<8>  hdr_ext_len;
    bit<8>  routing_type;
    bit<8>  segments_left;
    bit<8>  last_entry;
    bit<8>  flags;
    bit<16> tag;
}

header segment_h {
    ipv6_addr_t sid;
}

struct headers_t {
    ethernet_h              ethernet;
    ipv6_h                  ipv6;
    srh_h                   srh;
    segment_h[MAX_SEGMENTS] segments;
}

struct metadata_t {
    bit<8>  segments_to_parse;
    bit<32> last_segment_index;
}

parser SrParser(packet_in pkt,
                out headers_t hdr,
                inout metadata_t meta,
                inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_IPV6: parse_ipv6;
            default: accept;
        }
    }

    state parse_ipv6 {
        pkt.extract(hdr.ipv6);
        transition select(hdr.ipv6.next_hdr) {
            IPV6_ROUTING: parse_srh;
            default: accept;
        }
    }

    state parse_srh {
        pkt.extract(hdr.srh);
        verify(hdr.srh.last_entry < MAX_SEGMENTS, error.TooManySegments);
        meta.segments_to_parse = hdr.srh.last_entry + 1;
        transition select(hdr.srh.routing_type) {
            SRH_TYPE: parse_segment;
            default: accept;
        }
    }

    state parse_segment {
        pkt.extract(hdr.segments.next);
        meta.segments_to_parse = meta.segments_to_parse - 1;
        transition select(meta.segments_to_parse) {
            0: segments_done;
            default: parse_segment;
        }
    }

    state segments_done {
        meta.last_segment_index = hdr.segments.lastIndex;
        transition accept;
    }
}

control SrVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control SrIngress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t sm) {

    action drop() {
        mark_to_drop(sm);
    }

    action srv6_end() {
        hdr.srh.segments_left = hdr.srh.segments_left - 1;
    }

    table local_sids {
        key = { hdr.ipv6.dst_addr : exact; }
        actions = { srv6_end; NoAction; }
        default_action = NoAction();
    }

    action forward(bit<48> smac, bit<48> dmac, PortId_t port) {
        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        sm.egress_spec = port;
        hdr.ipv6.hop_limit = hdr.ipv6.hop_limit - 1;
    }

    table routes {
        key = { hdr.ipv6.dst_addr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    action pop_srh() {
        hdr.ipv6.next_hdr = hdr.srh.next_hdr;
        hdr.ipv6.payload_len = hdr.ipv6.payload_len
                               - (((bit<16>) hdr.srh.hdr_ext_len + 1) << 3);
        hdr.srh.setInvalid();
        hdr.segments[0].setInvalid();
        hdr.segments[1].setInvalid();
        hdr.segments[2].setInvalid();
        hdr.segments[3].setInvalid();
    }

    apply {
        if (!hdr.ipv6.isValid() || hdr.ipv6.hop_limit <= 1) {
            drop();
            return;
        }
        if (hdr.srh.isValid() && hdr.srh.segments_left > 0) {
            switch (local_sids.apply().action_run) {
                srv6_end: {
                    /* Segments are stored in reverse order:
                     * segments[segments_left] is the next one to visit. */
                    if (hdr.srh.segments_left == 0) {
                        hdr.ipv6.dst_addr = hdr.segments[0].sid;
                        pop_srh();
                    } else if (hdr.srh.segments_left == 1) {
                        hdr.ipv6.dst_addr = hdr.segments[1].sid;
                    } else if (hdr.srh.segments_left == 2) {
                        hdr.ipv6.dst_addr = hdr.segments[2].sid;
                    } else {
                        hdr.ipv6.dst_addr = hdr.segments[3].sid;
                    }
                }
            }
        }
        log_msg("SRv6 next destination {}, {} segment(s) parsed",
                { hdr.ipv6.dst_addr, meta.last_segment_index + 1 });
        routes.apply();
    }
}

control SrEgress(inout headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t sm) {
    apply { }
}

control SrComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control SrDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv6);
        pkt.emit(hdr.srh);
        pkt.emit(hdr.segments);
    }
}

V1Switch(SrParser(), SrVerifyChecksum(), SrIngress(), SrEgress(),
         SrComputeChecksum(), SrDeparser()) main;
