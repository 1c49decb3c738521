/*
 * Five-tuple firewall with per-rule statistics.
 *
 * Rules match the IPv4 5-tuple and TCP flags with ternary and range keys.
 * Every rule has a direct packets-and-bytes counter. A small constant rule
 * set blocks malformed TCP (SYN together with FIN or RST, and NULL scans
 * with no flag set) before the operator's rules are consulted. Traffic that
 * no rule matches is denied.
 */
#include <core.p4>
#include <v1model.p4>

#define TCP_FIN 8w0x01
#define TCP_SYN 8w0x02
#define TCP_RST 8w0x04

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

header tcp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<32> seqNo;
    bit<32> ackNo;
    bit<4>  dataOffset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgentPtr;
}

header udp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<16> length_;
    bit<16> checksum;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    tcp_t      tcp;
    udp_t      udp;
}

struct metadata {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<8>  tcpFlags;
}

parser FwParser(packet_in packet, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (0, 6): parse_tcp;
            (0, 17): parse_udp;
            default: accept;
        }
    }
    state parse_tcp {
        packet.extract(hdr.tcp);
        meta.srcPort = hdr.tcp.srcPort;
        meta.dstPort = hdr.tcp.dstPort;
        meta.tcpFlags = hdr.tcp.flags;
        transition accept;
    }
    state parse_udp {
        packet.extract(hdr.udp);
        meta.srcPort = hdr.udp.srcPort;
        meta.dstPort = hdr.udp.dstPort;
        transition accept;
    }
}

control FwVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control FwIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {

    direct_counter(CounterType.packets_and_bytes) rule_hits;

    action allow() { }

    action block() {
        mark_to_drop(standard_metadata);
    }

    @name("sanity")
    table sanity_checks {
        key = {
            hdr.tcp.isValid() : exact;
            meta.tcpFlags     : ternary;
        }
        actions = {
            allow;
            block;
        }
        default_action = allow();
        const entries = {
            (true, (TCP_SYN | TCP_FIN) &&& (TCP_SYN | TCP_FIN)) : block();
            (true, (TCP_SYN | TCP_RST) &&& (TCP_SYN | TCP_RST)) : block();
            (true, 8w0 &&& 8w0xff)                              : block();
            (false, default)                                    : allow();
        }
    }

    @name("rules")
    table fw_rules {
        key = {
            hdr.ipv4.srcAddr  : ternary @name("ipv4_src");
            hdr.ipv4.dstAddr  : ternary @name("ipv4_dst");
            hdr.ipv4.protocol : ternary @name("ip_proto");
            meta.srcPort      : range   @name("l4_sport");
            meta.dstPort      : range   @name("l4_dport");
        }
        actions = {
            allow;
            block;
            @defaultonly NoAction;
        }
        counters = rule_hits;
        default_action = NoAction();
        size = 4096;
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            return;
        }
        switch (sanity_checks.apply().action_run) {
            block: {
                exit;
            }
            default: { }
        }
        switch (fw_rules.apply().action_run) {
            allow: {
                standard_metadata.egress_spec = 9w1;
            }
            NoAction: {
                /* Default deny. */
                block();
            }
        }
    }
}

control FwEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control FwComputeChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control FwDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.tcp);
        packet.emit(hdr.udp);
    }
}

V1Switch(FwParser(), FwVerifyChecksum(), FwIngress(), FwEgress(),
         FwComputeChecksum(), FwDeparser()) main;
