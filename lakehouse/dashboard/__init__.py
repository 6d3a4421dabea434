"""Dashboard queries: every number a page shows comes from a function here, over Gold."""
