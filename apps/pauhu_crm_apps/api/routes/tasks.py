"""``/v1/crm/tasks``: follow-ups, by due date; ``overdue=true`` for the late ones."""

from ..resources import Resource, resource_routes

routes = resource_routes(Resource(plural="tasks", service=lambda ws: ws.tasks))
