"""Keys and the cookies they protect: derived signing keys, sealing, the cookie jar, and the
small signed cookies (CSRF token, pending sign-in state, callbackUrl).
"""
