"""Reads the pages and the API need: queries only, never a request, never a
write. Selectors may be used by services; they never import services."""
