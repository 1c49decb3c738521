/* The static-inline DPDK functions the fast path needs, as real functions bindgen can bind. */
#include <rte_config.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_mempool.h>

uint16_t exo_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
int exo_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, unsigned n);
void exo_pktmbuf_free(struct rte_mbuf *m);
void exo_pktmbuf_free_bulk(struct rte_mbuf **pkts, unsigned n);
int exo_errno(void);
const char *exo_strerror(int err);
/* rx_burst_view: receives up to n mbufs with each one's data pointer and length (of its
 * first segment), and whether it has one segment and whether its data may be used in place
 * (flags below). mbuf_fill: resets m to an empty single-segment buffer and copies
 * len bytes into it (-1 if they do not fit). read_all: copies the whole packet of a
 * (possibly segmented) mbuf into dst; its length, or -1 if it is longer than cap. */
uint16_t exo_rx_burst_view(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
                           uint8_t **data, uint16_t *len, uint8_t *flags);
/* Bits of rx_burst_view's flags. */
#define EXO_RX_SINGLE 1 /* one segment */
#define EXO_RX_OWN 2    /* one segment, direct, no other reference: usable in place */
int exo_mbuf_fill(struct rte_mbuf *m, const uint8_t *src, uint16_t len);
int exo_pktmbuf_read_all(const struct rte_mbuf *m, uint8_t *dst, uint32_t cap);
/* Appends tail's segments to head's packet (0, or -1 when there are too many segments). */
int exo_pktmbuf_chain(struct rte_mbuf *head, struct rte_mbuf *tail);

