/*
 * sFlow-style random packet sampling.
 *
 * Each ingress port has a sampling rate 1-in-N set by the control plane.
 * For every packet a random number in [0, 65535] is drawn; if it falls
 * below 65536 / N the packet is cloned to the sampling session. In egress
 * the sample gets a header with the port, the rate and a timestamp, is
 * truncated to the first 128 bytes of the original frame, and the
 * sample pool per port is counted so that the collector can scale.
 */
#include <core.p4>
#include <v1model.p4>

const bit<32> SAMPLE_SESSION = 250;
const bit<32> PKT_INSTANCE_TYPE_INGRESS_CLONE = 1;
const bit<8>  SAMPLE_FIELDS = 3;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header sample_hdr_t {
    bit<32> sequence;
    bit<16> input_port;
    bit<16> output_port;
    bit<32> sampling_rate;
    bit<32> frame_length;
    bit<48> timestamp_us;
    bit<16> orig_ether_type;
}

struct headers_t {
    ethernet_t   ethernet;
    sample_hdr_t sample;
}

struct metadata_t {
    @field_list(SAMPLE_FIELDS)
    bit<32> rate;
    @field_list(SAMPLE_FIELDS)
    bit<32> frame_length;
    bit<16> threshold;
}

parser SfParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition accept;
    }
}

control SfVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control SfIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    counter(32w512, CounterType.packets) sample_pool;

    action set_rate(bit<32> one_in, bit<16> threshold) {
        meta.rate = one_in;
        meta.threshold = threshold;
    }

    action no_sampling() {
        meta.rate = 0;
        meta.threshold = 0;
    }

    table sampling_rate {
        key = { sm.ingress_port : exact; }
        actions = { set_rate; no_sampling; }
        default_action = no_sampling();
        size = 512;
    }

    action forward(PortId_t port) {
        sm.egress_spec = port;
    }

    action drop() {
        mark_to_drop(sm);
    }

    table l2 {
        key = { hdr.ethernet.dst_addr : exact; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        l2.apply();
        sampling_rate.apply();
        if (meta.rate != 0) {
            sample_pool.count((bit<32>) sm.ingress_port);
            bit<16> dice;
            random(dice, 16w0, 16w0xffff);
            if (dice < meta.threshold) {
                meta.frame_length = sm.packet_length;
                clone_preserving_field_list(CloneType.I2E, SAMPLE_SESSION,
                                            SAMPLE_FIELDS);
            }
        }
    }
}

control SfEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {

    register<bit<32>>(32w1) sequence_number;

    apply {
        if (sm.instance_type != PKT_INSTANCE_TYPE_INGRESS_CLONE) {
            return;
        }
        bit<32> seq;
        @atomic {
            sequence_number.read(seq, 32w0);
            sequence_number.write(32w0, seq + 1);
        }
        hdr.sample.setValid();
        hdr.sample.sequence = seq;
        hdr.sample.input_port = (bit<16>) sm.ingress_port;
        hdr.sample.output_port = (bit<16>) sm.egress_port;
        hdr.sample.sampling_rate = meta.rate;
        hdr.sample.frame_length = meta.frame_length;
        hdr.sample.timestamp_us = sm.egress_global_timestamp;
        hdr.sample.orig_ether_type = hdr.ethernet.ether_type;
        hdr.ethernet.ether_type = 0x88b6;
        assert(meta.rate != 0);
        /* The frame's own Ethernet header (14 bytes) comes first, then the
         * sample header (24 bytes), then 114 more bytes of the frame. */
        truncate(32w152);
    }
}

control SfComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control SfDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.sample);
    }
}

V1Switch(SfParser(), SfVerifyChecksum(), SfIngress(), SfEgress(),
         SfComputeChecksum(), SfDeparser()) main;
