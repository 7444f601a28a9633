// sched_getaffinity and CPU_COUNT, GNU extensions that Swift's Glibc module does not import.
#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>
#include "CURing.h"

int curing_usable_processors(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}
