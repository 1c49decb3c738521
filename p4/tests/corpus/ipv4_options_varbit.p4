/*
 * IPv4 options policy.
 *
 * IPv4 options are parsed into a varbit field whose length comes from the
 * IHL (two-argument extract). The first option type is peeked with
 * lookahead before the options are extracted, and a policy table decides
 * whether packets carrying that option are forwarded, dropped, or forwarded
 * with all options stripped. The header checksum covers the options.
 */
#include <core.p4>
#include <v1model.p4>

const bit<16> TYPE_IPV4 = 0x800;

error {
    IPv4HeaderTooShort,
    IPv4NotVersion4
}

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  diffserv;
    bit<16> totalLen;
    bit<16> identification;
    bit<3>  flags;
    bit<13> fragOffset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdrChecksum;
    bit<32> srcAddr;
    bit<32> dstAddr;
}

/* At most 40 bytes of options (IHL 15). */
header ipv4_options_t {
    varbit<320> options;
}

struct headers {
    ethernet_t     ethernet;
    ipv4_t         ipv4;
    ipv4_options_t ipv4_options;
}

struct metadata {
    bit<8>  first_option;
    bit<16> options_bytes;
}

parser OptParser(packet_in packet,
                 out headers hdr,
                 inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            TYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        verify(hdr.ipv4.version == 4w4, error.IPv4NotVersion4);
        verify(hdr.ipv4.ihl >= 4w5, error.IPv4HeaderTooShort);
        meta.options_bytes = ((bit<16>) hdr.ipv4.ihl - 16w5) * 16w4;
        transition select(hdr.ipv4.ihl) {
            4w5: accept;
            default: parse_ipv4_options;
        }
    }

    state parse_ipv4_options {
        meta.first_option = packet.lookahead<bit<8>>();
        packet.extract(hdr.ipv4_options,
                       (bit<32>) (((bit<16>) hdr.ipv4.ihl - 5) << 5));
        transition accept;
    }
}

control OptVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr,
              hdr.ipv4_options.options },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control OptIngress(inout headers hdr,
                   inout metadata meta,
                   inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action allow() { }

    action strip_options() {
        hdr.ipv4.totalLen = hdr.ipv4.totalLen - meta.options_bytes;
        hdr.ipv4.ihl = 5;
        hdr.ipv4_options.setInvalid();
    }

    table option_policy {
        key = {
            meta.first_option              : exact;
            standard_metadata.ingress_port : ternary;
        }
        actions = { allow; drop; strip_options; }
        default_action = strip_options();
        const entries = {
            (8w7, _)   : strip_options();  /* record route */
            (8w68, _)  : strip_options();  /* timestamp */
            (8w131, _) : drop();           /* loose source route */
            (8w137, _) : drop();           /* strict source route */
            (8w148, _) : allow();          /* router alert */
        }
    }

    action forward(bit<9> port) {
        standard_metadata.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table ipv4_lpm {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (standard_metadata.parser_error != error.NoError ||
            standard_metadata.checksum_error == 1) {
            drop();
            exit;
        }
        if (hdr.ipv4.isValid()) {
            if (hdr.ipv4_options.isValid()) {
                option_policy.apply();
            }
            ipv4_lpm.apply();
        }
    }
}

control OptEgress(inout headers hdr,
                  inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply { }
}

control OptComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr,
              hdr.ipv4_options.options },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control OptDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ipv4_options);
    }
}

V1Switch(OptParser(), OptVerifyChecksum(), OptIngress(), OptEgress(),
         OptComputeChecksum(), OptDeparser()) main;
