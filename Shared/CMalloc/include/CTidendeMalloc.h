#ifndef CTIDENDE_MALLOC_H
#define CTIDENDE_MALLOC_H

// glibc's allocator tuning (mallopt, malloc_trim), which Swift's Glibc module does not export.
// Both do nothing on other C libraries.
void tidende_malloc_mmap_threshold(int bytes);
void tidende_malloc_trim(void);

#endif
