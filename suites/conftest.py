# Hypothesis profiles for the client_validation property tests (`dev`, or `ci` under CI), registered
# before hypothesis' pytest plugin reads --hypothesis-profile.
from contracts import hypothesis_profiles

hypothesis_profiles.load()
