/*
 * syn_proxy.p4 -- per-VM SYN proxy with SYN cookies and a per-flow
 * sequence-number translation table (ExoPlane paper, Table 2).
 *
 * The protected servers live in 10.3.0.0/16 (reference address plan,
 * p4/apps/README.md). The proxy answers clients' SYNs itself and opens the
 * connection to the server only once the client has proved it owns its
 * address, so SYN floods never reach the servers:
 *
 *   1. client SYN            -> the switch replies SYN-ACK with
 *                               ISN = cookie = crc32(secret, client addr,
 *                               server addr, client port, server port);
 *   2. client ACK            -> if ack - 1 == cookie, the ACK is turned into
 *                               a SYN (seq = client ISN) towards the server;
 *                               otherwise it is dropped;
 *   3. server SYN-ACK        -> reported to the control plane (digest
 *                               syn_proxy_handshake_t: client and server
 *                               ISNs, cookie) and answered with the ACK that
 *                               completes the server-side handshake;
 *   4. the control plane installs the flow's two seq_translate entries with
 *      delta = server ISN - cookie; from then on client->server packets get
 *      ack += delta and server->client packets seq -= delta.
 *
 * Simplifications, as in most switch SYN proxies: the cookie carries no MSS
 * or timestamp (the SYN-ACK has no options, so the client uses the default
 * MSS), SACK blocks are not translated, data carried by a SYN or by the
 * handshake ACK is discarded (the client retransmits it), and segments that
 * arrive before step 4 are dropped. The cookie secret is the register
 * cookie_secret[0], set and rotated by the control plane.
 *
 * Generated segments (SYN-ACK, SYN, ACK) are bare: options removed and the
 * packet truncated to 54 bytes, so their TCP checksum is recomputed over
 * the pseudo-header and the 20-byte header alone (update_checksum).
 * Translated segments are updated incrementally (RFC 1624).
 */

#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  IPPROTO_TCP    = 6;

const bit<8> TCP_FIN = 0x01;
const bit<8> TCP_SYN = 0x02;
const bit<8> TCP_RST = 0x04;
const bit<8> TCP_ACK = 0x10;

/* Ethernet + IPv4 + TCP without options or data. */
const bit<32> BARE_SEGMENT_BYTES = 54;

/* Reasons: indexes of proxy_drops. */
const bit<32> DROP_MALFORMED     = 0;
const bit<32> DROP_NOT_TCP       = 1;
const bit<32> DROP_BAD_COOKIE    = 2;
const bit<32> DROP_NOT_HANDSHAKE = 3;   /* segment of an unknown flow */
const bit<32> DROP_NO_ROUTE      = 4;

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

header tcp_options_t {
    varbit<320> options;
}

struct headers_t {
    ethernet_t    ethernet;
    ipv4_t        ipv4;
    tcp_t         tcp;
    tcp_options_t tcp_options;
}

struct metadata_t {
    bit<32> cookie;
    bool    recompute_tcp;    /* a generated, bare segment */
}

struct syn_proxy_handshake_t {
    ipv4_addr_t client_addr;
    ipv4_addr_t server_addr;
    bit<16>     client_port;
    bit<16>     server_port;
    bit<32>     client_isn;
    bit<32>     server_isn;
    bit<32>     cookie;
}

error { TcpHeaderTooShort }

bit<16> csum_fold(in bit<32> sum) {
    bit<32> s = (sum & 32w0xffff) + (sum >> 16);
    s = (s & 32w0xffff) + (s >> 16);
    return s[15:0];
}

/* RFC 1624 eq. 3 for a 32-bit field. */
bit<16> csum_replace32(in bit<16> csum, in bit<32> old_value,
                       in bit<32> new_value) {
    bit<32> sum = (bit<32>)(~csum)
                  + (bit<32>)(~old_value[31:16]) + (bit<32>)(~old_value[15:0])
                  + (bit<32>)new_value[31:16] + (bit<32>)new_value[15:0];
    return ~csum_fold(sum);
}

parser SynProxyParser(packet_in pkt,
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
        transition select(hdr.ipv4.ihl, hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (4w5, 13w0, IPPROTO_TCP): parse_tcp;
            default: accept;
        }
    }
    state parse_tcp {
        pkt.extract(hdr.tcp);
        verify(hdr.tcp.dataOffset >= 5, error.TcpHeaderTooShort);
        transition select(hdr.tcp.dataOffset) {
            4w5: accept;
            default: parse_tcp_options;
        }
    }
    state parse_tcp_options {
        pkt.extract(hdr.tcp_options, ((bit<32>)hdr.tcp.dataOffset - 5) * 32);
        transition accept;
    }
}

control SynProxyVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

@exo_union_key("hdr.ipv4.srcAddr", "hdr.ipv4.dstAddr", "hdr.tcp.srcPort", "hdr.tcp.dstPort")
@exo_traffic_class("hdr.ipv4.isValid() && !(hdr.ipv4.dstAddr[31:16] == 16w0xc613 || hdr.ipv4.srcAddr[31:16] == 16w0x0a01) && !(hdr.ipv4.dstAddr[31:16] == 16w0x0a02 || hdr.ipv4.srcAddr[31:16] == 16w0x0a02) && (hdr.ipv4.dstAddr[31:16] == 16w0x0a03 || hdr.ipv4.srcAddr[31:16] == 16w0x0a03)")
@exo_features("registers", "counters", "hashing", "digest", "checksum", "truncate")
control SynProxyIngress(inout headers_t hdr,
                        inout metadata_t meta,
                        inout standard_metadata_t standard_metadata) {

    /* Written by the control plane only. */
    register<bit<32>, bit<32>>(1) cookie_secret;

    @exo_dp_updatable("add")
    counter<bit<32>>(8, CounterType.packets) proxy_drops;

    action drop(bit<32> reason) {
        proxy_drops.count(reason);
        mark_to_drop(standard_metadata);
    }

    action l2_rewrite(bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        hdr.ethernet.srcAddr = src_mac;
        hdr.ethernet.dstAddr = dst_mac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        standard_metadata.egress_spec = port;
    }

    /* Established flow, client -> server: acknowledgements in server space. */
    action client_to_server(bit<32> delta, bit<9> port, mac_addr_t src_mac,
                            mac_addr_t dst_mac) {
        bit<32> ack = hdr.tcp.ackNo + delta;
        hdr.tcp.checksum = csum_replace32(hdr.tcp.checksum, hdr.tcp.ackNo, ack);
        hdr.tcp.ackNo = ack;
        l2_rewrite(port, src_mac, dst_mac);
    }

    /* Established flow, server -> client: sequence numbers in cookie space. */
    action server_to_client(bit<32> delta, bit<9> port, mac_addr_t src_mac,
                            mac_addr_t dst_mac) {
        bit<32> seq = hdr.tcp.seqNo - delta;
        hdr.tcp.checksum = csum_replace32(hdr.tcp.checksum, hdr.tcp.seqNo, seq);
        hdr.tcp.seqNo = seq;
        l2_rewrite(port, src_mac, dst_mac);
    }

    table seq_translate {
        key = {
            hdr.ipv4.srcAddr : exact @name("src_addr");
            hdr.ipv4.dstAddr : exact @name("dst_addr");
            hdr.tcp.srcPort  : exact @name("src_port");
            hdr.tcp.dstPort  : exact @name("dst_port");
        }
        actions = { client_to_server; server_to_client; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 1048576;
    }

    action route(bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        l2_rewrite(port, src_mac, dst_mac);
    }

    table proxy_route {
        key = {
            hdr.ipv4.dstAddr : lpm @name("dst_prefix");
        }
        actions = { route; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 16384;
    }

    /* Turns the segment into a bare one (no options, no data), to be
     * completed by the caller. */
    action make_bare_segment() {
        hdr.tcp_options.setInvalid();
        hdr.tcp.dataOffset = 5;
        hdr.tcp.res = 0;
        hdr.tcp.urgentPtr = 0;
        hdr.ipv4.totalLen = 40;
        hdr.ipv4.identification = 0;
        hdr.ipv4.flags = 3w0x2;        /* DF */
        meta.recompute_tcp = true;
        truncate(BARE_SEGMENT_BYTES);
    }

    /* Sends the segment back where it came from, endpoints swapped. */
    action reflect() {
        mac_addr_t mac = hdr.ethernet.srcAddr;
        hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
        hdr.ethernet.dstAddr = mac;
        ipv4_addr_t addr = hdr.ipv4.srcAddr;
        hdr.ipv4.srcAddr = hdr.ipv4.dstAddr;
        hdr.ipv4.dstAddr = addr;
        bit<16> p = hdr.tcp.srcPort;
        hdr.tcp.srcPort = hdr.tcp.dstPort;
        hdr.tcp.dstPort = p;
        hdr.ipv4.ttl = 64;
        standard_metadata.egress_spec = standard_metadata.ingress_port;
    }

    apply {
        meta.recompute_tcp = false;
        if (standard_metadata.parser_error != error.NoError
                || !hdr.ipv4.isValid() || hdr.ipv4.version != 4
                || hdr.ipv4.ihl != 5
                || standard_metadata.checksum_error == 1
                || hdr.ipv4.ttl <= 1) {
            drop(DROP_MALFORMED);
            return;
        }
        if (!hdr.tcp.isValid()) {
            drop(DROP_NOT_TCP);
            return;
        }
        if (seq_translate.apply().hit) {
            return;
        }

        bool to_server = hdr.ipv4.dstAddr[31:16] == 16w0x0a03;
        bit<32> secret;
        cookie_secret.read(secret, 0);
        if (to_server) {
            hash(meta.cookie, HashAlgorithm.crc32, 32w0,
                 { secret, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr,
                   hdr.tcp.srcPort, hdr.tcp.dstPort },
                 64w0x100000000);
        } else {
            hash(meta.cookie, HashAlgorithm.crc32, 32w0,
                 { secret, hdr.ipv4.dstAddr, hdr.ipv4.srcAddr,
                   hdr.tcp.dstPort, hdr.tcp.srcPort },
                 64w0x100000000);
        }
        bit<8> kind = hdr.tcp.flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN);

        if (to_server && kind == TCP_SYN) {
            /* 1. Answer with a SYN-ACK carrying the cookie. */
            hdr.tcp.ackNo = hdr.tcp.seqNo + 1;
            hdr.tcp.seqNo = meta.cookie;
            hdr.tcp.flags = TCP_SYN | TCP_ACK;
            hdr.tcp.window = 16w65535;
            make_bare_segment();
            reflect();
        } else if (to_server && kind == TCP_ACK) {
            /* 2. Handshake ACK: check the cookie, open the server side. */
            if (hdr.tcp.ackNo - 1 != meta.cookie) {
                drop(DROP_BAD_COOKIE);
                return;
            }
            hdr.tcp.seqNo = hdr.tcp.seqNo - 1;
            hdr.tcp.ackNo = 0;
            hdr.tcp.flags = TCP_SYN;
            make_bare_segment();
            if (!proxy_route.apply().hit) {
                drop(DROP_NO_ROUTE);
            }
        } else if (!to_server && kind == (TCP_SYN | TCP_ACK)) {
            /* 3. Server SYN-ACK: report, and acknowledge it for the client. */
            digest<syn_proxy_handshake_t>(1, {
                hdr.ipv4.dstAddr, hdr.ipv4.srcAddr,
                hdr.tcp.dstPort, hdr.tcp.srcPort,
                hdr.tcp.ackNo - 1, hdr.tcp.seqNo, meta.cookie });
            bit<32> server_isn = hdr.tcp.seqNo;
            hdr.tcp.seqNo = hdr.tcp.ackNo;
            hdr.tcp.ackNo = server_isn + 1;
            hdr.tcp.flags = TCP_ACK;
            make_bare_segment();
            reflect();
        } else {
            drop(DROP_NOT_HANDSHAKE);
        }
    }
}

control SynProxyEgress(inout headers_t hdr,
                       inout metadata_t meta,
                       inout standard_metadata_t standard_metadata) {
    apply { }
}

control SynProxyComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
        /* Pseudo-header (TCP length 20) and the bare TCP header. */
        update_checksum(hdr.tcp.isValid() && meta.recompute_tcp,
            { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, 8w0, hdr.ipv4.protocol,
              16w20,
              hdr.tcp.srcPort, hdr.tcp.dstPort, hdr.tcp.seqNo, hdr.tcp.ackNo,
              hdr.tcp.dataOffset, hdr.tcp.res, hdr.tcp.flags,
              hdr.tcp.window, hdr.tcp.urgentPtr },
            hdr.tcp.checksum, HashAlgorithm.csum16);
    }
}

control SynProxyDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.tcp);
        pkt.emit(hdr.tcp_options);
    }
}

V1Switch(SynProxyParser(), SynProxyVerifyChecksum(), SynProxyIngress(),
         SynProxyEgress(), SynProxyComputeChecksum(), SynProxyDeparser()) main;
