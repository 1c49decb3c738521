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
 * first segment), and whether it has a single segment. mbuf_fill: resets m to an empty
 * single-segment buffer and copies len bytes into it (-1 if they do not fit). */
uint16_t exo_rx_burst_view(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
                           uint8_t **data, uint16_t *len, uint8_t *single);
int exo_mbuf_fill(struct rte_mbuf *m, const uint8_t *src, uint16_t len);

