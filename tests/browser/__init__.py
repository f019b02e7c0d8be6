"""The admin page in headless Chromium.

A package, so that its package-scoped server and browser stop when its last test ends:
Playwright's sync API marks its event loop as running in this thread while it lives,
and the anyio tests that follow need the thread free of it.
"""
