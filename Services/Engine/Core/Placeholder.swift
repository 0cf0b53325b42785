// Placeholder so the package builds before this target has code; delete when a real file lands.
