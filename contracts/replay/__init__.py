"""`python -m contracts replay`: recorded traffic judged exchange by exchange, in chunks and in parallel, and the
gate's outputs written for it."""
