"""One run's life, the same for every way in: clear this run's previous outputs, handle SIGINT and SIGTERM, write
every output whole (or say why not), end with the verdict line and the exit code."""
