/*
 * nat.p4 -- per-tenant, per-flow NAT (NAPT) at the data-centre gateway
 * (ExoPlane paper, Table 1).
 *
 * Tenants expose services on public virtual IPs (198.18.0.0/16 in the
 * reference address plan, p4/apps/README.md); the services run on VMs with
 * private addresses (10.18.0.0/16). Every connection has its own mapping,
 * installed by the control plane in both directions:
 *
 *   inbound  (client -> VIP:vport)          nat_inbound, 5-tuple exact:
 *            destination rewritten to the private address and port;
 *   outbound (private:port -> client)       nat_outbound, 5-tuple exact:
 *            source rewritten to the VIP and public port.
 *
 * A TCP or UDP packet that misses its table is reported to the control
 * plane with a digest (nat_miss_t; the control plane allocates a mapping
 * for a new connection and installs both directions) and dropped; the
 * sender's retransmission then finds the mapping. Other IP protocols and
 * fragments are dropped. The IPv4 header checksum and the TCP/UDP checksum
 * (pseudo-header included) are recomputed for translated packets with
 * update_checksum / update_checksum_with_payload; a UDP packet sent without
 * a checksum (0) keeps none.
 */

#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  IPPROTO_TCP    = 6;
const bit<8>  IPPROTO_UDP    = 17;

/* Drop reasons: indexes of nat_drops. */
const bit<32> DROP_PARSER     = 0;
const bit<32> DROP_CHECKSUM   = 1;
const bit<32> DROP_NOT_L4     = 2;   /* not TCP/UDP, or a fragment */
const bit<32> DROP_NO_MAPPING = 3;
const bit<32> DROP_TTL        = 4;
const bit<32> DROP_IP_OPTIONS = 5;

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
    bit<16> len;
    bit<16> checksum;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    tcp_t      tcp;
    udp_t      udp;
}

struct metadata_t {
    bit<16> l4_sport;       /* TCP or UDP ports, 0 when neither is parsed */
    bit<16> l4_dport;
    bit<16> l4_len;         /* TCP length for the pseudo-header */
    bool    translated;
}

/* Sent to the control plane when a connection has no mapping yet. */
struct nat_miss_t {
    ipv4_addr_t srcAddr;
    ipv4_addr_t dstAddr;
    bit<8>      protocol;
    bit<16>     srcPort;
    bit<16>     dstPort;
    bit<16>     ingress_port;
}

parser NatParser(packet_in pkt,
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
        meta.l4_len = hdr.ipv4.totalLen - 16w20;
        transition select(hdr.ipv4.ihl, hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (4w5, 13w0, IPPROTO_TCP): parse_tcp;
            (4w5, 13w0, IPPROTO_UDP): parse_udp;
            default: accept;
        }
    }
    state parse_tcp {
        pkt.extract(hdr.tcp);
        meta.l4_sport = hdr.tcp.srcPort;
        meta.l4_dport = hdr.tcp.dstPort;
        transition accept;
    }
    state parse_udp {
        pkt.extract(hdr.udp);
        meta.l4_sport = hdr.udp.srcPort;
        meta.l4_dport = hdr.udp.dstPort;
        transition accept;
    }
}

control NatVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
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
@exo_traffic_class("hdr.ipv4.isValid() && !(hdr.ipv4.dstAddr[31:8] == 24w0xcb0071 || hdr.ipv4.dstAddr[31:20] == 12w0xac1) && (hdr.ipv4.dstAddr[31:16] == 16w0xc612 || hdr.ipv4.srcAddr[31:16] == 16w0x0a12)")
@exo_features("counters", "digest", "checksum")
control NatIngress(inout headers_t hdr,
                   inout metadata_t meta,
                   inout standard_metadata_t standard_metadata) {

    @exo_dp_updatable("add")
    counter<bit<32>>(8, CounterType.packets) nat_drops;

    action drop(bit<32> reason) {
        nat_drops.count(reason);
        mark_to_drop(standard_metadata);
    }

    action set_l4_dport(bit<16> p) {
        if (hdr.tcp.isValid()) {
            hdr.tcp.dstPort = p;
        } else {
            hdr.udp.dstPort = p;
        }
    }

    action set_l4_sport(bit<16> p) {
        if (hdr.tcp.isValid()) {
            hdr.tcp.srcPort = p;
        } else {
            hdr.udp.srcPort = p;
        }
    }

    action forward(bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        hdr.ethernet.srcAddr = src_mac;
        hdr.ethernet.dstAddr = dst_mac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        standard_metadata.egress_spec = port;
        meta.translated = true;
    }

    /* client -> VIP:vport  becomes  client -> private:port */
    action dnat(ipv4_addr_t private_addr, bit<16> private_port, bit<9> port,
                mac_addr_t src_mac, mac_addr_t dst_mac) {
        hdr.ipv4.dstAddr = private_addr;
        set_l4_dport(private_port);
        forward(port, src_mac, dst_mac);
    }

    /* private:port -> client  becomes  VIP:vport -> client */
    action snat(ipv4_addr_t public_addr, bit<16> public_port, bit<9> port,
                mac_addr_t src_mac, mac_addr_t dst_mac) {
        hdr.ipv4.srcAddr = public_addr;
        set_l4_sport(public_port);
        forward(port, src_mac, dst_mac);
    }

    table nat_inbound {
        key = {
            hdr.ipv4.srcAddr  : exact @name("client_addr");
            hdr.ipv4.dstAddr  : exact @name("public_addr");
            hdr.ipv4.protocol : exact @name("protocol");
            meta.l4_sport     : exact @name("client_port");
            meta.l4_dport     : exact @name("public_port");
        }
        actions = { dnat; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 1048576;
    }

    table nat_outbound {
        key = {
            hdr.ipv4.srcAddr  : exact @name("private_addr");
            hdr.ipv4.dstAddr  : exact @name("client_addr");
            hdr.ipv4.protocol : exact @name("protocol");
            meta.l4_sport     : exact @name("private_port");
            meta.l4_dport     : exact @name("client_port");
        }
        actions = { snat; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 1048576;
    }

    apply {
        meta.translated = false;
        if (standard_metadata.parser_error != error.NoError
                || !hdr.ipv4.isValid() || hdr.ipv4.version != 4) {
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
        if (!hdr.tcp.isValid() && !hdr.udp.isValid()) {
            drop(DROP_NOT_L4);
            return;
        }
        if (hdr.ipv4.ttl <= 1) {
            drop(DROP_TTL);
            return;
        }
        bool hit;
        if (hdr.ipv4.dstAddr[31:16] == 16w0xc612) {
            hit = nat_inbound.apply().hit;
        } else {
            hit = nat_outbound.apply().hit;
        }
        if (!hit) {
            digest<nat_miss_t>(1, { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr,
                                    hdr.ipv4.protocol, meta.l4_sport,
                                    meta.l4_dport,
                                    (bit<16>)standard_metadata.ingress_port });
            drop(DROP_NO_MAPPING);
        }
    }
}

control NatEgress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply { }
}

control NatComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid() && meta.translated,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
        /* Pseudo-header, TCP header without its checksum; the options and
         * the data follow as payload. */
        update_checksum_with_payload(hdr.tcp.isValid() && meta.translated,
            { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, 8w0, hdr.ipv4.protocol,
              meta.l4_len,
              hdr.tcp.srcPort, hdr.tcp.dstPort, hdr.tcp.seqNo, hdr.tcp.ackNo,
              hdr.tcp.dataOffset, hdr.tcp.res, hdr.tcp.flags,
              hdr.tcp.window, hdr.tcp.urgentPtr },
            hdr.tcp.checksum, HashAlgorithm.csum16);
        update_checksum_with_payload(hdr.udp.isValid() && meta.translated
                                     && hdr.udp.checksum != 0,
            { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, 8w0, hdr.ipv4.protocol,
              hdr.udp.len,
              hdr.udp.srcPort, hdr.udp.dstPort, hdr.udp.len },
            hdr.udp.checksum, HashAlgorithm.csum16);
    }
}

control NatDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.tcp);
        pkt.emit(hdr.udp);
    }
}

V1Switch(NatParser(), NatVerifyChecksum(), NatIngress(), NatEgress(),
         NatComputeChecksum(), NatDeparser()) main;
