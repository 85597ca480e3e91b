"""Request and response schemas of the JSON API, one module per feature (never table rows)."""
