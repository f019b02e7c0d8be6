"""``/v1/crm/companies``: the accounts; ``GET /{id}`` adds contacts, deals and activities."""

from ..resources import Resource, resource_routes

routes = resource_routes(
    Resource(plural="companies", service=lambda ws: ws.companies, has_detail=True)
)
