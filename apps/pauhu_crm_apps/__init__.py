"""Pauhu CRM apps: the composition root and the programs that run the CRM."""

from .bootstrap import open_crm

__all__ = ["open_crm"]
