"""Test scaffolding shared by every app: factories, the tenancy helper, the browser fixture."""
