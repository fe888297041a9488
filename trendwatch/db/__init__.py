"""The database: one SQLite file, its migrations, the daemon lock, and storage faults in one
line each. Below everything but the config: knows nothing of ranking, the web or plugins."""
