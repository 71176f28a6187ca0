"""Contract verdicts under load: the Locust users and events (`users`), the per-status tally workers ship to the
master (`tally`), and the load run's outputs (`report`). Only `users` imports Locust."""
