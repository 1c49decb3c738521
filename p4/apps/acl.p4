/*
 * acl.p4 -- per-tenant, per-flow access control for services on tenants'
 * VMs, with a dropped-packet counter per tenant (ExoPlane paper, Table 1).
 *
 * Tenants' service VMs live in 10.20.0.0/16 (reference address plan,
 * p4/apps/README.md). For a packet to or from that range:
 *
 *   1. acl_tenant (LPM on the service-side address: the destination of
 *      inbound packets, the source of replies) names the tenant;
 *   2. acl_flow (exact 5-tuple) holds per-flow verdicts pinned by the
 *      control plane (allowed sessions, blocked attackers); a hit decides;
 *   3. otherwise acl_rules, the tenant's rule list (ternary addresses and
 *      protocol, port ranges, priorities), decides; its default is deny;
 *   4. permitted packets are routed by acl_route (LPM on the destination).
 *
 * Denied packets are dropped and counted in acl_dropped[tenant]; packets of
 * unknown tenants, malformed packets and permitted packets without a route
 * are dropped and counted in acl_dropped[0] (tenant 0 means "no tenant").
 * Permitted packets are forwarded unchanged except for the Ethernet
 * addresses and the TTL.
 * Non-first fragments and protocols other than TCP and UDP are matched with
 * ports 0. Packets with IPv4 options are denied, as most operators' edge
 * ACLs do.
 */

#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  IPPROTO_TCP    = 6;
const bit<8>  IPPROTO_UDP    = 17;

const bit<32> MAX_TENANTS = 4096;
const bit<16> NO_TENANT   = 0;

header ethernet_t {
    mac_addr_t dstAddr;
    mac_addr_t srcAddr;
    bit<16>    etherType;
}

header ipv4_t {
    bit<4>      version;
    bit<4>      ihl;
    bit<8>      diffserv;
    bit<16>     totalLen;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     fragOffset;
    bit<8>      ttl;
    bit<8>      protocol;
    bit<16>     hdrChecksum;
    ipv4_addr_t srcAddr;
    ipv4_addr_t dstAddr;
}

/* The first four bytes of TCP and UDP: all an ACL needs. */
header l4_ports_t {
    bit<16> srcPort;
    bit<16> dstPort;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    l4_ports_t l4;
}

struct metadata_t {
    bit<16>     tenant;
    ipv4_addr_t service_addr;
    bool        permitted;
    bit<16>     l4_sport;
    bit<16>     l4_dport;
}

parser AclParser(packet_in pkt,
                 out headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    state start {
        meta.l4_sport = 0;
        meta.l4_dport = 0;
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        transition select(hdr.ipv4.ihl, hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (4w5, 13w0, IPPROTO_TCP): parse_l4;
            (4w5, 13w0, IPPROTO_UDP): parse_l4;
            default: accept;
        }
    }
    state parse_l4 {
        pkt.extract(hdr.l4);
        meta.l4_sport = hdr.l4.srcPort;
        meta.l4_dport = hdr.l4.dstPort;
        transition accept;
    }
}

control AclVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

@exo_union_key("hdr.ipv4.srcAddr", "hdr.ipv4.dstAddr", "hdr.ipv4.protocol", "meta.l4_sport", "meta.l4_dport")
@exo_traffic_class("hdr.ipv4.isValid() && !(hdr.ipv4.dstAddr[31:8] == 24w0xcb0071 || hdr.ipv4.dstAddr[31:20] == 12w0xac1) && !(hdr.ipv4.dstAddr[31:16] == 16w0xc612 || hdr.ipv4.srcAddr[31:16] == 16w0x0a12) && (hdr.ipv4.dstAddr[31:16] == 16w0x0a14 || hdr.ipv4.srcAddr[31:16] == 16w0x0a14)")
@exo_features("counters", "ternary", "range")
control AclIngress(inout headers_t hdr,
                   inout metadata_t meta,
                   inout standard_metadata_t standard_metadata) {

    @exo_dp_updatable("add")
    counter<bit<32>>(MAX_TENANTS, CounterType.packets) acl_dropped;

    action deny() {
        acl_dropped.count((bit<32>)meta.tenant);
        mark_to_drop(standard_metadata);
    }

    action permit() {
        meta.permitted = true;
    }

    action set_tenant(bit<16> tenant) {
        meta.tenant = tenant;
    }

    table acl_tenant {
        key = {
            meta.service_addr : lpm @name("service_prefix");
        }
        actions = { set_tenant; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 4096;
    }

    table acl_flow {
        key = {
            hdr.ipv4.srcAddr  : exact @name("src_addr");
            hdr.ipv4.dstAddr  : exact @name("dst_addr");
            hdr.ipv4.protocol : exact @name("protocol");
            meta.l4_sport     : exact @name("src_port");
            meta.l4_dport     : exact @name("dst_port");
        }
        actions = { permit; deny; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 1048576;
    }

    table acl_rules {
        key = {
            meta.tenant       : exact   @name("tenant");
            hdr.ipv4.srcAddr  : ternary @name("src_addr");
            hdr.ipv4.dstAddr  : ternary @name("dst_addr");
            hdr.ipv4.protocol : ternary @name("protocol");
            meta.l4_sport     : range   @name("src_port");
            meta.l4_dport     : range   @name("dst_port");
        }
        actions = { permit; deny; }
        default_action = deny();
        size = 65536;
    }

    action route(bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        hdr.ethernet.srcAddr = src_mac;
        hdr.ethernet.dstAddr = dst_mac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        standard_metadata.egress_spec = port;
    }

    table acl_route {
        key = {
            hdr.ipv4.dstAddr : lpm @name("dst_prefix");
        }
        actions = { route; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 16384;
    }

    apply {
        meta.tenant = NO_TENANT;
        meta.permitted = false;
        if (standard_metadata.parser_error != error.NoError
                || !hdr.ipv4.isValid() || hdr.ipv4.version != 4
                || hdr.ipv4.ihl != 5
                || standard_metadata.checksum_error == 1
                || hdr.ipv4.ttl <= 1) {
            deny();
            return;
        }
        if (hdr.ipv4.dstAddr[31:16] == 16w0x0a14) {
            meta.service_addr = hdr.ipv4.dstAddr;   /* request to a service */
        } else {
            meta.service_addr = hdr.ipv4.srcAddr;   /* reply from a service */
        }
        if (!acl_tenant.apply().hit) {
            deny();
            return;
        }
        if (!acl_flow.apply().hit) {
            acl_rules.apply();
        }
        if (meta.permitted) {
            if (!acl_route.apply().hit) {
                meta.tenant = NO_TENANT;
                deny();
            }
        }
    }
}

control AclEgress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply { }
}

control AclComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control AclDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.l4);
    }
}

V1Switch(AclParser(), AclVerifyChecksum(), AclIngress(), AclEgress(),
         AclComputeChecksum(), AclDeparser()) main;
