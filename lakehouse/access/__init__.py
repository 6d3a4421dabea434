"""Access control (PRIV-5): roles from `config/access.yml` → query guards locally,
Lake Formation grants for production."""
