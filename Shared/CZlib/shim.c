// Intentionally empty: the target exists to give Swift the header above and link zlib.
#include "CTidendeZlib.h"
