/*
 * v1model.p4 -- the V1Switch architecture (BMv2 simple_switch), as provided
 * by ExoPlane.
 *
 * This file declares the public API of the v1model architecture so that
 * P4-16 programs written for BMv2 compile unchanged: the standard metadata,
 * the stateful externs (counters, meters, registers, action profiles and
 * selectors), the extern functions (hashing, checksums, cloning, digests,
 * resubmission, recirculation, logging) and the six programmable blocks
 * with the package that ties them together.
 *
 * Written for the ExoPlane project; the names and signatures follow the
 * v1model API that p4c ships, so that programs type-check the same way.
 */

#ifndef _V1_MODEL_P4_
#define _V1_MODEL_P4_

#include "core.p4"

/* API revision. A program may define an older revision (e.g. 20180101)
 * before including this file to get the non-generic counter, meter and
 * register index types and the plain bit<9> port fields. */
#ifndef V1MODEL_VERSION
#define V1MODEL_VERSION 20200408
#endif

/* Extra match kinds of this architecture. */
match_kind {
    range,     /* lo .. hi, both inclusive */
    optional,  /* exact match or don't care */
    selector   /* key fields fed to an action_selector's hash */
}

/* Lets a program test the API revision it was compiled against. */
const bit<32> __v1model_version = V1MODEL_VERSION;

#if V1MODEL_VERSION >= 20200408
/* Port numbers of simple_switch. */
typedef bit<9> PortId_t;
#endif

/* Intrinsic metadata, filled in by the target and read or written by the
 * program. The @alias annotations give the target-side field names. */
@metadata @name("standard_metadata")
struct standard_metadata_t {
#if V1MODEL_VERSION >= 20200408
    PortId_t ingress_port;    /* port the packet arrived on */
    PortId_t egress_spec;     /* set in ingress: output port (or drop) */
    PortId_t egress_port;     /* in egress: the port being sent to */
#else
    bit<9>   ingress_port;
    bit<9>   egress_spec;
    bit<9>   egress_port;
#endif
    bit<32>  instance_type;   /* normal, clone, resubmit, recirculate, ... */
    bit<32>  packet_length;   /* bytes, as received */

    /* Queueing information, valid in egress. */
    @alias("queueing_metadata.enq_timestamp")
    bit<32>  enq_timestamp;   /* microseconds, when enqueued */
    @alias("queueing_metadata.enq_qdepth")
    bit<19>  enq_qdepth;      /* queue depth when enqueued, in packets */
    @alias("queueing_metadata.deq_timedelta")
    bit<32>  deq_timedelta;   /* microseconds spent in the queue */
    @alias("queueing_metadata.deq_qdepth")
    bit<19>  deq_qdepth;      /* queue depth when dequeued, in packets */

    /* Timestamps, in microseconds. */
    @alias("intrinsic_metadata.ingress_global_timestamp")
    bit<48>  ingress_global_timestamp;
    @alias("intrinsic_metadata.egress_global_timestamp")
    bit<48>  egress_global_timestamp;

    /* Replication. */
    @alias("intrinsic_metadata.mcast_grp")
    bit<16>  mcast_grp;       /* set in ingress: multicast group, 0 = none */
    @alias("intrinsic_metadata.egress_rid")
    bit<16>  egress_rid;      /* in egress: replication id of this copy */

    bit<1>   checksum_error;  /* 1 when a verify_checksum call failed */
    error    parser_error;    /* error.NoError unless the parser failed */

    @alias("intrinsic_metadata.priority")
    bit<3>   priority;        /* egress queue priority */
}

enum CounterType {
    packets,
    bytes,
    packets_and_bytes
}

enum MeterType {
    packets,
    bytes
}

/* Meter colours written by meter.execute_meter and direct_meter.read. */
#define V1MODEL_METER_COLOR_GREEN  0
#define V1MODEL_METER_COLOR_YELLOW 1
#define V1MODEL_METER_COLOR_RED    2

/* An array of `size` counters. */
extern counter
#if V1MODEL_VERSION >= 20200408
<I>
#endif
{
    counter(bit<32> size, CounterType type);
#if V1MODEL_VERSION >= 20200408
    void count(in I index);
#else
    void count(in bit<32> index);
#endif
}

/* One counter per entry of the table it is attached to (`counters = c;`). */
extern direct_counter {
    direct_counter(CounterType type);
    void count();
}

/* An array of `size` two-rate three-colour meters. */
extern meter
#if V1MODEL_VERSION >= 20200408
<I>
#endif
{
    meter(bit<32> size, MeterType type);
#if V1MODEL_VERSION >= 20200408
    void execute_meter<T>(in I index, out T result);
#else
    void execute_meter<T>(in bit<32> index, out T result);
#endif
}

/* One meter per entry of the table it is attached to (`meters = m;`). */
extern direct_meter<T> {
    direct_meter(MeterType type);
    void read(out T result);
}

/* An array of `size` cells of type T, readable and writable per packet. */
extern register<T
#if V1MODEL_VERSION >= 20200408
, I
#endif
>
{
    register(bit<32> size);
#if V1MODEL_VERSION >= 20200408
    @noSideEffects
    void read(out T result, in I index);
    void write(in I index, in T value);
#else
    @noSideEffects
    void read(out T result, in bit<32> index);
    void write(in bit<32> index, in T value);
#endif
}

/* Table implementation: actions and their data held in a shared pool of
 * `size` members (`implementation = ap;`). */
extern action_profile {
    action_profile(bit<32> size);
}

/* Writes a random value in [lo, hi] to result. */
extern void random<T>(out T result, in T lo, in T hi);

/* Sends `data` to the control plane; `receiver` is kept for compatibility. */
extern void digest<T>(in bit<32> receiver, in T data);

enum HashAlgorithm {
    crc32,
    crc32_custom,
    crc16,
    crc16_custom,
    random,
    identity,
    csum16,
    xor16
}

/* Old form: sets egress_spec to the drop port. */
@deprecated("Please use mark_to_drop(standard_metadata) instead.")
extern void mark_to_drop();

/* Marks the packet to be dropped at the end of the current pipeline:
 * sets egress_spec to the drop port and clears mcast_grp. */
@pure
extern void mark_to_drop(inout standard_metadata_t standard_metadata);

/* result = base + (H(data) mod max), or base when max is 0. */
@pure
extern void hash<O, T, D, M>(out O result, in HashAlgorithm algo, in T base,
                             in D data, in M max);

/* Table implementation: like action_profile, plus groups of members among
 * which one is chosen by hashing the table's `selector` key fields. */
extern action_selector {
    action_selector(HashAlgorithm algorithm, bit<32> size, bit<32> outputWidth);
}

enum CloneType {
    I2E,  /* copy made at the end of ingress, sent to egress */
    E2E   /* copy made at the end of egress, sent to egress again */
}

@deprecated("Please use verify_checksum/update_checksum instead.")
extern Checksum16 {
    Checksum16();
    bit<16> get<D>(in D data);
}

/* In the VerifyChecksum control: when `condition` holds and the checksum of
 * `data` differs from `checksum`, set standard_metadata.checksum_error. */
extern void verify_checksum<T, O>(in bool condition, in T data, in O checksum,
                                  HashAlgorithm algo);

/* In the ComputeChecksum control: when `condition` holds, store the
 * checksum of `data` in `checksum`. */
@pure
extern void update_checksum<T, O>(in bool condition, in T data,
                                  inout O checksum, HashAlgorithm algo);

/* As verify_checksum, with the unparsed payload appended to `data`. */
extern void verify_checksum_with_payload<T, O>(in bool condition, in T data,
                                               in O checksum,
                                               HashAlgorithm algo);

/* As update_checksum, with the unparsed payload appended to `data`. */
@noSideEffects
extern void update_checksum_with_payload<T, O>(in bool condition, in T data,
                                               inout O checksum,
                                               HashAlgorithm algo);

/* Copies the packet to the clone session `session`. */
extern void clone(in CloneType type, in bit<32> session);

@deprecated("Please use 'resubmit_preserving_field_list' instead")
extern void resubmit<T>(in T data);

/* In ingress: run ingress again on the original packet, keeping the user
 * metadata fields annotated @field_list(index). */
extern void resubmit_preserving_field_list(bit<8> index);

@deprecated("Please use 'recirculate_preserving_field_list' instead")
extern void recirculate<T>(in T data);

/* In egress: send the deparsed packet back to the parser, keeping the user
 * metadata fields annotated @field_list(index). */
extern void recirculate_preserving_field_list(bit<8> index);

@deprecated("Please use 'clone_preserving_field_list' instead")
extern void clone3<T>(in CloneType type, in bit<32> session, in T data);

/* As clone, keeping the user metadata fields annotated @field_list(index)
 * in the copy. */
extern void clone_preserving_field_list(in CloneType type, in bit<32> session,
                                        bit<8> index);

/* Cut the outgoing packet to at most `length` bytes. */
extern void truncate(in bit<32> length);

/* Stop with an error when `check` is false (checked on debug targets). */
extern void assert(in bool check);

/* Tell verification tools that `check` holds. */
extern void assume(in bool check);

/* Write a message to the target's log; each "{}" in `msg` is replaced by
 * the next field of `data`. */
extern void log_msg(string msg);
extern void log_msg<T>(string msg, in T data);

/* The programmable blocks. H is a struct of headers, header stacks and
 * header unions; M is a struct of user metadata. */

parser Parser<H, M>(packet_in b,
                    out H parsedHdr,
                    inout M meta,
                    inout standard_metadata_t standard_metadata);

/* Only verify_checksum / verify_checksum_with_payload calls belong here. */
control VerifyChecksum<H, M>(inout H hdr,
                             inout M meta);

@pipeline
control Ingress<H, M>(inout H hdr,
                      inout M meta,
                      inout standard_metadata_t standard_metadata);

@pipeline
control Egress<H, M>(inout H hdr,
                     inout M meta,
                     inout standard_metadata_t standard_metadata);

/* Only update_checksum / update_checksum_with_payload calls belong here. */
control ComputeChecksum<H, M>(inout H hdr,
                              inout M meta);

/* Only emit calls belong here. */
@deparser
control Deparser<H>(packet_out b, in H hdr);

package V1Switch<H, M>(Parser<H, M> p,
                       VerifyChecksum<H, M> vr,
                       Ingress<H, M> ig,
                       Egress<H, M> eg,
                       ComputeChecksum<H, M> ck,
                       Deparser<H> dep);

#endif /* _V1_MODEL_P4_ */
