// Intentionally empty: the target exists to give Swift the header above and link libzstd.
#include "CTidendeZstd.h"
