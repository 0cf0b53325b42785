// Placeholder so the package builds before this target has tests.
