// CCRC: the hardware and reference CRC entry points AQLog dispatches to.
// ISA-L's crc32_iscsi is CRC-32C (Castagnoli) with the caller owning pre/post inversion;
// zlib's crc32 is CRC-32/IEEE and serves as the benchmark and cross-check reference.
#ifndef CCRC_H
#define CCRC_H
#include <stdint.h>
#include <stddef.h>

/// CRC-32C continuing from `crc` (already finalised form, 0 for a fresh start).
uint32_t ccrc_crc32c_isal(uint32_t crc, const void *buf, size_t len);
/// CRC-32/IEEE continuing from `crc` (zlib convention, 0 for a fresh start).
uint32_t ccrc_crc32_zlib(uint32_t crc, const void *buf, size_t len);
/// 1 when the CPU has SSE4.2 (the instruction ISA-L's CRC-32C kernel needs), else 0.
int ccrc_cpu_has_sse42(void);
#endif
