/*
 * univmon.p4 -- UnivMon universal sketch for the traffic classes no other
 * gateway app handles (ExoPlane paper, Table 1; Liu et al., "One Sketch to
 * Rule Them All", SIGCOMM 2016).
 *
 * The flow key is the IPv4 5-tuple. A sampling hash hs(key) assigns every
 * key to levels 0..t, where t is the number of trailing one bits of hs
 * (capped at LEVELS - 1): level j sees the substream of keys sampled with
 * probability 2^-j. Each level keeps a count sketch of 3 rows by COLUMNS
 * signed counters; for row r the key's 32-bit hash h_r selects column
 * h_r[10:0] and sign h_r[31] (1: -1, 0: +1). level_packets[j] counts the
 * packets each level saw.
 *
 * The control plane reads the registers (UnivMonIngress.cs_l<J>_r<R>)
 * and computes heavy hitters, distinct counts, entropy and other
 * G-sum statistics from them, as in the UnivMon paper; it resets them at
 * the end of each measurement epoch. All counters are int<32> and wrap;
 * every register merges by addition across devices.
 *
 * Packets are forwarded by an ordinary LPM route table (ipv4_route);
 * malformed packets and packets without a route are dropped and counted in
 * univmon_drops.
 */

#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  IPPROTO_TCP    = 6;
const bit<8>  IPPROTO_UDP    = 17;

const bit<32> LEVELS  = 8;
const bit<32> COLUMNS = 2048;          /* column = h[10:0] */

const bit<32> DROP_MALFORMED = 0;
const bit<32> DROP_NO_ROUTE  = 1;
const bit<32> DROP_TTL       = 2;

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
    bit<16> l4_sport;
    bit<16> l4_dport;
}

/* The flow key every hash is computed over. */
struct flow_key_t {
    ipv4_addr_t srcAddr;
    ipv4_addr_t dstAddr;
    bit<8>      protocol;
    bit<16>     srcPort;
    bit<16>     dstPort;
}

parser UnivMonParser(packet_in pkt,
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

control UnivMonVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

/* The sketch is CS_LEVELS x CS_ROWS registers, cs_l<level>_r<row>, written
 * out with macros (one register per row, as a switch needs: every register
 * is accessed at most once per packet). Row r of level l uses the seed
 * 0x0000LLRR with LL = l + 1 and RR = r + 1.
 *
 * CS_ROW_UPDATE: h = crc32(seed ++ key); counters[h[10:0]] += h[31] ? -1 : +1 */
#define CS_ROW_DECL(L, R) \
    @exo_dp_updatable("add") \
    register<int<32>, bit<32>>(COLUMNS) cs_l##L##_r##R;

#define CS_ROW_UPDATE(L, R, SEED) \
    { \
        bit<32> h; \
        hash(h, HashAlgorithm.crc32, 32w0, \
             { SEED, key.srcAddr, key.dstAddr, key.protocol, \
               key.srcPort, key.dstPort }, \
             64w0x100000000); \
        int<32> value; \
        cs_l##L##_r##R.read(value, (bit<32>)h[10:0]); \
        if (h[31:31] == 1w1) { \
            value = value - 1; \
        } else { \
            value = value + 1; \
        } \
        cs_l##L##_r##R.write((bit<32>)h[10:0], value); \
    }

#define CS_LEVEL_DECL(L) \
    CS_ROW_DECL(L, 0) \
    CS_ROW_DECL(L, 1) \
    CS_ROW_DECL(L, 2)

#define CS_LEVEL_UPDATE(L, S0, S1, S2) \
    CS_ROW_UPDATE(L, 0, S0) \
    CS_ROW_UPDATE(L, 1, S1) \
    CS_ROW_UPDATE(L, 2, S2) \
    level_packets.count(L);

@exo_union_key("hdr.ipv4.srcAddr", "hdr.ipv4.dstAddr", "hdr.ipv4.protocol", "meta.l4_sport", "meta.l4_dport")
@exo_traffic_class("hdr.ipv4.isValid() && !(hdr.ipv4.dstAddr[31:8] == 24w0xcb0071 || hdr.ipv4.dstAddr[31:20] == 12w0xac1) && !(hdr.ipv4.dstAddr[31:16] == 16w0xc612 || hdr.ipv4.srcAddr[31:16] == 16w0x0a12) && !(hdr.ipv4.dstAddr[31:16] == 16w0x0a14 || hdr.ipv4.srcAddr[31:16] == 16w0x0a14)")
@exo_features("registers", "counters", "hashing")
control UnivMonIngress(inout headers_t hdr,
                       inout metadata_t meta,
                       inout standard_metadata_t standard_metadata) {

    CS_LEVEL_DECL(0)
    CS_LEVEL_DECL(1)
    CS_LEVEL_DECL(2)
    CS_LEVEL_DECL(3)
    CS_LEVEL_DECL(4)
    CS_LEVEL_DECL(5)
    CS_LEVEL_DECL(6)
    CS_LEVEL_DECL(7)

    @exo_dp_updatable("add")
    counter<bit<32>>(LEVELS, CounterType.packets) level_packets;

    @exo_dp_updatable("add")
    counter<bit<32>>(4, CounterType.packets) univmon_drops;

    action drop(bit<32> reason) {
        univmon_drops.count(reason);
        mark_to_drop(standard_metadata);
    }

    action route(bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        hdr.ethernet.srcAddr = src_mac;
        hdr.ethernet.dstAddr = dst_mac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        standard_metadata.egress_spec = port;
    }

    table ipv4_route {
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
                || standard_metadata.checksum_error == 1) {
            drop(DROP_MALFORMED);
            return;
        }

        flow_key_t key = { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr,
                           hdr.ipv4.protocol, meta.l4_sport, meta.l4_dport };
        bit<32> hs;
        hash(hs, HashAlgorithm.crc32, 32w0,
             { key.srcAddr, key.dstAddr, key.protocol, key.srcPort,
               key.dstPort },
             64w0x100000000);

        /* Level j takes the keys whose j lowest sampling bits are all 1. */
        CS_LEVEL_UPDATE(0, 32w0x0101, 32w0x0102, 32w0x0103)
        if (hs[0:0] == 1w1) {
            CS_LEVEL_UPDATE(1, 32w0x0201, 32w0x0202, 32w0x0203)
        }
        if (hs[1:0] == 2w0x3) {
            CS_LEVEL_UPDATE(2, 32w0x0301, 32w0x0302, 32w0x0303)
        }
        if (hs[2:0] == 3w0x7) {
            CS_LEVEL_UPDATE(3, 32w0x0401, 32w0x0402, 32w0x0403)
        }
        if (hs[3:0] == 4w0xf) {
            CS_LEVEL_UPDATE(4, 32w0x0501, 32w0x0502, 32w0x0503)
        }
        if (hs[4:0] == 5w0x1f) {
            CS_LEVEL_UPDATE(5, 32w0x0601, 32w0x0602, 32w0x0603)
        }
        if (hs[5:0] == 6w0x3f) {
            CS_LEVEL_UPDATE(6, 32w0x0701, 32w0x0702, 32w0x0703)
        }
        if (hs[6:0] == 7w0x7f) {
            CS_LEVEL_UPDATE(7, 32w0x0801, 32w0x0802, 32w0x0803)
        }

        if (hdr.ipv4.ttl <= 1) {
            drop(DROP_TTL);
            return;
        }
        if (!ipv4_route.apply().hit) {
            drop(DROP_NO_ROUTE);
        }
    }
}

control UnivMonEgress(inout headers_t hdr,
                      inout metadata_t meta,
                      inout standard_metadata_t standard_metadata) {
    apply { }
}

control UnivMonComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control UnivMonDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.l4);
    }
}

V1Switch(UnivMonParser(), UnivMonVerifyChecksum(), UnivMonIngress(),
         UnivMonEgress(), UnivMonComputeChecksum(), UnivMonDeparser()) main;
