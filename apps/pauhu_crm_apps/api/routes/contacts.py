"""``/v1/crm/contacts``: the people; ``GET /{id}`` adds company, activities and deals."""

from ..resources import Resource, resource_routes

routes = resource_routes(
    Resource(plural="contacts", service=lambda ws: ws.contacts, has_detail=True)
)
