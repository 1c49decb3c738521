/*
 * IPv6 router.
 *
 * The destination address is looked up with longest-prefix match in a VRF
 * chosen by the ingress port. Routes point at next-hop indices; a next hop
 * rewrites the MAC addresses and chooses the output port. The hop limit is
 * decremented, and packets whose hop limit would reach zero are punted to
 * the CPU port instead. Per-next-hop packet counts use an indexed counter.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<48>  mac_addr_t;
typedef bit<128> ipv6_addr_t;
typedef bit<12>  vrf_id_t;

const bit<16>  ETHERTYPE_IPV6 = 0x86dd;
const PortId_t CPU_PORT       = 9w255;
const bit<32>  NUM_NEXTHOPS   = 4096;

error {
    Ipv6BadVersion
}

header ethernet_h {
    mac_addr_t dst_addr;
    mac_addr_t src_addr;
    bit<16>    ether_type;
}

header ipv6_h {
    bit<4>      version;
    bit<8>      traffic_class;
    bit<20>     flow_label;
    bit<16>     payload_len;
    bit<8>      next_hdr;
    bit<8>      hop_limit;
    ipv6_addr_t src_addr;
    ipv6_addr_t dst_addr;
}

struct headers_t {
    ethernet_h ethernet;
    ipv6_h     ipv6;
}

struct local_metadata_t {
    vrf_id_t vrf;
    bit<12>  nexthop;
}

parser V6Parser(packet_in pkt,
                out headers_t hdr,
                inout local_metadata_t local_md,
                inout standard_metadata_t std_md) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_IPV6: parse_ipv6;
            default: accept;
        }
    }

    state parse_ipv6 {
        pkt.extract(hdr.ipv6);
        verify(hdr.ipv6.version == 6, error.Ipv6BadVersion);
        transition accept;
    }
}

control V6VerifyChecksum(inout headers_t hdr, inout local_metadata_t local_md) {
    apply { }
}

control V6Ingress(inout headers_t hdr,
                  inout local_metadata_t local_md,
                  inout standard_metadata_t std_md) {

    counter(NUM_NEXTHOPS, CounterType.packets) nexthop_packets;

    action drop() {
        mark_to_drop(std_md);
    }

    action set_vrf(vrf_id_t vrf) {
        local_md.vrf = vrf;
    }

    table port_vrf {
        key = {
            std_md.ingress_port : exact @name("port");
        }
        actions = {
            set_vrf;
        }
        const default_action = set_vrf(12w0);
    }

    action set_nexthop(bit<12> nexthop) {
        local_md.nexthop = nexthop;
    }

    @name("ipv6_routes")
    table ipv6_fib {
        key = {
            local_md.vrf      : exact @name("vrf");
            hdr.ipv6.dst_addr : lpm   @name("dst");
        }
        actions = {
            set_nexthop;
            drop;
        }
        default_action = drop();
        size = 8192;
    }

    action send_to_nexthop(mac_addr_t router_mac, mac_addr_t neighbor_mac, PortId_t port) {
        hdr.ethernet.src_addr = router_mac;
        hdr.ethernet.dst_addr = neighbor_mac;
        std_md.egress_spec = port;
        hdr.ipv6.hop_limit = hdr.ipv6.hop_limit - 8w1;
    }

    table nexthops {
        key = {
            local_md.nexthop : exact;
        }
        actions = {
            send_to_nexthop;
            drop;
        }
        default_action = drop();
        size = NUM_NEXTHOPS;
    }

    apply {
        if (!hdr.ipv6.isValid()) {
            drop();
            exit;
        }
        if (hdr.ipv6.hop_limit <= 1) {
            std_md.egress_spec = CPU_PORT;
            exit;
        }
        port_vrf.apply();
        switch (ipv6_fib.apply().action_run) {
            set_nexthop: {
                nexthop_packets.count((bit<32>) local_md.nexthop);
                nexthops.apply();
            }
            drop: {
                log_msg("no IPv6 route");
            }
        }
    }
}

control V6Egress(inout headers_t hdr,
                 inout local_metadata_t local_md,
                 inout standard_metadata_t std_md) {
    apply { }
}

control V6ComputeChecksum(inout headers_t hdr, inout local_metadata_t local_md) {
    apply { }
}

control V6Deparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv6);
    }
}

V1Switch(V6Parser(), V6VerifyChecksum(), V6Ingress(), V6Egress(),
         V6ComputeChecksum(), V6Deparser()) main;
