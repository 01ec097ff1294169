"""The operators' command line: run, migrate and seed the Support desk."""
