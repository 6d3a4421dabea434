"""Observability (SPEC §6): the run log, the ops snapshot Gold reads, alerts and health."""
