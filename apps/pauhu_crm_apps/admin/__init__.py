"""The ``/admin`` single page: static files served by the app, no CDN and no build step."""

from .routes import admin_routes

__all__ = ["admin_routes"]
