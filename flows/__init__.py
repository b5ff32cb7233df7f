"""Flows, the CLI and the run's plumbing. Importing the package sets Prefect's environment defaults
first (flows/runtime.py), since Prefect reads its settings once, when it is imported."""

from flows.runtime import set_prefect_defaults

set_prefect_defaults()
