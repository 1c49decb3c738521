/*
 * Per-port queueing-delay monitor with an exponentially weighted moving
 * average.
 *
 * In egress every packet contributes its queueing delay to the port's
 * average: avg += (sample - avg) / 8. The difference is computed in signed
 * arithmetic (int<32>), so that the arithmetic right shift keeps the sign
 * when the delay goes down. The trend (the sign and a clamped magnitude of
 * the last step) is kept too. Crossings of the port's alarm level are
 * counted and logged; probe packets addressed to the monitor get the
 * current numbers written into them.
 */
#include <core.p4>
#include <v1model.p4>

const bit<32> NUM_PORTS = 512;
const bit<16> PROBE_ETHERTYPE = 0x88b7;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header probe_t {
    bit<16> port;
    bit<32> avg_delay_us;
    int<8>  trend;
    bit<8>  reserved;
}

struct headers_t {
    ethernet_t ethernet;
    probe_t    probe;
}

struct metadata_t {
    bit<32> alarm_level;
}

parser MonParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            PROBE_ETHERTYPE: parse_probe;
            default: accept;
        }
    }
    state parse_probe {
        packet.extract(hdr.probe);
        transition accept;
    }
}

control MonVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control MonIngress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t sm) {
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
        if (hdr.probe.isValid()) {
            /* Probes report on the port they are sent out of. */
            hdr.probe.port = (bit<16>) sm.egress_spec;
        }
    }
}

/* Clamp a signed step into the 8-bit trend field. */
int<8> clamp_trend(in int<32> step) {
    if (step > 127) {
        return 127;
    }
    if (step < -128) {
        return -128;
    }
    return (int<8>) step;
}

control MonEgress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t sm) {

    register<bit<32>>(NUM_PORTS) avg_delay;
    register<bit<8>>(NUM_PORTS) last_trend;
    counter(NUM_PORTS, CounterType.packets) alarms;

    action set_alarm_level(bit<32> level_us) {
        meta.alarm_level = level_us;
    }

    table alarm_levels {
        key = { sm.egress_port : exact; }
        actions = { set_alarm_level; }
        default_action = set_alarm_level(32w1000);
    }

    apply {
        alarm_levels.apply();
        bit<32> port = (bit<32>) sm.egress_port;
        bit<32> old_avg;
        bit<32> new_avg;
        int<8>  trend;
        @atomic {
            avg_delay.read(old_avg, port);
            int<32> diff = (int<32>) sm.deq_timedelta - (int<32>) old_avg;
            int<32> step = diff >> 3;
            new_avg = (bit<32>) ((int<32>) old_avg + step);
            trend = clamp_trend(step);
            avg_delay.write(port, new_avg);
            last_trend.write(port, (bit<8>) trend);
        }
        assume(new_avg <= 32w0x7fffffff);
        if (old_avg < meta.alarm_level && new_avg >= meta.alarm_level) {
            alarms.count(port);
            log_msg("port {} queueing delay average {} us above alarm level",
                    { port, new_avg });
        }
        if (hdr.probe.isValid()) {
            hdr.probe.avg_delay_us = new_avg;
            hdr.probe.trend = trend;
        }
    }
}

control MonComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control MonDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.probe);
    }
}

V1Switch(MonParser(), MonVerifyChecksum(), MonIngress(), MonEgress(),
         MonComputeChecksum(), MonDeparser()) main;
