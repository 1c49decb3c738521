// Helper for ../include_cycle_a.p4 (not a test on its own): declares the
// Ethernet header and includes its includer again, closing the cycle.

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

#include "../include_cycle_a.p4"
