/* The static-inline DPDK functions the fast path needs, as real functions bindgen can bind. */
#include <rte_config.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

uint16_t exo_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t exo_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
int exo_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, unsigned n);
void exo_pktmbuf_free(struct rte_mbuf *m);
void exo_pktmbuf_free_bulk(struct rte_mbuf **pkts, unsigned n);
void *exo_mbuf_data(struct rte_mbuf *m);
uint16_t exo_mbuf_data_len(const struct rte_mbuf *m);
uint16_t exo_mbuf_tailroom(const struct rte_mbuf *m);
void exo_mbuf_set_len(struct rte_mbuf *m, uint16_t len);
void exo_mbuf_reset(struct rte_mbuf *m);
int exo_errno(void);
const char *exo_strerror(int err);
