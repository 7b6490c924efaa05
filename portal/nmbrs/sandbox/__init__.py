"""A local Nmbrs SOAP v3 sandbox with the demo portal's data (no Nmbrs account needed)."""
