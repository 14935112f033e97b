#ifndef BACKPROP_FUZZER_DRIVER_H
#define BACKPROP_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer): parses the libFuzzer flags in
// argv and runs `callback` on each input. The fuzz targets call it from their own main,
// because SwiftPM makes an executable target's top-level code the program's main.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
