/*
 * vm_nat.p4 -- per-VM NAT at the leaf (ExoPlane paper, Table 2).
 *
 * Each VM (private addresses in 10.1.0.0/16 in the reference address plan,
 * p4/apps/README.md) reaches the outside world through public addresses in
 * 198.19.0.0/16. The mapping is endpoint-independent (RFC 4787): a VM's
 * (private address, port, protocol) maps to one (public address, port)
 * whatever the remote end, so a mapping serves every flow of that socket:
 *
 *   outbound (src in 10.1/16)    vm_nat_out: (private addr, port, proto)
 *                                 -> source rewritten to (public addr, port)
 *   inbound  (dst in 198.19/16)  vm_nat_in:  (public addr, port, proto)
 *                                 -> destination rewritten to the VM
 *
 * An outbound packet without a mapping is reported with a digest
 * (vm_nat_miss_t) so that the control plane allocates one, and dropped; an
 * inbound packet without one is dropped (unsolicited). Checksums are updated
 * incrementally (RFC 1624): the IPv4 header checksum for the address and
 * TTL, the TCP/UDP checksum for the address (pseudo-header) and the port;
 * a UDP datagram without a checksum keeps none. Because nothing is
 * recomputed from scratch, packets with IPv4 options are translated too.
 * Packets and bytes are counted per VM in vm_traffic[vm].
 */

#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  IPPROTO_TCP    = 6;
const bit<8>  IPPROTO_UDP    = 17;

const bit<32> MAX_VMS = 65536;

const bit<32> DROP_PARSER     = 0;
const bit<32> DROP_CHECKSUM   = 1;
const bit<32> DROP_NOT_L4     = 2;
const bit<32> DROP_NO_MAPPING = 3;
const bit<32> DROP_TTL        = 4;

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

header ipv4_options_t {
    varbit<320> options;
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
    ethernet_t     ethernet;
    ipv4_t         ipv4;
    ipv4_options_t ipv4_options;
    tcp_t          tcp;
    udp_t          udp;
}

struct metadata_t {
    bit<16> l4_sport;
    bit<16> l4_dport;
    bit<32> vm;
    bool    udp_csum;       /* the UDP datagram carries a checksum */
}

struct vm_nat_miss_t {
    ipv4_addr_t private_addr;
    bit<16>     private_port;
    bit<8>      protocol;
}

error { IPv4HeaderTooShort }

/* Ones'-complement helpers for RFC 1624 eq. 3: HC' = ~(~HC + ~m + m'). */
bit<16> csum_fold(in bit<32> sum) {
    bit<32> s = (sum & 32w0xffff) + (sum >> 16);
    s = (s & 32w0xffff) + (s >> 16);
    return s[15:0];
}

bit<16> csum_replace16(in bit<16> csum, in bit<16> old_value,
                                in bit<16> new_value) {
    bit<32> sum = (bit<32>)(~csum) + (bit<32>)(~old_value)
                  + (bit<32>)new_value;
    return ~csum_fold(sum);
}

bit<16> csum_replace32(in bit<16> csum, in bit<32> old_value,
                                in bit<32> new_value) {
    bit<32> sum = (bit<32>)(~csum)
                  + (bit<32>)(~old_value[31:16]) + (bit<32>)(~old_value[15:0])
                  + (bit<32>)new_value[31:16] + (bit<32>)new_value[15:0];
    return ~csum_fold(sum);
}

parser VmNatParser(packet_in pkt,
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
        verify(hdr.ipv4.ihl >= 5, error.IPv4HeaderTooShort);
        transition select(hdr.ipv4.ihl) {
            4w5: parse_l4;
            default: parse_ipv4_options;
        }
    }
    state parse_ipv4_options {
        pkt.extract(hdr.ipv4_options, ((bit<32>)hdr.ipv4.ihl - 5) * 32);
        transition parse_l4;
    }
    state parse_l4 {
        transition select(hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (13w0, IPPROTO_TCP): parse_tcp;
            (13w0, IPPROTO_UDP): parse_udp;
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

control VmNatVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr,
              hdr.ipv4_options.options },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

@exo_union_key("hdr.ipv4.srcAddr", "hdr.ipv4.dstAddr", "hdr.ipv4.protocol", "meta.l4_sport", "meta.l4_dport")
@exo_traffic_class("hdr.ipv4.isValid() && (hdr.ipv4.dstAddr[31:16] == 16w0xc613 || hdr.ipv4.srcAddr[31:16] == 16w0x0a01)")
@exo_features("counters", "digest", "checksum")
control VmNatIngress(inout headers_t hdr,
                     inout metadata_t meta,
                     inout standard_metadata_t standard_metadata) {

    @exo_dp_updatable("add")
    counter<bit<32>>(MAX_VMS, CounterType.packets_and_bytes) vm_traffic;

    @exo_dp_updatable("add")
    counter<bit<32>>(8, CounterType.packets) vm_nat_drops;

    action drop(bit<32> reason) {
        vm_nat_drops.count(reason);
        mark_to_drop(standard_metadata);
    }

    /* Rewrites one address (IPv4 and pseudo-header checksums). */
    action fix_l4_checksum_addr(ipv4_addr_t old_addr, ipv4_addr_t new_addr) {
        if (hdr.tcp.isValid()) {
            hdr.tcp.checksum = csum_replace32(hdr.tcp.checksum, old_addr, new_addr);
        } else if (meta.udp_csum) {
            hdr.udp.checksum = csum_replace32(hdr.udp.checksum, old_addr, new_addr);
        }
        hdr.ipv4.hdrChecksum = csum_replace32(hdr.ipv4.hdrChecksum, old_addr, new_addr);
    }

    action fix_l4_checksum_port(bit<16> old_port, bit<16> new_port) {
        if (hdr.tcp.isValid()) {
            hdr.tcp.checksum = csum_replace16(hdr.tcp.checksum, old_port, new_port);
        } else if (meta.udp_csum) {
            hdr.udp.checksum = csum_replace16(hdr.udp.checksum, old_port, new_port);
            if (hdr.udp.checksum == 0) {
                hdr.udp.checksum = 16w0xffff;   /* RFC 768: 0 means none */
            }
        }
    }

    action forward(bit<32> vm, bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        meta.vm = vm;
        hdr.ethernet.srcAddr = src_mac;
        hdr.ethernet.dstAddr = dst_mac;
        hdr.ipv4.hdrChecksum = csum_replace16(hdr.ipv4.hdrChecksum,
                                              hdr.ipv4.ttl ++ hdr.ipv4.protocol,
                                              (hdr.ipv4.ttl - 1) ++ hdr.ipv4.protocol);
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        standard_metadata.egress_spec = port;
    }

    action snat(bit<32> vm, ipv4_addr_t public_addr, bit<16> public_port,
                bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        fix_l4_checksum_addr(hdr.ipv4.srcAddr, public_addr);
        hdr.ipv4.srcAddr = public_addr;
        fix_l4_checksum_port(meta.l4_sport, public_port);
        if (hdr.tcp.isValid()) {
            hdr.tcp.srcPort = public_port;
        } else {
            hdr.udp.srcPort = public_port;
        }
        forward(vm, port, src_mac, dst_mac);
    }

    action dnat(bit<32> vm, ipv4_addr_t private_addr, bit<16> private_port,
                bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        fix_l4_checksum_addr(hdr.ipv4.dstAddr, private_addr);
        hdr.ipv4.dstAddr = private_addr;
        fix_l4_checksum_port(meta.l4_dport, private_port);
        if (hdr.tcp.isValid()) {
            hdr.tcp.dstPort = private_port;
        } else {
            hdr.udp.dstPort = private_port;
        }
        forward(vm, port, src_mac, dst_mac);
    }

    table vm_nat_out {
        key = {
            hdr.ipv4.srcAddr  : exact @name("private_addr");
            meta.l4_sport     : exact @name("private_port");
            hdr.ipv4.protocol : exact @name("protocol");
        }
        actions = { snat; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 1048576;
    }

    table vm_nat_in {
        key = {
            hdr.ipv4.dstAddr  : exact @name("public_addr");
            meta.l4_dport     : exact @name("public_port");
            hdr.ipv4.protocol : exact @name("protocol");
        }
        actions = { dnat; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 1048576;
    }

    apply {
        if (standard_metadata.parser_error != error.NoError
                || !hdr.ipv4.isValid() || hdr.ipv4.version != 4) {
            drop(DROP_PARSER);
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
        meta.udp_csum = hdr.udp.isValid() && hdr.udp.checksum != 0;
        if (hdr.ipv4.srcAddr[31:16] == 16w0x0a01) {
            if (!vm_nat_out.apply().hit) {
                digest<vm_nat_miss_t>(1, { hdr.ipv4.srcAddr, meta.l4_sport,
                                           hdr.ipv4.protocol });
                drop(DROP_NO_MAPPING);
                return;
            }
        } else {
            if (!vm_nat_in.apply().hit) {
                drop(DROP_NO_MAPPING);
                return;
            }
        }
        vm_traffic.count(meta.vm);
    }
}

control VmNatEgress(inout headers_t hdr,
                    inout metadata_t meta,
                    inout standard_metadata_t standard_metadata) {
    apply { }
}

/* Checksums are maintained incrementally in ingress. */
control VmNatComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control VmNatDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.ipv4_options);
        pkt.emit(hdr.tcp);
        pkt.emit(hdr.udp);
    }
}

V1Switch(VmNatParser(), VmNatVerifyChecksum(), VmNatIngress(), VmNatEgress(),
         VmNatComputeChecksum(), VmNatDeparser()) main;
