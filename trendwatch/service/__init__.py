"""The service: the daemon and its loop, the jobs it hands to child processes, the
scheduler, the config watcher and the status report."""
