"""Local HTTP emulators of the source APIs (bound to 127.0.0.1 only, for tests)."""
