"""HTTP plumbing shared by the JSON API (api/) and the web pages (web/).

One guard per route (session, CSRF, permission), the error translation, the security headers,
idempotency keys and the login rate limit live here, so both entry points behave the same.
"""
