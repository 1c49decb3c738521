/*
 * DNS reflection guard.
 *
 * Protected clients may only receive DNS responses they asked for. When a
 * client sends a query, the pair (client address, transaction id, client
 * port) is hashed into a register array that remembers the query's
 * resolver. A response is delivered only if its slot names the resolver
 * it comes from; the slot is then cleared so a response cannot be
 * replayed. Oversized unsolicited responses are counted separately, as
 * they are the signature of amplification attacks.
 */
#include <core.p4>
#include <v1model.p4>

const bit<16> DNS_PORT   = 53;
const bit<32> SLOTS      = 32w65536;
const bit<16> LARGE_DNS  = 512;

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

header udp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

header dns_t {
    bit<16> id;
    bit<1>  qr;
    bit<4>  opcode;
    bit<1>  aa;
    bit<1>  tc;
    bit<1>  rd;
    bit<1>  ra;
    bit<3>  z;
    bit<4>  rcode;
    bit<16> qdcount;
    bit<16> ancount;
    bit<16> nscount;
    bit<16> arcount;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    udp_t      udp;
    dns_t      dns;
}

struct metadata_t {
    bit<16> slot;
}

/* The slot of a (client, transaction) pair. */
void dns_slot(out bit<16> slot, in bit<32> client, in bit<16> client_port,
              in bit<16> txid) {
    hash(slot, HashAlgorithm.crc16, 16w0, { client, client_port, txid }, SLOTS);
}

parser DnsParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
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
        transition select(hdr.ipv4.protocol) {
            17: parse_udp;
            default: accept;
        }
    }
    state parse_udp {
        packet.extract(hdr.udp);
        transition select(hdr.udp.src_port, hdr.udp.dst_port) {
            (DNS_PORT, _): parse_dns;
            (_, DNS_PORT): parse_dns;
            default: accept;
        }
    }
    state parse_dns {
        packet.extract(hdr.dns);
        transition accept;
    }
}

control DnsVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control DnsIngress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t sm) {

    register<bit<32>>(SLOTS) pending_resolver;
    counter(32w2, CounterType.packets_and_bytes) rejected;  /* 0 small, 1 large */

    action drop() {
        mark_to_drop(sm);
    }

    action forward(PortId_t port) {
        sm.egress_spec = port;
    }

    table routes {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    table protected_clients {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { NoAction; }
        default_action = NoAction();
    }

    table protected_senders {
        key = { hdr.ipv4.src_addr : lpm; }
        actions = { NoAction; }
        default_action = NoAction();
    }

    /* Remember who a query went to. */
    action record_query(in bit<16> slot, in bit<32> resolver) {
        pending_resolver.write((bit<32>) slot, resolver);
    }

    /* Consume the pending entry for a response; tell whether it matched. */
    action match_response(in bit<16> slot, in bit<32> resolver,
                          out bool matched) {
        bit<32> expected;
        pending_resolver.read(expected, (bit<32>) slot);
        matched = expected == resolver;
        pending_resolver.write((bit<32>) slot, 0);
    }

    action count_rejected(inout bit<32> index) {
        index = hdr.udp.length > LARGE_DNS ? 32w1 : 32w0;
        rejected.count(index);
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        if (hdr.dns.isValid()) {
            if (hdr.dns.qr == 0 && hdr.udp.dst_port == DNS_PORT) {
                if (protected_senders.apply().hit) {
                    dns_slot(meta.slot, hdr.ipv4.src_addr, hdr.udp.src_port,
                             hdr.dns.id);
                    record_query(meta.slot, hdr.ipv4.dst_addr);
                }
            } else if (hdr.dns.qr == 1 && hdr.udp.src_port == DNS_PORT) {
                if (protected_clients.apply().hit) {
                    bool ok;
                    dns_slot(meta.slot, hdr.ipv4.dst_addr, hdr.udp.dst_port,
                             hdr.dns.id);
                    match_response(meta.slot, hdr.ipv4.src_addr, ok);
                    if (!ok) {
                        bit<32> idx = 0;
                        count_rejected(idx);
                        drop();
                        return;
                    }
                }
            }
        }
        routes.apply();
    }
}

control DnsEgress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {
    apply { }
}

control DnsComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control DnsDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.udp);
        packet.emit(hdr.dns);
    }
}

V1Switch(DnsParser(), DnsVerifyChecksum(), DnsIngress(), DnsEgress(),
         DnsComputeChecksum(), DnsDeparser()) main;
