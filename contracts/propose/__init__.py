"""`python -m contracts propose` and `diff`: from the drift runs have seen to a reviewed change of the reference,
and whom a change between two versions of a body's schema breaks."""
