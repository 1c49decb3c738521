// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0
// ExoPlane XDP steering: data-plane packets go to the AF_XDP socket of their receive queue
// (XSKMAP, indexed by queue); management traffic (configured IPv4 addresses and TCP/UDP ports,
// ARP when enabled) goes to the kernel stack. Per-CPU counters: redirected, passed, dropped.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_QUEUES 64

enum { STAT_REDIRECTED = 0, STAT_PASSED = 1, STAT_DROPPED = 2, STAT_MAX = 3 };

// Bits of config[0].
#define CFG_PASS_ARP 1u
#define CFG_PASS_NON_IPV4 2u

struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __uint(max_entries, MAX_QUEUES);
    __type(key, __u32);
    __type(value, __u32);
} xsks SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, STAT_MAX);
    __type(key, __u32);
    __type(value, __u64);
} stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} config SEC(".maps");

// IPv4 addresses (network byte order) whose traffic belongs to the host.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, __u8);
} mgmt_addrs SEC(".maps");

// TCP/UDP ports (host byte order), as source or destination, whose traffic belongs to the host.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u16);
    __type(value, __u8);
} mgmt_ports SEC(".maps");

static __always_inline int count(__u32 which, int action) {
    __u64 *c = bpf_map_lookup_elem(&stats, &which);
    if (c)
        *c += 1;
    return action;
}

static __always_inline int is_mgmt(void *data, void *end, __u32 cfg) {
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return 0;
    __u16 proto = eth->h_proto;
    if (proto == bpf_htons(ETH_P_ARP))
        return (cfg & CFG_PASS_ARP) != 0;
    if (proto != bpf_htons(ETH_P_IP))
        return (cfg & CFG_PASS_NON_IPV4) != 0;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end)
        return 0;
    __u32 daddr = ip->daddr;
    if (bpf_map_lookup_elem(&mgmt_addrs, &daddr))
        return 1;
    if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
        return 0;
    if (ip->frag_off & bpf_htons(0x1fff))
        return 0;
    __u32 ihl = ip->ihl * 4;
    if (ihl < sizeof(*ip))
        return 0;
    __u16 *ports = (void *)ip + ihl;
    if ((void *)(ports + 2) > end)
        return 0;
    __u16 sport = bpf_ntohs(ports[0]);
    __u16 dport = bpf_ntohs(ports[1]);
    if (bpf_map_lookup_elem(&mgmt_ports, &dport) || bpf_map_lookup_elem(&mgmt_ports, &sport))
        return 1;
    return 0;
}

SEC("xdp")
int exo_steer(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    __u32 zero = 0;
    __u32 *cfgp = bpf_map_lookup_elem(&config, &zero);
    __u32 cfg = cfgp ? *cfgp : 0;
    if (is_mgmt(data, end, cfg))
        return count(STAT_PASSED, XDP_PASS);
    if (bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_DROP) == XDP_REDIRECT)
        return count(STAT_REDIRECTED, XDP_REDIRECT);
    return count(STAT_DROPPED, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
