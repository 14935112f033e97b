// Declarations only (include/FuzzerDriver.h); the definitions are libFuzzer's.
#include "FuzzerDriver.h"
