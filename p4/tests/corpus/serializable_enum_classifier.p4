/*
 * Protocol classifier written with serializable enums and new types.
 *
 * Header fields are declared with serializable enum types (EtherType,
 * IpProtocol), so the parser selects on enum members rather than magic
 * numbers. Addresses use `type` declarations, which are distinct from
 * their underlying bit<32>: conversions are explicit casts. A plain enum
 * carries the verdict inside the ingress, and switch statements dispatch
 * on both kinds of enum.
 */
#include <core.p4>
#include <v1model.p4>

enum bit<16> EtherType {
    IPV4 = 0x0800,
    ARP  = 0x0806,
    VLAN = 0x8100,
    IPV6 = 0x86dd
}

enum bit<8> IpProtocol {
    ICMP = 1,
    TCP  = 6,
    UDP  = 17,
    GRE  = 47
}

enum Verdict {
    Forward,
    Drop,
    Punt
}

typedef bit<48> MacAddress;
type bit<32> Ipv4Address;
type bit<8>  TrafficClass;

const PortId_t CPU_PORT = 510;

header ethernet_h {
    MacAddress dst;
    MacAddress src;
    EtherType  ether_type;
}

header ipv4_h {
    bit<4>      version;
    bit<4>      ihl;
    bit<8>      tos;
    bit<16>     total_len;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     frag_offset;
    bit<8>      ttl;
    IpProtocol  protocol;
    bit<16>     hdr_checksum;
    Ipv4Address src;
    Ipv4Address dst;
}

struct headers_t {
    ethernet_h ethernet;
    ipv4_h     ipv4;
}

struct metadata_t {
    TrafficClass tc;
    bit<8>       raw_protocol;
}

parser EnumParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            EtherType.IPV4: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        meta.raw_protocol = (bit<8>) hdr.ipv4.protocol;
        transition accept;
    }
}

control EnumVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control EnumIngress(inout headers_t hdr, inout metadata_t meta,
                    inout standard_metadata_t sm) {

    action set_class(TrafficClass tc) {
        meta.tc = tc;
    }

    table protocol_class {
        key = {
            hdr.ipv4.protocol : exact;
            hdr.ipv4.dst      : lpm;
        }
        actions = { set_class; }
        default_action = set_class((TrafficClass) 8w0);
    }

    action forward(PortId_t port) {
        sm.egress_spec = port;
    }

    action drop() {
        mark_to_drop(sm);
    }

    table l2 {
        key = { hdr.ethernet.dst : exact; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        Verdict verdict = Verdict.Forward;

        switch (hdr.ethernet.ether_type) {
            EtherType.ARP: {
                verdict = Verdict.Punt;
            }
            EtherType.IPV4: {
                if (hdr.ipv4.ttl == 0) {
                    verdict = Verdict.Drop;
                }
                protocol_class.apply();
                switch (hdr.ipv4.protocol) {
                    IpProtocol.TCP:
                    IpProtocol.UDP: {
                        /* Priority from the traffic class, 3 bits. */
                        sm.priority = ((bit<8>) meta.tc)[2:0];
                    }
                    IpProtocol.GRE: {
                        verdict = Verdict.Punt;
                    }
                    default: {
                        sm.priority = 0;
                    }
                }
            }
            default: { }
        }

        /* 0.0.0.0/8 sources are never valid on the wire. */
        if (hdr.ipv4.isValid() && ((bit<32>) hdr.ipv4.src)[31:24] == 0) {
            verdict = Verdict.Drop;
        }

        if (verdict == Verdict.Drop) {
            drop();
        } else if (verdict == Verdict.Punt) {
            sm.egress_spec = CPU_PORT;
        } else {
            l2.apply();
        }
    }
}

control EnumEgress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t sm) {
    apply { }
}

control EnumComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control EnumDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(EnumParser(), EnumVerifyChecksum(), EnumIngress(), EnumEgress(),
         EnumComputeChecksum(), EnumDeparser()) main;
