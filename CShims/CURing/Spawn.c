// posix_spawn's GNU extension that Swift's Glibc module does not import.
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include "CURing.h"

int curing_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return -posix_spawn_file_actions_addclosefrom_np(actions, from);
#else
    (void)actions; (void)from;
    return -ENOSYS;
#endif
}
