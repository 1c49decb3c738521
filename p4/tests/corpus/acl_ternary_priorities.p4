/*
 * Ingress ACL with ternary, range and optional keys.
 *
 * The ACL combines masked addresses, a port range, an optional protocol and
 * an optional ingress port. A few rules are compiled into the program as
 * constant entries with explicit priorities (largest wins); the rest come
 * from the control plane. A second, smaller table classifies traffic into
 * a queue priority with entries ordered by position.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<32> ipv4_addr_t;

const bit<16> ETH_IPV4 = 0x0800;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv4_t {
    bit<4>      version;
    bit<4>      ihl;
    bit<6>      dscp;
    bit<2>      ecn;
    bit<16>     total_len;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     frag_offset;
    bit<8>      ttl;
    bit<8>      protocol;
    bit<16>     hdr_checksum;
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
}

header l4_t {
    bit<16> src_port;
    bit<16> dst_port;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    l4_t       l4;
}

struct metadata_t {
    bit<16> l4_sport;
    bit<16> l4_dport;
    bool    denied;
}

parser AclParser(packet_in packet,
                 out headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETH_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.protocol) {
            8w6: parse_l4;     /* TCP */
            8w17: parse_l4;    /* UDP */
            8w132: parse_l4;   /* SCTP */
            default: accept;
        }
    }

    state parse_l4 {
        packet.extract(hdr.l4);
        meta.l4_sport = hdr.l4.src_port;
        meta.l4_dport = hdr.l4.dst_port;
        transition accept;
    }
}

control AclVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control AclIngress(inout headers_t hdr,
                   inout metadata_t meta,
                   inout standard_metadata_t standard_metadata) {

    action permit() {
        meta.denied = false;
    }

    action deny() {
        meta.denied = true;
        mark_to_drop(standard_metadata);
    }

    action redirect(PortId_t port) {
        meta.denied = false;
        standard_metadata.egress_spec = port;
    }

    table acl {
        key = {
            hdr.ipv4.src_addr              : ternary;
            hdr.ipv4.dst_addr              : ternary;
            hdr.ipv4.protocol              : optional;
            meta.l4_dport                  : range;
            standard_metadata.ingress_port : optional;
        }
        actions = {
            permit;
            deny;
            redirect;
        }
        default_action = permit();
        size = 1024;
        const entries = {
            /* Block telnet and SSH from 10.0.0.0/8 to anywhere. */
            priority = 300: (0x0a000000 &&& 0xff000000, _, 6, 22 .. 23, _) : deny();
            /* Send all DNS from port 1 to the scrubber on port 7. */
            priority = 200: (_, _, 17, 53 .. 53, 1) : redirect(7);
            /* Anything to 192.168.100.0/24 on a high port is fine. */
            priority = 100: (_, 0xc0a86400 &&& 0xffffff00, _, 1024 .. 65535, _) : permit();
            /* Everything else towards 192.168.0.0/16 is dropped. */
            priority = 10: (_, 0xc0a80000 &&& 0xffff0000, _, _, _) : deny();
        }
    }

    action set_queue(bit<3> prio) {
        standard_metadata.priority = prio;
    }

    table classify {
        key = {
            hdr.ipv4.dscp : ternary;
            hdr.ipv4.ecn  : exact;
        }
        actions = {
            set_queue;
            NoAction;
        }
        const default_action = NoAction();
        const entries = {
            (46, 0)           : set_queue(7);  /* EF */
            (0x20 &&& 0x38, 0): set_queue(5);  /* CS4 .. AF43 */
            (_, 0)            : set_queue(1);
            (_, 1)            : set_queue(2);
        }
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            return;
        }
        acl.apply();
        if (meta.denied) {
            exit;
        }
        classify.apply();
    }
}

control AclEgress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply { }
}

control AclComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control AclDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.l4);
    }
}

V1Switch(AclParser(), AclVerifyChecksum(), AclIngress(), AclEgress(),
         AclComputeChecksum(), AclDeparser()) main;
