"""``/v1/crm/activities``: the timeline, newest occurrence first."""

from ..resources import Resource, resource_routes

routes = resource_routes(Resource(plural="activities", service=lambda ws: ws.activities))
