#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/stat.h>
#include "CURing.h"

int curing_dio_alignment(int fd, uint32_t *mem_align, uint32_t *offset_align) {
#if defined(STATX_DIOALIGN) && defined(SYS_statx)
    struct statx stx = {0};
    if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) != 0) return -errno;
    if (!(stx.stx_mask & STATX_DIOALIGN)) return -EOPNOTSUPP;
    *mem_align = stx.stx_dio_mem_align;
    *offset_align = stx.stx_dio_offset_align;
    return 0;
#else
    (void)fd; (void)mem_align; (void)offset_align;
    return -EOPNOTSUPP;
#endif
}
