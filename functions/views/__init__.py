"""The console's pages: one module per area. A view parses its input with a
form, reaches the object through the access guard (access.py), calls one
service or selector and renders; htmx requests get the partial."""
