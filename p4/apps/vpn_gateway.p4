/*
 * vpn_gateway.p4 -- per-tenant VXLAN VPN gateway (ExoPlane paper, Table 1).
 *
 * Tenants reach their cloud networks from on-premise sites over VXLAN
 * tunnels (RFC 7348) that end on the gateway's VTEP addresses
 * (203.0.113.0/24 in the reference address plan, p4/apps/README.md).
 *
 *   external -> internal: a VXLAN packet from a site VTEP to a gateway
 *     VTEP. The tunnel (site VTEP, gateway VTEP, VNI) is looked up in
 *     vpn_tunnel_map, which names the tenant and the internal next hop.
 *     The outer Ethernet/IPv4/UDP/VXLAN headers are removed and the inner
 *     IPv4 packet is routed into the data centre (TTL decremented, MACs
 *     rewritten).
 *   internal -> external: a plain IPv4 packet from a tenant VM to one of
 *     the tenant's on-premise prefixes (172.16.0.0/12 in the plan). The
 *     prefix is looked up in vpn_encap (LPM; tenants' on-premise prefixes
 *     do not overlap) and the packet is encapsulated towards the site VTEP
 *     with the tenant's VNI.
 *
 * Every packet processed for a tenant is counted in tenant_pkts[tenant].
 * Packets with a parser error, a bad IPv4 checksum, an unknown tunnel or
 * prefix, or an expiring TTL are dropped; drops are counted in
 * vpn_drops[reason].
 */

#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  IPPROTO_UDP    = 17;
const bit<16> UDP_PORT_VXLAN = 4789;

/* Sizes of the outer headers added by encapsulation. */
const bit<16> ETH_HDR_BYTES   = 14;
const bit<16> IPV4_HDR_BYTES  = 20;
const bit<16> UDP_HDR_BYTES   = 8;
const bit<16> VXLAN_HDR_BYTES = 8;

/* Drop reasons: indexes of vpn_drops. */
const bit<32> DROP_PARSER      = 0;
const bit<32> DROP_CHECKSUM    = 1;
const bit<32> DROP_NO_TUNNEL   = 2;
const bit<32> DROP_NO_ROUTE    = 3;
const bit<32> DROP_TTL         = 4;
const bit<32> DROP_NOT_VXLAN   = 5;
const bit<32> DROP_IP_OPTIONS  = 6;   /* IPv4 options go to a slow path */

const bit<32> MAX_TENANTS = 4096;

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

header udp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<16> len;
    bit<16> checksum;
}

/* RFC 7348: flags (I bit = 0x08), 24 reserved bits, VNI, 8 reserved bits. */
header vxlan_t {
    bit<8>  flags;
    bit<24> reserved;
    bit<24> vni;
    bit<8>  reserved2;
}

struct headers_t {
    ethernet_t ethernet;        /* outer on tunnelled packets */
    ipv4_t     ipv4;
    udp_t      udp;
    vxlan_t    vxlan;
    ethernet_t inner_ethernet;
    ipv4_t     inner_ipv4;
    udp_t      inner_udp;       /* only written by encapsulation */
}

struct metadata_t {
    bit<16> tenant;
    bit<16> entropy;            /* source port of the outer UDP header */
}

parser VpnParser(packet_in pkt,
                 out headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        /* Options and fragments are not parsed further. */
        transition select(hdr.ipv4.ihl, hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (4w5, 13w0, IPPROTO_UDP): parse_udp;
            default: accept;
        }
    }
    state parse_udp {
        pkt.extract(hdr.udp);
        transition select(hdr.udp.dstPort) {
            UDP_PORT_VXLAN: parse_vxlan;
            default: accept;
        }
    }
    state parse_vxlan {
        pkt.extract(hdr.vxlan);
        pkt.extract(hdr.inner_ethernet);
        transition select(hdr.inner_ethernet.etherType) {
            ETHERTYPE_IPV4: parse_inner_ipv4;
            default: accept;
        }
    }
    state parse_inner_ipv4 {
        pkt.extract(hdr.inner_ipv4);
        transition accept;
    }
}

control VpnVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

@exo_union_key("hdr.ipv4.srcAddr", "hdr.ipv4.dstAddr", "hdr.vxlan.vni")
@exo_traffic_class("hdr.ipv4.isValid() && (hdr.ipv4.dstAddr[31:8] == 24w0xcb0071 || hdr.ipv4.dstAddr[31:20] == 12w0xac1)")
@exo_features("counters", "hashing", "checksum", "tunnel-encap", "tunnel-decap")
control VpnIngress(inout headers_t hdr,
                   inout metadata_t meta,
                   inout standard_metadata_t standard_metadata) {

    @exo_dp_updatable("add")
    counter<bit<32>>(MAX_TENANTS, CounterType.packets_and_bytes) tenant_pkts;

    @exo_dp_updatable("add")
    counter<bit<32>>(8, CounterType.packets) vpn_drops;

    action drop(bit<32> reason) {
        vpn_drops.count(reason);
        mark_to_drop(standard_metadata);
    }

    /* External -> internal: strip the tunnel, route the inner packet. */
    action decap(bit<16> tenant, bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        meta.tenant = tenant;
        hdr.ethernet.setInvalid();
        hdr.ipv4.setInvalid();
        hdr.udp.setInvalid();
        hdr.vxlan.setInvalid();
        hdr.inner_ethernet.srcAddr = src_mac;
        hdr.inner_ethernet.dstAddr = dst_mac;
        hdr.inner_ipv4.ttl = hdr.inner_ipv4.ttl - 1;
        standard_metadata.egress_spec = port;
    }

    table vpn_tunnel_map {
        key = {
            hdr.ipv4.srcAddr : exact @name("remote_vtep");
            hdr.ipv4.dstAddr : exact @name("local_vtep");
            hdr.vxlan.vni    : exact @name("vni");
        }
        actions = { decap; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 1048576;
    }

    /* Internal -> external: push Ethernet/IPv4/UDP/VXLAN in front of the
     * packet. The original Ethernet and IPv4 headers (and a parsed UDP
     * header) become the inner ones. */
    action encap(bit<16> tenant, bit<24> vni, ipv4_addr_t local_vtep,
                 ipv4_addr_t remote_vtep, bit<9> port,
                 mac_addr_t src_mac, mac_addr_t dst_mac) {
        meta.tenant = tenant;

        hdr.inner_ethernet = hdr.ethernet;
        hdr.inner_ipv4 = hdr.ipv4;
        hdr.inner_ipv4.ttl = hdr.ipv4.ttl - 1;
        hdr.inner_udp = hdr.udp;        /* stays invalid unless it was parsed */

        hdr.ethernet.setValid();
        hdr.ethernet.srcAddr = src_mac;
        hdr.ethernet.dstAddr = dst_mac;
        hdr.ethernet.etherType = ETHERTYPE_IPV4;

        hdr.ipv4.setValid();
        hdr.ipv4.version = 4;
        hdr.ipv4.ihl = 5;
        hdr.ipv4.diffserv = hdr.inner_ipv4.diffserv;
        hdr.ipv4.totalLen = hdr.inner_ipv4.totalLen + IPV4_HDR_BYTES
                            + UDP_HDR_BYTES + VXLAN_HDR_BYTES + ETH_HDR_BYTES;
        hdr.ipv4.identification = 0;
        hdr.ipv4.flags = 0;
        hdr.ipv4.fragOffset = 0;
        hdr.ipv4.ttl = 64;
        hdr.ipv4.protocol = IPPROTO_UDP;
        hdr.ipv4.srcAddr = local_vtep;
        hdr.ipv4.dstAddr = remote_vtep;

        hdr.udp.setValid();
        /* RFC 7348 5: source port from a hash of the inner headers, in the
         * dynamic range 49152-65535, for ECMP entropy. */
        hdr.udp.srcPort = 16w0xc000 | (meta.entropy & 16w0x3fff);
        hdr.udp.dstPort = UDP_PORT_VXLAN;
        hdr.udp.len = hdr.inner_ipv4.totalLen + UDP_HDR_BYTES
                      + VXLAN_HDR_BYTES + ETH_HDR_BYTES;
        hdr.udp.checksum = 0;

        hdr.vxlan.setValid();
        hdr.vxlan.flags = 8w0x08;
        hdr.vxlan.reserved = 0;
        hdr.vxlan.vni = vni;
        hdr.vxlan.reserved2 = 0;

        standard_metadata.egress_spec = port;
    }

    table vpn_encap {
        key = {
            hdr.ipv4.dstAddr : lpm @name("onprem_prefix");
        }
        actions = { encap; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 65536;
    }

    apply {
        if (standard_metadata.parser_error != error.NoError) {
            drop(DROP_PARSER);
            return;
        }
        if (!hdr.ipv4.isValid() || hdr.ipv4.version != 4) {
            drop(DROP_PARSER);
            return;
        }
        if (hdr.ipv4.ihl != 5) {
            drop(DROP_IP_OPTIONS);
            return;
        }
        if (standard_metadata.checksum_error == 1) {
            drop(DROP_CHECKSUM);
            return;
        }
        if (hdr.vxlan.isValid()) {
            /* External -> internal. */
            if (hdr.vxlan.flags[3:3] != 1 || !hdr.inner_ipv4.isValid()) {
                drop(DROP_NOT_VXLAN);
                return;
            }
            if (hdr.inner_ipv4.ihl != 5) {
                drop(DROP_IP_OPTIONS);
                return;
            }
            if (hdr.inner_ipv4.ttl <= 1) {
                drop(DROP_TTL);
                return;
            }
            if (!vpn_tunnel_map.apply().hit) {
                drop(DROP_NO_TUNNEL);
                return;
            }
        } else {
            /* Internal -> external. */
            if (hdr.ipv4.ttl <= 1) {
                drop(DROP_TTL);
                return;
            }
            hash(meta.entropy, HashAlgorithm.crc16, 16w0,
                 { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, hdr.ipv4.protocol },
                 32w65536);
            if (!vpn_encap.apply().hit) {
                drop(DROP_NO_ROUTE);
                return;
            }
        }
        tenant_pkts.count((bit<32>)meta.tenant);
    }
}

control VpnEgress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply { }
}

control VpnComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
        update_checksum(hdr.inner_ipv4.isValid(),
            { hdr.inner_ipv4.version, hdr.inner_ipv4.ihl,
              hdr.inner_ipv4.diffserv, hdr.inner_ipv4.totalLen,
              hdr.inner_ipv4.identification, hdr.inner_ipv4.flags,
              hdr.inner_ipv4.fragOffset, hdr.inner_ipv4.ttl,
              hdr.inner_ipv4.protocol, hdr.inner_ipv4.srcAddr,
              hdr.inner_ipv4.dstAddr },
            hdr.inner_ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control VpnDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.udp);
        pkt.emit(hdr.vxlan);
        pkt.emit(hdr.inner_ethernet);
        pkt.emit(hdr.inner_ipv4);
        pkt.emit(hdr.inner_udp);
    }
}

V1Switch(VpnParser(), VpnVerifyChecksum(), VpnIngress(), VpnEgress(),
         VpnComputeChecksum(), VpnDeparser()) main;
