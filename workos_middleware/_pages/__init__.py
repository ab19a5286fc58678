"""Built-in pages and the responses the middleware sends: rendering, redirects, error pages,
expiry wording.
"""
