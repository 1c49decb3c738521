#include "shim.h"

uint16_t exo_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_tx_burst(port, queue, pkts, n);
}
int exo_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, unsigned n) {
    return rte_pktmbuf_alloc_bulk(mp, pkts, n);
}
void exo_pktmbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }
void exo_pktmbuf_free_bulk(struct rte_mbuf **pkts, unsigned n) { rte_pktmbuf_free_bulk(pkts, n); }
int exo_errno(void) { return rte_errno; }
const char *exo_strerror(int err) { return rte_strerror(err); }

/* Receive: one call per burst for the mbufs and their data. Transmit: one call per packet for
 * the reset, the room check, the copy and the lengths (instead of one per step). */
uint16_t exo_rx_burst_view(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
                           uint8_t **data, uint16_t *len, uint8_t *flags) {
    uint16_t got = rte_eth_rx_burst(port, queue, pkts, n);
    for (uint16_t i = 0; i < got; i++) {
        struct rte_mbuf *m = pkts[i];
        data[i] = rte_pktmbuf_mtod(m, uint8_t *);
        len[i] = rte_pktmbuf_data_len(m);
        uint8_t f = 0;
        if (m->nb_segs == 1) {
            f = EXO_RX_SINGLE;
            if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1)
                f |= EXO_RX_OWN;
        }
        flags[i] = f;
    }
    return got;
}
int exo_pktmbuf_chain(struct rte_mbuf *head, struct rte_mbuf *tail) {
    return rte_pktmbuf_chain(head, tail);
}
int exo_pktmbuf_read_all(const struct rte_mbuf *m, uint8_t *dst, uint32_t cap) {
    uint32_t len = rte_pktmbuf_pkt_len(m);
    if (len > cap)
        return -1;
    const void *p = rte_pktmbuf_read(m, 0, len, dst);
    if (p == NULL)
        return -1;
    if (p != dst)
        rte_memcpy(dst, p, len);
    return (int)len;
}
int exo_mbuf_fill(struct rte_mbuf *m, const uint8_t *src, uint16_t len) {
    rte_pktmbuf_reset(m);
    if (len > rte_pktmbuf_tailroom(m))
        return -1;
    rte_memcpy(rte_pktmbuf_mtod(m, uint8_t *), src, len);
    m->data_len = len;
    m->pkt_len = len;
    return 0;
}

