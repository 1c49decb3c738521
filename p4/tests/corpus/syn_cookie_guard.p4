/*
 * SYN flood protection with SYN cookies, answered by the switch.
 *
 * For protected servers the switch answers a client's SYN itself with a
 * SYN-ACK whose sequence number is a cookie: a keyed hash of the
 * connection 4-tuple and the current time slot (about 67 s). A client
 * that answers with ack = cookie + 1 (for this or the previous slot) has
 * proved it can receive; its 4-tuple is added to an allow list and its
 * later packets are forwarded to the server. The server-side handshake
 * (replaying the SYN to the server) is left to a companion agent; the
 * switch forwards the validated ACK to it through a dedicated port.
 */
#include <core.p4>
#include <v1model.p4>

const bit<8> TCP_FIN = 0x01;
const bit<8> TCP_SYN = 0x02;
const bit<8> TCP_RST = 0x04;
const bit<8> TCP_ACK = 0x10;

const bit<32> ALLOW_LIST_SIZE = 65536;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
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

header tcp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<32> seq_no;
    bit<32> ack_no;
    bit<4>  data_offset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgent_ptr;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    tcp_t      tcp;
}

struct metadata_t {
    bit<32> secret;
    bit<22> slot;
    bit<32> cookie_now;
    bit<32> cookie_prev;
    bit<16> allow_idx;
    bit<16> l4_len;
}

parser ScParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        meta.l4_len = hdr.ipv4.total_len - ((bit<16>) hdr.ipv4.ihl << 2);
        transition select(hdr.ipv4.protocol) {
            6: parse_tcp;
            default: accept;
        }
    }
    state parse_tcp {
        packet.extract(hdr.tcp);
        transition accept;
    }
}

control ScVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control ScIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    register<bit<1>>(ALLOW_LIST_SIZE) allow_list;

    action drop() {
        mark_to_drop(sm);
    }

    action protect(bit<32> secret) {
        meta.secret = secret;
    }

    table protected_servers {
        key = {
            hdr.ipv4.dst_addr : exact;
            hdr.tcp.dst_port  : exact;
        }
        actions = { protect; NoAction; }
        default_action = NoAction();
    }

    action compute_cookies() {
        meta.slot = sm.ingress_global_timestamp[47:26];
        hash(meta.cookie_now, HashAlgorithm.crc32, 32w0,
             { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.tcp.src_port,
               hdr.tcp.dst_port, meta.secret, meta.slot },
             64w0x100000000);
        hash(meta.cookie_prev, HashAlgorithm.crc32, 32w0,
             { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.tcp.src_port,
               hdr.tcp.dst_port, meta.secret, meta.slot - 1 },
             64w0x100000000);
        hash(meta.allow_idx, HashAlgorithm.crc16, 16w0,
             { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.tcp.src_port,
               hdr.tcp.dst_port },
             ALLOW_LIST_SIZE);
    }

    action reply_syn_ack() {
        bit<48> tmp_mac = hdr.ethernet.src_addr;
        hdr.ethernet.src_addr = hdr.ethernet.dst_addr;
        hdr.ethernet.dst_addr = tmp_mac;

        bit<32> tmp_ip = hdr.ipv4.src_addr;
        hdr.ipv4.src_addr = hdr.ipv4.dst_addr;
        hdr.ipv4.dst_addr = tmp_ip;
        hdr.ipv4.ttl = 64;

        bit<16> tmp_port = hdr.tcp.src_port;
        hdr.tcp.src_port = hdr.tcp.dst_port;
        hdr.tcp.dst_port = tmp_port;
        hdr.tcp.ack_no = hdr.tcp.seq_no + 1;
        hdr.tcp.seq_no = meta.cookie_now;
        hdr.tcp.flags = TCP_SYN | TCP_ACK;

        sm.egress_spec = sm.ingress_port;
    }

    action forward(PortId_t port) {
        sm.egress_spec = port;
    }

    table server_ports {
        key = { hdr.ipv4.dst_addr : exact; }
        actions = { forward; drop; }
        default_action = drop();
    }

    action to_agent(PortId_t agent_port) {
        sm.egress_spec = agent_port;
    }

    table handshake_agent {
        actions = { to_agent; }
        default_action = to_agent(9w64);
    }

    apply {
        if (!hdr.tcp.isValid()) {
            return;
        }
        if (protected_servers.apply().miss) {
            return;
        }
        compute_cookies();
        bit<1> allowed;
        allow_list.read(allowed, (bit<32>) meta.allow_idx);
        bit<8> syn_ack = hdr.tcp.flags & (TCP_SYN | TCP_ACK);
        if (syn_ack == TCP_SYN) {
            reply_syn_ack();
        } else if (allowed == 1) {
            server_ports.apply();
        } else if (syn_ack == TCP_ACK &&
                   (hdr.tcp.ack_no - 1 == meta.cookie_now ||
                    hdr.tcp.ack_no - 1 == meta.cookie_prev)) {
            allow_list.write((bit<32>) meta.allow_idx, 1w1);
            handshake_agent.apply();
        } else {
            drop();
        }
    }
}

control ScEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    apply { }
}

control ScComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
        update_checksum_with_payload(hdr.tcp.isValid(),
            { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, 8w0, hdr.ipv4.protocol,
              meta.l4_len, hdr.tcp.src_port, hdr.tcp.dst_port,
              hdr.tcp.seq_no, hdr.tcp.ack_no, hdr.tcp.data_offset,
              hdr.tcp.res, hdr.tcp.flags, hdr.tcp.window,
              hdr.tcp.urgent_ptr },
            hdr.tcp.checksum, HashAlgorithm.csum16);
    }
}

control ScDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.tcp);
    }
}

V1Switch(ScParser(), ScVerifyChecksum(), ScIngress(), ScEgress(),
         ScComputeChecksum(), ScDeparser()) main;
