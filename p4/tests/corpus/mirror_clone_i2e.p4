/*
 * Port and flow mirroring with ingress-to-egress clones.
 *
 * A mirror table selects traffic by port and address; matching packets are
 * cloned to a mirror session (the session decides the analyzer port). The
 * clone keeps two user metadata fields listed in field list 1: the original
 * ingress port and a session tag. In egress, clones get a small mirror
 * header in front of the original frame telling the analyzer where the
 * packet came from, and are truncated to the first 128 bytes.
 */
#include <core.p4>
#include <v1model.p4>

/* simple_switch instance_type values. */
const bit<32> PKT_INSTANCE_TYPE_NORMAL        = 0;
const bit<32> PKT_INSTANCE_TYPE_INGRESS_CLONE = 1;

const bit<8>  MIRROR_FIELD_LIST = 1;
const bit<16> ETHERTYPE_MIRROR  = 0x88be;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  tos;
    bit<16> total_len;
    bit<16> identification;
    bit<3>  flags;
    bit<13> frag_offset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdr_checksum;
    bit<32> src_addr;
    bit<32> dst_addr;
}

/* Prepended to mirrored frames (carried in its own Ethernet header). */
header mirror_t {
    bit<16> session_tag;
    bit<7>  pad;
    bit<9>  orig_port;
    bit<48> timestamp;
}

struct headers_t {
    ethernet_t mirror_eth;
    mirror_t   mirror;
    ethernet_t ethernet;
    ipv4_t     ipv4;
}

struct metadata_t {
    @field_list(MIRROR_FIELD_LIST)
    PortId_t orig_port;
    @field_list(MIRROR_FIELD_LIST)
    bit<16>  session_tag;
}

parser MirrorParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                    inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition accept;
    }
}

control MirrorVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control MirrorIngress(inout headers_t hdr, inout metadata_t meta,
                      inout standard_metadata_t standard_metadata) {

    action mirror(bit<32> session, bit<16> tag) {
        meta.orig_port = standard_metadata.ingress_port;
        meta.session_tag = tag;
        clone_preserving_field_list(CloneType.I2E, session, MIRROR_FIELD_LIST);
    }

    table mirror_select {
        key = {
            standard_metadata.ingress_port : ternary;
            hdr.ipv4.src_addr              : ternary;
            hdr.ipv4.dst_addr              : ternary;
        }
        actions = { mirror; NoAction; }
        default_action = NoAction();
        size = 256;
    }

    action forward(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table l2 {
        key = { hdr.ethernet.dst_addr : exact; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (hdr.ipv4.isValid()) {
            mirror_select.apply();
        }
        l2.apply();
    }
}

control MirrorEgress(inout headers_t hdr, inout metadata_t meta,
                     inout standard_metadata_t standard_metadata) {

    action encap_mirror(bit<48> analyzer_mac, bit<48> switch_mac) {
        hdr.mirror_eth.setValid();
        hdr.mirror_eth.dst_addr = analyzer_mac;
        hdr.mirror_eth.src_addr = switch_mac;
        hdr.mirror_eth.ether_type = ETHERTYPE_MIRROR;
        hdr.mirror.setValid();
        hdr.mirror.session_tag = meta.session_tag;
        hdr.mirror.pad = 0;
        hdr.mirror.orig_port = meta.orig_port;
        hdr.mirror.timestamp = standard_metadata.egress_global_timestamp;
        truncate(32w128);
    }

    table mirror_encap {
        key = { meta.session_tag : exact; }
        actions = { encap_mirror; NoAction; }
        default_action = NoAction();
    }

    apply {
        if (standard_metadata.instance_type == PKT_INSTANCE_TYPE_INGRESS_CLONE) {
            mirror_encap.apply();
        }
    }
}

control MirrorComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control MirrorDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.mirror_eth);
        packet.emit(hdr.mirror);
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(MirrorParser(), MirrorVerifyChecksum(), MirrorIngress(),
         MirrorEgress(), MirrorComputeChecksum(), MirrorDeparser()) main;
