#include "shim.h"

uint16_t exo_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_rx_burst(port, queue, pkts, n);
}
uint16_t exo_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_tx_burst(port, queue, pkts, n);
}
int exo_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, unsigned n) {
    return rte_pktmbuf_alloc_bulk(mp, pkts, n);
}
void exo_pktmbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }
void exo_pktmbuf_free_bulk(struct rte_mbuf **pkts, unsigned n) { rte_pktmbuf_free_bulk(pkts, n); }
void *exo_mbuf_data(struct rte_mbuf *m) { return rte_pktmbuf_mtod(m, void *); }
uint16_t exo_mbuf_data_len(const struct rte_mbuf *m) { return rte_pktmbuf_data_len(m); }
uint16_t exo_mbuf_tailroom(const struct rte_mbuf *m) { return rte_pktmbuf_tailroom(m); }
void exo_mbuf_set_len(struct rte_mbuf *m, uint16_t len) {
    m->data_len = len;
    m->pkt_len = len;
}
int exo_errno(void) { return rte_errno; }
const char *exo_strerror(int err) { return rte_strerror(err); }
void exo_mbuf_reset(struct rte_mbuf *m) { rte_pktmbuf_reset(m); }
