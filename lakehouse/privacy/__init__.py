"""Privacy: PII detection and redaction, consent, DSAR delete, retention, audit."""
