"""The HTTP API: ``create_app(settings)`` returns the Starlette app."""

from .app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
