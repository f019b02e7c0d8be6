"""Implementations of the core's ports: SQL storage (``sql``) and the system clock.

An adapter imports only the core's ports, entities and errors; which adapter
is used is decided by the apps' composition root, never here.
"""

from .clock import SystemClock

__all__ = ["SystemClock"]
