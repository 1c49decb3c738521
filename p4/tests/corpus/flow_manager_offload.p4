/*
 * Switch-side flow manager for offloading state to external devices.
 *
 * Flows whose state lives on the switch are listed in an exact-match flow
 * manager table keyed on the union of the application's key fields (here
 * the IPv4 5-tuple); entries age out through the idle timeout. A hit is
 * processed on the switch by the application table. A miss is pinned to
 * one external device: the logical device is chosen by hashing the flow
 * key, and a small table maps logical devices to physical ports, so that
 * a failed device can be replaced by rewriting one entry. Packets to an
 * external device carry a shim with the ingress port and logical device.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<8> logical_dev_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<16> ETHERTYPE_SHIM = 0x88b5;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header offload_shim_t {
    bit<16>       ingress_port;
    logical_dev_t device;
    bit<8>        reserved;
    bit<16>       next_type;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  tos;
    bit<16> total_len;
    bit<16> identification;
    bit<3>  flags;
    bit<13> frag_offset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdr_checksum;
    bit<32> src_addr;
    bit<32> dst_addr;
}

header l4_ports_t {
    bit<16> src_port;
    bit<16> dst_port;
}

struct headers_t {
    ethernet_t     ethernet;
    offload_shim_t shim;
    ipv4_t         ipv4;
    l4_ports_t     ports;
}

struct metadata_t {
    bit<16>       sport;
    bit<16>       dport;
    logical_dev_t device;
    bit<8>        num_devices;
}

parser FmParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (0, 6): parse_ports;
            (0, 17): parse_ports;
            default: accept;
        }
    }
    state parse_ports {
        packet.extract(hdr.ports);
        meta.sport = hdr.ports.src_port;
        meta.dport = hdr.ports.dst_port;
        transition accept;
    }
}

control FmVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control FmIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    counter(32w256, CounterType.packets_and_bytes) offloaded;

    @name("fm_hit")
    action resident() { }

    @name("fm_miss")
    action not_resident() { }

    @name("flow_manager")
    table fm {
        key = {
            hdr.ipv4.src_addr : exact @name("src");
            hdr.ipv4.dst_addr : exact @name("dst");
            hdr.ipv4.protocol : exact @name("proto");
            meta.sport        : exact @name("sport");
            meta.dport        : exact @name("dport");
        }
        actions = { resident; @defaultonly not_resident; }
        const default_action = not_resident();
        support_timeout = true;
        size = 65536;
    }

    action drop() {
        mark_to_drop(sm);
    }

    action app_forward(PortId_t port) {
        sm.egress_spec = port;
    }

    /* The application itself: a per-destination forwarding policy. */
    table app_policy {
        key = {
            hdr.ipv4.dst_addr : lpm;
            meta.dport        : range;
        }
        actions = { app_forward; drop; }
        default_action = drop();
    }

    action set_device_count(bit<8> n) {
        meta.num_devices = n;
    }

    table device_count {
        actions = { set_device_count; }
        default_action = set_device_count(8w2);
    }

    action to_device(PortId_t port, bit<48> device_mac) {
        hdr.shim.setValid();
        hdr.shim.ingress_port = (bit<16>) sm.ingress_port;
        hdr.shim.device = meta.device;
        hdr.shim.reserved = 0;
        hdr.shim.next_type = hdr.ethernet.ether_type;
        hdr.ethernet.ether_type = ETHERTYPE_SHIM;
        hdr.ethernet.dst_addr = device_mac;
        sm.egress_spec = port;
    }

    table device_map {
        key = { meta.device : exact; }
        actions = { to_device; drop; }
        default_action = drop();
        size = 256;
    }

    apply {
        if (!hdr.ports.isValid()) {
            drop();
            return;
        }
        if (fm.apply().hit) {
            app_policy.apply();
            return;
        }
        device_count.apply();
        hash(meta.device, HashAlgorithm.crc32, (logical_dev_t) 0,
             { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.ipv4.protocol,
               meta.sport, meta.dport },
             meta.num_devices);
        offloaded.count((bit<32>) meta.device);
        device_map.apply();
    }
}

control FmEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    apply { }
}

control FmComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control FmDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.shim);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ports);
    }
}

V1Switch(FmParser(), FmVerifyChecksum(), FmIngress(), FmEgress(),
         FmComputeChecksum(), FmDeparser()) main;
