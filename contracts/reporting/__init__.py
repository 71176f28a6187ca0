"""What a run saw and how it is shown: the run record and summary.json, the HTML report's parts, and the console
writer. Imports `core` and `judging`."""
