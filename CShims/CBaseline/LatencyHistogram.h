// The commits-in-flight model's latency histogram (PipelinedCommit.c): log-linear buckets,
// 64 per power of two, so percentiles are within 1.6% of the value at any scale.
#ifndef CBASELINE_LATENCY_HISTOGRAM_H
#define CBASELINE_LATENCY_HISTOGRAM_H
#include <stdint.h>

#define PC_SUB_BITS 6u              // histogram: 64 sub-buckets per power of two
#define PC_SUB (1u << PC_SUB_BITS)
#define PC_BUCKETS (PC_SUB + 42u * PC_SUB)

struct pc_histogram { uint64_t count[PC_BUCKETS]; uint64_t total, max; double sum; };

static inline unsigned pc_bucket(uint64_t v) {
    if (v < PC_SUB) return (unsigned)v;
    unsigned shift = 63u - (unsigned)__builtin_clzll(v) - PC_SUB_BITS;
    unsigned index = PC_SUB + shift * PC_SUB + (unsigned)((v >> shift) - PC_SUB);
    return index < PC_BUCKETS ? index : PC_BUCKETS - 1;
}

static inline void pc_record(struct pc_histogram *h, uint64_t v) {
    h->count[pc_bucket(v)]++;
    h->total++;
    h->sum += (double)v;
    if (v > h->max) h->max = v;
}

/// The `p`th percentile in microseconds: the middle of the bucket holding that rank.
static inline double pc_percentile_us(const struct pc_histogram *h, double p) {
    if (h->total == 0) return 0;
    double exact = p / 100.0 * (double)h->total;
    uint64_t rank = (uint64_t)exact;
    if ((double)rank < exact) rank++;
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < PC_BUCKETS; i++) {
        seen += h->count[i];
        if (seen < rank) continue;
        uint64_t mid = i;
        if (i >= PC_SUB) {
            unsigned shift = (i - PC_SUB) / PC_SUB;
            uint64_t low = (uint64_t)((i - PC_SUB) % PC_SUB + PC_SUB) << shift;
            mid = low + (((uint64_t)1 << shift) - 1) / 2;
        }
        return (double)(mid < h->max ? mid : h->max) / 1000.0;
    }
    return (double)h->max / 1000.0;
}
#endif
