#ifndef CTIDENDE_ZLIB_H
#define CTIDENDE_ZLIB_H

#include <zlib.h>

// inflateInit2 / deflateInit2 are macros and so invisible to Swift; these wrappers expose them.

/// windowBits 15 + 32: detect gzip or zlib from the header. 15 + 16: gzip only. 15: zlib only.
/// -15: raw deflate.
static inline int tidende_inflate_init(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

/// windowBits 15: zlib wrapper; 15 + 16: gzip wrapper; -15: raw deflate.
static inline int tidende_deflate_init(z_streamp strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}

#endif
