@_exported import TidendeTestRandom
