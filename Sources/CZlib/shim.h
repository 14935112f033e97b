// zlib, for gzip-compressed IDX files (Debian: zlib1g-dev).
#ifndef BACKPROP_CZLIB_SHIM_H
#define BACKPROP_CZLIB_SHIM_H
#include <zlib.h>
#endif
