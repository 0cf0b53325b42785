#include "CTidendeMalloc.h"
#include <stdlib.h>  // defines __GLIBC__ on glibc
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void tidende_malloc_mmap_threshold(int bytes) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, bytes);
#else
    (void)bytes;
#endif
}

void tidende_malloc_trim(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
