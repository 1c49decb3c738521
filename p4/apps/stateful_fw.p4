/*
 * stateful_fw.p4 -- per-VM stateful firewall with a per-source-IP packet
 * counter (ExoPlane paper, Fig. 1 and Table 2; the counter is the shared
 * object of Sec. 7.3).
 *
 * The protected VMs live in 10.2.0.0/16 (reference address plan,
 * p4/apps/README.md). Connections are identified by a direction-free key
 * (VM address, remote address, protocol, VM port, remote port):
 *
 *   outbound (src in 10.2/16): always allowed. A TCP SYN (SYN set, ACK
 *     clear) of a connection that is not in conn_table is reported to the
 *     control plane with a digest (conn_key_t); the control plane inserts
 *     the connection into conn_table (and may re-inject the SYN).
 *   inbound (dst in 10.2/16): allowed only for TCP connections in
 *     conn_table; everything else is dropped and counted in fw_blocked.
 *
 * conn_table ages out idle connections (support_timeout): the control plane
 * deletes an entry on its idle notification.
 *
 * src_pkt_count[crc32(srcAddr) mod 65536] counts every packet of the class
 * (allowed or not) by source address: a data-plane-updatable register that
 * merges by addition.
 */

#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  IPPROTO_TCP    = 6;
const bit<8>  IPPROTO_UDP    = 17;

const bit<8>  TCP_FLAG_SYN = 0x02;
const bit<8>  TCP_FLAG_ACK = 0x10;

const bit<32> SRC_COUNTERS = 65536;

/* Reasons: indexes of fw_blocked. */
const bit<32> BLOCK_MALFORMED     = 0;
const bit<32> BLOCK_NOT_TCP       = 1;
const bit<32> BLOCK_NO_CONNECTION = 2;
const bit<32> BLOCK_NO_ROUTE      = 3;

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

/* A connection, seen from the protected VM. */
struct conn_key_t {
    ipv4_addr_t vm_addr;
    ipv4_addr_t remote_addr;
    bit<8>      protocol;
    bit<16>     vm_port;
    bit<16>     remote_port;
}

struct metadata_t {
    bit<16>    l4_sport;
    bit<16>    l4_dport;
    conn_key_t conn;
}

parser FwParser(packet_in pkt,
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

control FwVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
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
@exo_traffic_class("hdr.ipv4.isValid() && !(hdr.ipv4.dstAddr[31:16] == 16w0xc613 || hdr.ipv4.srcAddr[31:16] == 16w0x0a01) && (hdr.ipv4.dstAddr[31:16] == 16w0x0a02 || hdr.ipv4.srcAddr[31:16] == 16w0x0a02)")
@exo_features("registers", "counters", "hashing", "digest", "idle-timeout")
control FwIngress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    @exo_dp_updatable("add")
    register<bit<32>, bit<32>>(SRC_COUNTERS) src_pkt_count;

    @exo_dp_updatable("add")
    counter<bit<32>>(4, CounterType.packets) fw_blocked;

    action block(bit<32> reason) {
        fw_blocked.count(reason);
        mark_to_drop(standard_metadata);
    }

    action established() { }

    table conn_table {
        key = {
            meta.conn.vm_addr     : exact @name("vm_addr");
            meta.conn.remote_addr : exact @name("remote_addr");
            meta.conn.protocol    : exact @name("protocol");
            meta.conn.vm_port     : exact @name("vm_port");
            meta.conn.remote_port : exact @name("remote_port");
        }
        actions = { established; @defaultonly NoAction; }
        const default_action = NoAction();
        support_timeout = true;
        size = 1048576;
    }

    action route(bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        hdr.ethernet.srcAddr = src_mac;
        hdr.ethernet.dstAddr = dst_mac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        standard_metadata.egress_spec = port;
    }

    table fw_route {
        key = {
            hdr.ipv4.dstAddr : lpm @name("dst_prefix");
        }
        actions = { route; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 16384;
    }

    apply {
        if (standard_metadata.parser_error != error.NoError
                || !hdr.ipv4.isValid() || hdr.ipv4.version != 4
                || hdr.ipv4.ihl != 5
                || standard_metadata.checksum_error == 1
                || hdr.ipv4.ttl <= 1) {
            block(BLOCK_MALFORMED);
            return;
        }

        /* The shared per-source counter sees every packet of the class. */
        bit<32> src_index;
        hash(src_index, HashAlgorithm.crc32, 32w0, { hdr.ipv4.srcAddr },
             SRC_COUNTERS);
        bit<32> seen;
        src_pkt_count.read(seen, src_index);
        src_pkt_count.write(src_index, seen + 1);

        bool outbound = hdr.ipv4.srcAddr[31:16] == 16w0x0a02;
        meta.conn.protocol = hdr.ipv4.protocol;
        if (outbound) {
            meta.conn.vm_addr = hdr.ipv4.srcAddr;
            meta.conn.remote_addr = hdr.ipv4.dstAddr;
            meta.conn.vm_port = meta.l4_sport;
            meta.conn.remote_port = meta.l4_dport;
        } else {
            meta.conn.vm_addr = hdr.ipv4.dstAddr;
            meta.conn.remote_addr = hdr.ipv4.srcAddr;
            meta.conn.vm_port = meta.l4_dport;
            meta.conn.remote_port = meta.l4_sport;
        }

        if (outbound) {
            if (hdr.tcp.isValid()) {
                bool known = conn_table.apply().hit;
                bool opening = (hdr.tcp.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK))
                               == TCP_FLAG_SYN;
                if (!known && opening) {
                    digest<conn_key_t>(1, meta.conn);
                }
            }
        } else {
            if (!hdr.tcp.isValid()) {
                block(BLOCK_NOT_TCP);
                return;
            }
            if (!conn_table.apply().hit) {
                block(BLOCK_NO_CONNECTION);
                return;
            }
        }

        if (!fw_route.apply().hit) {
            block(BLOCK_NO_ROUTE);
        }
    }
}

control FwEgress(inout headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control FwComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control FwDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.tcp);
        pkt.emit(hdr.udp);
    }
}

V1Switch(FwParser(), FwVerifyChecksum(), FwIngress(), FwEgress(),
         FwComputeChecksum(), FwDeparser()) main;
