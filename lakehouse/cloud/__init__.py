"""The laptop-to-cloud path (CLOUD-*): S3 storage, the Glue catalog, a loopback AWS emulator."""
