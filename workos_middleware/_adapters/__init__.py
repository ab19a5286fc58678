"""The adapters: ASGI and WSGI translation, the drivers that perform effects, view helpers for
framework requests.
"""
