/*
 * netcache.p4 -- NetCache-style in-network key-value cache (ExoPlane paper,
 * Table 2; Jin et al., "NetCache", SOSP 2017).
 *
 * Clients talk to key-value servers (10.4.0.0/16 in the reference address
 * plan, p4/apps/README.md) with a small UDP protocol on port 50000:
 *
 *   netcache_t: op (8), seq (32), key (128), value (128)
 *   op: GET 0, PUT 1, DELETE 2; replies set bit 7 (GET_REPLY 0x80, ...)
 *
 * The switch caches the values of hot keys:
 *
 *   nc_cache (exact on key) gives the key's slot; the value lives in the
 *   registers nc_value0..3[slot] and nc_valid[slot] says it is current.
 *   - GET of a cached, valid key: answered by the switch (GET_REPLY sent
 *     back to the client, UDP checksum 0); nc_hits[slot] counts it.
 *   - PUT or DELETE of a cached key: nc_valid[slot] = 0 (the write goes to
 *     the server); the server's PUT_REPLY for a cached key is reported with
 *     a digest (nc_update_t) and the control plane writes the new value and
 *     sets nc_valid[slot] = 1 again.
 *   - GET of an uncached key: counted in a count-min sketch
 *     (nc_cms0..2, crc32 of the key with three seeds, 4096 columns); when
 *     the estimate reaches nc_hot_threshold[0] (0 = reporting off) the key
 *     is reported once (digest nc_hot_key_t), remembered in a two-row Bloom
 *     filter (nc_reported0/1, indexed like the sketch's first two rows).
 *     The control plane resets sketch and filter every epoch.
 *
 * Everything else in the class (other protocols to the servers, replies,
 * misses) is routed by ipv4_route. Valid bits merge with min (an
 * invalidation anywhere wins), hit counters and sketch cells with add,
 * Bloom filter bits with or.
 */

#include <core.p4>
#include <v1model.p4>

typedef bit<48>  mac_addr_t;
typedef bit<32>  ipv4_addr_t;
typedef bit<128> nc_key_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8>  IPPROTO_UDP    = 17;
const bit<16> NETCACHE_PORT  = 50000;

const bit<8> NC_GET          = 0x00;
const bit<8> NC_PUT          = 0x01;
const bit<8> NC_DELETE       = 0x02;
const bit<8> NC_GET_REPLY    = 0x80;
const bit<8> NC_PUT_REPLY    = 0x81;

const bit<32> CACHE_SLOTS = 65536;
const bit<32> CMS_COLUMNS = 4096;

const bit<32> DROP_MALFORMED = 0;
const bit<32> DROP_NO_ROUTE  = 1;

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

header netcache_t {
    bit<8>   op;
    bit<32>  seq;
    nc_key_t key;
    bit<128> value;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    udp_t      udp;
    netcache_t nc;
}

struct metadata_t {
    bit<32> slot;
}

struct nc_hot_key_t {
    nc_key_t key;
    bit<32>  estimate;
}

struct nc_update_t {
    nc_key_t key;
    bit<32>  slot;
    bit<128> value;
}

parser NetCacheParser(packet_in pkt,
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
            (4w5, 13w0, IPPROTO_UDP): parse_udp;
            default: accept;
        }
    }
    state parse_udp {
        pkt.extract(hdr.udp);
        transition select(hdr.udp.dstPort, hdr.udp.srcPort) {
            (NETCACHE_PORT, _): parse_netcache;
            (_, NETCACHE_PORT): parse_netcache;
            default: accept;
        }
    }
    state parse_netcache {
        pkt.extract(hdr.nc);
        transition accept;
    }
}

control NetCacheVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

@exo_union_key("hdr.nc.key")
@exo_traffic_class("hdr.ipv4.isValid() && !(hdr.ipv4.dstAddr[31:16] == 16w0xc613 || hdr.ipv4.srcAddr[31:16] == 16w0x0a01) && !(hdr.ipv4.dstAddr[31:16] == 16w0x0a02 || hdr.ipv4.srcAddr[31:16] == 16w0x0a02) && !(hdr.ipv4.dstAddr[31:16] == 16w0x0a03 || hdr.ipv4.srcAddr[31:16] == 16w0x0a03) && (hdr.ipv4.dstAddr[31:16] == 16w0x0a04 || hdr.ipv4.srcAddr[31:16] == 16w0x0a04)")
@exo_features("registers", "counters", "hashing", "digest")
control NetCacheIngress(inout headers_t hdr,
                        inout metadata_t meta,
                        inout standard_metadata_t standard_metadata) {

    /* Cached values, written by the control plane. */
    register<bit<32>, bit<32>>(CACHE_SLOTS) nc_value0;
    register<bit<32>, bit<32>>(CACHE_SLOTS) nc_value1;
    register<bit<32>, bit<32>>(CACHE_SLOTS) nc_value2;
    register<bit<32>, bit<32>>(CACHE_SLOTS) nc_value3;

    /* Cleared by writes in the data plane, set by the control plane. */
    @exo_dp_updatable("min")
    register<bit<8>, bit<32>>(CACHE_SLOTS) nc_valid;

    @exo_dp_updatable("add")
    counter<bit<32>>(CACHE_SLOTS, CounterType.packets) nc_hits;

    @exo_dp_updatable("add")
    register<bit<32>, bit<32>>(CMS_COLUMNS) nc_cms0;
    @exo_dp_updatable("add")
    register<bit<32>, bit<32>>(CMS_COLUMNS) nc_cms1;
    @exo_dp_updatable("add")
    register<bit<32>, bit<32>>(CMS_COLUMNS) nc_cms2;

    @exo_dp_updatable("or")
    register<bit<1>, bit<32>>(CMS_COLUMNS) nc_reported0;
    @exo_dp_updatable("or")
    register<bit<1>, bit<32>>(CMS_COLUMNS) nc_reported1;

    /* Written by the control plane; 0 disables hot-key reports. */
    register<bit<32>, bit<32>>(1) nc_hot_threshold;

    @exo_dp_updatable("add")
    counter<bit<32>>(4, CounterType.packets) nc_drops;

    action drop(bit<32> reason) {
        nc_drops.count(reason);
        mark_to_drop(standard_metadata);
    }

    action cache_hit(bit<32> slot) {
        meta.slot = slot;
    }

    table nc_cache {
        key = {
            hdr.nc.key : exact @name("key");
        }
        actions = { cache_hit; @defaultonly NoAction; }
        const default_action = NoAction();
        size = 65536;
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

    /* Answers a GET from the cache. */
    action reply_from_cache() {
        bit<32> v0;
        bit<32> v1;
        bit<32> v2;
        bit<32> v3;
        nc_value0.read(v0, meta.slot);
        nc_value1.read(v1, meta.slot);
        nc_value2.read(v2, meta.slot);
        nc_value3.read(v3, meta.slot);
        hdr.nc.value = v0 ++ v1 ++ v2 ++ v3;
        hdr.nc.op = NC_GET_REPLY;

        mac_addr_t mac = hdr.ethernet.srcAddr;
        hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
        hdr.ethernet.dstAddr = mac;
        ipv4_addr_t addr = hdr.ipv4.srcAddr;
        hdr.ipv4.srcAddr = hdr.ipv4.dstAddr;
        hdr.ipv4.dstAddr = addr;
        hdr.ipv4.ttl = 64;
        bit<16> port = hdr.udp.srcPort;
        hdr.udp.srcPort = hdr.udp.dstPort;
        hdr.udp.dstPort = port;
        hdr.udp.checksum = 0;
        standard_metadata.egress_spec = standard_metadata.ingress_port;
    }

    /* Count-min sketch of uncached GETs; reports a key once when hot. */
    action count_uncached() {
        bit<32> i0;
        bit<32> i1;
        bit<32> i2;
        hash(i0, HashAlgorithm.crc32, 32w0, { 32w0x6e630001, hdr.nc.key }, CMS_COLUMNS);
        hash(i1, HashAlgorithm.crc32, 32w0, { 32w0x6e630002, hdr.nc.key }, CMS_COLUMNS);
        hash(i2, HashAlgorithm.crc32, 32w0, { 32w0x6e630003, hdr.nc.key }, CMS_COLUMNS);
        bit<32> c0;
        bit<32> c1;
        bit<32> c2;
        nc_cms0.read(c0, i0);
        nc_cms1.read(c1, i1);
        nc_cms2.read(c2, i2);
        c0 = c0 |+| 1;
        c1 = c1 |+| 1;
        c2 = c2 |+| 1;
        nc_cms0.write(i0, c0);
        nc_cms1.write(i1, c1);
        nc_cms2.write(i2, c2);

        bit<32> estimate = c0;
        if (c1 < estimate) {
            estimate = c1;
        }
        if (c2 < estimate) {
            estimate = c2;
        }
        bit<32> threshold;
        nc_hot_threshold.read(threshold, 0);
        bit<1> seen0;
        bit<1> seen1;
        nc_reported0.read(seen0, i0);
        nc_reported1.read(seen1, i1);
        if (threshold != 0 && estimate >= threshold
                && (seen0 == 0 || seen1 == 0)) {
            nc_reported0.write(i0, 1);
            nc_reported1.write(i1, 1);
            digest<nc_hot_key_t>(1, { hdr.nc.key, estimate });
        }
    }

    apply {
        if (standard_metadata.parser_error != error.NoError
                || !hdr.ipv4.isValid() || hdr.ipv4.version != 4
                || hdr.ipv4.ihl != 5
                || standard_metadata.checksum_error == 1
                || hdr.ipv4.ttl <= 1) {
            drop(DROP_MALFORMED);
            return;
        }

        if (hdr.nc.isValid()) {
            bool request = hdr.udp.dstPort == NETCACHE_PORT;
            bool cached = nc_cache.apply().hit;
            if (request && hdr.nc.op == NC_GET) {
                bit<8> valid = 0;
                if (cached) {
                    nc_valid.read(valid, meta.slot);
                }
                if (valid != 0) {
                    reply_from_cache();
                    nc_hits.count(meta.slot);
                    return;
                }
                if (!cached) {
                    count_uncached();
                }
            } else if (request && (hdr.nc.op == NC_PUT || hdr.nc.op == NC_DELETE)) {
                if (cached) {
                    nc_valid.write(meta.slot, 0);
                }
            } else if (!request && hdr.nc.op == NC_PUT_REPLY && cached) {
                digest<nc_update_t>(1, { hdr.nc.key, meta.slot, hdr.nc.value });
            }
        }

        if (!ipv4_route.apply().hit) {
            drop(DROP_NO_ROUTE);
        }
    }
}

control NetCacheEgress(inout headers_t hdr,
                       inout metadata_t meta,
                       inout standard_metadata_t standard_metadata) {
    apply { }
}

control NetCacheComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
              hdr.ipv4.totalLen, hdr.ipv4.identification,
              hdr.ipv4.flags, hdr.ipv4.fragOffset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control NetCacheDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.udp);
        pkt.emit(hdr.nc);
    }
}

V1Switch(NetCacheParser(), NetCacheVerifyChecksum(), NetCacheIngress(),
         NetCacheEgress(), NetCacheComputeChecksum(), NetCacheDeparser()) main;
