"""The session: its cookie value, the codec that starts, reads, renews and ends it, the stores
that keep it server-side, provider tokens sealed inside it.
"""
