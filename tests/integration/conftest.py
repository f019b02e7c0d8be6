"""Fixtures for the service tests: a CRM over the real store, with a frozen clock."""

from __future__ import annotations

import pytest

from pauhu_crm_core import CRM, CrmWorkspace
from pauhu_crm_core.ports import Store
from pauhu_crm_core.testing import FrozenClock


@pytest.fixture
def crm(store: Store, clock: FrozenClock) -> CRM:
    # The `store` fixture closes the store; the CRM is only a view over it.
    return CRM(store=store, clock=clock)


@pytest.fixture
def ws(crm: CRM, workspace_id: str) -> CrmWorkspace:
    return crm.workspace(workspace_id)
